"""The date convention (common.labels) with what a plan knows: its zone, and
whether its window ends on its evening's own date."""

import datetime as dt

from common import labels
from schedules import nights
from schedules.models import RotationPlan, Shift


def night(day: dt.date, plan: RotationPlan | None = None) -> str:
    """A duty night: "Mon 22 → Tue 23 Jan 2024"; one date for a window that ends
    on its evening's own date (18:00–23:00)."""
    if plan:
        _start, end = nights.window_bounds(
            day, plan.window_start, plan.window_end, plan.tz
        )
        if end.date() == day:
            return labels.night(day, one_date=True)
    return labels.night(day)


def shift(value: Shift) -> str:
    """A shift's night and hours: "Mon 22 → Tue 23 Jan 2024, 02:00–03:00 WIB"."""
    plan = value.plan
    return labels.span(value.start, value.end, plan.tz, duty_night=value.night)


def at(instant: dt.datetime, plan: RotationPlan) -> str:
    """An instant on the plan's clock within its duty night."""
    return labels.at(instant, plan.tz)


def hm(instant: dt.datetime, plan: RotationPlan) -> str:
    return labels.hm(instant, plan.tz)
