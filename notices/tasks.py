"""Thin Celery wrappers around notices services; all idempotent by design."""

import datetime as dt

from celery import shared_task
from celery.exceptions import Retry
from celery.utils.time import get_exponential_backoff_interval
from django.conf import settings
from django.utils import timezone

from notices import changes, delivery, reminders, requests, webhooks

RETRY = {
    "acks_late": True,
    "autoretry_for": (OSError,),
    "retry_backoff": 30,
    "retry_backoff_max": 1800,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="notices.deliver_notification", **RETRY)
def deliver_notification(notification_id: int) -> None:
    delivery.deliver_notification(notification_id=notification_id)


@shared_task(name="notices.deliver_webhook", bind=True, acks_late=True)
def deliver_webhook(self, delivery_id: int):
    final = self.request.retries >= settings.WEBHOOK_MAX_RETRIES
    try:
        delivery.deliver_webhook(delivery_id=delivery_id, final_attempt=final)
    except webhooks.DeliveryFailed as exc:
        countdown = get_exponential_backoff_interval(
            factor=settings.WEBHOOK_RETRY_BACKOFF_SECONDS,
            retries=self.request.retries,
            maximum=3600,
            full_jitter=True,
        )
        try:
            raise self.retry(exc=exc, countdown=countdown) from exc
        except Retry as retry:
            # Without a broker (eager mode) apply() runs a returned Retry in-process
            # at once, and the caller (an on_commit hook) never sees it raised.
            if self.request.is_eager:
                return retry
            raise


def instant(at: str | None) -> dt.datetime:
    """Beat sends nothing (now); an operator or a test may replay an ISO instant."""
    return dt.datetime.fromisoformat(at) if at else timezone.now()


@shared_task(name="notices.send_roster_reminders", **RETRY)
def send_roster_reminders(at: str | None = None) -> int:
    return len(reminders.send_roster_reminders(at=instant(at)))


@shared_task(name="notices.send_shift_reminders", **RETRY)
def send_shift_reminders(at: str | None = None) -> int:
    return len(reminders.send_shift_reminders(at=instant(at)))


@shared_task(name="notices.notify_shift_changes", **RETRY)
def notify_shift_changes(shift_ids: list[int], actor_id: int | None = None) -> int:
    return len(changes.notify_shift_changes(shift_ids=shift_ids, actor_id=actor_id))


@shared_task(name="notices.scan_shift_changes", **RETRY)
def scan_shift_changes() -> int:
    return len(changes.scan_shift_changes(at=timezone.now()))


@shared_task(name="notices.notify_request_pending", **RETRY)
def notify_request_pending(kind: str, pk: int) -> int:
    return len(requests.notify_request_pending(kind=kind, pk=pk))


@shared_task(name="notices.notify_request_decided", **RETRY)
def notify_request_decided(kind: str, pk: int, by_id: int | None = None) -> int:
    return len(requests.notify_request_decided(kind=kind, pk=pk, by_id=by_id))


@shared_task(name="notices.notify_request_escalated", **RETRY)
def notify_request_escalated(kind: str, pk: int) -> int:
    return len(requests.notify_request_escalated(kind=kind, pk=pk))
