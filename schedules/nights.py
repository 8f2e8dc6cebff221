"""Duty nights and "tonight": the time arithmetic every part of Giliran shares.

Pure functions, no ORM. A plan's window is given as local wall-clock times and a
time zone. The duty night of a window is the local date of the evening it belongs
to: a window starting at or after 12:00 belongs to the date it starts on, one
starting before 12:00 (such as 00:00–05:00) to the day before.
"""

import datetime as dt
from itertools import pairwise
from zoneinfo import ZoneInfo

NOON = dt.time(12, 0)
ONE_DAY = dt.timedelta(days=1)


def window_minutes(window_start: dt.time, window_end: dt.time) -> int:
    """Nominal length of a window; an end at or before the start crosses midnight."""
    start = window_start.hour * 60 + window_start.minute
    end = window_end.hour * 60 + window_end.minute
    return end - start if end > start else end - start + 24 * 60


def duty_night(local_start: dt.datetime) -> dt.date:
    """The duty night of a window starting at this local wall-clock time."""
    if local_start.time() >= NOON:
        return local_start.date()
    return local_start.date() - ONE_DAY


def window_bounds(
    night: dt.date, window_start: dt.time, window_end: dt.time, tz: ZoneInfo
) -> tuple[dt.datetime, dt.datetime]:
    """Aware start and end of the window of one duty night."""
    start_date = night if window_start >= NOON else night + ONE_DAY
    start = dt.datetime.combine(start_date, window_start, tzinfo=tz)
    end_date = start_date if window_end > window_start else start_date + ONE_DAY
    end = dt.datetime.combine(end_date, window_end, tzinfo=tz)
    return start, end


def slot_bounds(
    night: dt.date,
    window_start: dt.time,
    window_end: dt.time,
    slot_minutes: int,
    tz: ZoneInfo,
) -> list[tuple[dt.datetime, dt.datetime]]:
    """(start, end) of each slot of one night, in order, as UTC datetimes.

    On a night when daylight saving time starts or ends the window is an hour
    shorter or longer than its wall-clock length; the slots then share the real
    elapsed time equally (to the minute), so none is empty or overlaps the next.
    """
    start, end = window_bounds(night, window_start, window_end, tz)
    start_utc, end_utc = start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    count = window_minutes(window_start, window_end) // slot_minutes
    elapsed = int((end_utc - start_utc).total_seconds() // 60)
    edges = [
        start_utc + dt.timedelta(minutes=elapsed * i // count) for i in range(count)
    ]
    edges.append(end_utc)
    return list(pairwise(edges))


def tonight(
    at: dt.datetime, window_start: dt.time, window_end: dt.time, tz: ZoneInfo
) -> dt.date:
    """The first duty night whose window has not yet ended at `at`."""
    if at.tzinfo is None:
        raise ValueError("tonight() needs an aware datetime")
    local_date = at.astimezone(tz).date()
    # A window ends at most two calendar days after its duty night, so the answer
    # is one of these candidates.
    for night in (local_date - 2 * ONE_DAY, local_date - ONE_DAY, local_date):
        if window_bounds(night, window_start, window_end, tz)[1] > at:
            return night
    return local_date + ONE_DAY


def last_night(
    at: dt.datetime, window_start: dt.time, window_end: dt.time, tz: ZoneInfo
) -> dt.date:
    """The duty night before tonight."""
    return tonight(at, window_start, window_end, tz) - ONE_DAY
