"""Changes to the records that matter, recorded from model signals.

Signals are used here, not for business rules but because the audit trail must
see every path that saves through the ORM (services, admin, imports, shell) without
each of them remembering to call it. Bulk writes (QuerySet.update, bulk_create,
bulk_update) send no signals: their callers record a summary themselves
(services.record_generation for the shift generator).
"""

import contextlib
import json

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save
from import_export.signals import post_export

from audit import services
from audit.models import Action

# model label → fields never written to the trail (secrets, noise).
TRACKED: dict[str, set[str]] = {
    "schedules.RotationPlan": {"generation_key"},
    "schedules.PlanMember": set(),
    "schedules.Shift": {"version", "change_tx"},  # change_tx: set by a trigger
    "schedules.Assignment": set(),
    "schedules.Blackout": set(),
    "schedules.SwapRequest": set(),
    "patrols.PatrolReport": {"version"},
    "patrols.Incident": set(),
    "patrols.CheckIn": set(),
    "precincts.Officer": set(),
    "precincts.StaffProfile": set(),
    "precincts.Precinct": set(),
    "precincts.Command": set(),
    "precincts.Zone": set(),
    "auth.User": {"password", "last_login"},
    "api.ApiKey": {"key_hash", "last_used_at"},
    "api.FeedToken": {"token_hash", "last_used_at"},
}
_SNAPSHOT = "_audit_before"
_UNTRACKED = object()


def _fields(model: type[models.Model]) -> list[models.Field]:
    skip = TRACKED[model._meta.label]
    return [
        field
        for field in model._meta.concrete_fields
        if field.name not in skip
        and not field.primary_key
        # auto_now fields change on every save and say nothing by themselves.
        and not getattr(field, "auto_now", False)
        and not getattr(field, "auto_now_add", False)
    ]


def _plain(value):
    """A value as it will read in the JSON column, so old and new compare alike."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(instance: models.Model) -> dict:
    values = {}
    for field in _fields(type(instance)):
        value = getattr(instance, field.attname)
        # An unparsable value is still worth keeping as it was given.
        with contextlib.suppress(ValidationError, TypeError, ValueError):
            value = field.to_python(value)
        values[field.attname] = _plain(value)
    return values


def _before_save(sender, instance, raw=False, update_fields=None, **kwargs):
    if raw or instance._state.adding or instance.pk is None:
        return
    if update_fields is not None:
        tracked = {f.name for f in _fields(sender)} | {
            f.attname for f in _fields(sender)
        }
        if tracked.isdisjoint(update_fields):
            # e.g. the roster's version bump: nothing to record, nothing to read.
            setattr(instance, _SNAPSHOT, _UNTRACKED)
            return
    old = sender._base_manager.filter(pk=instance.pk).first()
    setattr(instance, _SNAPSHOT, snapshot(old) if old is not None else None)


def _after_save(sender, instance, created, raw=False, **kwargs):
    if raw:
        return
    before = instance.__dict__.pop(_SNAPSHOT, None)
    if before is _UNTRACKED:
        return
    after = snapshot(instance)
    if created or before is None:
        services.record(action=Action.CREATE, obj=instance, after=after)
        return
    changed = [name for name, value in after.items() if before.get(name) != value]
    if changed:
        services.record(
            action=Action.UPDATE,
            obj=instance,
            before={name: before.get(name) for name in changed},
            after={name: after[name] for name in changed},
        )


def _after_delete(sender, instance, **kwargs):
    services.record(action=Action.DELETE, obj=instance, before=snapshot(instance))


def _exported(sender, model, **kwargs):
    """An admin export (django-import-export) of a whole model, e.g. officers."""
    services.record(
        action=Action.EXPORT,
        label=str(model._meta.verbose_name_plural),
        after={"model": model._meta.label_lower},
    )


def connect() -> None:
    post_export.connect(_exported, dispatch_uid="audit:export")
    for label in TRACKED:
        model = apps.get_model(label)
        uid = f"audit:{label}"
        pre_save.connect(_before_save, sender=model, dispatch_uid=uid)
        post_save.connect(_after_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_after_delete, sender=model, dispatch_uid=uid)
