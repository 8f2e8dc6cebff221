"""Reads for the night: live post status per slot, report pre-fill, morning report.

`night_status` is what the Tonight page and the API show, and what the morning
report stores; it owns its queries (one for the shifts, one for the rosters, one for
the check-ins, whatever the number of slots).
"""

import datetime as dt
import itertools
from dataclasses import dataclass, field

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from patrols import presence
from patrols.models import CheckIn
from precincts.models import Officer
from schedules import nights
from schedules.models import Assignment, RotationPlan, Shift, ShiftStatus

# Slot states on the live board.
UPCOMING = "upcoming"
ACTIVE = "active"
ENDED = "ended"


@dataclass
class OfficerStatus:
    officer: Officer
    role: str
    present: bool
    arrival: presence.Arrival
    left_at: dt.datetime | None
    on_behalf: bool


@dataclass
class SlotStatus:
    shift: Shift
    state: str
    officers: list[OfficerStatus]
    present_count: int
    post_empty: bool
    empty_minutes: int
    last_seen_at: dt.datetime | None = None

    @property
    def rostered(self) -> int:
        return len(self.officers)


@dataclass
class HandoverStatus:
    previous: Shift
    following: Shift
    boundary: dt.datetime
    handover: presence.Handover


@dataclass
class NightStatus:
    plan: RotationPlan
    night: dt.date
    at: dt.datetime
    slots: list[SlotStatus] = field(default_factory=list)
    handovers: list[HandoverStatus] = field(default_factory=list)

    @property
    def empty_posts(self) -> list[SlotStatus]:
        return [slot for slot in self.slots if slot.post_empty]


def checkins_of_night(plan: RotationPlan, night: dt.date) -> QuerySet[CheckIn]:
    return CheckIn.objects.filter(shift__plan=plan, shift__night=night).order_by(
        "at", "pk"
    )


def night_status(
    *, plan: RotationPlan, night: dt.date | None = None, at: dt.datetime | None = None
) -> NightStatus:
    """Who is (or was) at the post in each slot of a night, as seen at `at`."""
    at = at or timezone.now()
    if night is None:
        night = nights.tonight(at, plan.window_start, plan.window_end, plan.tz)
    shifts = list(
        Shift.objects.on_night(night)
        .filter(plan=plan)
        .exclude(status=ShiftStatus.CANCELLED)
        .select_related("precinct")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("officer").order_by(
                    "role", "officer__name"
                ),
            )
        )
        .order_by("start")
    )
    checkins = list(checkins_of_night(plan, night))
    return build_night_status(
        plan=plan, night=night, shifts=shifts, checkins=checkins, at=at
    )


def build_night_status(
    *,
    plan: RotationPlan,
    night: dt.date,
    shifts: list[Shift],
    checkins: list[CheckIn],
    at: dt.datetime,
) -> NightStatus:
    """The status of a night from shifts already loaded (assignments with their
    officers prefetched, ordered by start) and the night's check-ins."""
    events = [presence.Event(c.officer_id, c.kind, c.at) for c in checkins]
    intervals = presence.intervals_by_officer(events)
    on_behalf = {c.officer_id for c in checkins if c.on_behalf}
    allowance = dt.timedelta(minutes=plan.empty_post_minutes)
    status = NightStatus(plan=plan, night=night, at=at)
    for shift in shifts:
        status.slots.append(_slot_status(shift, intervals, on_behalf, allowance, at))
    for previous, following in itertools.pairwise(status.slots):
        a, b = previous.shift, following.shift
        # A handover needs two teams: an uncovered slot has none.
        if None in (a.precinct_id, b.precinct_id) or a.precinct_id == b.precinct_id:
            continue
        if a.end != b.start:
            continue
        status.handovers.append(
            HandoverStatus(
                previous=a,
                following=b,
                boundary=b.start,
                handover=presence.handover(
                    _team_intervals(previous, intervals),
                    _team_intervals(following, intervals),
                    b.start,
                    at,
                ),
            )
        )
    return status


def night_statuses(
    nights_shifts: list[tuple[RotationPlan, dt.date, list[Shift]]],
    *,
    at: dt.datetime | None = None,
) -> dict[int, NightStatus]:
    """night_status for several plans whose shifts are already loaded (the Tonight
    board's): one query for all their check-ins. Keyed by plan id."""
    at = at or timezone.now()
    if not nights_shifts:
        return {}
    wanted = Q()
    for plan, night, _shifts in nights_shifts:
        wanted |= Q(shift__plan=plan, shift__night=night)
    checkins: dict[tuple[int, dt.date], list[CheckIn]] = {}
    for checkin in (
        CheckIn.objects.filter(wanted)
        .annotate(plan_id=F("shift__plan_id"), night=F("shift__night"))
        .order_by("at", "pk")
    ):
        checkins.setdefault((checkin.plan_id, checkin.night), []).append(checkin)
    return {
        plan.pk: build_night_status(
            plan=plan,
            night=night,
            shifts=sorted(
                (s for s in shifts if s.status != ShiftStatus.CANCELLED),
                key=lambda s: s.start,
            ),
            checkins=checkins.get((plan.pk, night), []),
            at=at,
        )
        for plan, night, shifts in nights_shifts
    }


def _team_intervals(slot: SlotStatus, intervals) -> list[presence.Interval]:
    return [
        interval
        for officer in slot.officers
        for interval in intervals.get(officer.officer.pk, [])
    ]


def _slot_status(shift, intervals, on_behalf, allowance, at) -> SlotStatus:
    state = UPCOMING if at < shift.start else ACTIVE if at < shift.end else ENDED
    officers = []
    # Leader first, then by name, whichever order the caller prefetched them in.
    assignments = sorted(
        shift.assignments.all(), key=lambda a: (a.role, a.officer.name)
    )
    for assignment in assignments:
        own = intervals.get(assignment.officer_id, [])
        ended = [i.end for i in own if i.end is not None and i.end <= shift.end]
        officers.append(
            OfficerStatus(
                officer=assignment.officer,
                role=assignment.role,
                present=state != ENDED and presence.is_present(own, at),
                arrival=presence.arrival(own, shift.start, shift.end),
                left_at=max(ended) if ended else None,
                on_behalf=assignment.officer_id in on_behalf,
            )
        )
    team = [i for o in officers for i in intervals.get(o.officer.pk, [])]
    checked_until = min(at, shift.end)
    empty = 0
    if checked_until > shift.start:
        empty = presence.empty_minutes(team, shift.start, checked_until, allowance)
    present_count = sum(o.present for o in officers)
    post_empty = (
        state == ACTIVE and present_count == 0 and at >= shift.start + allowance
    ) or (state == ENDED and empty > 0)
    seen = presence.covered(team, shift.start, checked_until)
    return SlotStatus(
        shift=shift,
        state=state,
        officers=officers,
        present_count=present_count,
        post_empty=post_empty,
        empty_minutes=empty,
        last_seen_at=seen[-1][1] if seen else None,
    )
