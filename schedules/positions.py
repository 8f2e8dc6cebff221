"""Change positions: where each change to a shift sits, in an order mirrors can trust.

A mirror keeps the position of the last change it read and asks for what comes after
it. That is safe only if no change can later become visible *below* a position
already handed out. Timestamps fail this (a transaction held open commits rows
stamped before a mirror's last read), and so does a sequence taken during the
transaction (numbers commit out of order).

On PostgreSQL every write of a shift stamps its `change_tx` with the writing
transaction's id (a trigger, schedules migration 0007, so the admin, bulk updates
and raw SQL are stamped too). A roster change is a write of its shift: every
roster service bumps the shift's version. (A trigger on assignments that touched
the shift row as well took the shift's lock out of the services' order, and a
generation running beside roster edits deadlocked: tests/test_concurrency.py.)

A transaction id below `pg_snapshot_xmin(pg_current_snapshot())` belongs to a
transaction that has ended: every row stamped below it is committed (or never will
be), and every write still to come gets an id at or above it. So a read that shows
only rows below that "safe position", ordered by (change_tx, id), never shows a row
that a later read could place before it. A row changed again moves forward: it comes
back, never goes missing. A long transaction holds the safe position back (rows
above it wait) but never loses them; the snapshot's xmin is the cluster's, so a
transaction left open in any database of the cluster holds it back too (PostgreSQL's
idle_in_transaction_session_timeout bounds that). A transaction sees its own writes.

On SQLite, writers run one at a time: a counter bumped by triggers inside the
writing transaction gives commit order, and every stored position is safe.

A shift that leaves its holder (handed to another precinct, left uncovered, or
deleted) also leaves a ShiftDeparture at its position, so a mirror filtered by
precinct, and the old holder's feed, learn that it went.
"""

from django.db import connections
from django.db.models import BigIntegerField, Expression, Q, QuerySet

# The largest position SQLite hands out is far below this; nothing is held back.
UNBOUNDED = 2**63 - 1

PG_SAFE_SQL = "(pg_snapshot_xmin(pg_current_snapshot())::text::bigint)"
PG_CURRENT_SQL = "pg_current_xact_id()::text::bigint"
PG_OWN_SQL = "(COALESCE(pg_current_xact_id_if_assigned()::text::bigint, -1))"


class SafePosition(Expression):
    """The lowest position a change not yet visible may still take (PostgreSQL),
    evaluated by the query that uses it, in that query's own snapshot."""

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection):
        if connection.vendor == "postgresql":
            return PG_SAFE_SQL, []
        return "%s", [UNBOUNDED]


class OwnPosition(Expression):
    """The position of the reading transaction's own writes (PostgreSQL), or -1:
    a transaction sees what it wrote itself (tests run in one), while others see
    it once it is below their safe position."""

    output_field = BigIntegerField()

    def as_sql(self, compiler, connection):
        if connection.vendor == "postgresql":
            return PG_OWN_SQL, []
        return "%s", [-1]


class PositionedQuerySet(QuerySet):
    """Rows with a change_tx, read in the order of changes."""

    def committed(self):
        """Rows whose last change sits below the safe position (no change may
        still commit below it), and the reading transaction's own."""
        return self.filter(Q(change_tx__lt=SafePosition()) | Q(change_tx=OwnPosition()))

    def changed_after(self, change_tx: int, pk: int):
        """Rows after the change position (change_tx, pk), in a total order."""
        return self.filter(
            Q(change_tx__gt=change_tx) | Q(change_tx=change_tx, pk__gt=pk),
            # Repeats the bound so the (change_tx, id) index is scanned from it.
            change_tx__gte=change_tx,
        )


def safe_position(using: str = "default") -> int:
    """SafePosition as a number, read now."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return UNBOUNDED
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {PG_SAFE_SQL}")
        return cursor.fetchone()[0]


# --- the triggers (installed by migration 0007, and after each migrate on SQLite) ---

PG_TRIGGERS = f"""
CREATE OR REPLACE FUNCTION schedules_shift_position() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.change_tx := {PG_CURRENT_SQL};
    RETURN NEW;
END $$;
CREATE OR REPLACE TRIGGER schedules_shift_position
    BEFORE INSERT OR UPDATE ON schedules_shift
    FOR EACH ROW EXECUTE FUNCTION schedules_shift_position();

CREATE OR REPLACE FUNCTION schedules_shift_departure() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.precinct_id IS NOT NULL AND (
        TG_OP = 'DELETE' OR OLD.precinct_id IS DISTINCT FROM NEW.precinct_id
    ) THEN
        INSERT INTO schedules_shiftdeparture
            (shift_id, precinct_id, plan_id, start, "end", version, change_tx,
             departed_at)
        VALUES (OLD.id, OLD.precinct_id, OLD.plan_id, OLD.start, OLD."end",
                OLD.version, {PG_CURRENT_SQL}, now());
    END IF;
    RETURN NULL;
END $$;
CREATE OR REPLACE TRIGGER schedules_shift_departure
    AFTER UPDATE OR DELETE ON schedules_shift
    FOR EACH ROW EXECUTE FUNCTION schedules_shift_departure();
"""

PG_DROP = """
DROP TRIGGER IF EXISTS schedules_shift_departure ON schedules_shift;
DROP TRIGGER IF EXISTS schedules_shift_position ON schedules_shift;
DROP FUNCTION IF EXISTS schedules_shift_departure();
DROP FUNCTION IF EXISTS schedules_shift_position();
"""

_NEXT = (
    "UPDATE schedules_changecounter SET value = value + 1; "
    "INSERT INTO schedules_changecounter (value) SELECT 1 "
    "WHERE NOT EXISTS (SELECT 1 FROM schedules_changecounter);"
)
_VALUE = "(SELECT value FROM schedules_changecounter)"

# Each statement separately: sqlite3 runs one statement per execute().
SQLITE_TRIGGERS = [
    "CREATE TABLE IF NOT EXISTS schedules_changecounter (value integer NOT NULL)",
    *(
        f"""CREATE TRIGGER IF NOT EXISTS schedules_shift_position_{op.lower()}
        AFTER {op} ON schedules_shift BEGIN {_NEXT}
        UPDATE schedules_shift SET change_tx = {_VALUE} WHERE id = NEW.id; END"""
        for op in ("INSERT", "UPDATE")
    ),
    *(
        f"""CREATE TRIGGER IF NOT EXISTS schedules_shift_departure_{op.lower()}
        AFTER {op} ON schedules_shift WHEN {when} BEGIN {_NEXT}
        INSERT INTO schedules_shiftdeparture
            (shift_id, precinct_id, plan_id, start, "end", version, change_tx,
             departed_at)
        VALUES (OLD.id, OLD.precinct_id, OLD.plan_id, OLD.start, OLD."end",
                OLD.version, {_VALUE}, strftime('%Y-%m-%d %H:%M:%f', 'now')); END"""
        for op, when in (
            (
                "UPDATE",
                "OLD.precinct_id IS NOT NULL AND OLD.precinct_id IS NOT "
                "NEW.precinct_id",
            ),
            ("DELETE", "OLD.precinct_id IS NOT NULL"),
        )
    ),
]


def install_triggers(connection) -> None:
    """Create the position and departure triggers (idempotent). SQLite drops a
    table's triggers when a migration rebuilds it, so this runs after every
    migrate there."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(PG_TRIGGERS)
        elif connection.vendor == "sqlite":
            for statement in SQLITE_TRIGGERS:
                cursor.execute(statement)


def drop_triggers(connection) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(PG_DROP)
