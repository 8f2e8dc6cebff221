"""One date convention for every page, notice, text and history line.

A night patrol belongs to the evening it starts from: its *duty night*, shown
with both dates ("Mon 22 → Tue 23 Jan 2024"), never the calendar date of the
morning alone (the 02:00 slot of Sunday night is not "Monday"). A time is the
wall clock of the plan's zone with its abbreviation ("02:00 WIB"), never UTC.
So an instant reads "Mon 22 → Tue 23 Jan 2024, 01:05 WIB", a slot
"Mon 22 → Tue 23 Jan 2024, 02:00–03:00 WIB". The labels are in the active
language; the schedules app adds what a plan knows (schedules.labels).
"""

import datetime as dt
import zoneinfo

from django.utils import formats, timezone
from django.utils.translation import get_language

from common import fragments

NOON = dt.time(12, 0)
ONE_DAY = dt.timedelta(days=1)


def night(day: dt.date, *, one_date: bool = False) -> str:
    """A duty night with both dates, "Mon 22 → Tue 23 Jan 2024" (one date for a
    window that ends on its evening's own date)."""
    return _night(day, one_date, get_language())


@fragments.memoised(maxsize=8192)
def _night(day: dt.date, one_date: bool, language: str | None) -> str:
    # Keyed by language too: a form or a history lists many lines of a few nights,
    # and the localised day and month names are most of a label's cost.
    if one_date:
        return formats.date_format(day, "D j M Y")
    morning = day + ONE_DAY
    if day.year != morning.year:
        first = formats.date_format(day, "D j M Y")
    elif day.month != morning.month:
        first = formats.date_format(day, "D j M")
    else:
        first = formats.date_format(day, "D j")
    return f"{first} → {formats.date_format(morning, 'D j M Y')}"


def local(instant: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.datetime:
    """An instant on the zone's wall clock (a naive one is taken as UTC)."""
    if timezone.is_naive(instant):
        instant = timezone.make_aware(instant, dt.UTC)
    return timezone.localtime(instant, tz)


def night_of(instant: dt.datetime, tz: zoneinfo.ZoneInfo) -> dt.date:
    """The duty night an instant falls in: before noon it is the previous
    evening's (the rule of schedules.nights.duty_night)."""
    wall = local(instant, tz)
    return wall.date() if wall.time() >= NOON else wall.date() - ONE_DAY


def hm(instant: dt.datetime, tz: zoneinfo.ZoneInfo) -> str:
    """ "02:00" on the zone's wall clock."""
    return f"{local(instant, tz):%H:%M}"


def zone_name(instant: dt.datetime, tz: zoneinfo.ZoneInfo) -> str:
    """The zone's abbreviation then, "WIB" (its key when it has none)."""
    return local(instant, tz).tzname() or str(tz)


def at(instant: dt.datetime, tz: zoneinfo.ZoneInfo) -> str:
    """An instant: "Mon 22 → Tue 23 Jan 2024, 01:05 WIB"."""
    return f"{night(night_of(instant, tz))}, {hm(instant, tz)} {zone_name(instant, tz)}"


def span(
    start: dt.datetime,
    end: dt.datetime,
    tz: zoneinfo.ZoneInfo,
    *,
    duty_night: dt.date | None = None,
) -> str:
    """A slot: "Mon 22 → Tue 23 Jan 2024, 02:00–03:00 WIB" (its duty night when
    known, else the one its start falls in)."""
    day = duty_night or night_of(start, tz)
    return f"{night(day)}, {hm(start, tz)}–{hm(end, tz)} {zone_name(start, tz)}"
