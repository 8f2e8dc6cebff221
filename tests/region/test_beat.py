"""Beat runs once: of two beats, only the one holding the Redis lock sends."""

import datetime as dt

import pytest
import redis
from django.conf import settings

from config import beat
from config.celery import app as celery_app

pytestmark = pytest.mark.worker


class Beat(beat.LockedScheduler):
    """A beat whose sends are recorded instead of published (the broker is the
    network edge), with a lock key of this test's own."""

    lock_key = "giliran:test:beat:lock"

    def __init__(self, *args, **kwargs):
        self.sent = []
        super().__init__(*args, **kwargs)

    def apply_async(self, entry, producer=None, advance=True, **kwargs):
        self.sent.append(entry.task)
        entry = self.reserve(entry) if advance else entry
        return None


@pytest.fixture
def beats(tmp_path):
    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(Beat.lock_key)
    made = [
        Beat(app=celery_app, schedule_filename=str(tmp_path / f"beat-{n}"))
        for n in (1, 2)
    ]
    for made_beat in made:  # every job overdue
        for entry in made_beat.schedule.values():
            entry.last_run_at = entry.default_now() - dt.timedelta(days=1)
    yield made, client
    for made_beat in made:
        made_beat.close()
    client.delete(Beat.lock_key)


def test_only_the_beat_holding_the_lock_sends(beats):
    (first, second), client = beats
    for _ in range(len(settings.CELERY_BEAT_SCHEDULE) + 1):  # a job per tick
        first.tick()
        second.tick()
    assert first.leading
    assert not second.leading
    assert set(first.sent) == {
        job["task"] for job in settings.CELERY_BEAT_SCHEDULE.values()
    }
    assert second.sent == []
    assert client.get(Beat.lock_key).decode() == first.lock_token


def test_a_standby_beat_takes_over_when_the_lock_is_freed(beats):
    (first, second), _client = beats
    assert first.holds_lock()
    assert not second.holds_lock()
    first.release()  # as when it stops; a dead one's key expires instead
    assert second.holds_lock()
    assert not first.holds_lock()
    second.tick()
    assert second.sent


def test_the_lock_expires_unless_renewed(beats):
    (first, _second), client = beats
    assert first.holds_lock()
    ttl = client.pttl(Beat.lock_key)
    assert 0 < ttl <= beat.LOCK_SECONDS * 1000
    # Each tick of the holder renews it, and none sleeps past a third of it.
    assert first.tick() <= beat.LOCK_SECONDS / 3
