"""Which requests read from a replica, and read-your-writes for the rest.

A GET or HEAD of a stale-tolerant view (the API's reads, the calendar feeds, the
boards) reads from a replica when one is usable (common/replicas.py). A client that
has just written is pinned: after each POST, PUT, PATCH or DELETE the primary's WAL
position is remembered for READ_YOUR_WRITES_SECONDS, in a cookie for a browser and in
the cache under its Authorization header for an API client, and a replica serves
that client only once it has replayed past that position.

If the replica fails during a request (a 5xx while it no longer answers), the
request is answered again from the primary: a GET changes nothing, so running it
twice is safe, and a replica killed under load costs no error.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.urls import Resolver404, resolve

from common import replicas

logger = logging.getLogger(__name__)

COOKIE = "giliran_rw"
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# Views whose readers accept data a few seconds old: whole namespaces, and names.
STALE_TOLERANT_NAMESPACES = {"api", "feeds"}
STALE_TOLERANT_VIEWS = {
    "home",
    "tonight",
    "schedules:calendar",
    "schedules:roster",
    "schedules:requests",
    "schedules:print",
    "schedules:night_text",
    "patrols:morning_reports",
    "patrols:morning_report",
}
HEADER = "X-Read-From"


def stale_tolerant(request) -> bool:
    if request.method not in SAFE_METHODS:
        return False
    try:
        match = resolve(request.path_info)
    except Resolver404:
        return False
    return (
        bool(set(match.namespaces) & STALE_TOLERANT_NAMESPACES)
        or match.view_name in STALE_TOLERANT_VIEWS
    )


def _client_key(request) -> str | None:
    header = request.headers.get("Authorization", "")
    if not header:
        return None
    return "rw:" + hashlib.sha256(header.encode()).hexdigest()[:32]


def must_see(request) -> int:
    """The WAL position this client's reads must include (0: none)."""
    position = replicas.lsn_to_int(request.COOKIES.get(COOKIE)) or 0
    key = _client_key(request)
    if key:
        try:
            position = max(position, int(cache.get(key) or 0))
        except Exception:  # a cache outage pins nobody
            logger.warning("read-your-writes: the cache did not answer")
    return position


def pin(request, response) -> None:
    """Remember the primary's position after this client's write."""
    position = replicas.primary_position()
    if position is None:
        return
    seconds = settings.READ_YOUR_WRITES_SECONDS
    response.set_cookie(
        COOKIE,
        replicas.int_to_lsn(position),
        max_age=seconds,
        httponly=True,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )
    key = _client_key(request)
    if key:
        try:
            cache.set(key, position, seconds)
        except Exception:
            logger.warning("read-your-writes: the cache did not answer")


class ReplicaReadsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not replicas.aliases():
            return self.get_response(request)
        if request.method not in SAFE_METHODS:
            response = self.get_response(request)
            pin(request, response)
            return response
        alias = replicas.choose(must_see(request)) if stale_tolerant(request) else None
        if alias is None:
            return self.get_response(request)
        token = replicas.read_from(alias)
        try:
            response = self.get_response(request)
        finally:
            replicas.stop_reading(token)
        if response.status_code >= 500 and not replicas.probe(alias).ok:
            logger.warning(
                "replica %s failed during %s: read again", alias, request.path
            )
            return self.get_response(request)
        response[HEADER] = alias
        return response
