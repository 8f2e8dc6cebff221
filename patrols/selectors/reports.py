"""Reads for one officer's shift and its report: the shift open for check-ins,
the report's pre-fill and history, and the morning report's data."""

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone

from patrols import presence
from patrols.models import CheckIn, CheckInKind, Incident, PatrolReport

# Slot states on the live board.
from patrols.selectors.night import night_status
from precincts.models import Officer
from schedules import nights
from schedules.models import RotationPlan, Shift, ShiftStatus


@dataclass
class CurrentShift:
    shift: Shift
    present: bool

    @property
    def next_kind(self) -> str:
        """What the one big button records: arriving, or leaving."""
        return CheckInKind.LEAVE if self.present else CheckInKind.ARRIVE


def current_shift(*, officer: Officer, at: dt.datetime | None = None):
    """The officer's shift open for check-ins at `at` (its time ± the plan's grace),
    preferring the one in progress; None when there is none."""
    at = at or timezone.now()
    # No plan allows more than a day of grace in practice; the exact window is
    # checked per plan below.
    candidates = [
        shift
        for shift in Shift.objects.filter(
            assignments__officer=officer,
            status=ShiftStatus.SCHEDULED,
            start__lte=at + dt.timedelta(days=1),
            end__gte=at - dt.timedelta(days=1),
        )
        .select_related("plan", "precinct")
        .order_by("start")
        if shift.start - _grace(shift) <= at <= shift.end + _grace(shift)
    ]
    if not candidates:
        return None
    running = [s for s in candidates if s.start <= at < s.end]
    upcoming = [s for s in candidates if at < s.start]
    shift = (running or upcoming or candidates[-1:])[0]
    own = CheckIn.objects.filter(
        shift__plan_id=shift.plan_id, shift__night=shift.night, officer=officer
    )
    intervals = presence.intervals_by_officer(
        presence.Event(c.officer_id, c.kind, c.at) for c in own
    ).get(officer.pk, [])
    return CurrentShift(shift=shift, present=presence.is_present(intervals, at))


def _grace(shift: Shift) -> dt.timedelta:
    return dt.timedelta(minutes=shift.plan.checkin_grace_minutes)


def report_prefill(*, shift: Shift) -> dict:
    """Initial values for a new report: who was at the post, and when it was held."""
    rostered = set(shift.assignments.values_list("officer_id", flat=True))
    checkins = CheckIn.objects.filter(
        shift__plan_id=shift.plan_id, shift__night=shift.night, officer__in=rostered
    )
    intervals = presence.intervals_by_officer(
        presence.Event(c.officer_id, c.kind, c.at) for c in checkins
    )
    until = min(timezone.now(), shift.end)
    present = sorted(
        officer_id
        for officer_id, own in intervals.items()
        if presence.covered(own, shift.start, max(until, shift.start))
    )
    team = [i for own in intervals.values() for i in own]
    held = presence.covered(team, shift.start, shift.end)
    # Valid as the form opens: a patrol cannot end in the future, so before the
    # shift's end the pre-filled end is now (to the minute the form shows).
    now = timezone.now().replace(second=0, microsecond=0)
    return {
        "present": present,
        "started_at": held[0][0] if held else shift.start,
        "ended_at": min(held[-1][1] if held else shift.end, now),
    }


def report_with_history(report_id: int) -> PatrolReport:
    return (
        PatrolReport.objects.select_related(
            "shift__plan", "shift__precinct", "author", "acknowledged_by"
        )
        .prefetch_related("present", "incidents", "revisions__changed_by")
        .get(pk=report_id)
    )


def _iso(value: dt.datetime | None, tz) -> str | None:
    return timezone.localtime(value, tz).isoformat() if value else None


def morning_report_data(*, plan: RotationPlan, night: dt.date, at: dt.datetime) -> dict:
    """Everything the morning report shows, as JSON-ready values."""
    tz = plan.tz
    status = night_status(plan=plan, night=night, at=at)
    shift_ids = [slot.shift.pk for slot in status.slots]
    reports = {
        r.shift_id: r
        for r in PatrolReport.objects.filter(shift_id__in=shift_ids).select_related(
            "author"
        )
    }
    incidents = Incident.objects.filter(report__shift_id__in=shift_ids).select_related(
        "report__shift__precinct"
    )
    window_start, window_end = nights.window_bounds(
        night, plan.window_start, plan.window_end, tz
    )
    tally = _Tally()
    slots, empty_posts, missing = [], [], []
    for slot in status.slots:
        shift = slot.shift
        precinct = _precinct_entry(shift)
        report = reports.get(shift.pk)
        entry = _slot_entry(slot, plan, precinct, report, tally)
        slots.append(entry)
        if slot.post_empty:
            empty_posts.append(
                {
                    "slot": shift.slot,
                    "start": entry["start"],
                    "precinct": precinct,
                    "empty_minutes": slot.empty_minutes,
                }
            )
        if shift.status == ShiftStatus.SCHEDULED and report is None:
            missing.append(
                {"slot": shift.slot, "shift": shift.pk, "precinct": precinct}
            )
    return {
        "plan": {"id": plan.pk, "code": plan.code, "name": plan.name},
        "night": night.isoformat(),
        "time_zone": plan.time_zone,
        "window": {"start": _iso(window_start, tz), "end": _iso(window_end, tz)},
        "generated_at": _iso(at, tz),
        "slots": slots,
        "handovers": [_handover_entry(h, tz) for h in status.handovers],
        "punctuality": tally.punctuality(),
        "empty_posts": empty_posts,
        "incidents": [_incident_entry(incident, tz) for incident in incidents],
        "missing_reports": missing,
    }


class _Tally:
    """Arrivals counted over the night and per holding precinct."""

    def __init__(self):
        self.counts = self._zero()
        self.by_precinct: dict[str, dict] = {}

    @staticmethod
    def _zero() -> dict:
        return {presence.ON_TIME: 0, presence.LATE: 0, presence.ABSENT: 0}

    def add(self, status: str, precinct: dict | None) -> None:
        self.counts[status] += 1
        if precinct:
            self.by_precinct.setdefault(precinct["code"], self._zero())[status] += 1

    def punctuality(self) -> dict:
        counts, total = self.counts, sum(self.counts.values())
        return {
            "rostered": total,
            "on_time": counts[presence.ON_TIME],
            "late": counts[presence.LATE],
            "absent": counts[presence.ABSENT],
            "on_time_percent": round(100 * counts[presence.ON_TIME] / total)
            if total
            else None,
            "by_precinct": self.by_precinct,
        }


def _precinct_entry(shift) -> dict | None:
    if not shift.precinct_id:
        return None
    return {
        "id": shift.precinct.pk,
        "code": shift.precinct.code,
        "name": shift.precinct.name,
    }


def _slot_entry(slot, plan, precinct, report, tally: _Tally) -> dict:
    shift, tz = slot.shift, plan.tz
    officers = []
    for officer in slot.officers:
        tally.add(officer.arrival.status, precinct)
        officers.append(
            {
                "id": officer.officer.pk,
                "name": officer.officer.name,
                "rank": officer.officer.get_rank_display(),
                "role": officer.role,
                "arrival": officer.arrival.status,
                "arrived_at": _iso(officer.arrival.arrived_at, tz),
                "minutes_late": officer.arrival.minutes_late,
                "left_at": _iso(officer.left_at, tz),
                "on_behalf": officer.on_behalf,
            }
        )
    return {
        "slot": shift.slot,
        "shift": shift.pk,
        "start": _iso(shift.start, tz),
        "end": _iso(shift.end, tz),
        "status": shift.status,
        "reason": shift.reason,
        "precinct": precinct,
        "officers": officers,
        "rostered": len(officers),
        "min_officers": plan.min_officers,
        "empty_minutes": slot.empty_minutes,
        "post_empty": slot.post_empty,
        "report": (
            {
                "id": report.pk,
                "status": report.status,
                "author": report.author.get_username() if report.author else None,
            }
            if report
            else None
        ),
    }


def _handover_entry(h, tz) -> dict:
    return {
        "at": _iso(h.boundary, tz),
        "from": h.previous.precinct.code,
        "to": h.following.precinct.code,
        "status": h.handover.status,
        "next_arrived_at": _iso(h.handover.next_arrived_at, tz),
        "previous_left_at": _iso(h.handover.previous_left_at, tz),
        "gap_minutes": h.handover.gap_minutes,
    }


def _incident_entry(incident, tz) -> dict:
    shift = incident.report.shift
    return {
        "id": incident.pk,
        "slot": shift.slot,
        "precinct": shift.precinct.code if shift.precinct_id else None,
        "category": incident.category,
        "occurred_at": _iso(incident.occurred_at, tz),
        "people_involved": incident.people_involved,
        "weapons_seized": incident.weapons_seized,
        "description": incident.description,
        "latitude": float(incident.latitude) if incident.latitude is not None else None,
        "longitude": float(incident.longitude)
        if incident.longitude is not None
        else None,
    }


# What names a person in a stored morning report's officer entry.
_OFFICER_IDENTITY = ("id", "name", "rank")


def morning_report_for(
    data: dict, *, sees_roster_of: Callable[[int | None], bool]
) -> dict:
    """A stored morning report as one client may read it.

    The report covers every member precinct's people, but a client sees the
    officers of a holder's slot only where it sees that holder's roster (the rule
    of shifts, e.g. api.access.Client.sees_roster_of). Elsewhere an officer keeps
    the role and punctuality the report's totals count, without id, name or
    rank, and the patrol report's author is left out; each slot says which with
    `personnel_visible`. An incident's description follows the same rule
    (`details_visible`). Applied on reading, so it holds for reports stored at any
    time.
    """
    sees = functools.cache(sees_roster_of)
    slots = []
    for slot in data.get("slots", []):
        visible = sees((slot.get("precinct") or {}).get("id"))
        slot = {**slot, "personnel_visible": visible}
        if not visible:
            slot["officers"] = [
                {**officer, **dict.fromkeys(_OFFICER_IDENTITY)}
                for officer in slot.get("officers", [])
            ]
            if slot.get("report"):
                slot["report"] = {**slot["report"], "author": None}
        slots.append(slot)
    # An incident's free text may name people: it shows where the holder's roster
    # does; elsewhere the incident keeps what the night's totals count.
    ids = {
        slot["precinct"]["code"]: slot["precinct"]["id"]
        for slot in data.get("slots", [])
        if slot.get("precinct")
    }
    incidents = []
    for incident in data.get("incidents", []):
        visible = sees(ids.get(incident.get("precinct")))
        incident = {**incident, "details_visible": visible}
        if not visible:
            incident["description"] = None
        incidents.append(incident)
    return {**data, "slots": slots, "incidents": incidents}
