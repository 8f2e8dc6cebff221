"""Workers that scale out: generation and deliveries on a queue per plan group, one
run per group at a time, and the outbox still the only way tasks leave."""

import json
import threading

import pytest
from django.db import connection, connections, transaction
from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from common import plangroups
from config.celery import app as celery_app
from outbox import services as outbox
from outbox.models import MessageStatus, OutboxMessage
from schedules import tasks
from schedules.services import storage

GENERATE = "schedules.generate_plan"


def test_with_one_group_every_task_uses_the_default_queue(settings):
    settings.PLAN_GROUPS = 1
    assert plangroups.queue_for(GENERATE, [7]) is None
    assert plangroups.route(GENERATE, [7], {}, {}) is None


@pytest.mark.parametrize(
    ("name", "args", "queue"),
    [
        ("schedules.generate_plan", [7], "plans.3"),
        ("schedules.regenerate_nights", [8, "2024-01-22", "2024-01-23"], "plans.0"),
        ("notices.deliver_webhook", [10], "deliver.2"),
        ("notices.deliver_notification", [5], "deliver.1"),
        ("notices.notify_shift_changes", [[9, 4]], "deliver.1"),
        ("outbox.recover_and_drain", [], None),
        ("notices.send_shift_reminders", [None], None),
    ],
)
def test_generation_and_deliveries_go_to_their_groups_queue(
    settings, name, args, queue
):
    settings.PLAN_GROUPS = 4
    assert plangroups.queue_for(name, args) == queue


def test_celery_asks_the_plan_group_router(settings):
    settings.PLAN_GROUPS = 2
    route = celery_app.amqp.router.route({}, GENERATE, args=(5,), kwargs={})
    assert route["queue"].name == "plans.1"


@pytest.mark.worker
def test_the_outbox_publishes_a_generation_to_its_groups_queue(
    settings, transactional_db, plan
):
    import redis

    settings.PLAN_GROUPS = 2
    conf = celery_app.conf
    previous = conf.CELERY_TASK_ALWAYS_EAGER
    conf.CELERY_TASK_ALWAYS_EAGER = False
    queue = f"plans.{plan.pk % 2}"
    client = redis.Redis.from_url(settings.REDIS_URL)
    try:
        with transaction.atomic():
            message = outbox.enqueue(tasks.generate_plan, plan.pk)
            # Nothing leaves before the commit.
            assert str(message.task_id) not in _ids(client, queue)
        message.refresh_from_db()
        assert message.status == MessageStatus.SENT
        assert str(message.task_id) in _ids(client, queue)
    finally:
        conf.CELERY_TASK_ALWAYS_EAGER = previous
        for raw in client.lrange(queue, 0, -1):
            if json.loads(raw)["headers"]["id"] == str(message.task_id):
                client.lrem(queue, 0, raw)
        OutboxMessage.objects.all().delete()


def _ids(client, queue) -> list[str]:
    return [json.loads(raw)["headers"]["id"] for raw in client.lrange(queue, 0, -1)]


@pytest.mark.postgres
def test_one_plan_groups_runs_take_turns_on_an_advisory_lock(
    settings, transactional_db
):
    """A second transaction asking for a group another holds waits; another group's
    does not."""
    settings.PLAN_GROUPS = 3
    with transaction.atomic():
        assert storage.lock_plan_groups([4, 7, 2]) == [1, 2]
        assert _other_session_gets(group=1) is False
        assert _other_session_gets(group=0) is True
    assert _other_session_gets(group=1) is True


def _other_session_gets(group: int) -> bool:
    """Whether another connection could take the group's lock at once (released
    again at the end of its own transaction)."""
    got = []

    def attempt():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)",
                [plangroups.LOCK_NAMESPACE, group],
            )
            got.append(cursor.fetchone()[0])
        connections.close_all()

    thread = threading.Thread(target=attempt)
    thread.start()
    thread.join(30)
    return got[0]


@pytest.mark.postgres
def test_with_one_group_generation_takes_no_advisory_lock(settings, transactional_db):
    settings.PLAN_GROUPS = 1
    with transaction.atomic():
        assert storage.lock_plan_groups([4, 7]) == []


@pytest.mark.postgres
def test_generation_holds_its_groups_lock_while_it_runs(
    settings, transactional_db, plan
):
    from schedules.services import generation

    settings.PLAN_GROUPS = 2
    held = []
    with transaction.atomic():
        generation.generate_plans([(plan, None, 3)])
        held.append(_other_session_gets(group=plan.pk % 2))
    assert held == [False]
    assert settings.PLAN_GROUPS == 2


@given(plan_id=st.integers(min_value=1, max_value=2**63 - 1), n=st.integers(1, 64))
def test_a_plans_generation_goes_to_a_queue_of_its_own_group(plan_id, n):
    with override_settings(PLAN_GROUPS=n):
        queue = plangroups.queue_for(GENERATE, [plan_id])
        group = plangroups.group_of(plan_id)
        assert 0 <= group < n
        if n == 1:
            assert queue is None
        else:
            assert queue in plangroups.queues(group)
