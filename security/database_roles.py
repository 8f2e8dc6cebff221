"""Two PostgreSQL roles, so that the audit trail holds against the app itself.

The trigger on audit_auditevent refuses UPDATE and DELETE, but a table's owner may
disable its triggers, and TRUNCATE passes them by. So the tables belong to an owner
role that only migrations use, and the app connects as an app role that may read
and write the tables it needs but, on the audit table, only read and add rows:
UPDATE, DELETE, TRUNCATE and ALTER TABLE (DISABLE TRIGGER) are refused to it.

set_up_roles() runs as a PostgreSQL superuser (or a role with CREATEROLE that owns
the database) and may run again at any time: after each migration it hands what the
migration created to the owner and grants the app its rights again.
"""

from django.db import connection as default_connection
from django.db import transaction
from psycopg import sql

AUDIT_TABLE = "audit_auditevent"
# What the app may do on every table but the audit trail; never TRUNCATE,
# REFERENCES or TRIGGER, and nothing it would need to own a table for.
APP_TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"
APP_AUDIT_RIGHTS = "SELECT, INSERT"


def _run(cursor, statement: sql.Composable) -> None:
    """One statement, composed with its identifiers quoted by psycopg."""
    cursor.execute(statement.as_string(cursor.cursor.connection))


def _role_exists(cursor, name: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [name])
    return cursor.fetchone() is not None


def _ensure_role(cursor, name: str, password: str | None) -> None:
    """A login role with no special powers (and its password, when given)."""
    role = sql.Identifier(name)
    if not _role_exists(cursor, name):
        _run(cursor, sql.SQL("CREATE ROLE {} LOGIN").format(role))
    _run(
        cursor,
        sql.SQL(
            "ALTER ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE "
            "NOREPLICATION NOBYPASSRLS"
        ).format(role),
    )
    if password:
        _run(
            cursor,
            sql.SQL("ALTER ROLE {} PASSWORD {}").format(role, sql.Literal(password)),
        )


def _objects(cursor) -> list[tuple[str, str]]:
    """(kind, name) of every table, view, sequence and function of the schema,
    except an extension's (btree_gist's functions stay the superuser's) and the
    sequences of id columns (they follow their table)."""
    cursor.execute(
        """
        SELECT CASE c.relkind WHEN 'S' THEN 'SEQUENCE' WHEN 'v' THEN 'VIEW'
                              WHEN 'm' THEN 'MATERIALIZED VIEW' ELSE 'TABLE' END,
               c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')
          -- not an extension's, nor a sequence that follows its table's owner
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid
                          AND d.classid = 'pg_class'::regclass
                          AND d.deptype IN ('e', 'a', 'i'))
        UNION ALL
        SELECT 'FUNCTION', p.oid::regprocedure::text
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public'
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid
                          AND d.deptype = 'e')
        ORDER BY 1, 2
        """
    )
    return list(cursor.fetchall())


def _hand_to_owner(cursor, database: str, owner: str) -> list[tuple[str, str]]:
    """The owner owns the database and everything in its schema, and may create
    there: what later migrations add is the owner's."""
    o = sql.Identifier(owner)
    _run(
        cursor,
        sql.SQL("ALTER DATABASE {} OWNER TO {}").format(sql.Identifier(database), o),
    )
    _run(cursor, sql.SQL("GRANT USAGE, CREATE ON SCHEMA public TO {}").format(o))
    objects = _objects(cursor)
    for kind, name in objects:
        # A function's regprocedure text is already quoted, with its arguments.
        target = sql.SQL(name) if kind == "FUNCTION" else sql.Identifier(name)
        _run(
            cursor, sql.SQL("ALTER {} {} OWNER TO {}").format(sql.SQL(kind), target, o)
        )
    return objects


def _grant_app(cursor, database: str, owner: str, app: str) -> None:
    """The app reads and writes every table, and the ones migrations add later."""
    o, a = sql.Identifier(owner), sql.Identifier(app)
    rights = sql.SQL(APP_TABLE_RIGHTS)
    _run(
        cursor,
        sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
            sql.Identifier(database), a
        ),
    )
    _run(cursor, sql.SQL("REVOKE CREATE ON SCHEMA public FROM PUBLIC"))
    _run(cursor, sql.SQL("GRANT USAGE ON SCHEMA public TO {}").format(a))
    _run(
        cursor,
        sql.SQL("GRANT {} ON ALL TABLES IN SCHEMA public TO {}").format(rights, a),
    )
    _run(
        cursor,
        sql.SQL("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {}").format(
            a
        ),
    )
    _run(
        cursor,
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public "
            "GRANT {} ON TABLES TO {}"
        ).format(o, rights, a),
    )
    _run(
        cursor,
        sql.SQL(
            "ALTER DEFAULT PRIVILEGES FOR ROLE {} IN SCHEMA public "
            "GRANT USAGE, SELECT ON SEQUENCES TO {}"
        ).format(o, a),
    )


def _protect_audit(cursor, app: str) -> None:
    """Read and add, nothing else: no UPDATE, DELETE or TRUNCATE, and as the app
    is not the owner, no ALTER TABLE ... DISABLE TRIGGER either."""
    audit, a = sql.Identifier(AUDIT_TABLE), sql.Identifier(app)
    _run(cursor, sql.SQL("REVOKE ALL ON {} FROM PUBLIC, {}").format(audit, a))
    _run(
        cursor,
        sql.SQL("GRANT {} ON {} TO {}").format(sql.SQL(APP_AUDIT_RIGHTS), audit, a),
    )


def set_up_roles(
    *,
    owner: str,
    app: str,
    owner_password: str | None = None,
    app_password: str | None = None,
    connection=default_connection,
) -> dict:
    """Create or update the owner and app roles on the connection's database, hand
    every object to the owner and give the app its rights; return what was done."""
    if owner == app:
        raise ValueError("The owner and the app need two different roles.")
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        [database] = cursor.fetchone()
        _ensure_role(cursor, owner, owner_password)
        _ensure_role(cursor, app, app_password)
        objects = _hand_to_owner(cursor, database, owner)
        _grant_app(cursor, database, owner, app)
        audited = any(name == AUDIT_TABLE for _, name in objects)
        if audited:
            _protect_audit(cursor, app)
    return {
        "database": database,
        "owner": owner,
        "app": app,
        "objects": len(objects),
        "audit_table_protected": audited,
    }
