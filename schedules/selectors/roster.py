"""The Roster page's list: the coming shifts of the precincts a user keeps rosters
for, with their teams, as plain rows in two queries (the shifts with their plan
and precinct, then every officer on them). Model instances (a shift, its plan and
precinct, an assignment and an officer per name) cost more to build than the rest
of the page."""

import datetime as dt
import zoneinfo
from dataclasses import dataclass

from django.utils import timezone

from precincts import access
from precincts.models import Rank
from schedules import access as schedule_access
from schedules.models import Assignment, AssignmentRole, ShiftStatus
from schedules.selectors.board import BoardPrecinct


@dataclass(frozen=True)
class RosterPlan:
    pk: int
    name: str
    min_officers: int
    window_start: dt.time
    window_end: dt.time
    time_zone: str

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.time_zone)


@dataclass
class RosterShift:
    pk: int
    night: dt.date
    slot: int
    start: dt.datetime
    end: dt.datetime
    plan: RosterPlan
    precinct: BoardPrecinct
    # (rank shown, name, is the leader), the leader first, then by name.
    team: tuple[tuple[str, str, bool], ...] = ()

    @property
    def short(self) -> bool:
        return len(self.team) < self.plan.min_officers


_FIELDS = (
    "pk", "night", "slot", "start", "end",
    "plan_id", "plan__name", "plan__min_officers", "plan__window_start",
    "plan__window_end", "plan__time_zone",
    "precinct_id", "precinct__code", "precinct__name", "precinct__colour",
)  # fmt: skip


def coming_shifts(user, *, nights: int, now: dt.datetime) -> list[RosterShift]:
    """The user's precincts' scheduled shifts not yet over, up to `nights` nights
    ahead, nearest first."""
    rows = (
        schedule_access.visible_shifts(user)
        .filter(precinct__in=access.roster_precincts(user))
        .filter(status=ShiftStatus.SCHEDULED, end__gt=now)
        .filter(night__lte=timezone.localdate(now) + dt.timedelta(days=nights))
        .order_by("start", "plan__name")
        .values_list(*_FIELDS)
    )
    plans: dict[int, RosterPlan] = {}
    precincts: dict[int, BoardPrecinct] = {}
    shifts = []
    for (
        pk,
        night,
        slot,
        start,
        end,
        plan_id,
        *plan,
        precinct_id,
        code,
        name,
        colour,
    ) in rows:
        if plan_id not in plans:
            plans[plan_id] = RosterPlan(plan_id, *plan)
        if precinct_id not in precincts:
            precincts[precinct_id] = BoardPrecinct(precinct_id, code, name, colour)
        shifts.append(
            RosterShift(
                pk, night, slot, start, end, plans[plan_id], precincts[precinct_id]
            )
        )
    _add_teams(shifts)
    return shifts


def _add_teams(shifts: list[RosterShift]) -> None:
    teams: dict[int, list[tuple]] = {shift.pk: [] for shift in shifts}
    labels = {rank: str(label) for rank, label in Rank.choices}
    rows = (
        Assignment.objects.filter(shift__in=list(teams))
        .order_by("shift", "role", "officer__name")
        .values_list("shift_id", "officer__rank", "officer__name", "role")
    )
    for shift_id, rank, name, role in rows:
        teams[shift_id].append(
            (labels.get(rank, rank), name, role == AssignmentRole.LEADER)
        )
    for shift in shifts:
        shift.team = tuple(teams[shift.pk])
