"""Reading the audit trail: one object's history, or a shift's or report's with
everything recorded about their parts (assignments, check-ins, swaps, incidents)."""

from django.db import models
from django.db.models import Q, QuerySet

from audit.models import Action, AuditEvent, object_type_of

# Parts recorded as their own objects, found by the key naming their parent in the
# values they were created (or deleted) with.
SHIFT_PARTS = {
    "schedules.assignment": "shift_id",
    "schedules.swaprequest": "shift_id",
    "patrols.checkin": "shift_id",
    "patrols.patrolreport": "shift_id",
}
REPORT_PARTS = {"patrols.incident": "report_id"}


def history_for(obj: models.Model) -> QuerySet[AuditEvent]:
    """Everything recorded about one object, newest first."""
    return AuditEvent.objects.for_object(obj).order_by("-at", "-id")


def _parts(parent_pk: int, parts: dict[str, str]) -> Q:
    """Events of every part that ever named this parent.

    An update records only the fields it changed (a new leader changes `role`, not
    `shift_id`), so the parts are found by the events that set the parent key
    (creating the part, or moving it here), and then every event of those parts
    is taken. Two indexed queries (see the audit_after_* indexes), whatever the
    size of the trail.
    """
    named_here = Q(pk__in=[])
    for object_type, key in parts.items():
        named_here |= Q(object_type=object_type, **{f"after__{key}": parent_pk})
    found: dict[str, list[str]] = {}
    for object_type, object_id in (
        AuditEvent.objects.filter(named_here, action__in=[Action.CREATE, Action.UPDATE])
        .values_list("object_type", "object_id")
        .distinct()
    ):
        found.setdefault(object_type, []).append(object_id)
    condition = Q(pk__in=[])
    for object_type, ids in found.items():
        condition |= Q(object_type=object_type, object_id__in=ids)
    return condition


def _of(obj: models.Model) -> Q:
    return Q(object_type=object_type_of(obj), object_id=str(obj.pk))


def _with_parts(obj: models.Model, parts) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(_of(obj) | _parts(obj.pk, parts)).order_by(
        "-at", "-id"
    )


def shift_history(shift: models.Model) -> QuerySet[AuditEvent]:
    """The shift's own events and those of its assignments, swaps, check-ins and
    report, newest first."""
    return _with_parts(shift, SHIFT_PARTS)


def report_history(report: models.Model) -> QuerySet[AuditEvent]:
    """The report's own events and those of its incidents, newest first."""
    return _with_parts(report, REPORT_PARTS)
