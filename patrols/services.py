"""Patrol services: check-ins, patrol reports and incidents, the morning report.

Who may act (PRODUCT.md):
- an officer checks in on their own shifts; the duty officer of the shift's precinct
  may record a check-in for an officer without a phone (marked on_behalf);
- a report is written by the shift's leader or its precinct's duty officer, and
  corrected by them until a commander acknowledges it; after that only a commander
  of the precinct may correct it. Every version is kept as a ReportRevision.
"""

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    FieldDoesNotExist,
    PermissionDenied,
    ValidationError,
)
from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from notices import render
from notices import selectors as notice_selectors
from notices import services as notice_services
from notices.models import NotificationKind
from patrols import presence, selectors
from patrols.models import (
    CheckIn,
    CheckInKind,
    Incident,
    IncidentCategory,
    MorningReport,
    PatrolReport,
    ReportRevision,
    ReportStatus,
    RevisionAction,
)
from precincts import access
from precincts.models import Officer
from schedules import nights
from schedules.models import (
    Assignment,
    AssignmentRole,
    RotationPlan,
    Shift,
    ShiftStatus,
)

# A phone's clock and a slow network: how far an officer's own check-in time may
# differ from the server's.
CLOCK_SKEW = dt.timedelta(minutes=2)
COORDINATE = Decimal("0.000001")


# --- check-ins -------------------------------------------------------------------


def _is_aware(value) -> bool:
    return isinstance(value, dt.datetime) and timezone.is_aware(value)


def checkin_window(shift: Shift) -> tuple[dt.datetime, dt.datetime]:
    """When check-ins for this shift are accepted: its time ± the plan's grace."""
    grace = dt.timedelta(minutes=shift.plan.checkin_grace_minutes)
    return shift.start - grace, shift.end + grace


def _location(latitude, longitude, accuracy_m) -> tuple:
    if latitude is None and longitude is None:
        if accuracy_m is not None:
            raise ValidationError({"accuracy_m": _("An accuracy needs a location.")})
        return None, None, None
    if latitude is None or longitude is None:
        field_name = "latitude" if latitude is None else "longitude"
        raise ValidationError(
            {field_name: _("A location needs both latitude and longitude.")}
        )
    errors, values = {}, {}
    for name, value, limit in (
        ("latitude", latitude, 90),
        ("longitude", longitude, 180),
    ):
        try:
            number = Decimal(str(value)).quantize(COORDINATE)
        except (InvalidOperation, ValueError):
            errors[name] = _("Enter a number.")
            continue
        if not -limit <= number <= limit:
            errors[name] = _("Must be between -%(limit)s and %(limit)s.") % {
                "limit": limit
            }
        values[name] = number
    if accuracy_m is not None and (
        not isinstance(accuracy_m, int | float) or accuracy_m < 0
    ):
        errors["accuracy_m"] = _("The accuracy is a number of metres, 0 or more.")
    if errors:
        raise ValidationError(errors)
    accuracy = round(accuracy_m) if accuracy_m is not None else None
    return values["latitude"], values["longitude"], accuracy


@transaction.atomic
def check_in(
    *,
    shift: Shift,
    officer: Officer,
    kind: str,
    by: User,
    at: dt.datetime | None = None,
    latitude: float | Decimal | None = None,
    longitude: float | Decimal | None = None,
    accuracy_m: float | None = None,
) -> CheckIn:
    """Record an officer arriving at or leaving the post during a shift."""
    now = timezone.now()
    own = officer.user_id is not None and officer.user_id == by.pk
    on_behalf = not own
    if on_behalf and not access.can_edit_roster(by, shift.precinct):
        raise PermissionDenied(
            _("Only the officer or a duty officer of the precinct can check in.")
        )
    if kind not in CheckInKind.values:
        raise ValidationError({"kind": _("Choose arrive or leave.")})
    latitude, longitude, accuracy = _location(latitude, longitude, accuracy_m)
    # The officer row lock serialises one officer's taps (a double tap on a phone).
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    shift = Shift.objects.select_related("plan", "precinct").get(pk=shift.pk)
    if shift.status != ShiftStatus.SCHEDULED:
        raise ValidationError(
            {
                "shift": _("This shift is %(status)s.")
                % {"status": shift.get_status_display()}
            }
        )
    if not officer.active:
        raise ValidationError({"officer": _("This officer is not active.")})
    if not Assignment.objects.filter(shift=shift, officer=officer).exists():
        raise ValidationError({"officer": _("This officer is not on this shift.")})
    if at is None:
        at = now
    elif not _is_aware(at):
        raise ValidationError({"at": _("Give the time with its time zone.")})
    if at > now + CLOCK_SKEW:
        raise ValidationError({"at": _("A check-in cannot be in the future.")})
    if own and at < now - CLOCK_SKEW:
        raise ValidationError(
            {"at": _("Your own check-in is recorded at the current time.")}
        )
    opens, closes = checkin_window(shift)
    if not opens <= at <= closes:
        tz = shift.plan.tz
        raise ValidationError(
            {
                "at": _(
                    "Check-ins for this shift are open from %(opens)s to %(closes)s."
                )
                % {
                    "opens": f"{timezone.localtime(opens, tz):%H:%M}",
                    "closes": f"{timezone.localtime(closes, tz):%H:%M}",
                }
            }
        )
    _check_sequence(shift, officer, kind, at)
    return CheckIn.objects.create(
        shift=shift,
        officer=officer,
        kind=kind,
        at=at,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy,
        recorded_by=by,
        on_behalf=on_behalf,
    )


def _check_sequence(shift: Shift, officer: Officer, kind: str, at: dt.datetime) -> None:
    # Presence runs across the officer's consecutive shifts of the night, so the
    # order is checked over the whole night of the plan, not one shift.
    earlier = CheckIn.objects.filter(
        shift__plan_id=shift.plan_id, shift__night=shift.night, officer=officer
    )
    if earlier.filter(at__gt=at).exists():
        raise ValidationError(
            {"at": _("A later check-in of this officer is already recorded.")}
        )
    intervals = presence.intervals_by_officer(
        presence.Event(c.officer_id, c.kind, c.at) for c in earlier
    ).get(officer.pk, [])
    there = presence.is_present(intervals, at)
    if kind == CheckInKind.ARRIVE and there:
        raise ValidationError({"kind": _("This officer is already at the post.")})
    if kind == CheckInKind.LEAVE and not there:
        raise ValidationError(
            {"kind": _("This officer has not checked in at the post.")}
        )


# --- patrol reports ----------------------------------------------------------------


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


def _record(
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


def _check_times(shift: Shift, started_at, ended_at) -> None:
    errors = {}
    for name, value in (("started_at", started_at), ("ended_at", ended_at)):
        if not _is_aware(value):
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


def _check_present(shift: Shift, officers: Iterable[Officer]) -> list[Officer]:
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


def _clean_incident(report: PatrolReport, data: dict) -> dict:
    if not isinstance(data, dict):
        raise ValidationError({"incident": _("An incident is a set of fields.")})
    errors = {}
    category = data.get("category")
    if category not in IncidentCategory.values:
        errors["category"] = _("Choose a category.")
    occurred_at = data.get("occurred_at")
    if not _is_aware(occurred_at):
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
        latitude, longitude, _accuracy = _location(
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
    _check_times(shift, started_at, ended_at)
    if present is None:
        present = Officer.objects.filter(pk__in=prefill["present"])
    present = _check_present(shift, present)
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
            Incident.objects.create(report=report, **_clean_incident(report, data))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault("incidents", []).extend(
                    _incident_error(index, name, message) for message in messages
                )
    if errors:
        raise ValidationError(errors)
    _record(report, action=RevisionAction.SUBMITTED, by=by, before=None, note="")
    return report


def _lock_for_correction(
    report: PatrolReport, by: User, expected_version: int | None
) -> PatrolReport:
    report = (
        PatrolReport.objects.select_for_update(of=("self",))
        .select_related("shift__plan", "shift__precinct")
        .get(pk=report.pk)
    )
    if not can_correct_report(by, report):
        if report.status == ReportStatus.ACKNOWLEDGED and can_write_report(
            by, report.shift
        ):
            raise ValidationError(
                {
                    NON_FIELD_ERRORS: [
                        _(
                            "This report was acknowledged: only a commander can "
                            "correct it now."
                        )
                    ]
                }
            )
        raise PermissionDenied(_("You cannot correct this report."))
    if expected_version is not None and report.version != expected_version:
        raise ValidationError(
            {
                "version": _(
                    "Someone changed this report meanwhile (now version %(v)s); "
                    "reload it."
                )
                % {"v": report.version}
            }
        )
    return report


@transaction.atomic
def correct_report(
    *,
    report: PatrolReport,
    by: User,
    started_at: dt.datetime | None = None,
    ended_at: dt.datetime | None = None,
    summary: str | None = None,
    present: Iterable[Officer] | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> PatrolReport:
    """Change a report's content (None leaves a field as it is); keeps a revision."""
    report = _lock_for_correction(report, by, expected_version)
    before = report_snapshot(report)
    started_at = started_at or report.started_at
    ended_at = ended_at or report.ended_at
    _check_times(report.shift, started_at, ended_at)
    if report.incidents.exclude(
        occurred_at__gte=started_at, occurred_at__lte=ended_at
    ).exists():
        raise ValidationError(
            {NON_FIELD_ERRORS: [_("An incident would fall outside the patrol times.")]}
        )
    report.started_at, report.ended_at = started_at, ended_at
    if summary is not None:
        report.summary = summary
    if present is not None:
        report.present.set(_check_present(report.shift, present))
    return _save_correction(report, by=by, before=before, note=note)


def _save_correction(
    report: PatrolReport, *, by: User, before: dict, note: str
) -> PatrolReport:
    if report_snapshot(report) == before:
        return report
    report.version += 1
    report.save()
    _record(report, action=RevisionAction.CORRECTED, by=by, before=before, note=note)
    return report


@transaction.atomic
def add_incident(
    *, report: PatrolReport, by: User, note: str = "", **fields
) -> Incident:
    """Add an incident to a report (a correction, kept as a revision)."""
    report = _lock_for_correction(report, by, None)
    before = report_snapshot(report)
    incident = Incident.objects.create(report=report, **_clean_incident(report, fields))
    _save_correction(report, by=by, before=before, note=note)
    return incident


@transaction.atomic
def correct_incident(
    *, incident: Incident, by: User, note: str = "", **fields
) -> Incident:
    """Change some fields of an incident (a correction, kept as a revision)."""
    report = _lock_for_correction(incident.report, by, None)
    incident = Incident.objects.get(pk=incident.pk, report=report)
    before = report_snapshot(report)
    current = {
        name: getattr(incident, name)
        for name in (
            "category",
            "occurred_at",
            "people_involved",
            "weapons_seized",
            "description",
            "latitude",
            "longitude",
        )
    }
    unknown = set(fields) - set(current)
    if unknown:
        raise ValidationError(
            {name: _("Not an incident field.") for name in sorted(unknown)}
        )
    for name, value in _clean_incident(report, current | fields).items():
        setattr(incident, name, value)
    incident.save()
    _save_correction(report, by=by, before=before, note=note)
    return incident


@transaction.atomic
def remove_incident(*, incident: Incident, by: User, note: str = "") -> PatrolReport:
    """Delete an incident from a report; the revision keeps what it said."""
    report = _lock_for_correction(incident.report, by, None)
    before = report_snapshot(report)
    Incident.objects.filter(pk=incident.pk, report=report).delete()
    return _save_correction(report, by=by, before=before, note=note)


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
    _record(report, action=RevisionAction.ACKNOWLEDGED, by=by, before=before, note="")
    return report


# --- the morning report --------------------------------------------------------------


def morning_report_due(plan: RotationPlan, at: dt.datetime) -> dt.date | None:
    """Last night, once its window has ended and the plan's report time passed."""
    night = nights.last_night(at, plan.window_start, plan.window_end, plan.tz)
    if night < plan.valid_from or (plan.valid_until and night > plan.valid_until):
        return None
    _start, end = nights.window_bounds(
        night, plan.window_start, plan.window_end, plan.tz
    )
    local_end = end.astimezone(plan.tz)
    due = dt.datetime.combine(
        local_end.date(), plan.morning_report_time, tzinfo=plan.tz
    )
    return night if max(due, end) <= at else None


@transaction.atomic
def build_morning_report(
    *,
    plan: RotationPlan,
    night: dt.date,
    at: dt.datetime | None = None,
    rebuild: bool = False,
) -> MorningReport:
    """The stored report of one night; built once unless `rebuild` is asked."""
    at = at or timezone.now()
    existing = (
        MorningReport.objects.select_for_update().filter(plan=plan, night=night).first()
    )
    if existing and not rebuild:
        return existing
    data = selectors.morning_report_data(plan=plan, night=night, at=at)
    values = {
        "generated_at": at,
        "data": data,
        "slot_count": len(data["slots"]),
        "empty_post_count": len(data["empty_posts"]),
        "late_count": data["punctuality"]["late"],
        "absent_count": data["punctuality"]["absent"],
        "incident_count": len(data["incidents"]),
        "missing_report_count": len(data["missing_reports"]),
    }
    report, _created = MorningReport.objects.update_or_create(
        plan=plan, night=night, defaults=values
    )
    return report


@render.in_site_language
@transaction.atomic
def send_morning_report(*, report: MorningReport) -> list:
    """Notify the commanders of every member precinct (once each)."""
    plan = report.plan
    member_ids = list(plan.memberships.values_list("precinct_id", flat=True))
    title = _("Morning report: %(plan)s, night of %(night)s") % {
        "plan": plan.name,
        "night": formats.date_format(report.night, "D j M Y"),
    }
    punctuality = report.data["punctuality"]
    body = "\n".join(
        [
            _("Slots: %(n)s") % {"n": report.slot_count},
            _("On time: %(on_time)s of %(rostered)s officers") % punctuality,
            _("Late: %(late)s; absent: %(absent)s") % punctuality,
            _("Empty posts: %(n)s") % {"n": report.empty_post_count},
            _("Incidents: %(n)s") % {"n": report.incident_count},
            _("Reports missing: %(n)s") % {"n": report.missing_report_count},
        ]
    )
    sent = []
    for user in notice_selectors.commanders(member_ids):
        notification = notice_services.notify(
            recipient=user,
            kind=NotificationKind.MORNING_REPORT,
            title=title,
            body=body,
            plan=plan,
            night=report.night,
            target=report,
            link=render.page_link("patrols:morning_report", report.pk),
            dedupe_key=f"morning_report:{plan.pk}:{report.night}:{user.pk}",
        )
        if notification:
            sent.append(notification)
    return sent


def send_morning_reports(*, at: dt.datetime | None = None) -> list[MorningReport]:
    """Build and send the morning report of each plan whose report is due."""
    at = at or timezone.now()
    reports = []
    for plan in RotationPlan.objects.filter(active=True):
        night = morning_report_due(plan, at)
        if night is None:
            continue
        with transaction.atomic():
            report = build_morning_report(plan=plan, night=night, at=at)
            send_morning_report(report=report)
        reports.append(report)
    return reports
