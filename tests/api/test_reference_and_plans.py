"""Zones (JSON and GeoJSON), officers, plans, generation and the fairness report."""

import datetime as dt

import pytest
import time_machine

from schedules.models import Reason, Shift
from schedules.services import requests
from tests import factories
from tests.api.conftest import client_for, make_key

POST = {"type": "Point", "coordinates": [106.8055, -6.1452]}


def test_zones_come_as_json_or_as_a_geojson_feature_collection(canal, admin_user):
    canal.post_location = POST
    canal.save()
    client = client_for(admin_user)

    listed = client.get("/api/v1/zones/").json()
    collection = client.get("/api/v1/zones/?format=geojson")
    feature = client.get("/api/v1/zones/bkb-kalianyar/?format=geojson").json()

    assert [z["code"] for z in listed] == ["bkb-kalianyar"]
    assert collection["Content-Type"] == "application/geo+json"
    assert collection.json()["type"] == "FeatureCollection"
    assert collection.json()["features"][0]["geometry"] == POST
    assert feature["properties"]["precincts"] == ["gambir", "tambora", "tanjung-duren"]


def test_a_partners_other_zones_stay_hidden(canal, piket_gambir, tambora):
    factories.ZoneFactory(code="tambora-only", precincts=[tambora])

    codes = [z["code"] for z in client_for(piket_gambir).get("/api/v1/zones/").json()]

    assert codes == ["bkb-kalianyar"]


def test_officers_are_listed_for_the_own_precinct_only(
    plan, tambora, gambir, kapolsek_tambora
):
    mine = factories.OfficerFactory(precinct=tambora)
    factories.OfficerFactory(precinct=gambir)

    rows = client_for(kapolsek_tambora).get("/api/v1/officers/").json()["results"]

    assert [r["nrp"] for r in rows] == [mine.nrp]
    assert rows[0]["phone"]


def test_plans_show_members_in_rotation_order_and_local_window(plan, read_key):
    [row] = client_for(secret=read_key[1]).get("/api/v1/plans/").json()["results"]

    assert row["members"] == ["tambora", "tanjung-duren", "gambir"]
    assert (row["window_start"], row["window_end"], row["slot_count"]) == (
        "00:00",
        "05:00",
        5,
    )


@pytest.fixture
def noon_of_the_first_night():
    with time_machine.travel(dt.datetime(2024, 1, 22, 5, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_a_commander_generates_the_plan_and_a_second_run_changes_nothing(
    plan, kapolsek_tambora, noon_of_the_first_night
):
    client = client_for(kapolsek_tambora)

    first = client.post(
        "/api/v1/plans/bkb-malam/generate/",
        {"start": "2024-01-22", "nights": 3},
        format="json",
    )
    second = client.post(
        "/api/v1/plans/bkb-malam/generate/",
        {"start": "2024-01-22", "nights": 3},
        format="json",
    )

    assert first.status_code == 200, first.content
    assert first.json()["created"] == 15
    assert (second.json()["created"], second.json()["changed"]) == (0, 0)
    assert Shift.objects.filter(plan=plan).count() == 15


def test_a_dry_run_writes_nothing(plan, admin_user, noon_of_the_first_night):
    response = client_for(admin_user).post(
        "/api/v1/plans/bkb-malam/generate/",
        {"start": "2024-01-22", "nights": 2, "dry_run": True},
        format="json",
    )

    assert response.json()["created"] == 10
    assert not Shift.objects.exists()


@pytest.mark.parametrize(
    "payload", [{"nights": 0}, {"nights": 10000}, {"start": "soon"}, {"dry_run": "x"}]
)
def test_bad_generation_requests_are_400(plan, admin_user, payload):
    response = client_for(admin_user).post(
        "/api/v1/plans/bkb-malam/generate/", payload, format="json"
    )

    assert response.status_code == 400


def test_a_duty_officer_and_a_read_key_may_not_generate(plan, piket_tambora, read_key):
    assert (
        client_for(piket_tambora).post("/api/v1/plans/bkb-malam/generate/").status_code
        == 403
    )
    assert (
        client_for(secret=read_key[1])
        .post("/api/v1/plans/bkb-malam/generate/")
        .status_code
        == 403
    )


def test_a_write_key_may_generate(plan, noon_of_the_first_night):
    _key, secret = make_key("write")

    response = client_for(secret=secret).post(
        "/api/v1/plans/bkb-malam/generate/", {"nights": 1}, format="json"
    )

    assert response.status_code == 200


def test_the_fairness_report_counts_each_members_minutes_and_positions(
    plan, admin_user, noon_of_the_first_night
):
    client = client_for(admin_user)
    client.post(
        "/api/v1/plans/bkb-malam/generate/",
        {"start": "2024-01-22", "nights": 3},
        format="json",
    )

    report = client.get(
        "/api/v1/plans/bkb-malam/fairness/",
        {"start": "2024-01-22", "end": "2024-01-24"},
    ).json()

    assert [m["precinct"] for m in report["members"]] == [
        "tambora",
        "tanjung-duren",
        "gambir",
    ]
    assert sum(m["minutes"] for m in report["members"]) == 15 * 60
    # Over P = 3 nights each member holds each slot position exactly once... at
    # least for the first three positions, which every member cycles through.
    assert all(m["positions"][:3] == [1, 1, 1] for m in report["members"])
    assert report["minute_spread"] <= 60


@pytest.mark.parametrize(
    "query",
    [
        {"start": "2024-02-01", "end": "2024-01-01"},
        {"start": "x"},
        {"end": "2030-13-01"},
    ],
)
def test_a_bad_fairness_range_is_400(plan, admin_user, query):
    response = client_for(admin_user).get("/api/v1/plans/bkb-malam/fairness/", query)

    assert response.status_code == 400


def test_approving_a_blackout_regenerates_the_affected_nights_after_commit(
    plan,
    tambora,
    piket_tambora,
    kapolsek_tambora,
    noon_of_the_first_night,
    django_capture_on_commit_callbacks,
):
    client_for(kapolsek_tambora).post(
        "/api/v1/plans/bkb-malam/generate/",
        {"start": "2024-01-22", "nights": 3},
        format="json",
    )
    assert Shift.objects.filter(precinct=tambora, night="2024-01-23").exists()
    wib = dt.timezone(dt.timedelta(hours=7))
    blackout = requests.request_blackout(
        precinct=tambora,
        start=dt.datetime(2024, 1, 24, 0, 0, tzinfo=wib),
        end=dt.datetime(2024, 1, 24, 5, 0, tzinfo=wib),
        reason="Operasi",
        by=piket_tambora,
    )

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client_for(kapolsek_tambora).post(
            f"/api/v1/blackouts/{blackout.pk}/approve/"
        )

    assert response.status_code == 200
    # The approval regenerated its nights in its own transaction; after the commit
    # go the change notices and the decision's notice, then their deliveries (the
    # shifts were never snapshotted: their first change is news).
    names = [c.task_name for c in callbacks]
    assert "schedules.regenerate_nights" not in names
    assert names[:2] == [
        "notices.notify_shift_changes",
        "notices.notify_request_decided",
    ]
    assert set(names[2:]) == {"notices.deliver_notification"}
    assert names[2:]
    night = Shift.objects.filter(night="2024-01-23", plan=plan)
    assert not night.filter(precinct=tambora).exists()
    assert night.filter(reason=Reason.SUBSTITUTE).count() >= 1
