"""Plan groups: generation and delivery tasks on a queue per group of plans.

With PLAN_GROUPS = N (CELERY_PLAN_GROUPS) above 1, a plan belongs to group
`plan_id % N`; its generation tasks go to the queue `plans.<group>` and deliveries
to `deliver.<group>` (by the first id they carry), and every other task to Celery's
default queue. A worker consumes the groups it is given (`-Q celery,plans.0,…`), so
work spreads over workers and hosts while one plan's runs stay on one queue. A
worker that is given a group another also consumes still waits its turn: the
generation service holds a PostgreSQL advisory lock per plan group for the length
of its transaction (schedules/services/generation.py), so two runs for one group
never interleave, whoever took them. With N = 1 everything uses the default queue.

Tasks still leave a transaction only through the outbox: the outbox publishes by
task name, and Celery asks route() for the queue.
"""

from django.conf import settings

# The tasks routed by group; each carries the id the group is taken from first.
GENERATION = {"schedules.generate_plan", "schedules.regenerate_nights"}
DELIVERY = {
    "notices.deliver_notification",
    "notices.deliver_webhook",
    "notices.notify_shift_changes",
}
# pg_advisory_xact_lock(key1, key2): this project's key1 for plan groups.
LOCK_NAMESPACE = 0x6769  # "gi"


def groups() -> int:
    return max(1, int(getattr(settings, "PLAN_GROUPS", 1)))


def group_of(plan_id: int) -> int:
    return int(plan_id) % groups()


def queues(group: int) -> list[str]:
    """The queues of one group (what a worker for it passes to -Q)."""
    return [f"plans.{group}", f"deliver.{group}"]


def _first_id(value) -> int | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def queue_for(name: str, args) -> str | None:
    """The queue of a task call, or None for Celery's default queue."""
    if groups() == 1:
        return None
    for prefix, names in (("plans", GENERATION), ("deliver", DELIVERY)):
        if name in names:
            key = _first_id(args[0]) if args else None
            return f"{prefix}.{(key or 0) % groups()}"
    return None


def route(name, args, kwargs, options, task=None, **kw):
    """Celery router (CELERY_TASK_ROUTES)."""
    queue = queue_for(name, args)
    return {"queue": queue} if queue else None
