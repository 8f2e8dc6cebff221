"""Tracked tasks: a task killed with its worker runs again at once.

Tasks are acknowledged late, so the broker keeps a message until its task ends. When
only a pool process dies, the worker puts the message back at once
(CELERY_TASK_REJECT_ON_WORKER_LOST). When the whole worker dies (SIGKILL, OOM, a
lost machine), the message stays in Redis' `unacked` hash until the visibility
timeout, which must exceed the longest task (15 minutes here), so it would only come
back after that.

A tracked task therefore records each run in TaskRun: its id, name and arguments,
the worker's node name and an id of the worker process start (`boot`), and a
heartbeat written every RUN_HEARTBEAT_SECONDS by a thread beside the task. A run
still "running" is dead when
- its worker's node name now belongs to a new start (a restarted worker checks
  this as soon as it is ready), or
- its heartbeat is older than RUN_STALE_SECONDS (the beat sweep checks this, for a
  worker that does not come back).
A dead run is sent again through the outbox under the same task id, at most
RUN_MAX_RECOVERIES times (a task that kills its worker every time is marked lost
and logged as an error). When the broker hands back the original message later, the
run has succeeded and the message is acknowledged without running. The tasks are
idempotent anyway, and generation writes each plan in one transaction, so a killed
run leaves nothing half-written and a second run finds nothing to change.
"""

import contextlib
import datetime as dt
import logging
import threading
import uuid

from celery import Task
from celery.exceptions import Retry
from celery.signals import worker_init, worker_ready
from django.conf import settings
from django.db import DatabaseError, IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from audit import tasks_context
from audit.tasks_context import HEADER as AUDIT_HEADER
from outbox.models import RunStatus, TaskRun

logger = logging.getLogger(__name__)

# One id per worker process start; pool processes inherit it when they fork.
BOOT = uuid.uuid4().hex


def _new_boot(**kwargs) -> None:
    global BOOT
    BOOT = uuid.uuid4().hex


def _on_worker_ready(sender=None, **kwargs) -> None:
    """Recover the runs this node's previous start left behind, and drain."""
    from outbox import tasks

    node = getattr(sender, "hostname", "") or ""
    try:
        tasks.recover_and_drain.apply_async(
            kwargs={"node": node, "boot": BOOT}, ignore_result=True, retry=False
        )
    except Exception:
        logger.exception("outbox: could not queue the start-up recovery")


def connect() -> None:
    worker_init.connect(_new_boot, dispatch_uid="outbox:boot", weak=False)
    worker_ready.connect(_on_worker_ready, dispatch_uid="outbox:ready", weak=False)


def claim(
    *, task_id: str, name: str, args, kwargs, node: str, headers: dict
) -> TaskRun | None:
    """Record the start of a run; None when this task id already succeeded."""
    now = timezone.now()
    fields = {
        "task_name": name,
        "args": list(args),
        "kwargs": dict(kwargs),
        "headers": headers,
        "status": RunStatus.RUNNING,
        "node": node,
        "boot": BOOT,
        "started_at": now,
        "heartbeat_at": now,
        "finished_at": None,
    }
    try:
        with transaction.atomic():
            run, created = TaskRun.objects.select_for_update().get_or_create(
                task_id=task_id, defaults=fields
            )
            if created:
                return run
            if run.status == RunStatus.SUCCEEDED:
                return None
            for key, value in fields.items():
                setattr(run, key, value)
            run.attempts += 1
            run.save()
            return run
    except IntegrityError:
        # Two deliveries of one id started together: the other one records it.
        return claim(
            task_id=task_id, name=name, args=args, kwargs=kwargs, node=node,
            headers=headers,
        )  # fmt: skip


def finish(run: TaskRun, status: str) -> None:
    TaskRun.objects.filter(
        pk=run.pk, attempts=run.attempts, status=RunStatus.RUNNING
    ).update(status=status, finished_at=timezone.now())


@contextlib.contextmanager
def heartbeat(run: TaskRun):
    """Refresh the run's heartbeat from a thread while the task runs."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.RUN_HEARTBEAT_SECONDS):
                try:
                    TaskRun.objects.filter(
                        pk=run.pk, attempts=run.attempts, status=RunStatus.RUNNING
                    ).update(heartbeat_at=timezone.now())
                except DatabaseError as exc:
                    logger.warning("outbox: heartbeat of %s failed: %s", run, exc)
                    connections["default"].close()
        finally:
            connections.close_all()

    thread = threading.Thread(target=beat, name=f"heartbeat-{run.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)


class TrackedTask(Task):
    """A task whose runs are recorded with a heartbeat (see the module docstring)."""

    def __call__(self, *args, **kwargs):
        request = self.request
        if request.is_eager or not request.id or request.called_directly:
            return super().__call__(*args, **kwargs)
        audit = tasks_context.header_from(request)
        run = claim(
            task_id=request.id,
            name=self.name,
            args=args,
            kwargs=kwargs,
            node=request.hostname or "",
            headers={AUDIT_HEADER: audit} if audit else {},
        )
        if run is None:
            logger.info("outbox: %s[%s] already succeeded", self.name, request.id)
            return None
        with heartbeat(run):
            try:
                result = super().__call__(*args, **kwargs)
            except Retry:
                finish(run, RunStatus.RETRYING)
                raise
            except BaseException:
                finish(run, RunStatus.FAILED)
                raise
        finish(run, RunStatus.SUCCEEDED)
        return result


def recover_lost_runs(*, node: str = "", boot: str = "") -> list[TaskRun]:
    """Send again the runs whose worker died; returns them."""
    from outbox import services

    dead = Q(heartbeat_at__lt=timezone.now() - dt.timedelta(
        seconds=settings.RUN_STALE_SECONDS
    ))  # fmt: skip
    if node and boot:
        # Node names are unique among live workers: an older start of this node
        # is gone.
        dead |= Q(node=node) & ~Q(boot=boot)
    recovered = []
    with transaction.atomic():
        runs = TaskRun.objects.select_for_update(skip_locked=True).filter(
            dead, status=RunStatus.RUNNING
        )
        for run in runs.order_by("started_at"):
            run.finished_at = timezone.now()
            if run.recoveries >= settings.RUN_MAX_RECOVERIES:
                run.status = RunStatus.LOST
                logger.error(
                    "outbox: %s died with its worker %s times; not sent again",
                    run,
                    run.recoveries + 1,
                )
            else:
                run.status = RunStatus.REQUEUED
                run.recoveries += 1
                services.enqueue_by_name(
                    run.task_name,
                    run.args,
                    run.kwargs,
                    task_id=run.task_id,
                    headers=run.headers,
                )
                recovered.append(run)
                logger.warning("outbox: %s died with its worker; sent again", run)
            run.save(update_fields=["status", "recoveries", "finished_at"])
    return recovered


def purge_finished(*, older_than: dt.timedelta | None = None) -> int:
    older_than = older_than or dt.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted, _ = (
        TaskRun.objects.filter(finished_at__lt=timezone.now() - older_than)
        .exclude(status=RunStatus.RUNNING)
        .delete()
    )
    return deleted
