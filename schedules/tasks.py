"""Thin Celery wrappers around the generation services; idempotent by design."""

import datetime as dt

from celery import shared_task
from django.db import OperationalError

from outbox.runs import TrackedTask
from schedules.models import RotationPlan
from schedules.services import deadlines, generation

# Tracked: a run killed with its whole worker is sent again at once (outbox.runs).
RETRY = {
    "base": TrackedTask,
    "acks_late": True,
    "autoretry_for": (OperationalError, OSError),
    "retry_backoff": 30,
    "retry_backoff_max": 1800,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="schedules.generate_plan", **RETRY)
def generate_plan(plan_id: int, start: str | None = None, nights: int | None = None):
    plan = RotationPlan.objects.get(pk=plan_id)
    first = dt.date.fromisoformat(start) if start else None
    result = generation.generate_shifts(plan=plan, start=first, nights=nights)
    return [result.created, result.changed, result.removed]


@shared_task(name="schedules.regenerate_nights", **RETRY)
def regenerate_nights(plan_id: int, first: str, last: str):
    plan = RotationPlan.objects.get(pk=plan_id)
    result = generation.regenerate_after_change(
        plan=plan, first=dt.date.fromisoformat(first), last=dt.date.fromisoformat(last)
    )
    return [result.created, result.changed, result.removed] if result else None


@shared_task(name="schedules.extend_horizons", **RETRY)
def extend_horizons() -> list[int]:
    # Beat fires hourly; each plan moves on once a day at 12:00 in its own zone.
    return [result.plan.pk for result in generation.extend_horizons()]


@shared_task(name="schedules.request_deadlines", **RETRY)
def request_deadlines() -> list[int]:
    # Escalate undecided requests before their shift; expire them at its start.
    return list(deadlines.run_deadlines())
