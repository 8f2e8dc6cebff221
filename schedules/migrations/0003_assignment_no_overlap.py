"""On PostgreSQL the database itself refuses to put an officer on two overlapping
live shifts, whatever path writes (roster service, admin, bulk_create, raw SQL).

An exclusion constraint sees one table, so each assignment carries a copy of its
shift's time range and whether the shift counts (is not cancelled). The copies are
PostgreSQL-only columns that the model does not declare: triggers keep them true
(an assignment's are recomputed from its shift on every insert and update, so a
write cannot fake them; a shift's new times or status reach its assignments), and
no Python path has to remember them. On SQLite the roster service's check under
row locks is the only guard.

The constraint is DEFERRABLE INITIALLY IMMEDIATE: it is checked at the end of each
statement rather than row by row, so a statement that moves several shifts of one
officer together (their assignments follow in one UPDATE) is judged on the result.
"""

from django.db import migrations

CONSTRAINT = "assignment_officer_no_overlap"

FORWARD_SQL = f"""
CREATE EXTENSION IF NOT EXISTS btree_gist;

ALTER TABLE schedules_assignment
    ADD COLUMN shift_period tstzrange,
    ADD COLUMN shift_live boolean;

-- The shift row is read FOR SHARE: a concurrent change of its times or status
-- (FOR NO KEY UPDATE) waits for this insert to commit, and then its own trigger
-- sees this assignment; or this insert waits and reads the new times.
CREATE FUNCTION schedules_assignment_shift_period() RETURNS trigger AS $$
BEGIN
    SELECT tstzrange(s.start, s."end", '[)'), s.status <> 'cancelled'
      INTO NEW.shift_period, NEW.shift_live
      FROM schedules_shift s
     WHERE s.id = NEW.shift_id
       FOR SHARE;
    RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER schedules_assignment_shift_period
    BEFORE INSERT OR UPDATE ON schedules_assignment
    FOR EACH ROW EXECUTE FUNCTION schedules_assignment_shift_period();

-- One statement per statement: every assignment of every moved shift follows in a
-- single UPDATE, which the deferrable constraint checks as a whole.
CREATE FUNCTION schedules_shift_period_to_assignments() RETURNS trigger AS $$
BEGIN
    UPDATE schedules_assignment a
       SET shift_period = tstzrange(n.start, n."end", '[)'),
           shift_live = n.status <> 'cancelled'
      FROM new_shifts n
      JOIN old_shifts o ON o.id = n.id
     WHERE a.shift_id = n.id
       AND (o.start, o."end", o.status) IS DISTINCT FROM (n.start, n."end", n.status);
    RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER schedules_shift_period_to_assignments
    AFTER UPDATE ON schedules_shift
    REFERENCING OLD TABLE AS old_shifts NEW TABLE AS new_shifts
    FOR EACH STATEMENT EXECUTE FUNCTION schedules_shift_period_to_assignments();

UPDATE schedules_assignment SET shift_id = shift_id;

ALTER TABLE schedules_assignment ADD CONSTRAINT {CONSTRAINT}
    EXCLUDE USING gist (officer_id WITH =, shift_period WITH &&)
    WHERE (shift_live)
    DEFERRABLE INITIALLY IMMEDIATE;
"""

# The extension stays: other objects may use it, and dropping it needs more rights.
BACKWARD_SQL = f"""
ALTER TABLE schedules_assignment DROP CONSTRAINT IF EXISTS {CONSTRAINT};
DROP TRIGGER IF EXISTS schedules_shift_period_to_assignments ON schedules_shift;
DROP FUNCTION IF EXISTS schedules_shift_period_to_assignments();
DROP TRIGGER IF EXISTS schedules_assignment_shift_period ON schedules_assignment;
DROP FUNCTION IF EXISTS schedules_assignment_shift_period();
ALTER TABLE schedules_assignment
    DROP COLUMN IF EXISTS shift_period,
    DROP COLUMN IF EXISTS shift_live;
"""

# Existing overlaps would make the constraint fail with a terse message; name them.
CLASHES_SQL = """
SELECT a.officer_id, a.shift_id, b.shift_id
  FROM schedules_assignment a
  JOIN schedules_shift sa ON sa.id = a.shift_id
  JOIN schedules_assignment b ON b.officer_id = a.officer_id AND b.id > a.id
  JOIN schedules_shift sb ON sb.id = b.shift_id
 WHERE sa.status <> 'cancelled' AND sb.status <> 'cancelled'
   AND sa.start < sb."end" AND sb.start < sa."end"
 ORDER BY a.officer_id, a.shift_id
 LIMIT 20
"""


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(CLASHES_SQL)
        clashes = cursor.fetchall()
    if clashes:
        listed = "; ".join(
            f"officer {officer} on shifts {a} and {b}" for officer, a, b in clashes
        )
        raise RuntimeError(
            "Cannot add the no-overlap constraint: officers are already on two "
            f"overlapping live shifts ({listed}). Take one of each pair off its "
            "roster (or cancel the shift) and migrate again."
        )
    schema_editor.execute(FORWARD_SQL, params=None)


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(BACKWARD_SQL, params=None)


class Migration(migrations.Migration):
    dependencies = [
        ("schedules", "0002_plan_generation_key"),
    ]

    operations = [migrations.RunPython(add_constraint, drop_constraint)]
