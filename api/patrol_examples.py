"""OpenAPI examples of the night's endpoints (api/patrols.py), for the schema."""

from drf_spectacular.utils import OpenApiExample

CHECKIN_EXAMPLE = OpenApiExample(
    "An officer arrived",
    value={
        "id": 7,
        "shift": 41,
        "plan": "bkb-malam",
        "precinct": "tambora",
        "night": "2024-01-22",
        "officer": {"nrp": "80010001", "name": "Andi Saputra", "rank": "bripda"},
        "kind": "arrive",
        "at": "2024-01-22T23:58:12+07:00",
        "latitude": "-6.143210",
        "longitude": "106.801234",
        "accuracy_m": 12,
        "on_behalf": False,
        "recorded_by": "bripda.tambora",
    },
    response_only=True,
)


REPORT_EXAMPLE = OpenApiExample(
    "A submitted report",
    value={
        "id": 3,
        "shift": 41,
        "plan": "bkb-malam",
        "precinct": "tambora",
        "night": "2024-01-22",
        "status": "submitted",
        "version": 1,
        "started_at": "2024-01-23T00:00:00+07:00",
        "ended_at": "2024-01-23T01:00:00+07:00",
        "summary": "Two groups dispersed near the bridge.",
        "present": [{"nrp": "80010001", "name": "Andi Saputra", "rank": "bripda"}],
        "incidents": [
            {
                "id": 9,
                "category": "crowd_dispersed",
                "occurred_at": "2024-01-23T00:40:00+07:00",
                "people_involved": 25,
                "weapons_seized": 2,
                "description": "Near the bridge.",
                "latitude": "-6.143200",
                "longitude": "106.801200",
            }
        ],
        "author": "bripda.tambora",
        "acknowledged_by": None,
        "acknowledged_at": None,
    },
    response_only=True,
)


INCIDENT_EXAMPLE = OpenApiExample(
    "A weapon seized",
    value={
        "id": 9,
        "report": 3,
        "shift": 41,
        "plan": "bkb-malam",
        "precinct": "tambora",
        "night": "2024-01-22",
        "category": "weapon_seized",
        "occurred_at": "2024-01-23T00:40:00+07:00",
        "people_involved": 3,
        "weapons_seized": 1,
        "description": "A machete taken from a youth near the bridge.",
        "latitude": "-6.143200",
        "longitude": "106.801200",
    },
    response_only=True,
)


def _example_slot(slot: int, precinct: dict, officer: dict, author) -> dict:
    start, end = (
        f"2024-01-23T0{slot}:00:00+07:00",
        f"2024-01-23T0{slot + 1}:00:00+07:00",
    )
    return {
        "slot": slot,
        "shift": 41 + slot,
        "start": start,
        "end": end,
        "status": "scheduled",
        "reason": "rotation",
        "precinct": precinct,
        "personnel_visible": officer["name"] is not None,
        "officers": [
            officer
            | {
                "role": "leader",
                "arrival": "on_time",
                "arrived_at": start,
                "minutes_late": 0,
                "left_at": end,
                "on_behalf": False,
            }
        ],
        "rostered": 1,
        "min_officers": 1,
        "empty_minutes": 0,
        "post_empty": False,
        "report": {"id": 3 + slot, "status": "submitted", "author": author},
    }


MORNING_REPORT_EXAMPLE = OpenApiExample(
    "As a key restricted to Tambora reads it",
    value={
        "id": 12,
        "plan": "bkb-malam",
        "night": "2024-01-22",
        "generated_at": "2024-01-23T05:30:00+07:00",
        "slot_count": 2,
        "empty_post_count": 0,
        "late_count": 0,
        "absent_count": 0,
        "incident_count": 1,
        "missing_report_count": 0,
        "data": {
            "plan": {"id": 1, "code": "bkb-malam", "name": "Patroli stasioner BKB"},
            "night": "2024-01-22",
            "time_zone": "Asia/Jakarta",
            "window": {
                "start": "2024-01-23T00:00:00+07:00",
                "end": "2024-01-23T02:00:00+07:00",
            },
            "generated_at": "2024-01-23T05:30:00+07:00",
            "slots": [
                _example_slot(
                    0,
                    {"id": 1, "code": "tambora", "name": "Polsek Tambora"},
                    {"id": 7, "name": "Andi Saputra", "rank": "Bripda"},
                    "piket.tambora",
                ),
                _example_slot(
                    1,
                    {"id": 3, "code": "gambir", "name": "Polsek Gambir"},
                    {"id": None, "name": None, "rank": None},
                    None,
                ),
            ],
            "handovers": [
                {
                    "at": "2024-01-23T01:00:00+07:00",
                    "from": "tambora",
                    "to": "gambir",
                    "status": "overlap",
                    "next_arrived_at": "2024-01-23T01:00:00+07:00",
                    "previous_left_at": "2024-01-23T01:00:00+07:00",
                    "gap_minutes": 0,
                }
            ],
            "punctuality": {
                "rostered": 2,
                "on_time": 2,
                "late": 0,
                "absent": 0,
                "on_time_percent": 100,
                "by_precinct": {
                    "tambora": {"on_time": 1, "late": 0, "absent": 0},
                    "gambir": {"on_time": 1, "late": 0, "absent": 0},
                },
            },
            "empty_posts": [],
            "incidents": [
                {
                    "id": 5,
                    "slot": 1,
                    "precinct": "gambir",
                    "category": "brawl_prevented",
                    "occurred_at": "2024-01-23T01:40:00+07:00",
                    "people_involved": 6,
                    "weapons_seized": 0,
                    "description": None,
                    "latitude": -6.1364,
                    "longitude": 106.8097,
                    "details_visible": False,
                }
            ],
            "missing_reports": [],
        },
    },
    response_only=True,
)
