"""Who cannot take which cell: blackouts, and posts held in other plans.

Pure, like the rest of schedules.rotation; `plan` and `cells` are the core's Plan
and Cell (anything with their attributes).
"""

import bisect
import datetime as dt
from collections import Counter
from collections.abc import Iterable

# Why a turn was handed on: the member is away, or holds its posts elsewhere.
BLACKOUT = "blackout"
CAPACITY = "capacity"


def unavailability(
    plan,
    cells: Iterable,
    *,
    blackouts: Iterable = (),
    busy: Iterable = (),
) -> dict[tuple[dt.date, int], dict[int, str]]:
    """For each cell that someone cannot take: member -> BLACKOUT or CAPACITY.

    `busy` holds the member's posts in other plans; a member is out of capacity on a
    cell when those overlapping it reach its capacity. Cells must be in time order.
    """
    cells = list(cells)
    starts = [cell.start for cell in cells]
    members = set(plan.members)

    def overlapping(start: dt.datetime, end: dt.datetime) -> range:
        first = bisect.bisect_left(starts, start)
        # Cells never overlap each other, so at most the one before can reach in.
        if first and cells[first - 1].end > start:
            first -= 1
        return range(first, bisect.bisect_left(starts, end))

    result: dict[tuple[dt.date, int], dict[int, str]] = {}
    for interval in blackouts:
        if interval.member in members:
            for i in overlapping(interval.start, interval.end):
                key = (cells[i].night, cells[i].slot)
                result.setdefault(key, {})[interval.member] = BLACKOUT
    taken: Counter[tuple[int, int]] = Counter()
    for interval in busy:
        if interval.member in members:
            for i in overlapping(interval.start, interval.end):
                taken[i, interval.member] += 1
    for (i, member), count in taken.items():
        if count >= plan.capacity.get(member, 1):
            out = result.setdefault((cells[i].night, cells[i].slot), {})
            out.setdefault(member, CAPACITY)
    return result
