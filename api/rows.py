"""Shifts as API rows, built from .values() rather than model instances.

shifts/ is the API's hot path: a zone-month is 150 shifts and 300 assignments, and
building plans, zones, precincts and officers as model instances for each row
cost more than the queries themselves. Here a page is two queries (shifts with
their codes joined in, then the assignments of the page) and plain dicts.
Every endpoint that shows a shift uses these functions, so there is one shape.
"""

import datetime as dt
import functools
from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db import router
from django.db.models import CharField, F, QuerySet
from django.db.models.functions import Cast

from common.statements import Statement
from schedules.models import Assignment, AssignmentRole, Shift

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
    "change_tx",
)
# shift_values()'s columns, in the order of a values_list() of them.
COLUMNS = (
    *FIELDS,
    "plan_code",
    "zone_code",
    "time_zone",
    "start_text",
    "end_text",
    "updated_text",
    "precinct_code",
    "substitute_code",
)
LEADER = AssignmentRole.LEADER.value


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
        updated_text=Cast("updated_at", CharField()),
        precinct_code=F("precinct__code"),
        substitute_code=F("substitute_for__code"),
    )


@functools.cache
def _every_shift_values() -> QuerySet:
    return shift_values(Shift.objects.all())


def visible_shift_values(client) -> QuerySet:
    """shift_values() of the shifts the client may see. For a client who sees
    every shift the annotated query is built once per process and cloned for each
    request (building it cost 0.3 ms, a twentieth of a zone-month's request)."""
    if client.unrestricted:
        return _every_shift_values().all()
    return shift_values(client.visible_shifts())


def _team_query(ids: list[int], low: int, high: int) -> QuerySet:
    """(shift id, role, NRP, name, rank) of the shifts' assignments. The bounds
    repeat what the ids say; they let the planner see how few rows there are and
    use the shift_id index rather than scan the table."""
    return (
        Assignment.objects.filter(
            shift_id__any_of=ids, shift_id__gte=low, shift_id__lte=high
        )
        .order_by("shift_id", "pk")
        .values_list(
            "shift_id", "role", "officer__nrp", "officer__name", "officer__rank"
        )
    )


# Compiled once per process: building and compiling the query cost more than
# running it, and only its three values change from one request to the next.
_TEAM = Statement(
    lambda shape, ids, low, high: _team_query(ids, low, high),
    marks=lambda shape: ([-1], -2, -3),
)


def _team_rows(ids: list[int]) -> list[tuple]:
    return _TEAM.rows((ids, min(ids), max(ids)), using=router.db_for_read(Assignment))


def teams(ids: list[int]) -> dict[int, list[dict]]:
    """Each shift's assignments as the API shows them to a client who sees the
    roster: leader first, then in the order they were added."""
    team: dict[int, list[dict]] = defaultdict(list)
    if not ids:
        return team
    for shift_id, role, nrp, name, rank in _team_rows(ids):
        entry = {"role": role, "officer": {"nrp": nrp, "name": name, "rank": rank}}
        # At most one leader per shift (a unique index), so first place is its own.
        if role == LEADER:
            team[shift_id].insert(0, entry)
        else:
            team[shift_id].append(entry)
    return team


@functools.lru_cache(maxsize=16384)
def _iso_in(time_zone: str, text: str) -> str:
    """A slot's start or end, read as text by shift_values(), as ISO 8601 in the
    plan's time zone. Remembered across requests: slots begin and end on the
    same few instants each night in every plan with the same window (a zone-month
    has about 180 of them, formatting one costs 1.4 µs, remembering it 0.2 µs)."""
    return instant_of_text(text).astimezone(ZoneInfo(time_zone)).isoformat()


def instant_of_text(text: str) -> dt.datetime:
    """An aware datetime from a timestamp column read as text by shift_values()."""
    instant = dt.datetime.fromisoformat(text)
    return instant if instant.tzinfo else instant.replace(tzinfo=dt.UTC)


def shift_rows(shifts: list[dict], client) -> list[dict]:
    """API rows for shift dicts from shift_values(), in the same order."""
    team = teams([s["id"] for s in shifts])
    sees: dict[int | None, bool] = {}
    rows = []
    for s in shifts:
        precinct_id = s["precinct_id"]
        see = sees.get(precinct_id)
        if see is None:
            see = sees[precinct_id] = client.sees_roster_of(precinct_id)
        members = team.get(s["id"], [])
        time_zone = s["time_zone"]
        rows.append(
            {
                "id": s["id"],
                "plan": s["plan_code"],
                "zone": s["zone_code"],
                "precinct": s["precinct_code"],
                "night": s["night"].isoformat(),
                "slot": s["slot"],
                "start": _iso_in(time_zone, s["start_text"]),
                "end": _iso_in(time_zone, s["end_text"]),
                "status": s["status"],
                "locked": s["locked"],
                "reason": s["reason"],
                "substitute_for": s["substitute_code"],
                "reason_note": s["reason_note"],
                "version": s["version"],
                # One value per shift: nothing worth remembering.
                "updated_at": instant_of_text(s["updated_text"])
                .astimezone(ZoneInfo(time_zone))
                .isoformat(),
                "personnel_visible": see,
                "officer_count": len(members),
                "assignments": (
                    members
                    if see
                    else [{"role": a["role"], "officer": None} for a in members]
                ),
            }
        )
    return rows


def rows_for(shifts: QuerySet, client) -> list[dict]:
    return shift_rows(list(shift_values(shifts)), client)
