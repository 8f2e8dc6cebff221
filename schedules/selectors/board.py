"""The night board: one duty night's rotation across every plan a user may see.

One builder, build_board(), makes it from rows (each shift's fields and its
roster), for the Tonight page, print and text (night_board(): the rows come from
model instances, which the page's live part reads too, and stay on the board) and
for the API's nights/ (night_board_rows(): plain rows, no instances, rendered by
api.board_serializers.board_dict). A fixed handful of queries whatever the number
of plans and shifts: the plans, the shifts of all (plan, night) pairs in one query,
their officers in one more, and the user's profile and editable precincts once.
"""

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Prefetch
from django.utils import timezone

from precincts import access
from precincts.models import Precinct, Rank, Role
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


@dataclass(frozen=True)
class BoardPrecinct:
    """A precinct as a row gives it (pages get the model instance instead)."""

    pk: int
    code: str
    name: str
    colour: str


@dataclass
class BoardShift:
    id: int
    precinct: Precinct | BoardPrecinct | None
    status: str
    reason: str
    substitute_for: Precinct | BoardPrecinct | None
    version: int
    locked: bool
    officer_count: int
    # None when the user may not see this shift's personnel.
    officers: list[BoardOfficer] | None
    short_by: int
    can_edit: bool
    # The model instance, on the pages' board only (their live part reads it).
    shift: Shift | None = None

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


def _board_officers(team: list[tuple]) -> list[BoardOfficer]:
    """(role, nrp, name, rank, phone) rows as officers, leader first, then by name:
    the order a commander reads a roster in."""
    labels = dict(Rank.choices)
    return [
        BoardOfficer(
            nrp=nrp,
            name=name,
            rank=rank,
            rank_display=labels.get(rank, rank),
            role=role,
            phone=phone,
        )
        for role, nrp, name, rank, phone in sorted(
            team, key=lambda o: (o[0] != AssignmentRole.LEADER, o[2])
        )
    ]


def _board_shift(row: dict, team: list[tuple], sees: bool, ctx) -> BoardShift:
    scheduled = row["status"] == ShiftStatus.SCHEDULED
    return BoardShift(
        id=row["id"],
        precinct=row["precinct"],
        status=row["status"],
        reason=row["reason"],
        substitute_for=row["substitute_for"],
        version=row["version"],
        locked=row["locked"],
        officer_count=len(team),
        officers=_board_officers(team) if sees else None,
        short_by=max(ctx.min_officers - len(team), 0) if scheduled else 0,
        can_edit=(
            row["precinct_id"] in ctx.editable and scheduled and row["end"] > ctx.now
        ),
    )


@dataclass(frozen=True)
class _Held:
    """The one thing schedules.access.can_see_roster reads from a shift."""

    precinct_id: int | None


class UserScope:
    """What a person may see on the board, from the access helpers. The API passes
    its own object (api.access.Client) with the same four members."""

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

    def sees_roster_of(self, precinct_id: int | None) -> bool:
        # schedules.access decides from the holder alone.
        return schedule_access.can_see_roster(self.user, _Held(precinct_id))

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
    """The rotation of one duty night (or each plan's tonight) for this user, for
    the pages: each board shift keeps its model instance (with its roster)."""
    scope = scope or UserScope(user)
    at = at or timezone.now()
    plans, wanted = _plans_and_nights(scope, night, at, members=True)
    if not plans:
        return NightBoard(at=at, night=night, plans=[])
    instances = {
        (s.plan_id, s.slot): s
        for s in _wanted_shifts(scope, plans, wanted)
        .select_related("precinct", "substitute_for")
        .prefetch_related(
            Prefetch(
                "assignments",
                queryset=Assignment.objects.select_related("officer"),
            )
        )
        if wanted[s.plan_id] == s.night
    }
    rows = {key: _row_of(shift) for key, shift in instances.items()}
    teams = {
        shift.pk: [
            (a.role, a.officer.nrp, a.officer.name, a.officer.rank, a.officer.phone)
            # Read the prefetched list once: each .all() clones a queryset.
            for a in list(shift.assignments.all())
        ]
        for shift in instances.values()
    }
    board = build_board(scope, plans, wanted, rows, teams, night=night, at=at)
    by_pk = {shift.pk: shift for shift in instances.values()}
    plan_of = {plan.pk: plan for plan in plans}
    for board_shift in board.shifts:
        board_shift.shift = shift = by_pk[board_shift.id]
        shift.plan = plan_of[shift.plan_id]
    return board


def night_board_rows(
    *, scope, night: dt.date | None = None, at: dt.datetime | None = None
) -> NightBoard:
    """night_board() read as rows, without shift instances (the API's nights/):
    three queries (plans, shifts, officers)."""
    at = at or timezone.now()
    plans, wanted = _plans_and_nights(scope, night, at, members=False)
    rows: dict[tuple[int, int], dict] = {}
    if plans:
        for row in _wanted_shifts(scope, plans, wanted).values(*_SHIFT_FIELDS):
            if wanted[row["plan_id"]] == row["night"]:
                rows[row["plan_id"], row["slot"]] = _with_precincts(row)
    teams: dict[int, list[tuple]] = {}
    # Sorted by the builder, so no ORDER BY (the model's own would join the shifts).
    for shift_id, *officer in (
        Assignment.objects.filter(shift_id__any_of=[r["id"] for r in rows.values()])
        .order_by()
        .values_list(
            "shift_id",
            "role",
            "officer__nrp",
            "officer__name",
            "officer__rank",
            "officer__phone",
        )
    ):
        teams.setdefault(shift_id, []).append(tuple(officer))
    return build_board(scope, plans, wanted, rows, teams, night=night, at=at)


@dataclass(frozen=True)
class _Context:
    min_officers: int
    editable: frozenset
    now: dt.datetime


def build_board(scope, plans, wanted, rows, teams, *, night, at) -> NightBoard:
    """The board from rows: {(plan id, slot): shift row} (the fields of
    _SHIFT_FIELDS, with `precinct` and `substitute_for` as objects) and {shift
    id: [(role, nrp, name, rank, phone)]}, for the plans and the night of each."""
    sees: dict[int | None, bool] = {}
    editable, now = scope.roster_precinct_ids, timezone.now()
    board_plans = []
    for plan in plans:
        ctx = _Context(plan.min_officers, editable, now)
        board_plan = _board_plan(plan, wanted[plan.pk])
        for slot in board_plan.slots:
            row = rows.get((plan.pk, slot.index))
            if row is None:
                continue
            holder = row["precinct_id"]
            if holder not in sees:
                sees[holder] = scope.sees_roster_of(holder)
            team = teams.get(row["id"], [])
            slot.shift = _board_shift(row, team, sees[holder], ctx)
            # A shift edited by hand keeps its own times.
            slot.start = timezone.localtime(row["start"], plan.tz)
            slot.end = timezone.localtime(row["end"], plan.tz)
        board_plans.append(board_plan)
    return NightBoard(at=at, night=night, plans=board_plans)


def _board_plan(plan, when: dt.date) -> BoardPlan:
    """A plan's night with its slots' times and no shifts yet."""
    start, end = nights.window_bounds(when, plan.window_start, plan.window_end, plan.tz)
    board_plan = BoardPlan(plan=plan, night=when, start=start, end=end)
    bounds = nights.slot_bounds(
        when, plan.window_start, plan.window_end, plan.slot_minutes, plan.tz
    )
    for index, (slot_start, slot_end) in enumerate(bounds):
        board_plan.slots.append(BoardSlot(index, slot_start, slot_end, None))
    return board_plan


# What a shift row holds (with `precinct` and `substitute_for` added as objects).
_SHIFT_FIELDS = (
    "id",
    "plan_id",
    "night",
    "slot",
    "start",
    "end",
    "status",
    "reason",
    "version",
    "locked",
    "precinct_id",
    "precinct__code",
    "precinct__name",
    "precinct__colour",
    "substitute_for_id",
    "substitute_for__code",
    "substitute_for__name",
    "substitute_for__colour",
)


def _row_of(shift: Shift) -> dict:
    """A shift instance as the builder's row, its precincts the instances."""
    row = {name: getattr(shift, name) for name in _SHIFT_FIELDS if "__" not in name}
    row["precinct"], row["substitute_for"] = shift.precinct, shift.substitute_for
    return row


def _with_precincts(row: dict) -> dict:
    """A values() row with its precincts as BoardPrecinct (None where none)."""
    for name in ("precinct", "substitute_for"):
        pk = row[f"{name}_id"]
        row[name] = (
            None
            if pk is None
            else BoardPrecinct(
                pk=pk,
                code=row[f"{name}__code"],
                name=row[f"{name}__name"],
                colour=row[f"{name}__colour"],
            )
        )
    return row


def _wanted_shifts(scope, plans, wanted):
    # Each plan's own night: one or two dates for "tonight", so ask for the plans
    # and dates (not one OR-ed clause per plan) and drop the unwanted pairs after.
    return scope.visible_shifts().filter(
        plan_id__in=[p.pk for p in plans],
        night__in={wanted[p.pk] for p in plans},
    )


def _plans_and_nights(scope, night, at, *, members: bool) -> tuple[list, dict]:
    """The active visible plans valid on the night wanted of each (the night
    asked for, or each plan's tonight), and {plan id: that night}. With
    `members`, each plan's members are read too (the pages' legend)."""
    plans = scope.visible_plans().filter(active=True).select_related("zone")
    if members:
        plans = plans.prefetch_related("memberships__precinct")
    plans = list(plans.order_by("name", "pk"))
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
