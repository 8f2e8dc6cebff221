"""The Requests page's lists as plain rows: a precinct's blackouts, and the swaps
it asked for or was offered, what waits for a decision first. One query each,
with no model instances (a request, its precincts and its two users each cost more
to build than to show)."""

from django.db.models import Case, Q, When

from schedules.models import Blackout, RequestStatus, SwapRequest

# What still waits for a decision comes before what has been decided.
PENDING_FIRST = Case(When(status=RequestStatus.PENDING, then=0), default=1)

BLACKOUT_FIELDS = (
    "pk", "status", "precinct_id", "precinct__colour", "precinct__name", "start",
    "end", "category", "reason", "requested_by__username", "created_at",
    "decided_by__username", "decision_note",
)  # fmt: skip
_SHIFT = ("night", "start", "end", "plan__name", "plan__window_start",
          "plan__window_end", "plan__time_zone")  # fmt: skip
SWAP_FIELDS = (
    "pk", "status", "kind", "from_precinct_id", "from_precinct__colour",
    "from_precinct__name", "to_precinct__colour", "to_precinct__name",
    *(f"shift__{name}" for name in _SHIFT),
    "counter_shift_id", *(f"counter_shift__{name}" for name in _SHIFT),
    "note", "requested_by__username", "created_at", "decided_by__username",
    "decision_note", "accepted_at", "approved_at",
)  # fmt: skip


def blackouts(home, *, limit: int) -> list[dict]:
    """The blackouts of these precincts (a queryset of their ids)."""
    return list(
        Blackout.objects.filter(precinct__in=home)
        .order_by(PENDING_FIRST, "-created_at")
        .values(*BLACKOUT_FIELDS)[:limit]
    )


def swaps(home, *, limit: int) -> list[dict]:
    """The swaps these precincts asked for or were offered."""
    return list(
        SwapRequest.objects.filter(Q(from_precinct__in=home) | Q(to_precinct__in=home))
        .order_by(PENDING_FIRST, "-created_at")
        .values(*SWAP_FIELDS)[:limit]
    )
