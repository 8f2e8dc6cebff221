"""Officer identity in the API's morning reports follows the roster rule of shifts/.

A morning report is stored once, with every member precinct's people, for the
commanders. Read through the API, a slot shows its officers only to a client that
sees the holder's roster (api.access.Client.sees_roster_of): a key restricted to
a precinct or command sees its own precincts' people, and partner precincts'
slots come without names, like shifts/ with `officer` null.
"""

import pytest
import time_machine

from api.models import Scope
from patrols import services
from patrols.models import CheckInKind
from precincts.models import Role
from tests import factories
from tests.api.conftest import (  # noqa: F401 (autouse fixtures)
    _fast_passwords,
    _fresh_throttles,
    client_for,
    make_key,
)
from tests.patrols.conftest import NIGHT, wib

OWN = ["Andi Saputra", "Budi", "piket.tambora"]
TANJUNG_DUREN = ["Citra Kirana", "piket.tanjungduren"]
GAMBIR = ["Dewi Lestari", "piket.gambir"]


@pytest.fixture
def morning(plan, shifts, rostered, tanjungduren, gambir, piket_tambora, piket_gambir):
    """Slots 0–1 Tambora (Andi, Budi), 2 Tanjung Duren (Citra), 3 Gambir (Dewi),
    each at the post and reported by its own precinct; then the morning report."""
    rostered["citra"].name = "Citra Kirana"
    rostered["citra"].save()
    dewi = factories.OfficerFactory(precinct=gambir, name="Dewi Lestari")
    factories.AssignmentFactory(shift=shifts[3], officer=dewi)
    piket_td = factories.make_staff(
        "piket.tanjungduren", Role.DUTY_OFFICER, precinct=tanjungduren
    )
    held = [
        (shifts[0], rostered["andi"], piket_tambora),
        (shifts[2], rostered["citra"], piket_td),
        (shifts[3], dewi, piket_gambir),
    ]
    for shift, officer, piket in held:
        with time_machine.travel(shift.start, tick=False):
            services.check_in(
                shift=shift, officer=officer, kind=CheckInKind.ARRIVE, by=piket
            )
        with time_machine.travel(shift.end, tick=False):
            services.submit_report(shift=shift, by=piket, summary="Quiet.")
    return services.build_morning_report(plan=plan, night=NIGHT, at=wib(23, 5, 30))


def names_in(body: dict) -> set[str]:
    return {
        officer["name"]
        for slot in body["data"]["slots"]
        for officer in slot["officers"]
        if officer["name"]
    }


def read(client, morning):
    listed = client.get("/api/v1/morning-reports/")
    detail = client.get(f"/api/v1/morning-reports/{morning.pk}/")
    return listed, detail


def assert_absent(names, *responses):
    for response in responses:
        text = response.content.decode()
        # A page's header names its own reader; its content must name nobody.
        text = text.split("<main", 1)[-1]
        assert not [name for name in names if name in text], text


def test_an_unrestricted_personnel_key_sees_every_members_officers(morning):
    _key, secret = make_key(Scope.READ_PERSONNEL)

    listed, detail = read(client_for(secret=secret), morning)

    assert listed.json()["count"] == 1
    body = detail.json()
    assert names_in(body) == {"Andi Saputra", "Budi", "Citra Kirana", "Dewi Lestari"}
    assert all(slot["personnel_visible"] for slot in body["data"]["slots"])


@pytest.mark.parametrize("scope", [Scope.READ_PERSONNEL, Scope.WRITE])
def test_a_precinct_key_sees_only_its_own_precincts_officers(morning, tambora, scope):
    _key, secret = make_key(scope, precinct=tambora)

    listed, detail = read(client_for(secret=secret), morning)

    assert detail.status_code == 200
    body = detail.json()
    assert names_in(body) == {"Andi Saputra", "Budi"}
    assert_absent(TANJUNG_DUREN + GAMBIR, listed, detail)
    slots = {slot["slot"]: slot for slot in body["data"]["slots"]}
    assert [slots[i]["personnel_visible"] for i in range(5)] == [
        True,
        True,
        False,
        False,
        False,
    ]
    assert slots[0]["report"]["author"] == "piket.tambora"


def test_a_partners_slot_keeps_its_punctuality_without_identity(morning, tambora):
    _key, secret = make_key(Scope.READ_PERSONNEL, precinct=tambora)

    body = client_for(secret=secret).get(f"/api/v1/morning-reports/{morning.pk}/")

    gambir_slot = body.json()["data"]["slots"][3]
    [officer] = gambir_slot["officers"]
    assert (officer["id"], officer["name"], officer["rank"]) == (None, None, None)
    assert officer["role"] == "member"
    assert officer["arrival"] == "on_time"
    assert gambir_slot["rostered"] == 1
    assert gambir_slot["report"]["author"] is None
    assert gambir_slot["report"]["status"] == "submitted"


def test_a_command_key_sees_the_officers_of_its_commands_precincts(morning, jakbar):
    _key, secret = make_key(Scope.READ_PERSONNEL, command=jakbar)

    listed, detail = read(client_for(secret=secret), morning)

    assert names_in(detail.json()) == {"Andi Saputra", "Budi", "Citra Kirana"}
    assert_absent(GAMBIR, listed, detail)


def test_a_read_key_without_personnel_gets_no_morning_report(morning):
    _key, secret = make_key(Scope.READ)

    listed, detail = read(client_for(secret=secret), morning)

    assert listed.json()["count"] == 0
    assert detail.status_code == 404
    assert_absent(OWN + TANJUNG_DUREN + GAMBIR, listed, detail)


@pytest.mark.parametrize("piket", ["piket_tambora", "piket_gambir"])
def test_a_duty_officer_gets_no_morning_report_in_the_api_or_on_the_page(
    request, morning, piket
):
    """Morning reports are the commanders' (patrols.access), on both sides."""
    client = client_for(request.getfixturevalue(piket))

    listed, detail = read(client, morning)
    page = client.get(f"/night/morning/{morning.pk}/")

    assert listed.json()["count"] == 0
    assert detail.status_code == 404
    assert page.status_code == 404
    assert_absent(OWN + TANJUNG_DUREN + GAMBIR, listed, detail, page)


def test_a_precinct_commander_sees_every_members_officers(morning, kapolsek_tambora):
    """Commanders see the rosters of every joint plan of their precincts."""
    detail = client_for(kapolsek_tambora).get(f"/api/v1/morning-reports/{morning.pk}/")

    body = detail.json()
    assert names_in(body) == {"Andi Saputra", "Budi", "Citra Kirana", "Dewi Lestari"}
    assert body["data"]["slots"][3]["report"]["author"] == "piket.gambir"


def test_the_stored_report_keeps_every_name(morning, tambora):
    """Only the API's reading is narrowed: the commanders' copy stays whole."""
    _key, secret = make_key(Scope.READ_PERSONNEL, precinct=tambora)
    client_for(secret=secret).get(f"/api/v1/morning-reports/{morning.pk}/")

    morning.refresh_from_db()
    assert morning.data["slots"][3]["officers"][0]["name"] == "Dewi Lestari"


def test_a_partners_incident_keeps_its_counts_without_its_free_text(
    plan, shifts, rostered, piket_tambora, piket_gambir, gambir, tambora
):
    """An incident's description may name people: it follows the roster rule."""
    dewi = factories.OfficerFactory(precinct=gambir, name="Dewi Lestari")
    factories.AssignmentFactory(shift=shifts[3], officer=dewi)
    for shift, piket, text in [
        (shifts[0], piket_tambora, "Tambora's own account"),
        (shifts[3], piket_gambir, "Gambir's account naming a witness"),
    ]:
        with time_machine.travel(shift.end, tick=False):
            services.submit_report(
                shift=shift,
                by=piket,
                summary="Brawl.",
                incidents=[
                    {
                        "category": "brawl",
                        "occurred_at": shift.start,
                        "people_involved": 4,
                        "description": text,
                    }
                ],
            )
    morning = services.build_morning_report(plan=plan, night=NIGHT, at=wib(23, 5, 30))
    _key, secret = make_key(Scope.READ_PERSONNEL, precinct=tambora)

    body = client_for(secret=secret).get(f"/api/v1/morning-reports/{morning.pk}/")

    incidents = {i["precinct"]: i for i in body.json()["data"]["incidents"]}
    assert incidents["tambora"]["description"] == "Tambora's own account"
    assert incidents["tambora"]["details_visible"] is True
    assert incidents["gambir"]["description"] is None
    assert incidents["gambir"]["details_visible"] is False
    assert incidents["gambir"]["people_involved"] == 4
    assert "witness" not in body.content.decode()
    everything = make_key(Scope.READ_PERSONNEL)[1]
    whole = client_for(secret=everything).get(f"/api/v1/morning-reports/{morning.pk}/")
    assert "Gambir's account naming a witness" in whole.content.decode()
