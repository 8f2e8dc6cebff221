"""Outbox fixtures: the outbox switched on (as with a broker), a broker that is
down, and a queue of our own on the real Redis to see what was published."""

import json
import os
import socket
import threading

import pytest
from django.conf import settings

from config.celery import app as celery_app

# A queue no worker consumes: tests read what the outbox published from it.
QUEUE = f"outbox-test-{os.getpid()}"
REMEMBERED: list = []


@celery_app.task(name="tests.outbox.remember", queue=QUEUE)
def remember(*args, **kwargs):
    """Run in-process in eager mode; otherwise it stays in QUEUE for inspection."""
    REMEMBERED.append((args, kwargs))


@pytest.fixture
def outbox_on():
    """Tasks go through the outbox, as they do whenever REDIS_URL is set."""
    conf = celery_app.conf
    previous = conf.CELERY_TASK_ALWAYS_EAGER, conf.CELERY_BROKER_URL
    conf.CELERY_TASK_ALWAYS_EAGER = False
    yield
    conf.CELERY_TASK_ALWAYS_EAGER, conf.CELERY_BROKER_URL = previous


class DeadBroker:
    """A port that accepts connections and closes them at once, counting them."""

    def __init__(self):
        self.server = socket.socket()
        self.server.bind(("127.0.0.1", 0))
        self.server.listen(50)
        self.connections = 0
        self.url = f"redis://127.0.0.1:{self.server.getsockname()[1]}/0"
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            self.connections += 1
            conn.close()

    def close(self):
        self.server.close()


@pytest.fixture
def broker_down(outbox_on):
    broker = DeadBroker()
    celery_app.conf.CELERY_BROKER_URL = broker.url
    yield broker
    broker.close()


@pytest.fixture
def redis_queue(outbox_on):
    """The real broker, and the messages published to QUEUE (as task ids)."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")  # the `worker` marker reports it in CI
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL)
    client.delete(QUEUE)

    def published() -> list[str]:
        # kombu pushes on the left and workers pop on the right: oldest last.
        raw = reversed(client.lrange(QUEUE, 0, -1))
        return [json.loads(message)["headers"]["id"] for message in raw]

    yield published
    client.delete(QUEUE)
