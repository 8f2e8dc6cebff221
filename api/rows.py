"""Shifts as API rows, built from .values() rather than model instances.

shifts/ is the API's hot path: a zone-month is 150 shifts and 300 assignments, and
building plans, zones, precincts and officers as model instances for each row
cost more than the queries themselves. Here a page is two queries (shifts with
their codes joined in, then the assignments of the page) and plain dicts.
Every endpoint that shows a shift uses these functions, so there is one shape.
"""

from collections import defaultdict
from zoneinfo import ZoneInfo

from django.db.models import F, QuerySet
from django.utils import timezone

from schedules.models import Assignment, AssignmentRole

FIELDS = (
    "id",
    "precinct_id",
    "night",
    "slot",
    "start",
    "end",
    "status",
    "locked",
    "reason",
    "reason_note",
    "version",
    "updated_at",
)


def shift_values(shifts: QuerySet) -> QuerySet:
    """The shifts as dicts with the codes and time zone each row needs."""
    return shifts.values(
        *FIELDS,
        plan_code=F("plan__code"),
        zone_code=F("plan__zone__code"),
        time_zone=F("plan__time_zone"),
        precinct_code=F("precinct__code"),
        substitute_code=F("substitute_for__code"),
    )


def _iso(value, tz) -> str:
    return timezone.localtime(value, tz).isoformat()


def shift_rows(shifts: list[dict], client) -> list[dict]:
    """API rows for shift dicts from shift_values(), in the same order."""
    ids = [s["id"] for s in shifts]
    team: dict[int, list] = defaultdict(list)
    if ids:
        for shift_id, role, nrp, name, rank in (
            Assignment.objects.filter(shift_id__in=ids)
            .order_by("shift_id", "pk")
            .values_list(
                "shift_id", "role", "officer__nrp", "officer__name", "officer__rank"
            )
        ):
            team[shift_id].append((role, nrp, name, rank))
    zones: dict[str, ZoneInfo] = {}
    rows = []
    for s in shifts:
        tz = zones.get(s["time_zone"]) or zones.setdefault(
            s["time_zone"], ZoneInfo(s["time_zone"])
        )
        see = client.sees_roster_of(s["precinct_id"])
        # Leader first, then in the order they were added.
        members = sorted(team[s["id"]], key=lambda a: a[0] != AssignmentRole.LEADER)
        rows.append(
            {
                "id": s["id"],
                "plan": s["plan_code"],
                "zone": s["zone_code"],
                "precinct": s["precinct_code"],
                "night": s["night"].isoformat(),
                "slot": s["slot"],
                "start": _iso(s["start"], tz),
                "end": _iso(s["end"], tz),
                "status": s["status"],
                "locked": s["locked"],
                "reason": s["reason"],
                "substitute_for": s["substitute_code"],
                "reason_note": s["reason_note"],
                "version": s["version"],
                "updated_at": _iso(s["updated_at"], tz),
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
