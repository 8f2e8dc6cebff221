"""The transactional outbox: written with the change, sent after commit, never lost,
never sent twice by two drainers."""

import datetime as dt
import logging
import threading

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from outbox import services
from outbox.models import MessageStatus, OutboxMessage
from schedules.models import Blackout
from tests.api.conftest import client_for
from tests.outbox.conftest import REMEMBERED, remember


def test_a_task_is_a_row_written_in_the_callers_transaction(
    db, outbox_on, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as callbacks, transaction.atomic():
        message = services.enqueue(remember, 7, night="2024-01-22")
        stored = OutboxMessage.objects.get()
        # Nothing leaves before the commit.
        assert callbacks == []

    assert stored == message
    assert (stored.task_name, stored.args, stored.kwargs) == (
        "tests.outbox.remember",
        [7],
        {"night": "2024-01-22"},
    )
    assert stored.status == MessageStatus.PENDING
    assert len(callbacks) == 1


def test_a_rolled_back_change_leaves_no_row_and_sends_nothing(
    db, broker_down, django_capture_on_commit_callbacks
):
    def failing_change():
        with transaction.atomic():
            services.enqueue(remember, 7)
            raise RuntimeError("the change failed")

    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
    ):
        failing_change()

    assert callbacks == []
    assert not OutboxMessage.objects.exists()
    assert broker_down.connections == 0


def test_eager_mode_runs_the_task_in_process_after_commit_and_stores_nothing(
    db, django_capture_on_commit_callbacks
):
    REMEMBERED.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        assert services.enqueue(remember, 1, two=2) is None
        assert REMEMBERED == []

    assert REMEMBERED == [((1,), {"two": 2})]
    assert not OutboxMessage.objects.exists()


def test_with_the_broker_down_the_row_waits_after_one_connection_attempt(
    db, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = services.enqueue(remember, 1)

    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING
    assert message.attempts == 1
    assert message.last_error.startswith("broker unreachable")
    # One try, no retry loop: the request that committed does not wait on it.
    assert broker_down.connections == 1


@time_machine.travel(dt.datetime(2024, 1, 22, 12, 0, tzinfo=dt.UTC), tick=False)
def test_a_write_with_the_broker_down_answers_and_keeps_its_task(
    db, plan, kapolsek_tambora, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(kapolsek_tambora).post(
            "/api/v1/blackouts/",
            {
                "precinct": "tambora",
                "start": "2024-02-01T00:00:00+07:00",
                "end": "2024-02-02T00:00:00+07:00",
                "reason": "Pengamanan",
            },
            format="json",
        )

    assert response.status_code == 201
    assert Blackout.objects.filter(reason="Pengamanan").exists()
    # Approved at once (a commander's own), its nights regenerated in the request;
    # the notice of the decision waits in the outbox.
    [message] = OutboxMessage.objects.all()
    assert message.task_name == "notices.notify_request_decided"
    assert message.args[1] == Blackout.objects.get(reason="Pengamanan").pk
    assert message.status == MessageStatus.PENDING
    assert broker_down.connections == 1


def test_the_drain_leaves_rows_pending_while_the_broker_is_down(db, broker_down):
    OutboxMessage.objects.create(task_name="tests.outbox.remember", args=[1])
    OutboxMessage.objects.create(task_name="tests.outbox.remember", args=[2])

    result = services.drain()

    assert result.broker_down
    assert (result.sent, result.waiting) == (0, 2)
    # It stops at the first refusal instead of trying every row.
    assert broker_down.connections == 1
    assert OutboxMessage.objects.filter(status=MessageStatus.PENDING).count() == 2


def test_the_drain_command_says_the_broker_is_down_and_fails(db, broker_down):
    OutboxMessage.objects.create(task_name="tests.outbox.remember")

    with pytest.raises(CommandError, match="broker did not answer"):
        call_command("drain_outbox")

    assert OutboxMessage.objects.get().status == MessageStatus.PENDING


def test_the_drain_does_nothing_without_a_broker(db):
    """Eager mode's broker is memory://: sending there would drop the rows."""
    OutboxMessage.objects.create(task_name="tests.outbox.remember")

    result = services.drain()

    assert (result.sent, result.waiting) == (0, 1)
    assert OutboxMessage.objects.get().status == MessageStatus.PENDING


def test_a_poison_row_is_given_up_after_the_attempts_and_logged(
    db, outbox_on, settings, caplog
):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    poison = OutboxMessage.objects.create(task_name="no.such.task")

    for _ in range(2):
        services.drain()
        poison.refresh_from_db()
        assert poison.status == MessageStatus.PENDING
    with caplog.at_level(logging.ERROR, logger="outbox.services"):
        result = services.drain()

    poison.refresh_from_db()
    assert result.failed == 1
    assert poison.status == MessageStatus.FAILED
    assert poison.attempts == 3
    assert "NotRegistered" in poison.last_error
    assert "gave up on no.such.task" in caplog.text


def test_an_administrator_sends_a_failed_row_again(db, client, admin_user):
    failed = OutboxMessage.objects.create(
        task_name="notices.deliver_notification",
        status=MessageStatus.FAILED,
        attempts=5,
        last_error="NotRegistered",
    )
    client.force_login(admin_user)

    listing = client.get("/admin/outbox/outboxmessage/?status__exact=failed")
    response = client.post(
        "/admin/outbox/outboxmessage/",
        {"action": "resend", "_selected_action": [failed.pk]},
    )

    assert listing.status_code == 200
    assert b"notices.deliver_notification" in listing.content
    assert response.status_code == 302
    failed.refresh_from_db()
    assert (failed.status, failed.attempts, failed.last_error) == ("pending", 0, "")


@pytest.mark.worker
def test_after_commit_the_row_is_published_once_and_marked_sent(
    transactional_db, redis_queue
):
    message = services.enqueue(remember, 1)

    message.refresh_from_db()
    assert message.status == MessageStatus.SENT
    assert message.sent_at is not None
    assert redis_queue() == [str(message.task_id)]
    # A drain afterwards finds nothing to send.
    assert services.drain().sent == 0
    assert redis_queue() == [str(message.task_id)]


@pytest.mark.worker
def test_rows_kept_while_the_broker_was_down_are_drained_once(
    transactional_db, redis_queue
):
    from config.celery import app

    real = app.conf.CELERY_BROKER_URL
    app.conf.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    first = services.enqueue(remember, 1)
    second = services.enqueue(remember, 2)
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"pending"}
    app.conf.CELERY_BROKER_URL = real

    assert services.drain().sent == 2
    assert services.drain().sent == 0

    assert redis_queue() == [str(first.task_id), str(second.task_id)]
    assert set(OutboxMessage.objects.values_list("status", flat=True)) == {"sent"}


@pytest.mark.postgres
def test_a_drainer_skips_the_rows_another_drainer_holds(transactional_db, outbox_on):
    held = OutboxMessage.objects.create(task_name="tests.outbox.remember", args=[1])
    locked, release = threading.Event(), threading.Event()

    def other_drainer():
        with transaction.atomic():
            list(OutboxMessage.objects.select_for_update().filter(pk=held.pk))
            locked.set()
            release.wait(30)
        connection.close()

    thread = threading.Thread(target=other_drainer)
    thread.start()
    try:
        assert locked.wait(30)
        result = services.drain()
    finally:
        release.set()
        thread.join(30)

    assert (result.sent, result.failed) == (0, 0)
    held.refresh_from_db()
    assert held.status == MessageStatus.PENDING
    assert held.attempts == 0


@pytest.mark.postgres
@pytest.mark.worker
def test_concurrent_drainers_publish_each_row_exactly_once(
    transactional_db, redis_queue
):
    rows = OutboxMessage.objects.bulk_create(
        OutboxMessage(task_name="tests.outbox.remember", args=[n]) for n in range(60)
    )
    start = threading.Barrier(4)

    def drainer():
        start.wait(30)
        try:
            services.drain(batch=5)
        finally:
            connection.close()

    threads = [threading.Thread(target=drainer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    published = redis_queue()
    assert sorted(published) == sorted(str(row.task_id) for row in rows)
    assert not OutboxMessage.objects.exclude(status=MessageStatus.SENT).exists()


def test_a_change_that_queues_three_tasks_with_the_broker_down_pays_one_timeout(
    db, broker_down, django_capture_on_commit_callbacks
):
    """After the first after-commit send finds the broker down, the next ones leave
    their rows to the drain at once instead of each waiting for its timeout (an
    approval queues its change notices and its decision's notice)."""
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for n in range(3):
            services.enqueue(remember, n)

    assert broker_down.connections == 1
    assert OutboxMessage.objects.filter(status=MessageStatus.PENDING).count() == 3
