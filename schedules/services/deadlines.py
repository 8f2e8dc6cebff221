"""Requests that wait too long: escalated before their shift, expired at its start.

A blackout or swap still undecided `plan.escalation_hours` before the first shift
it concerns (default 12) goes to the Polres commanders of both sides; one still
undecided when that shift starts expires, visibly (status "expired") and with a
notice, and is never applied late. Both run from the beat schedule
(schedules.tasks.request_deadlines) and the `request_deadlines` command; each is
idempotent, so a double fire changes nothing.
"""

import datetime as dt

from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from outbox import services as outbox
from schedules.models import Blackout, RequestStatus, RotationPlan, SwapRequest
from schedules.services import decisions

ESCALATE_TASK = "notices.notify_request_escalated"


def _swap_start(swap: SwapRequest) -> dt.datetime:
    starts = [swap.shift.start]
    if swap.counter_shift is not None:
        starts.append(swap.counter_shift.start)
    return min(starts)


def _blackout_hours(blackout: Blackout) -> int:
    hours = RotationPlan.objects.filter(
        active=True, memberships__precinct=blackout.precinct_id
    ).aggregate(least=Min("escalation_hours"))["least"]
    return 12 if hours is None else hours


@transaction.atomic
def expire_requests(*, now: dt.datetime | None = None) -> list:
    """Expire every pending request whose first shift has started."""
    now = now or timezone.now()
    expired = []
    swaps = SwapRequest.objects.select_for_update(of=("self",)).filter(
        status=RequestStatus.PENDING
    )
    for swap in swaps.filter(shift__start__lte=now) | swaps.filter(
        counter_shift__start__lte=now
    ):
        decisions.decide(swap, None, RequestStatus.EXPIRED)
        outbox.enqueue(decisions.DECIDED_TASK, "swap", swap.pk, None)
        expired.append(swap)
    for blackout in Blackout.objects.select_for_update().filter(
        status=RequestStatus.PENDING, start__lte=now
    ):
        decisions.decide(blackout, None, RequestStatus.EXPIRED)
        outbox.enqueue(decisions.DECIDED_TASK, "blackout", blackout.pk, None)
        expired.append(blackout)
    return expired


@transaction.atomic
def escalate_requests(*, now: dt.datetime | None = None) -> list:
    """Mark and announce each pending request now within its plan's escalation
    hours of its first shift (once)."""
    now = now or timezone.now()
    escalated = []
    # Escalation hours are at most two weeks: nothing later can be due.
    soon = now + dt.timedelta(days=15)
    swaps = (
        SwapRequest.objects.select_for_update(of=("self",))
        .filter(status=RequestStatus.PENDING, escalated_at__isnull=True)
        .filter(shift__start__lte=soon)
        .select_related("shift__plan", "counter_shift")
    )
    for swap in swaps:
        hours = dt.timedelta(hours=swap.shift.plan.escalation_hours)
        if _swap_start(swap) - hours <= now:
            _escalate(swap, "swap", now)
            escalated.append(swap)
    # A blackout's plans may differ in their hours; the earliest warning wins.
    for blackout in Blackout.objects.select_for_update().filter(
        status=RequestStatus.PENDING, escalated_at__isnull=True, start__lte=soon
    ):
        if blackout.start - dt.timedelta(hours=_blackout_hours(blackout)) <= now:
            _escalate(blackout, "blackout", now)
            escalated.append(blackout)
    return escalated


def _escalate(obj, kind: str, now: dt.datetime) -> None:
    obj.escalated_at = now
    obj.save(update_fields=["escalated_at"])
    outbox.enqueue(ESCALATE_TASK, kind, obj.pk)


def run_deadlines(*, now: dt.datetime | None = None) -> tuple[int, int]:
    """Expire, then escalate; (expired, escalated)."""
    now = now or timezone.now()
    return len(expire_requests(now=now)), len(escalate_requests(now=now))
