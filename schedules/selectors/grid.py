"""The calendar grid: periods of duty nights and their rows of slots. Pure, no ORM."""

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

WEEK = "week"
MONTH = "month"
ONE_DAY = dt.timedelta(days=1)


def period(anchor: dt.date, view: str) -> tuple[dt.date, dt.date]:
    """First and last duty night of the week (Monday first) or month around anchor."""
    if view == WEEK:
        first = anchor - dt.timedelta(days=anchor.weekday())
        return first, first + 6 * ONE_DAY
    first = anchor.replace(day=1)
    following = (first + 32 * ONE_DAY).replace(day=1)
    return first, following - ONE_DAY


def step(anchor: dt.date, view: str, direction: int) -> dt.date:
    """The anchor of the previous (-1) or next (+1) period."""
    first, last = period(anchor, view)
    return last + ONE_DAY if direction > 0 else first - ONE_DAY


@dataclass
class Row:
    night: dt.date
    cells: list[Any]


def rows(
    first: dt.date, last: dt.date, slot_count: int, shifts: Iterable[Any]
) -> list[Row]:
    """One row per night, one cell per slot position (None where no shift exists)."""
    by_cell = {(s.night, s.slot): s for s in shifts}
    out, night = [], first
    while night <= last:
        out.append(Row(night, [by_cell.get((night, i)) for i in range(slot_count)]))
        night += ONE_DAY
    return out
