"""The beat schedule run in-process, for a laptop without Redis (`make run`).

With REDIS_URL, Celery beat sends the periodic jobs to a worker. Without it there
is no broker, tasks run eagerly, and nothing would ever send the morning report
or the reminders; `manage.py run_periodic` (which `make run` starts beside the
server) reads the same CELERY_BEAT_SCHEDULE and runs each job in its own process
when its interval has passed. The jobs are idempotent services (the style
guide), so a job run twice, or by beat and by this at once, does no harm.
"""

import logging
import math
import time
from collections.abc import Callable

from celery import current_app
from django.conf import settings

logger = logging.getLogger(__name__)


def interval(entry: dict) -> float | None:
    """A schedule entry's period in seconds (None for a crontab: not supported)."""
    schedule = entry["schedule"]
    if isinstance(schedule, int | float):
        return float(schedule)
    every = getattr(schedule, "run_every", None)
    return every.total_seconds() if every is not None else None


def run_due(last: dict, now: float, schedule: dict | None = None) -> list[str]:
    """Run every job whose interval has passed since its last run (each job at
    once on the first call), recording the time in `last`; the names run."""
    schedule = settings.CELERY_BEAT_SCHEDULE if schedule is None else schedule
    # The apps' tasks modules, as a worker imports them at start (autodiscovery).
    current_app.loader.import_default_modules()
    ran = []
    for name, entry in schedule.items():
        every = interval(entry)
        if every is None or now - last.get(name, -math.inf) < every:
            continue
        last[name] = now
        task = current_app.tasks[entry["task"]]
        try:
            task.apply(args=entry.get("args", ()), kwargs=entry.get("kwargs", {}))
        except Exception:
            # One job's failure must not stop the others: logged, tried next time.
            logger.exception("periodic job %s failed", name)
        ran.append(name)
    return ran


def run_forever(
    *, tick: float = 15.0, sleep: Callable[[float], None] = time.sleep
) -> None:
    """run_due every `tick` seconds until interrupted."""
    last: dict = {}
    while True:
        run_due(last, time.monotonic())
        sleep(tick)
