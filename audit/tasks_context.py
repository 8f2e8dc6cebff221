"""The audit context travels with a Celery task: an event recorded by the worker
names the person, address and request that caused the task."""

from celery.signals import before_task_publish, task_postrun, task_prerun

from audit import context, services

HEADER = "giliran_audit"
_open: dict[str, object] = {}


def headers_for_current() -> dict:
    """The message headers that carry the current context (empty without one);
    the outbox stores them with a task it may send later."""
    ctx = context.current()
    if ctx is None:
        return {}
    actor = services.context_actor_fields(ctx)
    return {HEADER: {"request_id": ctx.request_id, "ip": ctx.ip, "actor": actor}}


def header_from(request) -> dict | None:
    """The audit context a task's message carries, if any."""
    return getattr(request, HEADER, None) or (request.headers or {}).get(HEADER)


def _publish(headers=None, **kwargs):
    if headers is not None:
        headers.update(headers_for_current())


def _task_started(task_id=None, task=None, **kwargs):
    request = task.request
    data = header_from(request)
    # Run in-process (eager), the task already sees the caller's context.
    if data and context.current() is None:
        _open[task_id] = context.open_for_task(data)


def _task_finished(task_id=None, **kwargs):
    token = _open.pop(task_id, None)
    if token is not None:
        context.close(token)


def connect() -> None:
    before_task_publish.connect(_publish, dispatch_uid="audit:publish", weak=False)
    task_prerun.connect(_task_started, dispatch_uid="audit:prerun", weak=False)
    task_postrun.connect(_task_finished, dispatch_uid="audit:postrun", weak=False)
