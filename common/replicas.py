"""Read replicas: which database a read goes to, and what each replica has replayed.

The primary (`default`) takes every write and every read unless a request has been
marked as stale-tolerant (common/readwrites.py), and then only reads outside a
transaction: a read inside `transaction.atomic()` belongs to a change and stays on
the primary. Tasks, commands and the admin never set the mark, so they see the
primary.

Each process keeps, per replica, what it last saw there (reachable, replay LSN,
lag), checked at most every CHECK_SECONDS on the request that finds it old,
and at most every RETRY_SECONDS while the replica is down, so a dead
replica costs one failed connect per process per interval, not one per request.
A replica is used when it answers, lags less than REPLICA_MAX_LAG_SECONDS and has
replayed at least the position the client must see (its last write's LSN).

Lag is the age of the oldest primary position the replica has not replayed yet,
from positions this process saw on the primary; a replica that replays everything
it received has no lag by that measure even while the primary is away, which is
what keeps the board up while the primary restarts.
"""

import contextvars
import itertools
import logging
import threading
import time
from collections import deque
from dataclasses import dataclass, field

from django.conf import settings
from django.db import DatabaseError, connections

PRIMARY = "default"
PREFIX = "replica"
# How often a process asks a replica how far it is, and a down one if it is back.
CHECK_SECONDS = 1.0
RETRY_SECONDS = 5.0
# Samples of the primary's WAL position kept to date a replica's lag: ten minutes.
SAMPLES, SAMPLE_SECONDS = 600, 1.0

# The replica the current request may read from; None: the primary.
_reading: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "giliran_replica", default=None
)

logger = logging.getLogger(__name__)


def aliases() -> list[str]:
    return [alias for alias in settings.DATABASES if alias.startswith(PREFIX)]


def lsn_to_int(text: str | None) -> int | None:
    """A PostgreSQL LSN ('16/B374D848') as a number; None for anything else."""
    if not text or not isinstance(text, str) or "/" not in text:
        return None
    high, _sep, low = text.partition("/")
    try:
        return (int(high, 16) << 32) + int(low, 16)
    except ValueError:
        return None


def int_to_lsn(value: int) -> str:
    return f"{value >> 32:X}/{value & 0xFFFFFFFF:X}"


@dataclass
class ReplicaState:
    alias: str
    ok: bool = False
    checked_at: float = 0.0
    replay: int = 0
    lag: float = 0.0
    recovering: bool = True
    error: str = ""

    def report(self) -> dict:
        if not self.ok:
            # The kind of error only: /healthz answers anyone (its text is logged).
            return {"status": "down", "error": self.error.partition(":")[0]}
        return {
            "status": "ok"
            if self.lag <= settings.REPLICA_MAX_LAG_SECONDS
            else "lagging",
            "lag_seconds": round(self.lag, 3),
            "replayed": int_to_lsn(self.replay),
            "role": "replica" if self.recovering else "primary",
        }


@dataclass
class _Registry:
    states: dict[str, ReplicaState] = field(default_factory=dict)
    # (monotonic time, primary WAL position) as seen by this process.
    samples: deque = field(default_factory=lambda: deque(maxlen=SAMPLES))
    lock: threading.Lock = field(default_factory=threading.Lock)


_registry = _Registry()
_turns = itertools.count()

REPLICA_QUERY = """
SELECT pg_is_in_recovery(),
       CASE WHEN pg_is_in_recovery() THEN pg_last_wal_replay_lsn()::text
            ELSE pg_current_wal_lsn()::text END,
       CASE WHEN NOT pg_is_in_recovery()
                 OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0
            ELSE extract(epoch FROM now() - pg_last_xact_replay_timestamp()) END
"""


def primary_position(*, sample: bool = False) -> int | None:
    """The primary's current WAL position (its last commit is at or before it);
    None when it does not answer or is not PostgreSQL. With `sample`, kept to date
    replicas' lag (at most every SAMPLE_SECONDS, so the samples span minutes
    however busy the writes)."""
    if connections[PRIMARY].vendor != "postgresql":
        return None
    try:
        with connections[PRIMARY].cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            position = lsn_to_int(cursor.fetchone()[0])
    except DatabaseError:
        return None
    now = time.monotonic()
    samples = _registry.samples
    if sample and position and (not samples or now - samples[-1][0] >= SAMPLE_SECONDS):
        samples.append((now, position))
    return position


def _lag_from_samples(replay: int, now: float) -> float:
    """Seconds since the primary first stood past `replay`, as this process saw."""
    for seen_at, position in _registry.samples:
        if position > replay:
            return max(0.0, now - seen_at)
    return 0.0


def probe(alias: str) -> ReplicaState:
    """Ask a replica what it has replayed; record it (and the primary's position)."""
    state = _registry.states.setdefault(alias, ReplicaState(alias))
    now = time.monotonic()
    primary_position(sample=True)
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute(REPLICA_QUERY)
            recovering, replay, own_lag = cursor.fetchone()
    except DatabaseError as exc:
        connections[alias].close_if_unusable_or_obsolete()
        logger.warning("replica %s is down", alias, exc_info=True)
        state.ok, state.error = False, f"{exc.__class__.__name__}: {exc}"[:200]
        state.checked_at = now
        return state
    was = state.report()["status"] if state.checked_at else "ok"
    state.ok, state.error, state.recovering = True, "", bool(recovering)
    state.replay = lsn_to_int(replay) or 0
    state.lag = max(float(own_lag or 0), _lag_from_samples(state.replay, now))
    state.checked_at = now
    if state.report()["status"] != was:  # back up, lagging, or caught up again
        logger.warning("replica %s: %s", alias, state.report())
    return state


def current(alias: str) -> ReplicaState:
    """This process's view of a replica, probed again when it is old."""
    state = _registry.states.get(alias)
    now = time.monotonic()
    if state is not None:
        every = CHECK_SECONDS if state.ok else RETRY_SECONDS
        if now - state.checked_at < every:
            return state
    # One thread probes; the others keep the last answer (or skip an unknown one).
    if not _registry.lock.acquire(blocking=state is None):
        return state
    try:
        return probe(alias)
    finally:
        _registry.lock.release()


def forget() -> None:
    """Drop what this process knows about replicas (tests, a changed setting)."""
    _registry.states.clear()
    _registry.samples.clear()


def choose(must_see: int = 0) -> str | None:
    """A replica that answers, is within the lag limit and has replayed `must_see`,
    taken in turn among those that qualify (so several replicas share the reads);
    None: read the primary."""
    usable = []
    for alias in aliases():
        state = current(alias)
        if state is None or not state.ok:
            continue
        if state.lag > settings.REPLICA_MAX_LAG_SECONDS or state.replay < must_see:
            continue
        usable.append(alias)
    return usable[next(_turns) % len(usable)] if usable else None


def reading_from() -> str | None:
    return _reading.get()


def read_from(alias: str | None) -> contextvars.Token:
    return _reading.set(alias)


def stop_reading(token: contextvars.Token) -> None:
    _reading.reset(token)


class ReplicaRouter:
    """Reads of a stale-tolerant request to its replica, all else to the primary."""

    def db_for_read(self, model, **hints):
        alias = _reading.get()
        if alias is None or connections[PRIMARY].in_atomic_block:
            return PRIMARY
        instance = hints.get("instance")
        if instance is not None and instance._state.db == PRIMARY:
            return PRIMARY  # its related rows as the primary has them
        return alias

    def db_for_write(self, model, **hints):
        return PRIMARY

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == PRIMARY
