"""The roster editor's candidates with what stands in their way, shown before a
submit: an officer on an overlapping shift is busy, one on a shift inside the
plan's rest hours is resting (the rules of schedules.services.rules, read for
every candidate in one query rather than checked one by one on submit).
"""

import datetime as dt
from dataclasses import dataclass

from schedules.models import Assignment, Shift, ShiftStatus

FREE, BUSY, RESTING = "free", "busy", "resting"
# On a shift just before or after this one (allowed: the officer stays on).
ALSO_ON = "also_on"
# No longer serving (only met in an earlier team).
INACTIVE = "inactive"
# A standing only ever moves to a worse one.
_ORDER = {FREE: 0, ALSO_ON: 1, RESTING: 2, BUSY: 3}


@dataclass(frozen=True)
class Standing:
    state: str
    # The shift in the way (None when free).
    other: Shift | None = None

    @property
    def free(self) -> bool:
        return self.state in (FREE, ALSO_ON)


def standings(shift: Shift, officer_ids) -> dict[int, Standing]:
    """Each officer's standing for this shift; one query whatever their number."""
    ids = set(officer_ids)
    found = {pk: Standing(FREE) for pk in ids}
    if not ids or not shift.start:
        return found
    rest = dt.timedelta(hours=shift.plan.rest_hours)
    nearby = (
        Assignment.objects.filter(officer_id__in=ids)
        .exclude(shift_id=shift.pk)
        .exclude(shift__status=ShiftStatus.CANCELLED)
        .filter(shift__start__lt=shift.end + rest, shift__end__gt=shift.start - rest)
        .select_related("shift__plan")
        .order_by("shift__start")
    )
    for assignment in nearby:
        other = assignment.shift
        if other.start < shift.end and other.end > shift.start:
            state = BUSY
        elif other.end == shift.start or other.start == shift.end:
            state = ALSO_ON
        else:
            state = RESTING
        if _ORDER[state] > _ORDER[found[assignment.officer_id].state]:
            found[assignment.officer_id] = Standing(state, other)
    return found


@dataclass(frozen=True)
class CopyOffer:
    """Whether "same team as the previous shift" can succeed, and if not why."""

    possible: bool
    blocked: list  # [(officer, Standing)] of those who cannot come
    too_many: bool = False


def copy_offer(shift: Shift, previous: Shift | None) -> CopyOffer | None:
    """None when there is no previous team to copy (or nobody new in it)."""
    if previous is None:
        return None
    team_ids = set(shift.assignments.values_list("officer_id", flat=True))
    wanted = [
        a.officer
        for a in previous.assignments.select_related("officer").order_by("pk")
        if a.officer_id not in team_ids
    ]
    if not wanted:
        return None
    found = standings(shift, [o.pk for o in wanted])
    found |= {o.pk: Standing(INACTIVE) for o in wanted if not o.active}
    blocked = [(o, found[o.pk]) for o in wanted if not found[o.pk].free]
    too_many = len(team_ids) + len(wanted) > shift.plan.min_officers
    return CopyOffer(not blocked and not too_many, blocked, too_many)
