"""A sent API response, with the rows it was built from, is freed as soon as
the server lets go of it, not when the cyclic garbage collector next runs."""

import gc
import io
import sys
import weakref

import pytest
from django.core import signals
from django.core.handlers.wsgi import WSGIHandler
from django.db import close_old_connections

from tests.api.conftest import make_key


def _get(handler, path: str, query: str, secret: str):
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "HTTP_HOST": "testserver",
        "HTTP_AUTHORIZATION": f"Bearer {secret}",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.url_scheme": "http",
        "wsgi.errors": sys.stderr,
    }
    statuses = []
    response = handler(environ, lambda status, headers: statuses.append(status))
    body = b"".join(response)
    response.close()  # as a WSGI server does once it has sent the body
    return response, statuses[0], body


@pytest.fixture
def handler():
    """Django's WSGI handler, keeping the test's database connection open (as
    the test client does)."""
    for signal in (signals.request_started, signals.request_finished):
        signal.disconnect(close_old_connections)
    yield WSGIHandler()
    for signal in (signals.request_started, signals.request_finished):
        signal.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "query"),
    [("/api/v1/shifts/", "night_after=2024-01-22"), ("/api/v1/precincts/", "")],
)
def test_a_sent_response_is_freed_without_the_garbage_collector(
    night, noon, handler, path, query
):
    _, secret = make_key()
    _get(handler, path, query, secret)  # warm: first-use caches stay out of it
    gc.collect()
    gc.disable()
    try:
        response, status, body = _get(handler, path, query, secret)
        assert status.startswith("200"), body[:300]
        sent = weakref.ref(response)
        rows = response.data
        del response
        assert sent() is None
        assert sys.getrefcount(rows) == 2  # this test's name and the call's
    finally:
        gc.enable()
