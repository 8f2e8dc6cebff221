"""The night board: one duty night's rotation across every plan a user may see.

The one builder of it, for the Tonight page, print and text, and the API's nights/
endpoint (which renders it with api.serializers.board_dict). A fixed handful of
queries whatever the number of plans and shifts: the plans with their zone and
members, the shifts of all (plan, night) pairs in one query, their assignments
with officers in one more, and the user's profile and editable precincts once.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Prefetch
from django.utils import timezone

from precincts import access
from precincts.models import Precinct, Role
from schedules import access as schedule_access
from schedules import nights
from schedules.models import (
    Assignment,
    AssignmentRole,
    RotationPlan,
    Shift,
    ShiftStatus,
)


@dataclass(frozen=True)
class BoardOfficer:
    nrp: str
    name: str
    rank: str
    rank_display: str
    role: str
    phone: str

    @property
    def is_leader(self) -> bool:
        return self.role == AssignmentRole.LEADER


@dataclass
class BoardShift:
    shift: Shift
    precinct: Precinct | None
    status: str
    reason: str
    substitute_for: Precinct | None
    version: int
    locked: bool
    officer_count: int
    # None when the user may not see this shift's personnel.
    officers: list[BoardOfficer] | None
    short_by: int
    can_edit: bool

    @property
    def id(self) -> int:
        return self.shift.pk

    @property
    def uncovered(self) -> bool:
        return self.status == ShiftStatus.UNCOVERED

    @property
    def cancelled(self) -> bool:
        return self.status == ShiftStatus.CANCELLED

    @property
    def short(self) -> bool:
        return self.short_by > 0


@dataclass
class BoardSlot:
    index: int
    start: dt.datetime
    end: dt.datetime
    # None when no shift exists (not generated yet) or the user may not see it.
    shift: BoardShift | None

    def is_now(self, at: dt.datetime) -> bool:
        return self.start <= at < self.end


@dataclass
class BoardPlan:
    plan: RotationPlan
    night: dt.date
    start: dt.datetime
    end: dt.datetime
    slots: list[BoardSlot] = field(default_factory=list)

    @property
    def uncovered_count(self) -> int:
        return sum(1 for s in self.slots if s.shift and s.shift.uncovered)

    @property
    def short_count(self) -> int:
        return sum(1 for s in self.slots if s.shift and s.shift.short)


@dataclass
class NightBoard:
    at: dt.datetime
    # The night asked for, or None for "tonight" (which can differ per plan).
    night: dt.date | None
    plans: list[BoardPlan]

    @property
    def shifts(self) -> list[BoardShift]:
        return [s.shift for p in self.plans for s in p.slots if s.shift]


def _board_officers(assignments: list[Assignment]) -> list[BoardOfficer]:
    # Leader first, then by name: the order a commander reads a roster in.
    assignments = sorted(
        assignments,
        key=lambda a: (a.role != AssignmentRole.LEADER, a.officer.name),
    )
    return [
        BoardOfficer(
            nrp=a.officer.nrp,
            name=a.officer.name,
            rank=a.officer.rank,
            rank_display=a.officer.get_rank_display(),
            role=a.role,
            phone=a.officer.phone,
        )
        for a in assignments
    ]


def _board_shift(shift: Shift, scope, min_officers: int) -> BoardShift:
    # Read the prefetched list once: each .all() clones a queryset.
    assignments = list(shift.assignments.all())
    count = len(assignments)
    see = scope.sees_roster(shift)
    short_by = (
        max(min_officers - count, 0) if shift.status == ShiftStatus.SCHEDULED else 0
    )
    return BoardShift(
        shift=shift,
        precinct=shift.precinct,
        status=shift.status,
        reason=shift.reason,
        substitute_for=shift.substitute_for,
        version=shift.version,
        locked=shift.locked,
        officer_count=count,
        officers=_board_officers(assignments) if see else None,
        short_by=short_by,
        can_edit=(
            shift.precinct_id in scope.roster_precinct_ids
            and shift.status == ShiftStatus.SCHEDULED
            and shift.end > timezone.now()
        ),
    )


class UserScope:
    """What a person may see on the board, from the access helpers. The API passes
    its own object with the same four members for API keys."""

    def __init__(self, user):
        self.user = user
        # Touch the profile once, so the per-shift access checks below are free.
        access.profile_of(user)

    def visible_plans(self):
        return schedule_access.visible_plans(self.user)

    def visible_shifts(self):
        shifts = schedule_access.visible_shifts(self.user)
        if access.role_of(self.user) == Role.OFFICER:
            # visible_shifts joins assignments for officers; keep each shift once.
            shifts = shifts.distinct()
        return shifts

    def sees_roster(self, shift: Shift) -> bool:
        return schedule_access.can_see_roster(self.user, shift)

    @cached_property
    def roster_precinct_ids(self) -> frozenset[int]:
        return frozenset(
            access.roster_precincts(self.user).values_list("pk", flat=True)
        )


def night_board(
    *,
    user=None,
    night: dt.date | None = None,
    at: dt.datetime | None = None,
    scope=None,
) -> NightBoard:
    """The rotation of one duty night (or each plan's tonight) for this user."""
    scope = scope or UserScope(user)
    at = at or timezone.now()
    plans, wanted = _plans_and_nights(scope, night, at)
    if not plans:
        return NightBoard(at=at, night=night, plans=[])
    shifts = (
        scope.visible_shifts()
        # Each plan's own night: one or two dates for "tonight", so ask for the
        # plans and dates (not one OR-ed clause per plan) and drop unwanted pairs.
        .filter(
            plan_id__in=[p.pk for p in plans],
            night__in={wanted[p.pk] for p in plans},
        )
        .select_related("precinct", "substitute_for")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("officer"),
            )
        )
    )
    by_slot = {(s.plan_id, s.slot): s for s in shifts if wanted[s.plan_id] == s.night}
    board_plans = [_board_plan(plan, wanted[plan.pk], by_slot, scope) for plan in plans]
    return NightBoard(at=at, night=night, plans=board_plans)


def _plans_and_nights(scope, night, at) -> tuple[list[RotationPlan], dict]:
    """The active visible plans valid on the night wanted of each (the night
    asked for, or each plan's tonight), and {plan id: that night}."""
    plans = list(
        scope.visible_plans()
        .filter(active=True)
        .select_related("zone")
        .prefetch_related("memberships__precinct")
        .order_by("name", "pk")
    )
    wanted = {
        plan.pk: night
        or nights.tonight(at, plan.window_start, plan.window_end, plan.tz)
        for plan in plans
    }
    valid = [
        p
        for p in plans
        if p.valid_from <= wanted[p.pk]
        and (p.valid_until is None or wanted[p.pk] <= p.valid_until)
    ]
    return valid, wanted


def _board_plan(plan, when: dt.date, by_slot: dict, scope) -> BoardPlan:
    start, end = nights.window_bounds(when, plan.window_start, plan.window_end, plan.tz)
    board_plan = BoardPlan(plan=plan, night=when, start=start, end=end)
    bounds = nights.slot_bounds(
        when, plan.window_start, plan.window_end, plan.slot_minutes, plan.tz
    )
    for index, (slot_start, slot_end) in enumerate(bounds):
        shift = by_slot.get((plan.pk, index))
        if shift is not None:
            shift.plan = plan
        board_plan.slots.append(
            BoardSlot(
                index=index,
                # A shift edited by hand keeps its own times.
                start=timezone.localtime(shift.start, plan.tz) if shift else slot_start,
                end=timezone.localtime(shift.end, plan.tz) if shift else slot_end,
                shift=_board_shift(shift, scope, plan.min_officers) if shift else None,
            )
        )
    return board_plan
