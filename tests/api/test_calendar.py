"""Calendar feeds, read back with vobject (an iCalendar parser independent of the
icalendar library that writes them)."""

import datetime as dt

import pytest
import time_machine
import vobject

from api import services
from schedules.models import Shift, ShiftStatus
from schedules.services import generation as schedule_services
from schedules.services import requests
from tests import factories
from tests.api.conftest import NIGHT, client_for, make_key

# 21:00 WIB on the seed night: inside the default window of the feed.
EVENING = dt.datetime(2024, 1, 22, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def evening():
    with time_machine.travel(EVENING, tick=False):
        yield


@pytest.fixture
def feed(piket_tambora):
    _token, secret = services.create_feed_token(user=piket_tambora)
    return secret


def parse(response):
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/calendar")
    return vobject.readOne(response.content.decode())


def events(cal):
    return {e.uid.value: e for e in cal.contents.get("vevent", [])}


def test_a_precinct_feed_has_one_event_per_shift_in_jakarta_time(
    night, evening, feed, client
):
    response = client.get(f"/calendar/precincts/tambora.ics?token={feed}")
    cal = parse(response)

    found = events(cal)
    assert b"DTSTART;TZID=Asia/Jakarta:20240123T000000" in response.content
    assert set(found) == {
        f"shift-{night[0].pk}@giliran",
        f"shift-{night[3].pk}@giliran",
    }
    first = found[f"shift-{night[0].pk}@giliran"]
    assert first.dtstart.value == dt.datetime(
        2024, 1, 23, 0, 0, tzinfo=first.dtstart.value.tzinfo
    )
    assert first.dtstart.value.utcoffset() == dt.timedelta(hours=7)
    assert first.dtend.value - first.dtstart.value == dt.timedelta(hours=1)
    assert first.sequence.value == "0"
    assert first.status.value == "CONFIRMED"
    assert "Kalianyar" in first.location.value
    assert cal.vtimezone.tzid.value == "Asia/Jakarta"


def test_the_feeds_own_precinct_shows_its_officers_and_partners_do_not(
    night, evening, feed, client
):
    own = parse(client.get(f"/calendar/precincts/tambora.ics?token={feed}"))
    partner = parse(client.get(f"/calendar/precincts/gambir.ics?token={feed}"))

    officer = night[0].assignments.get().officer
    assert officer.nrp in events(own)[f"shift-{night[0].pk}@giliran"].description.value
    [gambir_event] = events(partner).values()
    gambir_officer = night[2].assignments.get().officer
    assert gambir_officer.nrp not in gambir_event.description.value


def test_uids_survive_a_change_and_sequence_follows_the_version(
    night, evening, feed, client, gambir
):
    url = f"/calendar/zones/bkb-kalianyar.ics?token={feed}"
    before = events(parse(client.get(url)))
    Shift.objects.filter(pk=night[0].pk).update(
        precinct=gambir, version=3, reason="swap"
    )
    Shift.objects.filter(pk=night[1].pk).update(status=ShiftStatus.CANCELLED, version=2)

    after = events(parse(client.get(url)))

    assert set(after) == set(before)
    moved = after[f"shift-{night[0].pk}@giliran"]
    assert moved.sequence.value == "2"
    assert "Gambir" in moved.summary.value
    assert after[f"shift-{night[1].pk}@giliran"].status.value == "CANCELLED"


def test_the_feed_window_is_bounded(plan, tambora, evening, feed, client):
    near = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT)
    far = factories.ShiftFactory(
        plan=plan, precinct=tambora, night=NIGHT + dt.timedelta(days=90)
    )
    old = factories.ShiftFactory(
        plan=plan, precinct=tambora, night=NIGHT - dt.timedelta(days=45)
    )

    found = events(parse(client.get(f"/calendar/precincts/tambora.ics?token={feed}")))

    assert f"shift-{near.pk}@giliran" in found
    assert f"shift-{far.pk}@giliran" not in found
    assert f"shift-{old.pk}@giliran" not in found


@pytest.mark.parametrize("query", ["", "?token=", "?past=3"])
def test_a_feed_without_a_token_is_401_in_the_api_error_shape(night, query):
    response = client_for().get(f"/calendar/precincts/tambora.ics{query}")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="calendar"'
    body = response.json()
    assert body["type"] == "not_authenticated"
    assert body["status"] == 401
    assert "?token=" in body["detail"]


def test_without_a_token_a_precinct_that_exists_and_one_that_does_not_look_alike(
    night,
):
    real = client_for().get("/calendar/precincts/tambora.ics")
    made_up = client_for().get("/calendar/zones/nowhere.ics")

    assert (real.status_code, real.json()) == (made_up.status_code, made_up.json())


def test_a_revoked_or_wrong_token_is_404_in_the_api_error_shape(
    night, evening, piket_tambora
):
    token, secret = services.create_feed_token(user=piket_tambora)
    services.revoke_feed_token(token=token)

    for query in (f"token={secret}", "token=guess", "token=" + "x" * 300):
        response = client_for().get(f"/calendar/precincts/tambora.ics?{query}")
        assert response.status_code == 404
        assert response.json()["type"] == "not_found"
        assert "not valid" in response.json()["detail"]


def test_a_wrong_token_and_a_hidden_precinct_give_the_same_answer(night, evening, feed):
    """A guesser learns neither whether a token was ever valid nor which codes
    exist: both are the same 404."""
    factories.PrecinctFactory(code="menteng")

    wrong_token = client_for().get("/calendar/precincts/tambora.ics?token=guess")
    hidden = client_for().get(f"/calendar/precincts/menteng.ics?token={feed}")
    missing = client_for().get(f"/calendar/zones/nowhere.ics?token={feed}")

    assert wrong_token.json() == hidden.json() == missing.json()
    assert {r.status_code for r in (wrong_token, hidden, missing)} == {404}


def test_a_deactivated_users_token_is_404(night, evening, piket_tambora, feed):
    piket_tambora.is_active = False
    piket_tambora.save()

    response = client_for().get(f"/calendar/precincts/tambora.ics?token={feed}")

    assert response.status_code == 404


def test_a_precinct_the_token_cannot_see_is_404(night, evening, feed, client):
    factories.PrecinctFactory(code="menteng")

    assert (
        client.get(f"/calendar/precincts/menteng.ics?token={feed}").status_code == 404
    )
    assert client.get(f"/calendar/zones/nowhere.ics?token={feed}").status_code == 404


def test_a_keys_feed_token_follows_the_keys_scope(night, evening, client):
    key, _secret = make_key("read")
    _token, secret = services.create_feed_token(api_key=key)

    cal = parse(client.get(f"/calendar/zones/bkb-kalianyar.ics?token={secret}"))

    assert len(events(cal)) == 5
    officer = night[0].assignments.get().officer
    assert all(officer.nrp not in e.description.value for e in events(cal).values())


def test_feed_tokens_are_made_and_revoked_through_the_api(
    night, evening, piket_tambora
):
    api = client_for(piket_tambora)

    created = api.post("/api/v1/feed-tokens/", {"name": "Ponsel piket"}, format="json")
    secret = created.json()["token"]
    listed = api.get("/api/v1/feed-tokens/").json()["results"]
    feed_url = f"/calendar/precincts/tambora.ics?token={secret}"
    ok = client_for().get(feed_url).status_code
    api.delete(f"/api/v1/feed-tokens/{created.json()['id']}/")

    assert created.status_code == 201
    assert [t["name"] for t in listed] == ["Ponsel piket"]
    assert "token" not in listed[0]
    assert ok == 200
    assert client_for().get(feed_url).status_code == 404


def test_uids_survive_a_real_regeneration_after_a_blackout(
    plan, tambora, piket_tambora, kapolsek_tambora, client
):
    with time_machine.travel(dt.datetime(2024, 1, 22, 5, 0, tzinfo=dt.UTC), tick=False):
        services_generate(plan)
        _token, secret = services.create_feed_token(user=kapolsek_tambora)
        url = f"/calendar/zones/bkb-kalianyar.ics?token={secret}"
        before = events(parse(client.get(url)))
        wib = dt.timezone(dt.timedelta(hours=7))
        requests.request_blackout(
            precinct=tambora,
            start=dt.datetime(2024, 1, 24, 0, 0, tzinfo=wib),
            end=dt.datetime(2024, 1, 24, 5, 0, tzinfo=wib),
            reason="Operasi",
            by=kapolsek_tambora,
        )
        schedule_services.regenerate_after_change(
            plan=plan, first=dt.date(2024, 1, 23), last=dt.date(2024, 1, 23)
        )
        after = events(parse(client.get(url)))

    assert set(after) == set(before)
    moved = [
        uid for uid in after if after[uid].summary.value != before[uid].summary.value
    ]
    assert moved
    assert all(int(after[uid].sequence.value) >= 1 for uid in moved)
    assert any("Tambora" in before[uid].summary.value for uid in moved)
    blacked_out = [
        e for e in after.values() if e.dtstart.value.date() == dt.date(2024, 1, 24)
    ]
    assert len(blacked_out) == 5
    assert not any("Tambora" in e.summary.value for e in blacked_out)


def services_generate(plan):
    schedule_services.generate_shifts(plan=plan, start=dt.date(2024, 1, 22), nights=3)
