"""Nights a precinct can staff: how many slots of a plan its officers can stand.

staffing_limits() is the one place that turns a precinct's officers into a limit;
the generator obeys the same arithmetic (schedules.rotation.teams), and anything
that would give a precinct more slots on a night (a swap, a blackout's
substitutes) can ask it first. A precinct with no officers on record at all is
not limited: its roster is kept elsewhere or not yet imported.
"""

import datetime as dt
from collections import defaultdict

from django.db.models import Count, Q

from precincts.models import Officer
from schedules.models import PlanMember, RotationPlan, Shift, ShiftStatus
from schedules.rotation import teams


def active_officers(precinct_ids) -> dict[int, int | None]:
    """{precinct id: active officers}, None for a precinct with no officers on
    record (not limited)."""
    found = {
        row["precinct"]: row
        for row in Officer.objects.filter(precinct__in=list(precinct_ids))
        .order_by()
        .values("precinct")
        .annotate(total=Count("pk"), active=Count("pk", filter=Q(active=True)))
    }
    return {pk: (found[pk]["active"] if pk in found else None) for pk in precinct_ids}


def officers_needed(plan: RotationPlan, count: int) -> int:
    """Officers that `count` slots of one night of this plan may need, however
    they fall."""
    return teams.officers_needed(
        count,
        min_officers=plan.min_officers,
        slots=plan.slot_count,
        slot_minutes=plan.slot_minutes,
        rest_minutes=plan.rest_hours * 60,
    )


def staffing_limits(
    *, plan: RotationPlan, first: dt.date, last: dt.date
) -> dict[tuple[int, dt.date], int]:
    """{(precinct id, night): the most slots of `plan` that member can staff on
    that duty night}, for every member and every night first..last.

    From the precinct's active officers, less those its other active plans' live
    shifts of the same duty night may need, the plan's minimum officers per slot
    and its rest hours (an officer stands two touching slots or slots at least the
    rest apart), assuming the worst arrangement of the slots. A precinct with no
    officers on record gets every slot.
    """
    members = list(
        PlanMember.objects.filter(plan=plan)
        .order_by("position")
        .values_list("precinct_id", flat=True)
    )
    nights = [first + dt.timedelta(days=k) for k in range((last - first).days + 1)]
    officers = active_officers(members)
    others = _other_plans_held(plan, members, first, last)
    plans = RotationPlan.objects.in_bulk({q for q, _, _ in others})
    reserved: dict[tuple[int, dt.date], int] = defaultdict(int)
    for (other, precinct, night), count in others.items():
        reserved[precinct, night] += officers_needed(plans[other], count)
    limits = {}
    for precinct in members:
        for night in nights:
            if officers[precinct] is None:
                limits[precinct, night] = plan.slot_count
                continue
            limits[precinct, night] = teams.slots_staffable(
                officers=officers[precinct] - reserved[precinct, night],
                min_officers=plan.min_officers,
                slots=plan.slot_count,
                slot_minutes=plan.slot_minutes,
                rest_minutes=plan.rest_hours * 60,
            )
    return limits


def _other_plans_held(
    plan: RotationPlan, members: list[int], first: dt.date, last: dt.date
) -> dict[tuple[int, int, dt.date], int]:
    """{(other plan, precinct, night): live shifts it holds} for the members."""
    rows = (
        Shift.objects.filter(
            precinct__in=members,
            night__gte=first,
            night__lte=last,
            status=ShiftStatus.SCHEDULED,
            plan__active=True,
        )
        .exclude(plan=plan)
        .order_by()
        .values_list("plan", "precinct", "night")
        .annotate(n=Count("pk"))
    )
    return {(q, p, night): n for q, p, night, n in rows}
