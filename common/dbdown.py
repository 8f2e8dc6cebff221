"""A database outage answers 503 with a plain page (or the API's JSON), not a 500.

Django turns an exception into a 500 response at whichever layer raised it (the
session middleware, DRF's exception handler, a view), so this middleware looks at
500s instead of exceptions: when one comes back and the database does not answer a
`SELECT 1`, the reply becomes a 503 with Retry-After. The traceback is still logged
where the error happened. A new request opens a new connection (CONN_HEALTH_CHECKS),
so the app recovers by itself once PostgreSQL is back.
"""

import logging

from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse
from django.utils.html import escape
from django.utils.translation import gettext as _

from common.errors import problem_response

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 30


def database_unreachable() -> bool:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except (OperationalError, InterfaceError):
        return True
    return False


def unavailable_response(request) -> HttpResponse:
    detail = _("The service is briefly unavailable. Please try again in a minute.")
    if request.path.startswith("/api/"):
        response = problem_response(503, detail)
    else:
        title = escape(_("Service unavailable"))
        response = HttpResponse(
            f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
            f"</head><body><h1>{title}</h1><p>{escape(detail)}</p></body></html>",
            status=503,
            content_type="text/html; charset=utf-8",
        )
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseDownMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 500 and database_unreachable():
            logger.warning("Database unreachable: %s answered 503", request.path)
            return unavailable_response(request)
        return response
