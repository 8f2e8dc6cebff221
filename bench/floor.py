"""How far down one plan's generation could go: the service against its own
database work replayed bare.

The database work is what the service sent: its statements, captured with their
parameters, and its COPY of the new rows, replayed in the same order on a psycopg
connection of its own as prepared statements (as the service's connection runs
them once warm). "One by one" waits for each statement as the service does;
"pipelined" sends everything before the COPY in one pipeline and everything after
it, with the COMMIT, in another, which no real run can do (later reads depend on
earlier ones): a lower bound for any way of writing the service on this database.
"""

import logging
import time

from bench.city import generate_all, truncate


def database_floor(plan, nights: int, now, *, runs: int) -> tuple:
    """Best-of-`runs` seconds of one plan's generation of `nights` on fresh tables,
    and of the same run's database work alone: (service, one by one, pipelined,
    rows)."""
    import psycopg
    from django.db import connection

    from schedules.models import Shift

    before, after, rows, copy_sql = _capture(plan, nights, now)
    replays = _replays(before, after, rows, copy_sql)
    replays["service"] = lambda _raw: generate_all([plan], nights, now)
    best = {}
    # Connected as Django connects (same binding, prepare threshold and adapters).
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as raw:
        # Interleaved, so that a slower stretch of a shared machine hits all three.
        for _ in range(runs):
            for name in ("service", "one by one", "pipelined"):
                truncate(Shift)
                started = time.perf_counter()
                replays[name](raw)
                seconds = time.perf_counter() - started
                best[name] = min(best.get(name, seconds), seconds)
    return best["service"], best["one by one"], best["pipelined"], len(rows)


def _capture(plan, nights: int, now) -> tuple:
    """(statements before the COPY, statements after it, the copied rows, the
    COPY) of one generation, each statement with its parameters."""
    from django.db import connection

    from schedules.models import Shift
    from schedules.services import storage

    sent: list = []
    copied = object()

    def capture(execute, sql, params, many, context):
        sent.append((sql, params))
        return execute(sql, params, many, context)

    class CopyMark(logging.Handler):
        """The storage module logs its COPY, which Django's cursor never sees."""

        def emit(self, record):
            sent.append(copied)

    truncate(Shift)
    mark, storage_log = CopyMark(), logging.getLogger(storage.__name__)
    level = storage_log.level
    storage_log.addHandler(mark)
    storage_log.setLevel(logging.DEBUG)
    try:
        with connection.execute_wrapper(capture):
            generate_all([plan], nights, now)
    finally:
        storage_log.removeHandler(mark)
        storage_log.setLevel(level)
    rows = list(Shift.objects.filter(plan=plan).values_list(*storage.COPY_COLUMNS))
    cut = sent.index(copied)
    return sent[:cut], sent[cut + 1 :], rows, storage.copy_statement()


def _replays(before, after, rows, copy_sql) -> dict:
    """The captured work replayed on a raw connection, one statement at a time
    and pipelined."""

    def copy(raw):
        with raw.cursor().copy(copy_sql) as stream:
            for row in rows:
                stream.write_row(row)

    def one_by_one(raw):
        raw.execute("BEGIN")
        for sql, params in before:
            raw.execute(sql, params, prepare=True)
        copy(raw)
        for sql, params in after:
            raw.execute(sql, params, prepare=True)
        raw.execute("COMMIT")

    def pipelined(raw):
        with raw.pipeline():
            raw.execute("BEGIN")
            for sql, params in before:
                raw.execute(sql, params, prepare=True)
        copy(raw)
        with raw.pipeline():
            for sql, params in after:
                raw.execute(sql, params, prepare=True)
            raw.execute("COMMIT")

    return {"one by one": one_by_one, "pipelined": pipelined}
