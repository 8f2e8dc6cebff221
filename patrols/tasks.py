"""Thin Celery wrappers around patrol services; idempotent by design."""

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
def send_morning_reports() -> list[int]:
    return [r.pk for r in services.send_morning_reports(at=timezone.now())]
