"""Helpers for tests that race real transactions on PostgreSQL (with
`django_db(transaction=True)`, so every thread's connection sees committed rows)."""

import threading
import time

from django.db import connection
from django.utils import translation

# A bound on waiting, so a broken lock order fails the test instead of hanging it.
PATIENCE = 120


def run_together(*calls) -> list:
    """Start every call at once, each on its own thread and database connection;
    return what each returned, or the exception it raised, in order."""
    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            # A thread starts in the site's language; assertions read English.
            with translation.override("en"):
                outcomes[index] = call()
        except BaseException as error:  # reported to the test, whatever it is
            outcomes[index] = error
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(i, call), daemon=True)
        for i, call in enumerate(calls)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(PATIENCE)
    stuck = [t for t in threads if t.is_alive()]
    assert not stuck, f"{len(stuck)} of {len(threads)} threads never finished"
    return outcomes


def backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def wait_until_blocked(pid: int) -> None:
    """Return once the connection `pid` waits for a lock another one holds."""
    deadline = time.monotonic() + PATIENCE
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid]
            )
            row = cursor.fetchone()
            if row and row[0] == "Lock":
                return
            time.sleep(0.02)
    raise AssertionError(f"connection {pid} never waited for a lock")
