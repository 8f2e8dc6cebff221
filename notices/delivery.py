"""Delivery of stored notifications: e-mail and webhooks, each at most once.

deliver_notification() queues the webhook posts, then sends the e-mail; each
channel records what it sent, and a retried task sends nothing twice.
"""

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth.models import User
from django.core.mail import send_mail
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone

from common import text
from notices import selectors, webhooks
from notices.models import DeliveryStatus, Notification, Webhook, WebhookDelivery
from outbox import services as outbox

logger = logging.getLogger(__name__)

# notices.tasks.deliver_webhook (named: the tasks module imports this one).
WEBHOOK_TASK = "notices.deliver_webhook"


def deliver_notification(*, notification_id: int) -> Notification:
    """Queue the webhook posts, then send the e-mail; each at most once."""
    with transaction.atomic():
        notification = Notification.objects.select_related("recipient").get(
            pk=notification_id
        )
        for webhook in _webhooks_for(notification.recipient):
            delivery, created = WebhookDelivery.objects.get_or_create(
                webhook=webhook, notification=notification
            )
            if created:
                outbox.enqueue(WEBHOOK_TASK, delivery.pk)
    if notification.recipient.email:
        _send_email(notification)
    return notification


def _webhooks_for(user: User):
    precinct_ids = selectors.precincts_of_user(user).values("pk")
    return Webhook.objects.filter(active=True).filter(
        models.Q(precinct__isnull=True) | models.Q(precinct__in=precinct_ids)
    )


def _send_email(notification: Notification) -> None:
    # Claim the row first: a second run of the task finds it claimed and sends nothing.
    claimed = Notification.objects.filter(
        pk=notification.pk, emailed_at__isnull=True
    ).update(emailed_at=timezone.now())
    if not claimed:
        return
    body = text.lines(notification.body)
    if notification.link:
        body = f"{body}\n\n{settings.SITE_URL.rstrip('/')}{notification.link}"
    try:
        send_mail(
            subject=f"[Giliran] {text.one_line(notification.title)}",
            message=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[notification.recipient.email],
        )
    except Exception:
        # Release the claim so the task's retry sends it.
        Notification.objects.filter(pk=notification.pk).update(emailed_at=None)
        raise


def webhook_payload(delivery: WebhookDelivery) -> dict:
    notification = delivery.notification
    recipient = notification.recipient
    return {
        "delivery": delivery.pk,
        "event": notification.kind,
        "notification": {
            "id": notification.pk,
            "kind": notification.kind,
            "title": text.one_line(notification.title),
            "body": text.lines(notification.body),
            "link": notification.link,
            "plan": notification.plan.code if notification.plan_id else None,
            "night": notification.night.isoformat() if notification.night else None,
            "created_at": notification.created_at.isoformat(),
        },
        "recipient": {
            "username": recipient.get_username(),
            "name": text.one_line(recipient.get_full_name()),
            "email": recipient.email,
        },
    }


def deliver_webhook(*, delivery_id: int, final_attempt: bool) -> WebhookDelivery:
    """POST one delivery; raises DeliveryFailed to ask for a retry unless final."""
    delivery = WebhookDelivery.objects.select_related(
        "webhook", "notification__recipient", "notification__plan"
    ).get(pk=delivery_id)
    if delivery.status != DeliveryStatus.PENDING:
        return delivery
    if not delivery.webhook.active:
        delivery.status = DeliveryStatus.FAILED
        delivery.last_error = "webhook deactivated"
        delivery.save(update_fields=["status", "last_error"])
        return delivery
    if not _claim(delivery):
        # Another attempt is posting it now (or has just finished): one POST at once.
        return delivery
    body = webhooks.encode(webhook_payload(delivery))
    try:
        delivery.response_code = webhooks.post(
            url=delivery.webhook.url,
            secret=delivery.webhook.secret,
            body=body,
            event=delivery.notification.kind,
            delivery_id=delivery.pk,
        )
    except webhooks.DeliveryFailed as exc:
        delivery.response_code = exc.status
        delivery.last_error = str(exc)[:500]
        if final_attempt:
            delivery.status = DeliveryStatus.FAILED
            logger.warning("webhook delivery %s failed for good: %s", delivery.pk, exc)
        delivery.claimed_until = None
        delivery.save()
        if not final_attempt:
            raise
        return delivery
    delivery.status = DeliveryStatus.DELIVERED
    delivery.delivered_at = timezone.now()
    delivery.last_error = ""
    delivery.claimed_until = None
    delivery.save()
    return delivery


# Longer than a POST may take (webhooks.TIMEOUT_SECONDS), so a claim outlives the
# attempt that holds it; an attempt that died mid-way frees it when it lapses.
CLAIM_SECONDS = webhooks.TIMEOUT_SECONDS * 3


def _claim(delivery: WebhookDelivery) -> bool:
    """Take the pending delivery for one attempt, in one conditional UPDATE, and
    count the attempt; False when another attempt holds it or it is settled."""
    now = timezone.now()
    claimed = WebhookDelivery.objects.filter(
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now),
        pk=delivery.pk,
        status=DeliveryStatus.PENDING,
    ).update(
        claimed_until=now + dt.timedelta(seconds=CLAIM_SECONDS),
        attempts=F("attempts") + 1,
    )
    if claimed:
        delivery.refresh_from_db(fields=["attempts", "claimed_until"])
    return bool(claimed)


@transaction.atomic
def retry_webhook_delivery(*, delivery: WebhookDelivery) -> WebhookDelivery:
    """Queue a failed delivery again (an administrator's action)."""
    delivery = WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.FAILED:
        delivery.status = DeliveryStatus.PENDING
        delivery.save(update_fields=["status"])
        outbox.enqueue(WEBHOOK_TASK, delivery.pk)
    return delivery
