from django.urls import reverse

from notices.models import DeliveryStatus, NotificationKind, Webhook, WebhookDelivery
from notices.services import notify
from patrols import services as patrol_services
from patrols.models import MorningReport
from tests.notices.conftest import wib


def test_admin_sends_a_failed_webhook_delivery_again(
    client, admin_user, piket_tambora, receiver, django_capture_on_commit_callbacks
):
    hook = Webhook.objects.create(name="Gateway", url=receiver.url, secret="s")
    notification = notify(
        recipient=piket_tambora,
        kind=NotificationKind.ROSTER_SHORT,
        title="Roster short",
        dedupe_key="k",
    )
    delivery = WebhookDelivery.objects.create(
        webhook=hook,
        notification=notification,
        status=DeliveryStatus.FAILED,
        attempts=7,
    )
    client.force_login(admin_user)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:notices_webhookdelivery_changelist"),
            {"action": "retry", "_selected_action": [delivery.pk]},
        )
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 1


def test_admin_rebuilds_a_morning_report(client, admin_user, plan):
    report = patrol_services.build_morning_report(
        plan=plan, night=plan.valid_from, at=wib(23, 5, 30)
    )
    MorningReport.objects.filter(pk=report.pk).update(slot_count=99)
    client.force_login(admin_user)
    response = client.post(
        reverse("admin:patrols_morningreport_changelist"),
        {"action": "rebuild", "_selected_action": [report.pk]},
    )
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.slot_count == 0
