import datetime as dt
import http.server
import os
import tempfile
import threading
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from config.celery import app as celery_app

WIB = ZoneInfo("Asia/Jakarta")

# The Celery worker of worker tests is another process, started with this
# environment: it must never send real mail, and it writes what it sends here.
# Collection imports this module before any test (and so the worker) starts.
WORKER_MAIL_DIR = Path(tempfile.mkdtemp(prefix="giliran-worker-mail-"))
os.environ["EMAIL_BACKEND"] = "django.core.mail.backends.filebased.EmailBackend"
os.environ["EMAIL_FILE_PATH"] = str(WORKER_MAIL_DIR)
# Webhook retries back off from 1 s instead of 30 s, so a test sees them happen.
os.environ["WEBHOOK_RETRY_BACKOFF_SECONDS"] = "1"


@pytest.fixture(autouse=True)
def _celery_mode(request):
    """Tasks run in-process, except where a real worker is requested.

    Overrides the root fixture of the same name, which sets `task_always_eager`:
    with the settings namespace, Celery reads CELERY_TASK_ALWAYS_EAGER instead, so
    that assignment does nothing and, with REDIS_URL set, tasks went to Redis.
    """
    eager = "celery_worker_process" not in request.fixturenames
    previous = celery_app.conf.CELERY_TASK_ALWAYS_EAGER
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = eager
    yield
    celery_app.conf.CELERY_TASK_ALWAYS_EAGER = previous


@pytest.fixture(autouse=True)
def _english(settings):
    """Notices are written in the site's language; these tests read English."""
    settings.LANGUAGE_CODE = "en"


def worker_mail(*recipients: str, timeout: float = 60) -> str:
    """The text of all mail the worker wrote, once each recipient has some."""
    deadline = time.monotonic() + timeout
    while True:
        text = "".join(
            path.read_text() for path in sorted(WORKER_MAIL_DIR.glob("*.log"))
        )
        if all(f"To: {r}" in text for r in recipients) or time.monotonic() > deadline:
            return text
        time.sleep(0.2)


def wib(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2024, 1, day, hour, minute, tzinfo=WIB)


class Receiver:
    """What a local webhook endpoint got, and the status codes it will answer."""

    def __init__(self):
        self.requests: list[tuple[dict, bytes]] = []
        self.answers: list[int] = []
        self.url = ""


@pytest.fixture
def receiver():
    """A real HTTP server on 127.0.0.1 that records each POST."""
    state = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"]))
            state.requests.append((dict(self.headers), body))
            self.send_response(state.answers.pop(0) if state.answers else 200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}/hook"
    yield state
    server.shutdown()
    server.server_close()
