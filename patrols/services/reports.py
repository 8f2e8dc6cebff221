"""Patrol reports: who may write and sign them, filing one, acknowledging it.

A report is written by the shift's leader or its precinct's duty officer, and
corrected by them until a commander acknowledges it; after that only a commander
of the precinct may correct it (corrections). Every version is kept as a
ReportRevision.
"""

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patrols import selectors
from patrols.models import (
    Incident,
    IncidentCategory,
    PatrolReport,
    ReportRevision,
    ReportStatus,
    RevisionAction,
)
from patrols.services.checkins import CLOCK_SKEW, is_aware, location
from precincts import access
from precincts.models import Officer
from schedules.models import (
    Assignment,
    AssignmentRole,
    Shift,
    ShiftStatus,
)


def is_shift_leader(user: User, shift: Shift) -> bool:
    return Assignment.objects.filter(
        shift=shift, role=AssignmentRole.LEADER, officer__user=user
    ).exists()


def can_write_report(user: User, shift: Shift) -> bool:
    """The shift's leader or a duty officer of its precinct (or an administrator)."""
    return is_shift_leader(user, shift) or access.can_edit_roster(user, shift.precinct)


def can_acknowledge_report(user: User, report: PatrolReport) -> bool:
    precinct = report.shift.precinct
    return precinct is not None and (
        access.commanded_precincts(user).filter(pk=precinct.pk).exists()
    )


def can_correct_report(user: User, report: PatrolReport) -> bool:
    """Writers until a commander acknowledges it; then only a commander."""
    if can_acknowledge_report(user, report):
        return True
    return report.status != ReportStatus.ACKNOWLEDGED and can_write_report(
        user, report.shift
    )


def report_snapshot(report: PatrolReport) -> dict:
    return {
        "status": report.status,
        "started_at": report.started_at.isoformat(),
        "ended_at": report.ended_at.isoformat(),
        "summary": report.summary,
        "present": sorted(report.present.values_list("pk", flat=True)),
        "incidents": [
            {
                "id": i.pk,
                "category": i.category,
                "occurred_at": i.occurred_at.isoformat(),
                "people_involved": i.people_involved,
                "weapons_seized": i.weapons_seized,
                "description": i.description,
                "latitude": str(i.latitude) if i.latitude is not None else None,
                "longitude": str(i.longitude) if i.longitude is not None else None,
            }
            for i in report.incidents.order_by("occurred_at", "pk")
        ],
    }


def record_revision(
    report: PatrolReport, *, action: str, by: User, before: dict | None, note: str
) -> ReportRevision:
    after = report_snapshot(report)
    changes = {
        key: [before.get(key) if before else None, value]
        for key, value in after.items()
        if before is None or before.get(key) != value
    }
    return ReportRevision.objects.create(
        report=report,
        version=report.version,
        action=action,
        changed_by=by,
        changed_at=timezone.now(),
        changes=changes,
        snapshot=after,
        note=note,
    )


def check_times(shift: Shift, started_at, ended_at) -> None:
    errors = {}
    for name, value in (("started_at", started_at), ("ended_at", ended_at)):
        if not is_aware(value):
            errors[name] = _("Give the time with its time zone.")
    if errors:
        raise ValidationError(errors)
    grace = dt.timedelta(minutes=shift.plan.checkin_grace_minutes)
    if ended_at <= started_at:
        raise ValidationError({"ended_at": _("A patrol must end after it starts.")})
    if ended_at > timezone.now() + CLOCK_SKEW:
        raise ValidationError(
            {"ended_at": _("The patrol end cannot be in the future.")}
        )
    if started_at >= shift.end + grace or ended_at <= shift.start - grace:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("The patrol times must overlap the shift.")]}
        )


def check_present(shift: Shift, officers: Iterable[Officer]) -> list[Officer]:
    officers = list(officers)
    rostered = set(shift.assignments.values_list("officer_id", flat=True))
    strangers = [
        o
        for o in officers
        if o.pk not in rostered and o.precinct_id != shift.precinct_id
    ]
    if strangers:
        raise ValidationError(
            {
                "present": _(
                    "Only officers on the shift or of %(precinct)s: %(names)s."
                )
                % {
                    "precinct": shift.precinct,
                    "names": ", ".join(str(o) for o in strangers),
                }
            }
        )
    return officers


def _incident_error(index: int, field: str, message: str) -> str:
    """ "Incident 2, weapons seized: …" with the field's translated label."""
    try:
        label = Incident._meta.get_field(field).verbose_name
    except FieldDoesNotExist:
        return _("Incident %(n)s: %(message)s") % {"n": index, "message": message}
    return _("Incident %(n)s, %(field)s: %(message)s") % {
        "n": index,
        "field": label,
        "message": message,
    }


def clean_incident(report: PatrolReport, data: dict) -> dict:
    if not isinstance(data, dict):
        raise ValidationError({"incident": _("An incident is a set of fields.")})
    errors = {}
    category = data.get("category")
    if category not in IncidentCategory.values:
        errors["category"] = _("Choose a category.")
    occurred_at = data.get("occurred_at")
    if not is_aware(occurred_at):
        errors["occurred_at"] = _("Give the time with its time zone.")
    elif not report.started_at <= occurred_at <= report.ended_at:
        errors["occurred_at"] = _("The incident must happen during the patrol.")
    cleaned = {"category": category, "occurred_at": occurred_at}
    for name in ("people_involved", "weapons_seized"):
        value = data.get(name, 0)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            errors[name] = _("A whole number, 0 or more.")
        cleaned[name] = value
    cleaned["description"] = str(data.get("description") or "")
    try:
        latitude, longitude, _accuracy = location(
            data.get("latitude"), data.get("longitude"), None
        )
    except ValidationError as exc:
        errors.update(exc.message_dict)
        latitude = longitude = None
    cleaned.update(latitude=latitude, longitude=longitude)
    if errors:
        raise ValidationError(errors)
    return cleaned


@transaction.atomic
def submit_report(
    *,
    shift: Shift,
    by: User,
    started_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
    summary: str = "",
    present: Iterable[Officer] | None = None,
    incidents: Iterable[dict] = (),
) -> PatrolReport:
    """File the one report of a shift; missing times and presence come from
    check-ins. Each incident is a dict of Incident fields."""
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("plan", "precinct")
        .get(pk=shift.pk)
    )
    if not can_write_report(by, shift):
        raise PermissionDenied(
            _("Only the shift leader or the precinct's duty officer can report.")
        )
    if shift.status != ShiftStatus.SCHEDULED:
        raise ValidationError({"shift": _("There is no patrol to report on.")})
    if shift.start > timezone.now():
        raise ValidationError({"shift": _("This shift has not started yet.")})
    if PatrolReport.objects.filter(shift=shift).exists():
        raise ValidationError(
            {"shift": _("This shift already has a report; correct it instead.")}
        )
    prefill = selectors.report_prefill(shift=shift)
    started_at = started_at or prefill["started_at"]
    ended_at = ended_at or prefill["ended_at"]
    check_times(shift, started_at, ended_at)
    if present is None:
        present = Officer.objects.filter(pk__in=prefill["present"])
    present = check_present(shift, present)
    report = PatrolReport.objects.create(
        shift=shift,
        author=by,
        started_at=started_at,
        ended_at=ended_at,
        summary=summary or "",
        status=ReportStatus.SUBMITTED,
    )
    report.present.set(present)
    errors = {}
    for index, data in enumerate(incidents, start=1):
        try:
            Incident.objects.create(report=report, **clean_incident(report, data))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault("incidents", []).extend(
                    _incident_error(index, name, message) for message in messages
                )
    if errors:
        raise ValidationError(errors)
    record_revision(
        report, action=RevisionAction.SUBMITTED, by=by, before=None, note=""
    )
    return report


@transaction.atomic
def acknowledge_report(*, report: PatrolReport, by: User) -> PatrolReport:
    """A commander of the shift's precinct signs the report off."""
    report = (
        PatrolReport.objects.select_for_update(of=("self",))
        .select_related("shift__precinct")
        .get(pk=report.pk)
    )
    if not can_acknowledge_report(by, report):
        raise PermissionDenied(
            _("Only a commander of the precinct can acknowledge its reports.")
        )
    if report.status == ReportStatus.ACKNOWLEDGED:
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("This report is already acknowledged.")]}
        )
    before = report_snapshot(report)
    report.status = ReportStatus.ACKNOWLEDGED
    report.acknowledged_by = by
    report.acknowledged_at = timezone.now()
    report.version += 1
    report.save()
    record_revision(
        report, action=RevisionAction.ACKNOWLEDGED, by=by, before=before, note=""
    )
    return report
