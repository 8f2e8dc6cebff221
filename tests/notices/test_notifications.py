import json

import pytest
from django.core.exceptions import PermissionDenied

from notices import delivery as notice_delivery
from notices import selectors, services, tasks, webhooks
from notices.models import (
    DeliveryStatus,
    Notification,
    NotificationKind,
    Webhook,
    WebhookDelivery,
)


def _notify(user, key="roster_short:1:2024-01-22:1", **kwargs):
    return services.notify(
        recipient=user,
        kind=NotificationKind.ROSTER_SHORT,
        title="Roster short tonight",
        body="00:00–01:00: 2 of 4 officers",
        dedupe_key=key,
        **kwargs,
    )


def test_a_notification_is_stored_and_mailed_once_per_key(
    piket_tambora, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = _notify(piket_tambora, link="/tonight/")
        again = _notify(piket_tambora, link="/tonight/")
    assert first is not None
    assert again is None
    assert Notification.objects.count() == 1
    [mail] = mailoutbox
    assert mail.to == [piket_tambora.email]
    assert mail.subject == "[Giliran] Roster short tonight"
    assert "http://localhost:8000/tonight/" in mail.body
    # The delivery task running twice (a retry, a redelivered message) mails once.
    tasks.deliver_notification.delay(first.pk)
    assert len(mailoutbox) == 1


def test_read_receipts_and_unread_count(piket_tambora, piket_gambir):
    one = _notify(piket_tambora, key="a")
    _notify(piket_tambora, key="b")
    assert selectors.unread_count(piket_tambora) == 2
    with pytest.raises(PermissionDenied):
        services.mark_read(notification=one, by=piket_gambir)
    services.mark_read(notification=one, by=piket_tambora)
    first_read = Notification.objects.get(pk=one.pk).read_at
    assert first_read is not None
    services.mark_read(notification=one, by=piket_tambora)
    assert Notification.objects.get(pk=one.pk).read_at == first_read
    assert selectors.unread_count(piket_tambora) == 1
    assert services.mark_all_read(by=piket_tambora) == 1
    assert selectors.unread_count(piket_tambora) == 0


def test_webhook_gets_a_signed_json_body(
    piket_tambora, tambora, gambir, receiver, django_capture_on_commit_callbacks
):
    hook = Webhook.objects.create(
        name="Tambora WA gateway", url=receiver.url, secret="s3cret", precinct=tambora
    )
    Webhook.objects.create(name="Gambir", url=receiver.url, secret="x", precinct=gambir)
    Webhook.objects.create(name="Off", url=receiver.url, secret="x", active=False)
    with django_capture_on_commit_callbacks(execute=True):
        notification = _notify(piket_tambora)
    [(headers, body)] = receiver.requests
    assert webhooks.verify("s3cret", body, headers["X-Giliran-Signature"])
    assert not webhooks.verify("wrong", body, headers["X-Giliran-Signature"])
    assert headers["X-Giliran-Event"] == "roster_short"
    payload = json.loads(body)
    assert payload["notification"]["id"] == notification.pk
    assert payload["recipient"]["username"] == "piket.tambora"
    delivery = WebhookDelivery.objects.get(webhook=hook)
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert delivery.response_code == 200


def test_a_failing_webhook_is_retried_until_it_answers(
    piket_tambora, receiver, django_capture_on_commit_callbacks
):
    Webhook.objects.create(name="Flaky", url=receiver.url, secret="s3cret")
    receiver.answers = [503, 500]
    with django_capture_on_commit_callbacks(execute=True):
        _notify(piket_tambora)
    delivery = WebhookDelivery.objects.get()
    assert len(receiver.requests) == 3
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 3
    # Every attempt carries the same body and signature.
    assert len({body for _headers, body in receiver.requests}) == 1


def test_a_webhook_that_keeps_failing_is_given_up_after_the_retries(
    piket_tambora, receiver, settings, django_capture_on_commit_callbacks
):
    settings.WEBHOOK_MAX_RETRIES = 2
    Webhook.objects.create(name="Down", url=receiver.url, secret="s3cret")
    receiver.answers = [500] * 10
    with django_capture_on_commit_callbacks(execute=True):
        _notify(piket_tambora)
    delivery = WebhookDelivery.objects.get()
    assert len(receiver.requests) == 3
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == 3
    assert delivery.last_error == "HTTP 500"


def test_an_unreachable_webhook_records_the_error(piket_tambora, receiver):
    hook = Webhook.objects.create(name="Nowhere", url="http://127.0.0.1:9/", secret="s")
    notification = _notify(piket_tambora)
    delivery = WebhookDelivery.objects.create(webhook=hook, notification=notification)
    with pytest.raises(webhooks.DeliveryFailed):
        notice_delivery.deliver_webhook(delivery_id=delivery.pk, final_attempt=False)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING
    assert delivery.attempts == 1
    assert delivery.last_error


def test_a_delivery_being_posted_is_not_posted_again_by_a_second_attempt(
    piket_tambora, receiver
):
    """A redelivered task message runs while the first attempt is still posting:
    the delivery is claimed, so the second attempt leaves it alone."""
    hook = Webhook.objects.create(name="Gateway", url=receiver.url, secret="s")
    delivery = WebhookDelivery.objects.create(
        webhook=hook, notification=_notify(piket_tambora)
    )
    assert notice_delivery._claim(delivery)  # the first attempt, now posting

    notice_delivery.deliver_webhook(delivery_id=delivery.pk, final_attempt=False)

    assert receiver.requests == []
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 1)


def test_a_claim_left_by_a_dead_attempt_lapses_and_the_delivery_is_posted(
    piket_tambora, receiver
):
    import datetime as dt

    from django.utils import timezone

    hook = Webhook.objects.create(name="Gateway", url=receiver.url, secret="s")
    delivery = WebhookDelivery.objects.create(
        webhook=hook,
        notification=_notify(piket_tambora),
        attempts=1,
        claimed_until=timezone.now() - dt.timedelta(seconds=1),
    )

    notice_delivery.deliver_webhook(delivery_id=delivery.pk, final_attempt=False)

    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert delivery.attempts == 2
    assert delivery.claimed_until is None
    # Delivered: a late duplicate of the task posts nothing more.
    notice_delivery.deliver_webhook(delivery_id=delivery.pk, final_attempt=False)
    assert len(receiver.requests) == 1
