"""What a blackout or swap would do, for the people who decide it.

The receiving precinct sees, before accepting a swap: a blackout of its own over
the shift it would take, a night it could not staff, officers of its own who would
be on the new shift too soon after another (rest), and the officers the swap would
take off a roster (its own on the shift it gives in a trade, and the asking
precinct's on the shift it takes).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Q

from precincts.models import Precinct
from schedules.models import (
    Assignment,
    Blackout,
    RequestStatus,
    RotationPlan,
    Shift,
    SwapRequest,
)
from schedules.services import effects, swaps


@dataclass
class Impact:
    effect: effects.Effect | None = None
    problems: list[str] = field(default_factory=list)
    blackouts: list[Blackout] = field(default_factory=list)
    rest: list[tuple] = field(default_factory=list)
    off_roster: list[Assignment] = field(default_factory=list)
    hidden_off_roster: int = 0
    names: dict[int, str] = field(default_factory=dict)

    @property
    def breaks(self) -> list[dict]:
        rows = self.effect.breaks if self.effect else []
        return [
            {
                **row,
                "name": self.names.get(row["precinct"], "?"),
                "night": dt.date.fromisoformat(row["night"]),
            }
            for row in rows
        ]

    @property
    def moved(self) -> list[dict]:
        return moved_rows(self.effect.moved if self.effect else [])


def moved_rows(moved: list[dict]) -> list[dict]:
    """Stored moved shifts ready to show: the night as a date, the slot's local
    time and its plan."""
    plans = RotationPlan.objects.in_bulk({row["plan"] for row in moved})
    rows = []
    for row in moved:
        plan = plans.get(row["plan"])
        start = dt.datetime.fromisoformat(row["start"])
        rows.append(
            {
                **row,
                "night": dt.date.fromisoformat(row["night"]),
                "plan": plan,
                "time": f"{start.astimezone(plan.tz):%H:%M}" if plan else "",
                "why": effects.why(row),
            }
        )
    return rows


def swap_impact(swap: SwapRequest) -> Impact:
    """What carrying the swap out now would move and break (a dry run)."""
    impact = Impact(names=dict(Precinct.objects.values_list("pk", "name")))
    if swap.status != RequestStatus.PENDING:
        return impact
    try:
        impact.effect = swaps.preview_swap(swap=swap)
    except ValidationError as error:
        impact.problems = error.messages
        return impact
    given = swap.shift
    impact.blackouts = list(
        Blackout.objects.approved()
        .filter(precinct=swap.to_precinct_id)
        .overlapping(given.start, given.end)
    )
    impact.rest = _rest_conflicts(given, swap.to_precinct_id)
    impact.off_roster = list(
        Assignment.objects.filter(
            shift__in=[s for s in (swap.shift_id, swap.counter_shift_id) if s]
        )
        .select_related("officer", "shift__precinct")
        .order_by("shift__start", "officer__name")
    )
    return impact


def _rest_conflicts(shift: Shift, precinct_id: int) -> list[tuple]:
    """(officer, other shift) of the precinct rostered within the plan's rest hours
    of `shift`: they could not also stand it."""
    rest = dt.timedelta(hours=shift.plan.rest_hours)
    rows = (
        Assignment.objects.filter(
            officer__precinct=precinct_id,
            shift__start__lt=shift.end + rest,
            shift__end__gt=shift.start - rest,
        )
        .exclude(shift=shift)
        .select_related("officer", "shift__plan")
        .order_by("shift__start")
    )
    # Touching slots of one plan are one stretch of duty, not a rest break.
    return [
        (row.officer, row.shift)
        for row in rows
        if not (
            row.shift.plan_id == shift.plan_id
            and (row.shift.end == shift.start or row.shift.start == shift.end)
        )
    ]


def blackout_impact(blackout: Blackout) -> Impact:
    """What approving the blackout now would move and break (a dry run)."""
    from schedules.services import requests

    impact = Impact(names=dict(Precinct.objects.values_list("pk", "name")))
    if blackout.status == RequestStatus.PENDING:
        try:
            impact.effect = requests.preview_blackout(blackout=blackout)
        except ValidationError as error:
            impact.problems = error.messages
    return impact


def _waiting(user: User):
    """(swaps, blackouts) querysets of the pending requests the user can answer."""
    from precincts import access

    roster = access.roster_precincts(user).values("pk")
    commanded = access.commanded_precincts(user).values("pk")
    swaps_waiting = SwapRequest.objects.filter(status=RequestStatus.PENDING).filter(
        Q(accepted_at__isnull=True, to_precinct__in=roster)
        | Q(accepted_at__isnull=True, to_precinct__in=commanded)
        | Q(approved_at__isnull=True, from_precinct__in=commanded)
    )
    blackouts_waiting = Blackout.objects.filter(
        status=RequestStatus.PENDING, precinct__in=commanded
    )
    return swaps_waiting, blackouts_waiting


def pending_for(user: User) -> dict[str, list]:
    """The pending blackouts and swaps the user can decide (or answer)."""
    swaps_waiting, blackouts_waiting = _waiting(user)
    return {
        "swaps": list(
            swaps_waiting.select_related(
                "shift__plan", "from_precinct", "to_precinct"
            ).order_by("shift__start")
        ),
        "blackouts": list(
            blackouts_waiting.select_related("precinct").order_by("start")
        ),
    }


def pending_count(user: User) -> int:
    """How many requests wait on the user (the navigation's badge): one query."""
    if not user.is_authenticated:
        return 0
    swaps_waiting, blackouts_waiting = _waiting(user)
    return (
        swaps_waiting.order_by()
        .values("pk")
        .union(blackouts_waiting.order_by().values("pk"), all=True)
        .count()
    )
