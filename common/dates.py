"""Sane ranges for the dates and instants that people and systems send.

Python's dates run from year 1 to 9999, but nothing Giliran plans or records lies
more than a couple of years from today: a date far outside that is a typing error
or a probe, and near the ends of the calendar the night arithmetic (the morning
after, an offset of +23:59 turned into UTC) overflows into a server error. A date
or instant that a request names (a filter, a night, a blackout, a report's times)
must lie within REQUEST_DATE_RANGE_DAYS of today, either way; generation reaches
no further than GENERATION_HORIZON_DAYS after tonight (schedules.services).
"""

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _


def request_range(today: dt.date | None = None) -> tuple[dt.date, dt.date]:
    """The first and last date a request may name."""
    today = today or timezone.localdate()
    span = dt.timedelta(days=settings.REQUEST_DATE_RANGE_DAYS)
    return today - span, today + span


def in_request_range(value: dt.date | dt.datetime) -> bool:
    first, last = request_range()
    if isinstance(value, dt.datetime):
        # Compared as instants, whatever offset the value carries (Python allows
        # up to ±23:59, so its date alone may be a day off).
        tz = None if timezone.is_naive(value) else dt.UTC
        low = dt.datetime.combine(first, dt.time.min, tzinfo=tz)
        high = dt.datetime.combine(last, dt.time.max, tzinfo=tz)
        return low <= value <= high
    return first <= value <= last


def out_of_range_message() -> str:
    first, last = request_range()
    return _("Give a date between %(first)s and %(last)s.") % {
        "first": first.isoformat(),
        "last": last.isoformat(),
    }


def check_request_date(value: dt.date | dt.datetime | None) -> None:
    """A field validator (Django forms, DRF, django-filter): ValidationError for a
    date or instant outside the request range, naming the range."""
    if value is not None and not in_request_range(value):
        raise ValidationError(out_of_range_message(), code="out_of_range")
