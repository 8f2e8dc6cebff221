"""Tracked runs: a run whose worker died is sent again at once, under its task id,
and a task id that succeeded never runs again."""

import datetime as dt
import logging
import time
import uuid

import pytest
from django.utils import timezone

from outbox import runs
from outbox.models import MessageStatus, OutboxMessage, RunStatus, TaskRun
from schedules import tasks
from schedules.models import Shift


def make_run(**fields) -> TaskRun:
    now = timezone.now()
    defaults = {
        "task_id": uuid.uuid4(),
        "task_name": "schedules.generate_plan",
        "args": [1, "2024-01-22", 3],
        "headers": {"giliran_audit": {"request_id": "r1", "ip": None, "actor": {}}},
        "status": RunStatus.RUNNING,
        "node": "celery@other",
        "boot": "b1",
        "started_at": now,
        "heartbeat_at": now,
    }
    return TaskRun.objects.create(**(defaults | fields))


def test_a_run_whose_heartbeat_stopped_is_sent_again_under_its_task_id(
    db, outbox_on, django_capture_on_commit_callbacks, settings
):
    stale = timezone.now() - dt.timedelta(seconds=settings.RUN_STALE_SECONDS + 1)
    dead = make_run(heartbeat_at=stale)
    alive = make_run()

    with django_capture_on_commit_callbacks():
        recovered = runs.recover_lost_runs()

    assert recovered == [dead]
    dead.refresh_from_db()
    assert (dead.status, dead.recoveries) == (RunStatus.REQUEUED, 1)
    [message] = OutboxMessage.objects.all()
    assert message.task_id == dead.task_id
    assert (message.task_name, message.args) == (dead.task_name, dead.args)
    # The audit context of the request that queued it travels on.
    assert message.headers == dead.headers
    assert message.status == MessageStatus.PENDING
    alive.refresh_from_db()
    assert alive.status == RunStatus.RUNNING


def test_a_restarted_worker_sends_again_at_once_what_its_last_start_was_running(
    db, outbox_on, django_capture_on_commit_callbacks
):
    """No waiting for the heartbeat to go stale: node names are unique among live
    workers, so a new start of the same node means the old one is dead."""
    previous_start = make_run(node="celery@box", boot="old")
    this_start = make_run(node="celery@box", boot="new")
    other_node = make_run(node="celery@other", boot="old")

    with django_capture_on_commit_callbacks():
        recovered = runs.recover_lost_runs(node="celery@box", boot="new")

    assert recovered == [previous_start]
    for run in (this_start, other_node):
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING


def test_a_run_that_keeps_killing_its_worker_is_given_up_and_logged(
    db, outbox_on, settings, caplog
):
    stale = timezone.now() - dt.timedelta(seconds=settings.RUN_STALE_SECONDS + 1)
    poison = make_run(heartbeat_at=stale, recoveries=settings.RUN_MAX_RECOVERIES)

    with caplog.at_level(logging.ERROR, logger="outbox.runs"):
        assert runs.recover_lost_runs() == []

    poison.refresh_from_db()
    assert poison.status == RunStatus.LOST
    assert not OutboxMessage.objects.exists()
    assert "not sent again" in caplog.text


def test_claiming_a_task_id_that_succeeded_answers_none(db):
    done = make_run(status=RunStatus.SUCCEEDED)

    assert (
        runs.claim(
            task_id=done.task_id,
            name=done.task_name,
            args=done.args,
            kwargs={},
            node="celery@box",
            headers={},
        )
        is None
    )


def test_claiming_a_run_again_counts_the_attempt(db):
    lost = make_run(status=RunStatus.REQUEUED)

    run = runs.claim(
        task_id=lost.task_id,
        name=lost.task_name,
        args=lost.args,
        kwargs={},
        node="celery@box",
        headers={},
    )

    assert run.pk == lost.pk
    assert (run.status, run.attempts, run.node) == (
        RunStatus.RUNNING,
        2,
        "celery@box",
    )


def test_in_eager_mode_a_tracked_task_records_no_run(plan):
    tasks.generate_plan.delay(plan.pk, "2024-01-22", 1).get()

    assert Shift.objects.filter(plan=plan).count() == plan.slot_count
    assert not TaskRun.objects.exists()


@pytest.mark.worker
def test_on_a_worker_a_generation_records_its_run_and_a_second_delivery_does_nothing(
    celery_worker, plan
):
    task_id = str(uuid.uuid4())
    first = tasks.generate_plan.apply_async(
        args=[plan.pk, "2024-01-22", 3], task_id=task_id
    )
    assert first.get(timeout=60)[0] == 3 * plan.slot_count
    run = TaskRun.objects.get(task_id=task_id)
    assert (run.status, run.attempts) == (RunStatus.SUCCEEDED, 1)
    assert run.node.startswith("pytest-")
    first.forget()

    # The broker handing back the original message after a recovery sent it again.
    Shift.objects.filter(plan=plan).delete()
    again = tasks.generate_plan.apply_async(
        args=[plan.pk, "2024-01-22", 3], task_id=task_id
    )
    assert again.get(timeout=60) is None
    assert not Shift.objects.filter(plan=plan).exists()


@pytest.mark.worker
def test_a_task_drained_after_an_outage_still_names_the_commander_who_caused_it(
    celery_worker, plan, kapolsek_tambora
):
    from django.test import RequestFactory

    from audit import context
    from audit.models import Action, AuditEvent
    from config.celery import app
    from outbox import services

    real = app.conf.CELERY_BROKER_URL
    app.conf.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    request = RequestFactory().post("/api/v1/plans/", REMOTE_ADDR="198.51.100.41")
    request.user = kapolsek_tambora
    token = context.open_for(request)
    try:
        message = services.enqueue(tasks.generate_plan, plan.pk, "2024-01-22", 2)
    finally:
        context.close(token)
        app.conf.CELERY_BROKER_URL = real
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING

    assert services.drain().sent == 1
    deadline = time.monotonic() + 60
    while not TaskRun.objects.filter(
        task_id=message.task_id, status=RunStatus.SUCCEEDED
    ).exists():
        assert time.monotonic() < deadline, "the worker did not run the task"
        time.sleep(0.2)

    event = AuditEvent.objects.get(action=Action.GENERATE)
    assert event.actor_id == kapolsek_tambora.pk
    assert (event.ip, event.request_id) == ("198.51.100.41", request.request_id)
