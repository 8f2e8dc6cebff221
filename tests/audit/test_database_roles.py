"""The audit table belongs to a role the app does not query as: connected as the
app role (not a superuser, not the owner), UPDATE, DELETE, TRUNCATE and DISABLE
TRIGGER on it are refused, while the app still reads and adds audit events and
writes its other tables. The test makes its own roles (CI connects as the
superuser postgres) and connects as the app role itself."""

import secrets
import uuid

import psycopg
import pytest
from django.core.management import call_command
from django.db import connection

from audit import services as audit
from audit.models import Action, AuditEvent

pytestmark = pytest.mark.postgres

PASSWORD = secrets.token_urlsafe(16)


@pytest.fixture
def roles(transactional_db, monkeypatch):
    """An owner and an app role of this test's own, set up by the command that
    `make db-roles` runs; dropped again afterwards."""
    suffix = uuid.uuid4().hex[:10]
    owner, app = f"giliran_test_owner_{suffix}", f"giliran_test_app_{suffix}"
    audit.record(action=Action.LOGIN, label="before the roles")
    monkeypatch.setenv("DATABASE_APP_PASSWORD", PASSWORD)
    call_command("set_up_database_roles", owner=owner, app=app)
    try:
        yield owner, app
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            [me] = cursor.fetchone()
            for role in (owner, app):
                cursor.execute(f'REASSIGN OWNED BY "{role}" TO "{me}"')
                cursor.execute(f'DROP OWNED BY "{role}"')
                cursor.execute(f'DROP ROLE "{role}"')


def connect_as(role: str) -> psycopg.Connection:
    settings = connection.settings_dict
    return psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        dbname=settings["NAME"],
        user=role,
        password=PASSWORD,
        autocommit=True,
    )


REFUSED = [
    "UPDATE audit_auditevent SET outcome = 'failure'",
    "DELETE FROM audit_auditevent",
    "TRUNCATE audit_auditevent",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER audit_event_append_only",
    "ALTER TABLE audit_auditevent DISABLE TRIGGER ALL",
    "DROP TABLE audit_auditevent",
    "DROP TRIGGER audit_event_append_only ON audit_auditevent",
]


@pytest.mark.parametrize("statement", REFUSED)
def test_the_app_role_cannot_change_or_remove_audit_events(roles, statement):
    _owner, app = roles
    with connect_as(app) as conn:
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute(statement)
        [(count,)] = conn.execute("SELECT count(*) FROM audit_auditevent").fetchall()
    assert count == AuditEvent.objects.count() == 1


def test_the_app_role_reads_and_adds_audit_events_and_writes_other_tables(
    roles, tambora
):
    _owner, app = roles
    before = AuditEvent.objects.count()
    with connect_as(app) as conn:
        conn.execute(
            "INSERT INTO audit_auditevent (at, actor_label, request_id, action, "
            "object_type, object_id, object_label, outcome) "
            "VALUES (now(), 'app', '', 'login', '', '', '', 'success')"
        )
        conn.execute(
            "UPDATE precincts_precinct SET name = 'Polsek Tambora (baru)' "
            "WHERE code = 'tambora'"
        )
        [(is_super,)] = conn.execute(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user"
        ).fetchall()
    assert not is_super
    assert AuditEvent.objects.filter(actor_label="app").count() == 1
    assert AuditEvent.objects.count() == before + 1
    tambora.refresh_from_db()
    assert tambora.name == "Polsek Tambora (baru)"


def test_the_owner_owns_every_table_and_the_command_runs_again(roles):
    owner, app = roles
    call_command("set_up_database_roles", owner=owner, app=app)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'public' "
            "AND tableowner <> %s",
            [owner],
        )
        assert cursor.fetchone() == (0,)
        cursor.execute(
            "SELECT has_table_privilege(%s, 'audit_auditevent', 'UPDATE'), "
            "has_table_privilege(%s, 'audit_auditevent', 'TRUNCATE'), "
            "has_table_privilege(%s, 'schedules_shift', 'UPDATE')",
            [app, app, app],
        )
        assert cursor.fetchone() == (False, False, True)
