"""API v1 for the night: scoping per role and key, writes through the services, the
error shape, filters, GeoJSON and query counts that stay flat as lists grow."""

import datetime as dt

import pytest
import time_machine

from api.models import Scope
from patrols import services
from patrols.models import CheckIn, CheckInKind, PatrolReport, ReportStatus
from precincts.models import Role
from tests import factories
from tests.api.conftest import (  # noqa: F401 (autouse fixtures)
    ROLES,
    _fast_passwords,
    _fresh_throttles,
    client_for,
    make_key,
)
from tests.patrols.conftest import NIGHT, wib


def columns(*statuses):
    return dict(zip(ROLES, statuses, strict=True))


ALL = columns(401, *[200] * 9)
READS = {
    #                        anon adm  kres ksek ptam pgam off  read pers wtam
    "checkins/": ALL,
    "reports/": ALL,
    "incidents/": ALL,
    "incidents/?format=geojson": ALL,
    "morning-reports/": ALL,
    "checkins/{checkin}/": columns(401, 200, 200, 200, 200, 404, 200, 404, 200, 200),
    "reports/{report}/": columns(401, 200, 200, 200, 200, 404, 200, 404, 200, 200),
    "incidents/{incident}/": columns(401, 200, 200, 200, 200, 404, 200, 404, 200, 200),
    "morning-reports/{morning}/": columns(
        401, 200, 200, 200, 404, 404, 404, 404, 200, 200
    ),
}
WRITES = {
    #                        anon adm  kres ksek ptam pgam off  read pers wtam
    "acknowledge": columns(401, 200, 200, 200, 403, 404, 403, 403, 403, 403),
    "correct": columns(401, 200, 200, 200, 200, 404, 200, 403, 403, 403),
    "check_in_budi": columns(401, 201, 403, 403, 201, 400, 400, 403, 403, 403),
}


@pytest.fixture
def read_key(db):
    return make_key(Scope.READ)


@pytest.fixture
def personnel_key(db):
    return make_key(Scope.READ_PERSONNEL)


@pytest.fixture
def write_key_tambora(tambora):
    return make_key(Scope.WRITE, precinct=tambora)


def api_client(request, role):
    if role == "anonymous":
        return client_for()
    value = request.getfixturevalue(role)
    if isinstance(value, tuple):
        return client_for(secret=value[1])
    return client_for(value)


@pytest.fixture
def world(plan, shifts, rostered, piket_tambora, officer_tambora):
    """Andi and Budi at the post on slot 0; its report with a located incident;
    the night's morning report. The clock stands at 00:30 the morning after."""
    with time_machine.travel(wib(23, 0, 30), tick=False):
        checkin = services.check_in(
            shift=shifts[0],
            officer=rostered["andi"],
            kind=CheckInKind.ARRIVE,
            by=piket_tambora,
            at=wib(23, 0, 0),
        )
        report = services.submit_report(
            shift=shifts[0],
            by=officer_tambora,
            ended_at=wib(23, 0, 29),
            incidents=[
                {
                    "category": "weapon_seized",
                    "occurred_at": wib(23, 0, 20),
                    "people_involved": 3,
                    "weapons_seized": 1,
                    "latitude": -6.1432,
                    "longitude": 106.8012,
                }
            ],
        )
        morning = services.build_morning_report(plan=plan, night=NIGHT)
    return {
        "checkin": checkin.pk,
        "report": report.pk,
        "incident": report.incidents.get().pk,
        "morning": morning.pk,
        "shifts": shifts,
        "budi": rostered["budi"],
    }


@pytest.fixture
def half_past_midnight():
    with time_machine.travel(wib(23, 0, 30), tick=False):
        yield


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("path", list(READS))
def test_reads(request, world, half_past_midnight, role, path):
    client = api_client(request, role)

    response = client.get("/api/v1/" + path.format(**world))

    assert response.status_code == READS[path][role], response.content
    if response.status_code >= 400:
        assert response.json()["status"] == response.status_code


def do_write(client, action, world):
    if action == "acknowledge":
        return client.post(f"/api/v1/reports/{world['report']}/acknowledge/")
    if action == "correct":
        return client.post(
            f"/api/v1/reports/{world['report']}/correct/",
            {"version": 1, "summary": "Corrected."},
            format="json",
        )
    return client.post(
        "/api/v1/checkins/",
        {
            "shift": world["shifts"][0].pk,
            "kind": "arrive",
            "officer": world["budi"].nrp,
        },
        format="json",
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("action", list(WRITES))
def test_writes(request, world, half_past_midnight, role, action):
    client = api_client(request, role)

    response = do_write(client, action, world)

    assert response.status_code == WRITES[action][role], response.content


def test_an_officer_checks_in_through_the_api_with_a_location(
    world, half_past_midnight, officer_tambora
):
    client = client_for(officer_tambora)
    client.post(
        "/api/v1/checkins/",
        {"shift": world["shifts"][0].pk, "kind": "leave"},
        format="json",
    )

    response = client.post(
        "/api/v1/checkins/",
        {
            "shift": world["shifts"][0].pk,
            "kind": "arrive",
            "latitude": -6.14321,
            "longitude": 106.801234,
            "accuracy_m": 9.6,
        },
        format="json",
    )

    body = response.json()
    assert response.status_code == 201, body
    assert body["officer"]["name"] == "Andi Saputra"
    assert body["at"] == "2024-01-23T00:30:00+07:00"
    assert (body["latitude"], body["accuracy_m"], body["on_behalf"]) == (
        "-6.143210",
        10,
        False,
    )


def test_a_check_in_made_offline_arrives_once_through_the_api(
    world, half_past_midnight, officer_tambora
):
    client = client_for(officer_tambora)
    payload = {
        "shift": world["shifts"][0].pk,
        "kind": "leave",  # Andi arrived at 00:00; left at 00:15, sent at 00:30
        "made_ago_s": 900,
        "client_key": "6f1c1d3e-1b8a-4c52-9b7e-0f3f2d5c8a11",
    }
    first = client.post("/api/v1/checkins/", payload, format="json")
    again = client.post("/api/v1/checkins/", payload, format="json")

    assert first.status_code == again.status_code == 201, first.content
    assert first.json()["id"] == again.json()["id"]
    assert first.json()["at"] == "2024-01-23T00:15:00+07:00"
    assert CheckIn.objects.filter(client_key=payload["client_key"]).count() == 1
    bad = client.post(
        "/api/v1/checkins/",
        {**payload, "made_ago_s": -1, "client_key": "x"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) >= {"made_ago_s", "client_key"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"shift": None, "kind": "arrive"}, "shift"),
        ({"shift": 999999, "kind": "arrive"}, "shift"),
        ({"kind": "dance"}, "kind"),
        ({"kind": "arrive", "latitude": 95}, "latitude"),
        ({"kind": "arrive", "latitude": -6.1}, "longitude"),
        ({"kind": "arrive", "at": "yesterday"}, "at"),
        # An offset PostgreSQL cannot hold: the instant is still refused cleanly.
        ({"kind": "arrive", "at": "2024-01-23T00:30:00+20:00"}, "at"),
        ({"kind": "arrive", "officer": "12"}, "officer"),
        ({"kind": "arrive"}, "kind"),  # Andi is already at the post
    ],
)
def test_bad_check_ins_are_400_with_field_messages(
    world, half_past_midnight, officer_tambora, payload, field
):
    payload = {"shift": world["shifts"][0].pk, **payload}
    response = client_for(officer_tambora).post(
        "/api/v1/checkins/", payload, format="json"
    )

    body = response.json()
    assert response.status_code == 400, body
    assert body["type"] == "validation_error"
    assert field in body["errors"], body
    assert CheckIn.objects.count() == 1


def test_a_report_is_filed_and_corrected_through_the_api(
    plan, shifts, rostered, piket_tambora
):
    client = client_for(piket_tambora)
    with time_machine.travel(wib(23, 3, 0), tick=False):
        filed = client.post(
            "/api/v1/reports/",
            {
                "shift": shifts[2].pk,
                "summary": "Nobody came from Tanjung Duren.",
                "present": [],
            },
            format="json",
        )
    assert filed.status_code == 403  # slot 2 is Tanjung Duren's

    with time_machine.travel(wib(23, 3, 0), tick=False):
        filed = client.post(
            "/api/v1/reports/",
            {
                "shift": shifts[1].pk,
                "present": [rostered["budi"].nrp],
                "incidents": [
                    {
                        "category": "brawl_prevented",
                        "occurred_at": "2024-01-23T01:30:00+07:00",
                        "people_involved": 40,
                    }
                ],
            },
            format="json",
        )
        stale = client.post(
            f"/api/v1/reports/{filed.json()['id']}/correct/",
            {"version": 9, "summary": "x"},
            format="json",
        )
        corrected = client.post(
            f"/api/v1/reports/{filed.json()['id']}/correct/",
            {"version": 1, "summary": "Forty youths sent home.", "note": "detail"},
            format="json",
        )

    assert filed.status_code == 201, filed.json()
    body = corrected.json()
    assert stale.status_code == 400
    assert "version" in stale.json()["errors"]
    assert body["version"] == 2
    assert [r["action"] for r in body["revisions"]] == ["submitted", "corrected"]
    assert body["incidents"][0]["occurred_at"] == "2024-01-23T01:30:00+07:00"
    assert body["present"] == [
        {"nrp": rostered["budi"].nrp, "name": "Budi", "rank": "bripda"}
    ]


def test_a_stranger_in_present_is_a_field_error(
    world, half_past_midnight, piket_tambora
):
    stranger = factories.OfficerFactory()

    response = client_for(piket_tambora).post(
        f"/api/v1/reports/{world['report']}/correct/",
        {"version": 1, "present": [stranger.nrp]},
        format="json",
    )

    assert response.status_code == 400
    assert stranger.nrp in response.json()["errors"]["present"][0]


def test_after_acknowledgement_the_leader_gets_a_field_error(
    world, half_past_midnight, kapolsek_tambora, officer_tambora
):
    client_for(kapolsek_tambora).post(f"/api/v1/reports/{world['report']}/acknowledge/")

    again = client_for(kapolsek_tambora).post(
        f"/api/v1/reports/{world['report']}/acknowledge/"
    )
    leader = client_for(officer_tambora).post(
        f"/api/v1/reports/{world['report']}/correct/",
        {"version": 2, "summary": "late edit"},
        format="json",
    )

    assert PatrolReport.objects.get().status == ReportStatus.ACKNOWLEDGED
    assert again.status_code == 400
    assert leader.status_code == 400
    assert "only a commander" in leader.json()["detail"]


def test_incidents_as_geojson_points_of_located_incidents(
    world, half_past_midnight, kapolres_jakbar, officer_tambora
):
    report = PatrolReport.objects.get()
    with time_machine.travel(wib(23, 0, 30), tick=False):
        services.add_incident(
            report=report,
            by=officer_tambora,
            category="other",
            occurred_at=wib(23, 0, 25),
        )

    response = client_for(kapolres_jakbar).get("/api/v1/incidents/?format=geojson")

    body = response.json()
    assert response["Content-Type"].startswith("application/geo+json")
    assert body["type"] == "FeatureCollection"
    assert body["truncated"] is False
    [feature] = body["features"]
    assert feature["geometry"] == {"type": "Point", "coordinates": [106.8012, -6.1432]}
    assert feature["properties"]["category"] == "weapon_seized"


@pytest.mark.parametrize(
    ("query", "count"),
    [
        ("plan=bkb-malam", 1),
        ("precinct=tambora", 1),
        ("precinct=gambir", 0),
        ("night=2024-01-22", 1),
        ("night_after=2024-01-23", 0),
        ("night_before=2024-01-21", 0),
    ],
)
def test_filters_by_plan_precinct_and_night(
    world, half_past_midnight, kapolres_jakbar, query, count
):
    client = client_for(kapolres_jakbar)
    for path in ("checkins", "reports", "incidents"):
        response = client.get(f"/api/v1/{path}/?{query}")
        assert len(response.json()["results"]) == count, (path, query)


@pytest.mark.parametrize(
    "query", ["plan=nope", "precinct=nope", "night=yesterday", "cursor=zzz"]
)
def test_bad_filters_are_400_in_the_error_shape(
    world, half_past_midnight, kapolres_jakbar, query
):
    response = client_for(kapolres_jakbar).get(f"/api/v1/reports/?{query}")

    assert response.status_code in (400, 404)
    assert response.json()["status"] == response.status_code


def _many_nights(plan, tambora, piket_tambora, nights):
    """`nights` nights, each with a Tambora shift, a check-in, a report and an
    incident, and a morning report."""
    for n in range(nights):
        night = NIGHT + dt.timedelta(days=n + 1)
        shift = factories.ShiftFactory(plan=plan, precinct=tambora, night=night, slot=0)
        officer = factories.OfficerFactory(precinct=tambora)
        factories.AssignmentFactory(shift=shift, officer=officer, role="leader")
        at = shift.start + dt.timedelta(minutes=5)
        with time_machine.travel(shift.start + dt.timedelta(minutes=30), tick=False):
            services.check_in(
                shift=shift, officer=officer, kind="arrive", by=piket_tambora, at=at
            )
            services.submit_report(
                shift=shift,
                by=piket_tambora,
                ended_at=at + dt.timedelta(minutes=20),
                incidents=[
                    {
                        "category": "arrest",
                        "occurred_at": at,
                        "latitude": -6.1,
                        "longitude": 106.8,
                    }
                ],
            )
        services.build_morning_report(plan=plan, night=night)


@pytest.mark.parametrize("nights", [1, 12])
def test_lists_run_the_same_queries_however_long(
    plan,
    tambora,
    piket_tambora,
    kapolres_jakbar,
    nights,
    django_assert_num_queries,
):
    _many_nights(plan, tambora, piket_tambora, nights)
    client = client_for(kapolres_jakbar)
    expected = {
        # Session, user, profile and the rows; reports add their officers and
        # incidents; the morning reports' page its COUNT(*).
        "checkins/": 4,
        "reports/": 6,
        "incidents/": 4,
        "incidents/?format=geojson": 4,
        "morning-reports/": 5,
    }
    for path, queries in expected.items():
        with django_assert_num_queries(queries):
            response = client.get("/api/v1/" + path)
        assert response.status_code == 200, path
        body = response.json()
        assert len(body.get("results", body.get("features", []))) == nights, path


def test_a_filter_of_visible_codes_follows_each_requests_client(
    world, half_past_midnight, kapolres_jakbar
):
    """The plan and precinct choices are what the requesting client may see:
    a form built for one client's request must not answer the next one's."""
    menteng = factories.PrecinctFactory(code="menteng")
    factories.RotationPlanFactory(code="menteng-malam", members=[menteng])
    outsider = factories.make_staff(
        "kapolsek.menteng", Role.COMMANDER, precinct=menteng
    )
    for path in ("checkins", "reports", "incidents"):
        mine = client_for(outsider).get(f"/api/v1/{path}/?plan=menteng-malam")
        assert mine.status_code == 200, mine.content
        theirs = client_for(outsider).get(f"/api/v1/{path}/?plan=bkb-malam")
        assert theirs.status_code == 400
        seen = client_for(kapolres_jakbar).get(f"/api/v1/{path}/?plan=bkb-malam")
        assert seen.status_code == 200, seen.content
        assert len(seen.json()["results"]) == 1
        hidden = client_for(kapolres_jakbar).get(f"/api/v1/{path}/?plan=menteng-malam")
        assert hidden.status_code == 400
