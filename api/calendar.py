"""iCalendar (RFC 5545) for a set of shifts: one VEVENT per shift.

The UID is the shift's id, which lives as long as the shift, so a calendar
updates events in place across regeneration and swaps; SEQUENCE follows the
shift's version. Times are written with TZID (the plan's zone) and the matching
VTIMEZONE; cancelled shifts stay in the feed as STATUS:CANCELLED so subscribers
drop them, and so, for 30 days, do shifts that left the feed's precinct (handed
to another, left uncovered, deleted); uncovered slots are TENTATIVE. Every text
put in is cleaned of control characters first: the icalendar library escapes a
line feed but not a bare carriage return, which a parser reads as the end of the
line (common.text).
"""

import datetime as dt
from collections.abc import Iterable

import icalendar
from django.utils import timezone

from common import text
from schedules.models import Shift, ShiftDeparture, ShiftStatus

PRODID = "-//Giliran//Joint patrol rotations//EN"


def uid(shift: Shift) -> str:
    return f"shift-{shift.pk}@giliran"


def _summary(shift: Shift) -> str:
    holder = shift.precinct.name if shift.precinct_id else "uncovered"
    return text.one_line(f"{shift.plan.name}: {holder}")


def _status(shift: Shift) -> str:
    if shift.status == ShiftStatus.CANCELLED:
        return "CANCELLED"
    # An uncovered slot is not a patrol anyone holds yet.
    return "TENTATIVE" if shift.status == ShiftStatus.UNCOVERED else "CONFIRMED"


def departure_event(departure: ShiftDeparture, plan_name: str, holder: str):
    """The shift as its old holder knew it, cancelled: same UID, a later SEQUENCE,
    so a subscribed calendar drops the event instead of keeping it for ever."""
    event = icalendar.Event()
    event.add("uid", f"shift-{departure.shift_id}@giliran")
    event.add("dtstamp", departure.departed_at.astimezone(dt.UTC))
    event.add("last-modified", departure.departed_at.astimezone(dt.UTC))
    # The shift's event was at SEQUENCE version - 1 when it left.
    event.add("sequence", departure.version)
    event.add("dtstart", departure.start.astimezone(dt.UTC))
    event.add("dtend", departure.end.astimezone(dt.UTC))
    event.add("summary", text.one_line(f"{plan_name}: no longer {holder}"))
    event.add("status", "CANCELLED")
    return event


def _description(shift: Shift, officers: list[str] | None) -> str:
    lines = [f"{shift.get_status_display()} · {shift.get_reason_display()}"]
    if shift.reason_note:
        lines.append(shift.reason_note)
    if officers:
        lines += officers
    return "\n".join(text.lines(line) for line in lines)


def _location(shift: Shift) -> str:
    zone = shift.plan.zone
    parts = (zone.name, zone.kelurahan, zone.kecamatan)
    return text.one_line(", ".join(p for p in parts if p))


def build(
    shifts: Iterable[Shift],
    *,
    name: str,
    sees_roster=lambda shift: False,
    gone: Iterable = (),
) -> bytes:
    """The calendar; shifts need plan+zone, precinct and assignments+officer;
    `gone` holds departure_event()s of shifts that left."""
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", text.one_line(name))
    for shift in shifts:
        tz = shift.plan.tz
        event = icalendar.Event()
        event.add("uid", uid(shift))
        # The last revision (RFC 5545 3.8.7.2), not the time of the request: the
        # same schedule is the same feed, byte for byte, so its ETag holds.
        event.add("dtstamp", shift.updated_at.astimezone(dt.UTC))
        event.add("last-modified", shift.updated_at.astimezone(dt.UTC))
        event.add("created", shift.created_at.astimezone(dt.UTC))
        event.add("sequence", max(shift.version - 1, 0))
        event.add("dtstart", timezone.localtime(shift.start, tz))
        event.add("dtend", timezone.localtime(shift.end, tz))
        event.add("summary", _summary(shift))
        event.add("location", _location(shift))
        officers = None
        if sees_roster(shift):
            officers = [
                text.one_line(
                    f"{a.officer.get_rank_display()} {a.officer.name} ({a.officer.nrp})"
                )
                + (" *" if a.role == "leader" else "")
                for a in shift.assignments.all()
            ]
        event.add("description", _description(shift, officers))
        event.add("status", _status(shift))
        if shift.precinct_id:
            event.add("categories", [shift.precinct.code])
        point = shift.plan.zone.post_location
        if point and point.get("type") == "Point":
            lng, lat = point["coordinates"][:2]
            event.add("geo", (lat, lng))
        cal.add_component(event)
    for event in gone:
        cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical()
