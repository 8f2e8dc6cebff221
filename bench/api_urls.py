"""The site's URLs plus the two reference endpoints of `make bench-api`:

- /bench/trivial: the framework's floor (middleware, a tiny JSON answer);
- /bench/bare: the SQL the shifts/ endpoint ran for the measured request, run as
  raw SQL and answered with json.dumps of the rows (no auth, no serializer).
"""

import functools
import json
import os
from pathlib import Path

from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.urls import path

from config.urls import urlpatterns as site_urlpatterns


def _sql_file() -> Path:
    # A temporary file bench/api.py writes before it starts the server.
    return Path(os.environ["GILIRAN_BENCH_SQL"])


def trivial(request):
    return JsonResponse({"ok": True})


@functools.cache
def _statements() -> list[str]:
    # Read once, so the bare endpoint pays no file I/O per request.
    return json.loads(_sql_file().read_text())


def bare(request):
    rows = []
    with connection.cursor() as cursor:
        for statement in _statements():
            cursor.execute(statement)
            rows.append(cursor.fetchall())
    return HttpResponse(json.dumps(rows, default=str), content_type="application/json")


urlpatterns = [
    path("bench/trivial", trivial),
    path("bench/bare", bare),
    *site_urlpatterns,
]
