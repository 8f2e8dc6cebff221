"""Thin Celery wrappers around patrol services; idempotent by design."""

import datetime as dt

from celery import shared_task
from django.utils import timezone

from patrols import services


@shared_task(
    name="patrols.send_morning_reports",
    acks_late=True,
    autoretry_for=(OSError,),
    retry_backoff=30,
    retry_backoff_max=1800,
    retry_jitter=True,
    max_retries=5,
)
def send_morning_reports(at: str | None = None) -> list[int]:
    # `at` (ISO 8601) replays an instant; beat sends nothing and means now.
    when = dt.datetime.fromisoformat(at) if at else timezone.now()
    return [r.pk for r in services.send_morning_reports(at=when)]
