"""End to end on a real Celery worker and Redis: enqueue → worker → stored
notification and an e-mail written by the worker's file backend."""

import datetime as dt
import time

import pytest

from notices import tasks as notice_tasks
from notices.models import (
    DeliveryStatus,
    Notification,
    NotificationKind,
    Webhook,
    WebhookDelivery,
)
from patrols import tasks as patrol_tasks
from patrols.models import MorningReport
from precincts.models import Role
from tests import factories
from tests.notices.conftest import worker_mail

pytestmark = [pytest.mark.worker]
NIGHT = dt.date(2024, 1, 22)


@pytest.fixture
def short_tonight(transactional_db, plan, tambora):
    shift = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=0)
    factories.AssignmentFactory(shift=shift)
    return shift


def test_worker_delivers_a_roster_reminder(celery_worker, short_tonight, piket_tambora):
    sent = notice_tasks.send_roster_reminders.apply_async(
        kwargs={"at": "2024-01-22T20:00:00+07:00"}
    )
    assert sent.get(timeout=60) == 1
    [notice] = Notification.objects.filter(kind=NotificationKind.ROSTER_SHORT)
    assert notice.recipient == piket_tambora
    mail = worker_mail(piket_tambora.email)
    assert f"To: {piket_tambora.email}" in mail
    assert notice.body in mail
    # Beat firing again sends nothing new.
    again = notice_tasks.send_roster_reminders.apply_async(
        kwargs={"at": "2024-01-22T20:05:00+07:00"}
    )
    assert again.get(timeout=60) == 0


def test_worker_delivers_the_morning_report_to_the_commanders(
    celery_worker, short_tonight, kapolsek_tambora, jakpus
):
    kapolres_jakpus = factories.make_staff(
        "kapolres.jakpus.worker", Role.COMMANDER, command=jakpus
    )
    result = patrol_tasks.send_morning_reports.apply_async(
        kwargs={"at": "2024-01-23T05:30:00+07:00"}
    )
    [report_id] = result.get(timeout=60)
    report = MorningReport.objects.get(pk=report_id)
    assert report.night == NIGHT
    assert report.missing_report_count == 1
    notices = Notification.objects.filter(kind=NotificationKind.MORNING_REPORT)
    assert {n.recipient for n in notices} == {kapolsek_tambora, kapolres_jakpus}
    mail = worker_mail(kapolsek_tambora.email, kapolres_jakpus.email)
    for commander in (kapolsek_tambora, kapolres_jakpus):
        assert f"To: {commander.email}" in mail
    assert all(n.body in mail for n in notices)


def test_worker_retries_a_failing_webhook_with_backoff_until_it_answers(
    celery_worker, short_tonight, piket_tambora, receiver
):
    Webhook.objects.create(name="Gateway", url=receiver.url, secret="s3cret")
    receiver.answers = [502, 503]
    sent = notice_tasks.send_roster_reminders.apply_async(
        kwargs={"at": "2024-01-22T20:00:00+07:00"}
    )
    assert sent.get(timeout=60) == 1
    deadline = time.monotonic() + 60
    delivery = None
    while time.monotonic() < deadline:
        delivery = WebhookDelivery.objects.filter(
            status=DeliveryStatus.DELIVERED
        ).first()
        if delivery:
            break
        time.sleep(0.3)
    assert delivery is not None
    assert delivery.attempts == 3
    assert len(receiver.requests) == 3
