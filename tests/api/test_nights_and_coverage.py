"""nights/ and coverage/: the dashboard's night and the dispatcher's "who is there"."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser

from api.access import Client
from api.board_serializers import board_dict
from schedules.selectors import board
from tests import factories
from tests.api.conftest import ROLES, client_for

# A square around the canal post, longitude first.
CANAL_AREA = {
    "type": "Polygon",
    "coordinates": [
        [
            [106.80, -6.15],
            [106.81, -6.15],
            [106.81, -6.14],
            [106.80, -6.14],
            [106.80, -6.15],
        ]
    ],
}


def test_tonight_in_the_evening_is_the_coming_night(night, piket_tambora):
    with time_machine.travel(dt.datetime(2024, 1, 22, 14, 0, tzinfo=dt.UTC)):
        body = client_for(piket_tambora).get("/api/v1/nights/tonight/").json()

    [plan] = body["plans"]
    assert plan["night"] == "2024-01-22"
    assert plan["start"] == "2024-01-23T00:00:00+07:00"
    slots = plan["slots"]
    assert [s["shift"]["precinct"] for s in slots] == [
        "tambora",
        "tanjung-duren",
        "gambir",
        "tambora",
        "tanjung-duren",
    ]
    assert slots[0]["shift"]["officers"][0]["nrp"]
    assert slots[1]["shift"]["officers"] is None
    assert slots[0]["shift"]["can_edit"]
    assert slots[0]["shift"]["short_by"] == 3


def test_a_write_key_can_edit_its_own_precincts_slots_on_the_board(
    night, noon, write_key_tambora
):
    body = client_for(secret=write_key_tambora[1]).get("/api/v1/nights/2024-01-22/")

    slots = body.json()["plans"][0]["slots"]
    assert [s["shift"]["can_edit"] for s in slots] == [True, False, False, True, False]
    assert slots[2]["shift"]["officers"] is None


@pytest.mark.parametrize("night_param", ["2024-13-01", "yesterday", "2024-1-1"])
def test_a_bad_night_is_400(night, admin_user, night_param):
    response = client_for(admin_user).get(f"/api/v1/nights/{night_param}/")

    assert response.status_code == 400
    assert "night" in response.json()["errors"]


def test_the_night_board_answers_304_when_nothing_changed(noon, night, admin_user):
    client = client_for(admin_user)
    etag = client.get("/api/v1/nights/2024-01-22/")["ETag"]

    assert (
        client.get("/api/v1/nights/2024-01-22/", HTTP_IF_NONE_MATCH=etag).status_code
        == 304
    )


@pytest.mark.parametrize("plans", [1, 5])
def test_the_night_board_takes_a_bounded_number_of_queries(
    noon, plans, tambora, gambir, admin_user, django_assert_max_num_queries
):
    for _ in range(plans):
        plan = factories.RotationPlanFactory(members=[tambora, gambir])
        for slot in range(5):
            shift = factories.ShiftFactory(
                plan=plan, precinct=tambora, night=dt.date(2024, 1, 22), slot=slot
            )
            factories.AssignmentFactory.create_batch(2, shift=shift)
    client = client_for(admin_user)

    with django_assert_max_num_queries(8):
        response = client.get("/api/v1/nights/2024-01-22/")

    assert len(response.json()["plans"]) == plans


def test_coverage_names_the_precinct_holding_the_zone_at_an_instant(
    noon, night, kapolres_jakbar
):
    response = client_for(kapolres_jakbar).get(
        "/api/v1/coverage/",
        {"zone": "bkb-kalianyar", "at": "2024-01-23T02:30:00+07:00"},
    )

    [row] = response.json()
    assert row["covered"]
    assert row["precinct"]["code"] == "gambir"
    assert row["shift"]["id"] == night[2].pk
    assert row["shift"]["assignments"][0]["officer"]["nrp"]


def test_outside_the_window_nobody_covers_the_zone(noon, night, admin_user):
    [row] = (
        client_for(admin_user)
        .get(
            "/api/v1/coverage/", {"zone": "bkb-kalianyar", "at": "2024-01-23T12:00:00Z"}
        )
        .json()
    )

    assert not row["covered"]
    assert row["shift"] is None


def test_coverage_by_location_finds_the_zone_whose_area_holds_the_point(
    noon, night, canal, admin_user
):
    canal.geometry = CANAL_AREA
    canal.save()
    client = client_for(admin_user)
    inside = {"lat": -6.145, "lng": 106.805, "at": "2024-01-22T17:10:00Z"}

    [row] = client.get("/api/v1/coverage/", inside).json()
    outside = client.get("/api/v1/coverage/", {**inside, "lng": 106.9}).json()

    assert row["precinct"]["code"] == "tambora"
    assert outside == []


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"lat": "-6.1"},
        {"lat": "91", "lng": "0"},
        {"lat": "x", "lng": "y"},
        {"zone": "bkb-kalianyar", "at": "soon"},
        {"zone": "nowhere"},
        # An empty zone does not fall back to asking by the point.
        {"zone": "", "lat": "-6.1", "lng": "106.8"},
        {"zone": "bkb-kalianyar", "at": ""},
    ],
)
def test_bad_coverage_queries_are_400(night, admin_user, query):
    response = client_for(admin_user).get("/api/v1/coverage/", query)

    assert response.status_code == 400
    assert response.json()["errors"]


def test_a_read_key_sees_who_holds_the_zone_but_not_the_officers(noon, night, read_key):
    [row] = (
        client_for(secret=read_key[1])
        .get(
            "/api/v1/coverage/",
            {"zone": "bkb-kalianyar", "at": "2024-01-23T00:30:00+07:00"},
        )
        .json()
    )

    assert row["precinct"]["code"] == "tambora"
    assert row["shift"]["assignments"] == [{"role": "member", "officer": None}]


@pytest.fixture
def varied_nights(night, plan, tambora, gambir, tanjungduren):
    """The seed night made untidy (a leader and members, a cancelled slot, an
    uncovered one, a substitute with its times edited by hand, an empty slot),
    plus a second plan in another time zone whose duty nights start at 22:00."""
    night[0].assignments.update(role="member")
    factories.AssignmentFactory(shift=night[0], role="leader")
    factories.AssignmentFactory(shift=night[0], officer__name="Aaron")
    night[1].status = "cancelled"
    night[1].save()
    night[2].status, night[2].precinct = "uncovered", None
    night[2].assignments.all().delete()
    night[2].save()
    night[3].reason, night[3].substitute_for = "substitute", tanjungduren
    night[3].start += dt.timedelta(minutes=15)
    night[3].save()
    night[4].delete()
    east = factories.RotationPlanFactory(
        code="east",
        members=[gambir, tambora],
        time_zone="Asia/Jayapura",
        window_start=dt.time(22, 0),
        window_end=dt.time(2, 0),
        valid_from=dt.date(2024, 1, 21),
    )
    for n, slot_night in enumerate([dt.date(2024, 1, 21), dt.date(2024, 1, 22)]):
        for slot in range(2):
            shift = factories.ShiftFactory(
                plan=east,
                precinct=[gambir, tambora][slot],
                night=slot_night,
                slot=slot,
                start=dt.datetime(2024, 1, 21 + n, 13 + slot, tzinfo=dt.UTC),
                end=dt.datetime(2024, 1, 21 + n, 14 + slot, tzinfo=dt.UTC),
            )
            factories.AssignmentFactory.create_batch(2, shift=shift)
    return night


@pytest.mark.parametrize("role", [r for r in ROLES if r != "anonymous"])
@pytest.mark.parametrize(
    ("at", "night_param"),
    [
        # Before the seed night's window, and within the east plan's.
        (dt.datetime(2024, 1, 21, 14, 30, tzinfo=dt.UTC), None),
        (dt.datetime(2024, 1, 22, 14, 0, tzinfo=dt.UTC), None),
        (dt.datetime(2024, 1, 22, 14, 0, tzinfo=dt.UTC), dt.date(2024, 1, 22)),
    ],
)
def test_the_night_read_as_rows_is_the_board_the_pages_show(
    varied_nights, request, role, at, night_param
):
    """nights/ reads plain rows for speed, the Tonight page model instances (its
    live part needs them); one builder makes both boards, which must say the
    same for every client."""
    who = request.getfixturevalue(role)
    if isinstance(who, tuple):
        scope = Client(user=AnonymousUser(), key=who[0])
    else:
        scope = Client(user=who)

    with time_machine.travel(at, tick=False):
        rows = board_dict(board.night_board_rows(scope=scope, night=night_param))
        models = board_dict(board.night_board(scope=scope, night=night_param))

    assert rows == models
    assert rows["plans"], "the fixture shows every client some plan"


def test_the_night_rows_hide_officers_and_keep_the_shape(varied_nights, read_key):
    with time_machine.travel(dt.datetime(2024, 1, 22, 14, 0, tzinfo=dt.UTC)):
        body = client_for(secret=read_key[1]).get("/api/v1/nights/tonight/").json()

    canal_plan, east = sorted(body["plans"], key=lambda p: p["plan"] == "east")
    slots = canal_plan["slots"]
    assert [s["shift"] and s["shift"]["status"] for s in slots] == [
        "scheduled",
        "cancelled",
        "uncovered",
        "scheduled",
        None,
    ]
    assert slots[0]["shift"]["officer_count"] == 3
    assert slots[0]["shift"]["officers"] is None
    assert slots[3]["shift"]["substitute_for"] == "tanjung-duren"
    assert slots[3]["start"] == "2024-01-23T03:15:00+07:00"
    assert slots[4]["start"] == "2024-01-22T21:00:00+00:00"
    assert canal_plan["uncovered_count"] == 1
    assert east["night"] == "2024-01-22"
    assert east["start"] == "2024-01-22T22:00:00+09:00"
    assert east["slots"][0]["start"] == "2024-01-22T22:00:00+09:00"


def test_the_night_rows_put_the_leader_first_then_officers_by_name(
    noon, varied_nights, admin_user
):
    body = client_for(admin_user).get("/api/v1/nights/2024-01-22/").json()

    [canal_plan] = [p for p in body["plans"] if p["plan"] != "east"]
    officers = canal_plan["slots"][0]["shift"]["officers"]
    assert officers[0]["role"] == "leader"
    names = [o["name"] for o in officers[1:]]
    assert names == sorted(names)
    assert "Aaron" in names
    assert set(officers[0]) == {"nrp", "name", "rank", "role", "phone"}
