"""api.rows: the shortcuts of the hot path give what the ORM gives."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from api import rows
from schedules.models import AssignmentRole, Shift
from tests import factories
from tests.api.conftest import client_for


@pytest.fixture
def crewed(night):
    """The seed night with a second officer (a leader, added last) on slot 0."""
    first = night[0]
    factories.AssignmentFactory(
        shift=first,
        officer=factories.OfficerFactory(precinct=first.precinct),
        role=AssignmentRole.LEADER,
    )
    return night


def test_the_team_query_gives_the_orms_rows_in_the_orms_order(crewed):
    ids = [s.pk for s in crewed]

    assert rows._team_rows(ids) == list(rows._team_query(ids, min(ids), max(ids)))
    assert len(rows._team_rows(ids)) == 6
    assert rows._team_rows([ids[2]]) == list(rows._team_query([ids[2]], ids[2], ids[2]))


def test_the_leader_comes_first_whatever_the_order_of_adding(crewed):
    team = rows.teams([crewed[0].pk])[crewed[0].pk]

    assert [entry["role"] for entry in team] == ["leader", "member"]


def test_updated_at_is_the_stored_instant_in_the_plans_time_zone(crewed, admin_user):
    stored = dt.datetime(2024, 1, 22, 13, 14, 5, 118000, tzinfo=dt.UTC)
    Shift.objects.filter(pk=crewed[0].pk).update(updated_at=stored)
    whole = stored.replace(microsecond=0)
    Shift.objects.filter(pk=crewed[1].pk).update(updated_at=whole)

    listed = {
        row["id"]: row["updated_at"]
        for row in client_for(admin_user).get("/api/v1/shifts/").json()["results"]
    }

    jakarta = ZoneInfo("Asia/Jakarta")
    assert listed[crewed[0].pk] == stored.astimezone(jakarta).isoformat()
    assert listed[crewed[0].pk] == "2024-01-22T20:14:05.118000+07:00"
    assert listed[crewed[1].pk] == "2024-01-22T20:14:05+07:00"


def test_an_unrestricted_clients_shifts_are_a_fresh_query_each_time(crewed):
    class Everyone:
        unrestricted = True

    first = rows.visible_shift_values(Everyone())
    assert len(list(first)) == 5
    factories.ShiftFactory(plan=crewed[0].plan, night=crewed[0].night, slot=5)

    # The process-wide query is cloned, never evaluated: no stale rows.
    assert len(list(rows.visible_shift_values(Everyone()))) == 6
    assert rows._every_shift_values()._result_cache is None


def test_slot_instants_are_formatted_in_each_plans_own_zone_across_a_dst_change():
    # 2024-03-31 01:00 UTC: Berlin goes from +01:00 to +02:00.
    before, after = "2024-03-31 00:30:00+00", "2024-03-31 01:30:00+00"

    assert rows._iso_in("Europe/Berlin", before) == "2024-03-31T01:30:00+01:00"
    assert rows._iso_in("Europe/Berlin", after) == "2024-03-31T03:30:00+02:00"
    # Remembered per zone: the same instant elsewhere is its own answer.
    assert rows._iso_in("Asia/Jakarta", after) == "2024-03-31T08:30:00+07:00"
    # SQLite's text has no offset: UTC.
    assert rows._iso_in("Asia/Jakarta", "2024-03-31 01:30:00") == (
        "2024-03-31T08:30:00+07:00"
    )
