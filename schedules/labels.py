"""The date convention (common.labels) with what a plan knows: its zone, and
whether its window ends on its evening's own date."""

import datetime as dt
import zoneinfo

from common import fragments, labels
from schedules import nights
from schedules.models import RotationPlan, Shift


def night(day: dt.date, plan: RotationPlan | None = None) -> str:
    """A duty night: "Mon 22 → Tue 23 Jan 2024"; one date for a window that ends
    on its evening's own date (18:00–23:00)."""
    # Templates pass "" for a missing plan.
    window = (plan.window_start, plan.window_end, plan.time_zone) if plan else None
    return window_night(day, window)


def window_night(day: dt.date, window: tuple | None) -> str:
    """night() for a plan's (window start, window end, time zone name)."""
    return labels.night(day, one_date=_ends_same_day(day, window))


@fragments.memoised(maxsize=8192)
def _ends_same_day(day: dt.date, window: tuple | None) -> bool:
    if not window:
        return False
    start, end, zone = window
    bounds = nights.window_bounds(day, start, end, zoneinfo.ZoneInfo(zone))
    return bounds[1].date() == day


def shift(value: Shift) -> str:
    """A shift's night and hours: "Mon 22 → Tue 23 Jan 2024, 02:00–03:00 WIB"."""
    plan = value.plan
    return labels.span(value.start, value.end, plan.tz, duty_night=value.night)


def at(instant: dt.datetime, plan: RotationPlan) -> str:
    """An instant on the plan's clock within its duty night."""
    return labels.at(instant, plan.tz)


def hm(instant: dt.datetime, plan: RotationPlan) -> str:
    return labels.hm(instant, plan.tz)
