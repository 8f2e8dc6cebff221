"""PostgreSQL connection settings: server-side binding and prepared statements."""

import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from precincts.models import Zone


def _prepared_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements")
        return cursor.fetchone()[0]


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_query_run_repeatedly_becomes_a_prepared_statement():
    before = _prepared_count()
    for code in ("a", "b", "c", "d", "e", "f", "g"):
        # One statement text with a parameter: its values vary, its plan is kept.
        list(Zone.objects.filter(code=code))
    assert _prepared_count() > before


def _options_with(value: str | None) -> dict:
    env = {**os.environ, "DATABASE_URL": "postgres://u@127.0.0.1:5432/x"}
    env.pop("DATABASE_PREPARED_STATEMENTS", None)
    if value is not None:
        env["DATABASE_PREPARED_STATEMENTS"] = value
    code = (
        "import json, os; os.environ['DJANGO_SETTINGS_MODULE'] = 'config.settings';"
        "from django.conf import settings;"
        "print(json.dumps(settings.DATABASES['default'].get('OPTIONS', {})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def test_prepared_statements_are_on_by_default_and_can_be_turned_off():
    assert _options_with(None) == {"server_side_binding": True, "prepare_threshold": 5}
    assert _options_with("false") == {}
