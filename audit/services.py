"""Writing the audit trail. Every event goes through record()."""

from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import models

from audit import context
from audit.models import Action, AuditEvent, Outcome, object_type_of


def actor_fields(actor: Any) -> dict:
    """User id and label, or the API key for a request made with one."""
    if actor is None:
        return {}
    key = getattr(actor, "key", None)
    if key is not None:
        # api.authentication.ApiKeyUser: the system behind a key, not a person.
        return {"api_key_id": key.pk, "actor_label": str(key)[:150]}
    if isinstance(actor, AnonymousUser) or not isinstance(actor, AbstractBaseUser):
        return {}
    if actor.pk is not None:
        return {"actor_id": actor.pk, "actor_label": actor.get_username()[:150]}
    return {}


def _actor_from_request(request) -> Any:
    # DRF copies the user it authenticated (a person or an API key) onto the
    # Django request, so this sees API callers too.
    return getattr(request, "user", None)


def _fields_for(actor: Any, ctx: context.RequestContext | None) -> dict:
    if actor is not None or ctx is None:
        return actor_fields(actor)
    if ctx.request is not None:
        return actor_fields(_actor_from_request(ctx.request))
    return dict(ctx.actor or {})


def context_actor_fields(ctx: context.RequestContext) -> dict:
    """Who acts in a context: its request's user or API key, or a worker's actor."""
    return _fields_for(None, ctx)


# One INSERT needs no transaction of its own; inside the caller's it commits or
# rolls back with the change it describes.
def record(
    *,
    action: str,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    outcome: str = Outcome.SUCCESS,
    actor: Any = None,
    label: str = "",
) -> AuditEvent:
    """Append one event. Actor, IP and request id come from the current request
    unless an actor is given; `label` names the target when there is no object
    (a username that does not exist, for instance)."""
    ctx = context.current()
    event = AuditEvent(
        action=action,
        outcome=outcome,
        before=before,
        after=after,
        ip=ctx.ip if ctx else None,
        request_id=ctx.request_id if ctx else "",
        object_label=label[:255],
        **_fields_for(actor, ctx),
    )
    if obj is not None:
        event.object_type = object_type_of(obj)
        event.object_id = str(obj.pk)
        event.object_label = (label or str(obj))[:255]
    event.save(force_insert=True)
    return event


def record_generation(
    *, plan: models.Model, summary: dict, actor: Any = None
) -> AuditEvent:
    """One event for a generation run, whose bulk writes send no model signals.

    `summary` is what the run did, e.g. {"until": "2024-02-28", "created": 140,
    "changed": 3, "removed": 1}; call it inside the run's transaction, after the
    writes, so the event exists exactly when the shifts do.
    """
    return record(action=Action.GENERATE, obj=plan, after=summary, actor=actor)
