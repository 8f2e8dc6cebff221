"""The Requests page's lists, row by row: each request's text is rendered once per
process for what it shows (common.fragments); the page adds the forms that decide
or withdraw it, which carry the user's CSRF token."""

import zoneinfo

from django.utils import timezone

from common import fragments
from schedules.models import BlackoutCategory, RequestStatus, SwapKind
from schedules.templatetags import giliran

BLACKOUT = fragments.Fragment("schedules/_blackout.html")
SWAP = fragments.Fragment("schedules/_swap.html")


def blackout(row: dict, decidable: set[int]) -> dict:
    """A row of selectors.requests.blackouts() for the page."""
    pending = row["status"] == RequestStatus.PENDING
    return {
        "pk": row["pk"],
        "status": row["status"],
        "html": BLACKOUT.render(
            pk=row["pk"],
            decide=pending and row["precinct_id"] in decidable,
            status=row["status"],
            status_display=_label(RequestStatus, row["status"]),
            colour=row["precinct__colour"],
            precinct=row["precinct__name"],
            start=row["start"],
            end=row["end"],
            category=_label(BlackoutCategory, row["category"]),
            reason=row["reason"],
            asked_by=row["requested_by__username"] or "",
            asked_at=row["created_at"],
            decided_by=row["decided_by__username"] or "",
            decision_note=row["decision_note"],
        ),
    }


def swap(row: dict, asking: set[int]) -> dict:
    """A row of selectors.requests.swaps() for the page."""
    pending = row["status"] == RequestStatus.PENDING
    counter = _shift(row, "counter_shift__") if row["counter_shift_id"] else None
    return {
        "pk": row["pk"],
        "status": row["status"],
        "withdraw": pending and row["from_precinct_id"] in asking,
        "html": SWAP.render(
            pk=row["pk"],
            accepted=row["accepted_at"] is not None,
            approved=row["approved_at"] is not None,
            status=row["status"],
            status_display=_label(RequestStatus, row["status"]),
            from_colour=row["from_precinct__colour"],
            from_name=row["from_precinct__name"],
            to_colour=row["to_precinct__colour"],
            to_name=row["to_precinct__name"],
            kind=_label(SwapKind, row["kind"]),
            shift=_shift(row, "shift__"),
            plan=row["shift__plan__name"],
            counter=counter,
            note=row["note"],
            asked_by=row["requested_by__username"] or "",
            asked_at=row["created_at"],
            decided_by=row["decided_by__username"] or "",
            decision_note=row["decision_note"],
        ),
    }


def _shift(row: dict, prefix: str) -> tuple[str, str, str]:
    """A shift's night, start and end as the page names them."""
    zone = row[f"{prefix}plan__time_zone"]
    window = (
        row[f"{prefix}plan__window_start"],
        row[f"{prefix}plan__window_end"],
        zone,
    )
    tz = zoneinfo.ZoneInfo(zone)
    return (
        giliran.window_night_label(row[f"{prefix}night"], window),
        f"{timezone.localtime(row[f'{prefix}start'], tz):%H:%M}",
        f"{timezone.localtime(row[f'{prefix}end'], tz):%H:%M}",
    )


def _label(choices, value: str) -> str:
    """A choice's label in the active language (a choices class's own lookup
    flattens its choices on every call)."""
    return str(choices(value).label) if value in choices.values else value
