"""The transactional outbox: a task is a row written with the change that needs it.

enqueue() writes the row in the caller's transaction, so a committed change never
loses its task and a rolled-back one never sends it. After the commit it tries once
to publish, with a short broker timeout and no retry loop: a request never hangs
on a broker that is down. A row that could not be sent stays pending; drain() (beat,
every OUTBOX_DRAIN_SECONDS, and at worker start) sends it once the broker answers.
Rows are locked with SELECT ... FOR UPDATE SKIP LOCKED while they are sent, so two
drainers, or a drainer and the after-commit send, never send one row twice.

A broker that does not answer is an outage, not the row's fault: such rows wait as
long as it takes. A row that fails for another reason (an unknown task, a message
the broker refuses) is tried OUTBOX_MAX_ATTEMPTS times, then marked failed and
logged as an error; an administrator sends it again from admin once fixed.

Without a broker (no REDIS_URL: eager mode) nothing is stored and the task runs
in-process after the commit, as it always has.
"""

import datetime as dt
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import kombu
import kombu.exceptions
import redis.exceptions
from celery import Task

# The project's app (config/celery.py), reached without importing the top layer.
from celery import current_app as app
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from audit import tasks_context
from outbox.models import MessageStatus, OutboxMessage

logger = logging.getLogger(__name__)

# Errors that mean "the broker did not answer", as opposed to "this row is bad".
BROKER_DOWN = (
    kombu.exceptions.OperationalError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    ConnectionError,
    TimeoutError,
    OSError,
)


@dataclass(frozen=True)
class AfterCommit:
    """What enqueue() hands to transaction.on_commit; names its task."""

    task_name: str
    send: Callable[[], object]

    def __call__(self) -> None:
        self.send()


@dataclass
class DrainResult:
    sent: int = 0
    waiting: int = 0
    failed: int = 0
    broker_down: bool = False


def is_eager() -> bool:
    return bool(app.conf.task_always_eager)


def enqueue(task: Task | str, *args, **kwargs) -> OutboxMessage | None:
    """Send `task(*args, **kwargs)` once the current transaction commits. A task
    of an app above the caller's is given by its name (a domain app hands work to
    notices this way without importing it).

    Returns the stored row, or None in eager mode, where the task runs in-process
    after the commit instead."""
    name = task if isinstance(task, str) else task.name
    if is_eager():
        transaction.on_commit(
            AfterCommit(name, lambda: app.tasks[name].apply_async(args, kwargs))
        )
        return None
    return enqueue_by_name(name, list(args), kwargs)


def enqueue_by_name(
    name: str,
    args: list,
    kwargs: dict,
    *,
    task_id: uuid.UUID | str | None = None,
    headers: dict | None = None,
) -> OutboxMessage:
    """Store a task by name (with a given id when sending a run again)."""
    message = OutboxMessage.objects.create(
        task_name=name,
        args=args,
        kwargs=kwargs,
        headers=tasks_context.headers_for_current() if headers is None else headers,
        task_id=task_id or uuid.uuid4(),
    )
    transaction.on_commit(AfterCommit(name, lambda: send_after_commit(message.pk)))
    return message


def broker_connection() -> kombu.Connection:
    """A connection that fails in about a second instead of retrying."""
    timeout = settings.OUTBOX_BROKER_TIMEOUT_SECONDS
    return kombu.Connection(
        app.conf.broker_url,
        connect_timeout=timeout,
        transport_options=(app.conf.broker_transport_options or {})
        | {
            # kombu retries a refused connection until told not to.
            "max_retries": 0,
            "socket_connect_timeout": timeout,
            "socket_timeout": timeout,
        },
    )


def _publish(message: OutboxMessage, connection: kombu.Connection) -> None:
    task = app.tasks[message.task_name]
    task.apply_async(
        message.args,
        message.kwargs,
        task_id=str(message.task_id),
        headers=message.headers or None,
        connection=connection,
        retry=False,
        # Nothing waits for these results; subscribing to them needs Redis too.
        ignore_result=True,
    )


def _send_locked(
    messages: list[OutboxMessage], connection: kombu.Connection
) -> DrainResult:
    """Publish rows the caller holds locked, and record each outcome."""
    result = DrainResult()
    done = []
    for message in messages:
        try:
            _publish(message, connection)
        except BROKER_DOWN as exc:
            message.attempts += 1
            message.last_error = f"broker unreachable: {exc}"[:500]
            done.append(message)
            result.broker_down = True
            break
        except Exception as exc:
            message.attempts += 1
            message.last_error = f"{type(exc).__name__}: {exc}"[:500]
            if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
                message.status = MessageStatus.FAILED
                result.failed += 1
                logger.error(
                    "outbox: gave up on %s after %s attempts: %s",
                    message,
                    message.attempts,
                    exc,
                )
        else:
            message.status = MessageStatus.SENT
            message.sent_at = timezone.now()
            result.sent += 1
        done.append(message)
    OutboxMessage.objects.bulk_update(
        done, ["status", "sent_at", "attempts", "last_error"]
    )
    return result


# After the broker was found down, after-commit sends wait this long before trying
# again (the drain sends what they leave): a write that queues three tasks pays one
# broker timeout, not three.
DOWN_PAUSE_SECONDS = 10.0
_down_until = 0.0


def send_after_commit(message_id: int) -> None:
    """The one try made right after the commit; never raises into the request."""
    global _down_until
    if time.monotonic() < _down_until:
        return  # the broker was down a moment ago: the row waits for the drain
    try:
        with transaction.atomic():
            messages = list(
                OutboxMessage.objects.select_for_update(skip_locked=True).filter(
                    pk=message_id, status=MessageStatus.PENDING
                )
            )
            if not messages:
                return
            with broker_connection() as connection:
                result = _send_locked(messages, connection)
        if result.broker_down:
            _down_until = time.monotonic() + DOWN_PAUSE_SECONDS
            logger.warning("outbox: broker unreachable, %s waits", messages[0])
    except Exception:
        logger.exception("outbox: row %s left for the drain", message_id)


def drain(*, batch: int = 100, budget_seconds: float | None = None) -> DrainResult:
    """Send pending rows, oldest first, until none is left, the broker stops
    answering or the time budget is spent."""
    budget = (
        settings.OUTBOX_DRAIN_BUDGET_SECONDS
        if budget_seconds is None
        else budget_seconds
    )
    deadline = time.monotonic() + budget
    total = DrainResult()
    if is_eager():
        # No broker (memory:// in eager mode): sending would drop the rows.
        total.waiting = OutboxMessage.objects.filter(
            status=MessageStatus.PENDING
        ).count()
        return total
    skip: set[int] = set()
    while time.monotonic() < deadline:
        with transaction.atomic():
            messages = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(status=MessageStatus.PENDING)
                .exclude(pk__in=skip)
                .order_by("created_at", "pk")[:batch]
            )
            if not messages:
                break
            with broker_connection() as connection:
                result = _send_locked(messages, connection)
        total.sent += result.sent
        total.failed += result.failed
        # Rows that failed for their own sake are left for the next drain.
        skip.update(m.pk for m in messages if m.status == MessageStatus.PENDING)
        if result.broker_down:
            total.broker_down = True
            break
    total.waiting = OutboxMessage.objects.filter(status=MessageStatus.PENDING).count()
    _alert_on_backlog()
    return total


def _alert_on_backlog() -> None:
    oldest = (
        OutboxMessage.objects.filter(status=MessageStatus.PENDING)
        .order_by("created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    late = timezone.now() - dt.timedelta(seconds=settings.OUTBOX_ALERT_AFTER_SECONDS)
    if oldest is not None and oldest < late:
        logger.error("outbox: tasks waiting since %s; is the broker down?", oldest)


def purge_sent(*, older_than: dt.timedelta | None = None) -> int:
    """Delete sent rows past the keeping period; returns how many."""
    older_than = older_than or dt.timedelta(days=settings.OUTBOX_KEEP_DAYS)
    deleted, _ = OutboxMessage.objects.filter(
        status=MessageStatus.SENT, created_at__lt=timezone.now() - older_than
    ).delete()
    return deleted


@transaction.atomic
def resend_failed(*, message_ids) -> int:
    """Put failed rows back in the queue (an administrator's action)."""
    return OutboxMessage.objects.filter(
        pk__in=list(message_ids), status=MessageStatus.FAILED
    ).update(status=MessageStatus.PENDING, attempts=0, last_error="")
