"""Beat that sends only while it holds a lock in Redis (CELERY_BEAT_SCHEDULER).

Two beats (a standby on another host, a restart that overlaps the old process)
must not both send the periodic jobs: each tick first renews, or else tries to take,
a Redis key naming this beat, with a time-to-live; the beat that does not hold it
sends nothing and asks again every STANDBY_SECONDS. A beat that dies leaves the key
to expire, and a standby takes over within LOCK_SECONDS. The jobs are idempotent
services (the style guide), so a job sent twice around a takeover does no harm;
the lock only keeps the schedule from running twice over.

Without Redis (eager tasks, no broker to send to) there is nothing to lock.
"""

import contextlib
import logging
import os
import socket
import uuid

import redis
from celery.beat import PersistentScheduler

logger = logging.getLogger(__name__)

LOCK_SECONDS = 30
STANDBY_SECONDS = 5
# Compare-and-renew and compare-and-delete: only the holder extends or frees it.
RENEW = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end"
)
RELEASE = (
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "return redis.call('del', KEYS[1]) else return 0 end"
)


class LockedScheduler(PersistentScheduler):
    lock_key = "giliran:beat:lock"

    def __init__(self, *args, **kwargs):
        self.lock_token = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex}"
        self.leading = False
        self._redis = None
        super().__init__(*args, **kwargs)

    def _client(self):
        url = self.app.conf.broker_url or ""
        if not url.startswith(("redis://", "rediss://")):
            return None
        if self._redis is None:
            self._redis = redis.Redis.from_url(
                url, socket_timeout=2, socket_connect_timeout=2
            )
        return self._redis

    def holds_lock(self) -> bool:
        """Renew the lock, or take it if free; whether this beat now holds it."""
        client = self._client()
        if client is None:
            return True
        ttl = LOCK_SECONDS * 1000
        try:
            held = bool(client.eval(RENEW, 1, self.lock_key, self.lock_token, ttl))
            if not held:
                held = bool(client.set(self.lock_key, self.lock_token, nx=True, px=ttl))
        except redis.RedisError as exc:
            logger.warning("beat: the lock's Redis did not answer: %s", exc)
            held = False
        if held != self.leading:
            logger.warning(
                "beat %s %s", self.lock_token, "sends" if held else "stands by"
            )
            self.leading = held
        return held

    def tick(self, *args, **kwargs):
        if not self.holds_lock():
            return STANDBY_SECONDS
        # Wake up in time to renew the lock, however far the next job is.
        return min(super().tick(*args, **kwargs), LOCK_SECONDS / 3)

    def release(self) -> None:
        client = self._client()
        if client is not None:
            with contextlib.suppress(redis.RedisError):
                client.eval(RELEASE, 1, self.lock_key, self.lock_token)
        self.leading = False

    def close(self):
        self.release()
        super().close()
