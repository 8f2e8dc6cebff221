"""GET /healthz: the state of the database, the cache and the task broker, and of
each read replica (reported, never failing the check: the primary serves without
them).

Anyone may ask (load balancers do, without a login), so a failing check names only
the kind of error; its text (host names, ports, user names) goes to the log.
"""

import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from kombu import Connection

from common import replicas


def _database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def _cache() -> str:
    cache.set("healthz", "ok", 10)
    if cache.get("healthz") != "ok":
        raise RuntimeError("cache did not return what was stored")
    return "ok"


def _broker() -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return "ok (tasks run in-process)"
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=2) as conn:
        conn.ensure_connection(max_retries=1, timeout=2)
    return "ok"


logger = logging.getLogger(__name__)

CHECKS = {"database": _database, "cache": _cache, "broker": _broker}


@never_cache
@require_GET
def healthz(request):
    results, failing = {}, []
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception as exc:
            logger.warning("health check %s failed", name, exc_info=True)
            results[name] = f"error: {exc.__class__.__name__}"
            failing.append(name)
    body = {"status": "ok" if not failing else "unavailable", "checks": results}
    if replicas.aliases():
        body["replicas"] = _replicas()
    if failing:
        body["failing"] = failing
    return JsonResponse(body, status=503 if failing else 200)


def _replicas() -> dict:
    """Each replica as seen now: up or down, lag, what it has replayed and how far
    behind the primary that is (bytes of WAL)."""
    primary = replicas.primary_position()
    found = {}
    for alias in replicas.aliases():
        state = replicas.probe(alias)
        found[alias] = state.report()
        if state.ok and primary is not None:
            found[alias]["behind_bytes"] = max(0, primary - state.replay)
    return found
