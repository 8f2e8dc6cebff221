"""The night board: one duty night's rotation across every plan a user may see.

Shared by the Tonight page and the API's nights/ endpoint. A fixed handful of
queries whatever the number of plans and shifts: the plans with their zone and
members, the shifts of all (plan, night) pairs in one query, their assignments
with officers in one more, and the user's profile and editable precincts once.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from zoneinfo import ZoneInfo

from django.db.models import F, Prefetch
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
    plans = list(
        scope.visible_plans()
        .filter(active=True)
        .select_related("zone")
        .prefetch_related("memberships__precinct")
        .order_by("name", "pk")
    )
    wanted: dict[int, dt.date] = {}
    for plan in plans:
        wanted[plan.pk] = night or nights.tonight(
            at, plan.window_start, plan.window_end, plan.tz
        )
    plans = [
        p
        for p in plans
        if p.valid_from <= wanted[p.pk]
        and (p.valid_until is None or wanted[p.pk] <= p.valid_until)
    ]
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

    board_plans = []
    for plan in plans:
        when = wanted[plan.pk]
        start, end = nights.window_bounds(
            when, plan.window_start, plan.window_end, plan.tz
        )
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
                    start=timezone.localtime(shift.start, plan.tz)
                    if shift
                    else slot_start,
                    end=timezone.localtime(shift.end, plan.tz) if shift else slot_end,
                    shift=(
                        _board_shift(shift, scope, plan.min_officers) if shift else None
                    ),
                )
            )
        board_plans.append(board_plan)
    return NightBoard(at=at, night=night, plans=board_plans)


# --- the same night as plain rows (the API's nights/ endpoint) ---------------------


def _plans_for(scope, night: dt.date | None, at: dt.datetime):
    """Active visible plans as dicts, each with the night wanted of it."""
    plans = []
    for plan in (
        scope.visible_plans()
        .filter(active=True)
        .order_by("name", "pk")
        .values(
            "id",
            "code",
            "name",
            "window_start",
            "window_end",
            "slot_minutes",
            "min_officers",
            "valid_from",
            "valid_until",
            "time_zone",
            zone_code=F("zone__code"),
        )
    ):
        plan["tz"] = tz = ZoneInfo(plan["time_zone"])
        plan["night"] = when = night or nights.tonight(
            at, plan["window_start"], plan["window_end"], tz
        )
        if plan["valid_from"] <= when and (
            plan["valid_until"] is None or when <= plan["valid_until"]
        ):
            plans.append(plan)
    return plans


def _board_officer_rows(shift_ids: list[int]) -> dict[int, list[dict]]:
    """Each shift's officers: leader first, then by name (as on the board)."""
    officers: dict[int, list[tuple]] = defaultdict(list)
    # Sorted here, so no ORDER BY (the model's own would join the shifts).
    for shift_id, role, nrp, name, rank, phone in (
        Assignment.objects.filter(shift_id__any_of=shift_ids)
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
        officers[shift_id].append(
            (role != AssignmentRole.LEADER, name, nrp, rank, role, phone)
        )
    return {
        shift_id: [
            {"nrp": nrp, "name": name, "rank": rank, "role": role, "phone": phone}
            for _, name, nrp, rank, role, phone in sorted(rows, key=lambda r: r[:2])
        ]
        for shift_id, rows in officers.items()
    }


def night_rows(
    *, scope, night: dt.date | None = None, at: dt.datetime | None = None
) -> dict:
    """night_board()'s answer for the API, read as rows rather than model
    instances: three queries (plans, shifts, officers) and plain dicts, the shape
    of api.serializers.NightBoardSerializer. `scope` is an api.access.Client."""
    at = at or timezone.now()
    plans = _plans_for(scope, night, at)
    shifts: dict[tuple[int, int], dict] = {}
    if plans:
        wanted = {p["id"]: p["night"] for p in plans}
        # Each plan's own night: one or two dates for "tonight", so ask for the
        # plans and dates and drop the few pairs not wanted.
        for shift in (
            scope.visible_shifts()
            .filter(plan_id__in=list(wanted), night__in=set(wanted.values()))
            .order_by()
            .values(
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
                precinct_code=F("precinct__code"),
                substitute_code=F("substitute_for__code"),
            )
        ):
            if wanted[shift["plan_id"]] == shift["night"]:
                shifts[shift["plan_id"], shift["slot"]] = shift
    officers = _board_officer_rows([s["id"] for s in shifts.values()])
    sees: dict[int | None, bool] = {}
    editable = scope.roster_precinct_ids
    now = timezone.now()
    answer = []
    for plan in plans:
        tz, when = plan["tz"], plan["night"]
        start, end = nights.window_bounds(
            when, plan["window_start"], plan["window_end"], tz
        )
        bounds = nights.slot_bounds(
            when, plan["window_start"], plan["window_end"], plan["slot_minutes"], tz
        )
        slots = []
        short_count = uncovered_count = 0
        for index, (slot_start, slot_end) in enumerate(bounds):
            shift = shifts.get((plan["id"], index))
            if shift is None:
                slots.append(
                    {
                        "index": index,
                        "start": slot_start.isoformat(),
                        "end": slot_end.isoformat(),
                        "shift": None,
                    }
                )
                continue
            precinct_id, status = shift["precinct_id"], shift["status"]
            see = sees.get(precinct_id)
            if see is None:
                see = sees[precinct_id] = scope.sees_roster_of(precinct_id)
            team = officers.get(shift["id"], [])
            scheduled = status == ShiftStatus.SCHEDULED
            short_by = max(plan["min_officers"] - len(team), 0) if scheduled else 0
            short_count += short_by > 0
            uncovered_count += status == ShiftStatus.UNCOVERED
            slots.append(
                {
                    "index": index,
                    # A shift edited by hand keeps its own times.
                    "start": shift["start"].astimezone(tz).isoformat(),
                    "end": shift["end"].astimezone(tz).isoformat(),
                    "shift": {
                        "id": shift["id"],
                        "precinct": shift["precinct_code"],
                        "status": status,
                        "reason": shift["reason"],
                        "substitute_for": shift["substitute_code"],
                        "version": shift["version"],
                        "locked": shift["locked"],
                        "officer_count": len(team),
                        "officers": team if see else None,
                        "short_by": short_by,
                        "uncovered": status == ShiftStatus.UNCOVERED,
                        "can_edit": (
                            precinct_id in editable and scheduled and shift["end"] > now
                        ),
                    },
                }
            )
        answer.append(
            {
                "plan": plan["code"],
                "name": plan["name"],
                "zone": plan["zone_code"],
                "night": when.isoformat(),
                "start": start.isoformat(),
                "end": end.isoformat(),
                "short_count": short_count,
                "uncovered_count": uncovered_count,
                "slots": slots,
            }
        )
    return {"night": night.isoformat() if night else None, "plans": answer}
