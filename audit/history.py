"""Audit events made readable for a page: local times, field names, before → after
in words (precinct and officer names, not ids; statuses by their label).

The queries are fixed whatever the number of events: the events, then one query
per kind of object they name (precincts, officers, users...).
"""

import datetime as dt
import zoneinfo
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.apps import apps
from django.db import models
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from audit.models import Action, AuditEvent, Outcome
from common import labels
from precincts import access
from precincts.models import Role

EMPTY = "—"


@dataclass
class Change:
    field: str
    before: str
    after: str


@dataclass
class Entry:
    at: dt.datetime
    when: str
    actor: str
    action: str
    subject: str
    outcome: str
    failed: bool
    changes: list[Change] = field(default_factory=list)


def may_see(user) -> bool:
    """Commanders and administrators read a shift's or report's history."""
    return access.role_of(user) in ("administrator", Role.COMMANDER)


def _model(object_type: str) -> type[models.Model] | None:
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def _fields(model: type[models.Model]) -> dict[str, models.Field]:
    return {f.attname: f for f in model._meta.concrete_fields}


# What a named object's label reads, fetched with it.
_WITH = {"schedules.Shift": ["plan", "precinct"]}


def _names(events: list[AuditEvent], parent: tuple) -> dict[type[models.Model], dict]:
    """Every object the events' foreign keys name, one query per model."""
    wanted: dict[type[models.Model], set] = defaultdict(set)
    for event in events:
        model = _model(event.object_type)
        if model is None:
            continue
        fields = _fields(model)
        for values in (event.before or {}, event.after or {}):
            if not isinstance(values, dict):
                continue
            for attname, value in values.items():
                f = fields.get(attname)
                if f is None or not f.is_relation or value is None:
                    continue
                if (attname, value) != parent:
                    wanted[f.related_model].add(value)
    found = {}
    for model, ids in wanted.items():
        queryset = model._base_manager.select_related(*_WITH.get(model._meta.label, []))
        found[model] = queryset.in_bulk(ids)
    return found


def _related_label(obj: models.Model) -> str:
    if obj._meta.label == "auth.User":
        return obj.get_full_name() or obj.get_username()
    if obj._meta.label == "precincts.Officer":
        return f"{obj.get_rank_display()} {obj.name}"
    return str(obj)


def _instant(value, tz: zoneinfo.ZoneInfo) -> str:
    if isinstance(value, str):
        try:
            value = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    # The duty night and the plan's wall clock, as every page (common.labels).
    return labels.at(value, tz)


def _value(f: models.Field | None, value, names: dict, tz) -> str:
    if value is None or value == "":
        return EMPTY
    if f is None:
        return str(value)
    if f.is_relation:
        obj = names.get(f.related_model, {}).get(value)
        return _related_label(obj) if obj is not None else f"#{value}"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(f, models.DateTimeField):
        return _instant(value, tz)
    if isinstance(f, models.DateField):
        try:
            return formats.date_format(dt.date.fromisoformat(value), "D j M Y")
        except (TypeError, ValueError):
            return str(value)
    return str(value)


def _changes(event: AuditEvent, names: dict, tz, parent: tuple) -> list[Change]:
    model = _model(event.object_type)
    fields = _fields(model) if model else {}
    before, after = event.before or {}, event.after or {}
    if not isinstance(before, dict) or not isinstance(after, dict):
        return []
    changes = []
    for attname in list(dict.fromkeys([*before, *after])):
        values = [v for v in (before.get(attname), after.get(attname)) if v is not None]
        if (attname, values) == (parent[0], [parent[1]] * len(values)):
            # The page's own shift or report, named by each of its parts.
            continue
        if event.action != Action.UPDATE and values in ([], [""]):
            continue
        f = fields.get(attname)
        label = capfirst(str(f.verbose_name)) if f is not None else attname
        changes.append(
            Change(
                field=label,
                before=_value(f, before.get(attname), names, tz)
                if attname in before
                else "",
                after=_value(f, after.get(attname), names, tz)
                if attname in after
                else "",
            )
        )
    return changes


def _actor(event: AuditEvent) -> str:
    if event.api_key_id is not None:
        return _("API key “%(name)s”") % {"name": event.actor_label}
    return event.actor_label or _("the system")


# A label stored with an event is its object's str() then, which names an instant
# in UTC; these objects' labels are rebuilt from the event's own values instead.
_REBUILT = {
    "patrols.checkin": ("officer_id", "kind", "at"),
    "patrols.incident": ("category", "occurred_at"),
    "schedules.blackout": ("precinct_id", "start", "end"),
}


def _subject(event: AuditEvent, own_type: str, names: dict, tz) -> str:
    if event.object_type == own_type:
        return ""
    model = _model(event.object_type)
    kind = capfirst(str(model._meta.verbose_name)) if model else event.object_type
    label = event.object_label
    values = event.after or event.before
    if model and event.object_type in _REBUILT and isinstance(values, dict):
        fields = _fields(model)
        label = " ".join(
            _value(fields.get(name), values[name], names, tz)
            for name in _REBUILT[event.object_type]
            if name in values
        )
    return f"{kind}: {label}" if label else kind


def entries(
    events: Iterable[AuditEvent],
    *,
    tz: zoneinfo.ZoneInfo,
    own: models.Model,
    parent_key: str = "",
) -> list[Entry]:
    """The events as lines of a history. `own` is the page's object: its events
    need no subject, and its parts' `parent_key` (e.g. shift_id) naming it is left
    out as said already."""
    own_type = own._meta.label_lower
    parent = (parent_key, own.pk)
    events = list(events)
    names = _names(events, parent)
    return [
        Entry(
            at=event.at,
            when=_instant(event.at, tz),
            actor=_actor(event),
            action=str(Action(event.action).label)
            if event.action in Action.values
            else event.action,
            subject=_subject(event, own_type, names, tz),
            outcome=str(Outcome(event.outcome).label)
            if event.outcome in Outcome.values
            else event.outcome,
            failed=event.outcome != Outcome.SUCCESS,
            changes=_changes(event, names, tz, parent),
        )
        for event in events
    ]
