"""Shifts as API rows, built from .values() rather than model instances.

shifts/ is the API's hot path: a zone-month is 150 shifts and 300 assignments, and
building plans, zones, precincts and officers as model instances for each row
cost more than the queries themselves. Here a page is two queries (shifts with
their codes joined in, then the assignments of the page) and plain dicts.
Every endpoint that shows a shift uses these functions, so there is one shape.
"""

import datetime as dt
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db.models import CharField, F, QuerySet
from django.db.models.functions import Cast
from django.db.models.lookups import In

from schedules.models import Assignment, AssignmentRole

FIELDS = (
    "id",
    "precinct_id",
    "night",
    "slot",
    "status",
    "locked",
    "reason",
    "reason_note",
    "version",
    "updated_at",
)
LEADER = AssignmentRole.LEADER.value


class _AnyOf(In):
    """`shift_id = ANY(%s)` on PostgreSQL: the page's ids as one array parameter
    rather than one placeholder each (which the ORM and psycopg then prepare one
    by one); a plain IN elsewhere."""

    lookup_name = "any_of"

    def get_prep_lookup(self):
        # Shift ids read from the database a moment ago: ints, nothing to prepare.
        return [int(pk) for pk in self.rhs]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", (*lhs_params, list(self.rhs))


Assignment._meta.get_field("shift").register_lookup(_AnyOf)


def shift_values(shifts: QuerySet) -> QuerySet:
    """The shifts as dicts with the codes and time zone each row needs."""
    return shifts.values(
        *FIELDS,
        plan_code=F("plan__code"),
        zone_code=F("plan__zone__code"),
        time_zone=F("plan__time_zone"),
        # As text (UTC, ISO 8601), which Python parses in C: Django reads a
        # timestamp column through a loader in Python, 3 µs a value.
        start_text=Cast("start", CharField()),
        end_text=Cast("end", CharField()),
        precinct_code=F("precinct__code"),
        substitute_code=F("substitute_for__code"),
    )


def _team(ids: list[int]) -> dict[int, list[tuple]]:
    """(role, nrp, name, rank) of each shift's officers: leader first, then in the
    order they were added."""
    team: dict[int, list[tuple]] = defaultdict(list)
    if not ids:
        return team
    assignments = Assignment.objects.filter(shift_id__any_of=ids)
    if len(ids) > 1:
        # The same rows; the bounds let the planner see how few there are and use
        # the shift_id index rather than scan the whole table.
        assignments = assignments.filter(shift_id__gte=min(ids), shift_id__lte=max(ids))
    for shift_id, role, nrp, name, rank in assignments.order_by(
        "shift_id", "pk"
    ).values_list("shift_id", "role", "officer__nrp", "officer__name", "officer__rank"):
        members = team[shift_id]
        # At most one leader per shift (a unique index), so first place is its own.
        if role == LEADER:
            members.insert(0, (role, nrp, name, rank))
        else:
            members.append((role, nrp, name, rank))
    return team


class _Zone:
    """One plan time zone's ISO 8601 strings. start and end come as the text
    shift_values() gives (PostgreSQL: UTC with its +00 offset; SQLite: naive, in
    UTC), and a zone-month repeats them (a slot ends when the next one starts), so
    each is parsed and formatted once."""

    def __init__(self, name: str):
        self.tz = ZoneInfo(name)
        self.seen: dict[str, str] = {}

    def iso_of_text(self, text: str) -> str:
        iso = self.seen.get(text)
        if iso is None:
            instant = dt.datetime.fromisoformat(text)
            if instant.tzinfo is None:
                instant = instant.replace(tzinfo=dt.UTC)
            iso = self.seen[text] = instant.astimezone(self.tz).isoformat()
        return iso

    def iso(self, instant: dt.datetime) -> str:
        return instant.astimezone(self.tz).isoformat()


def shift_rows(shifts: list[dict], client) -> list[dict]:
    """API rows for shift dicts from shift_values(), in the same order."""
    team = _team([s["id"] for s in shifts])
    zones: dict[str, _Zone] = {}
    sees: dict[int | None, bool] = {}
    rows = []
    for s in shifts:
        precinct_id = s["precinct_id"]
        see = sees.get(precinct_id)
        if see is None:
            see = sees[precinct_id] = client.sees_roster_of(precinct_id)
        members = team.get(s["id"], ())
        zone = zones.get(s["time_zone"])
        if zone is None:
            zone = zones[s["time_zone"]] = _Zone(s["time_zone"])
        rows.append(
            {
                "id": s["id"],
                "plan": s["plan_code"],
                "zone": s["zone_code"],
                "precinct": s["precinct_code"],
                "night": s["night"].isoformat(),
                "slot": s["slot"],
                "start": zone.iso_of_text(s["start_text"]),
                "end": zone.iso_of_text(s["end_text"]),
                "status": s["status"],
                "locked": s["locked"],
                "reason": s["reason"],
                "substitute_for": s["substitute_code"],
                "reason_note": s["reason_note"],
                "version": s["version"],
                "updated_at": zone.iso(s["updated_at"]),
                "personnel_visible": see,
                "officer_count": len(members),
                "assignments": [
                    {
                        "role": role,
                        "officer": (
                            {"nrp": nrp, "name": name, "rank": rank} if see else None
                        ),
                    }
                    for role, nrp, name, rank in members
                ],
            }
        )
    return rows


def rows_for(shifts: QuerySet, client) -> list[dict]:
    return shift_rows(list(shift_values(shifts)), client)
