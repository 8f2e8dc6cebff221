"""Read replicas: stale-tolerant reads go to a usable replica, writes and the rest to
the primary, and a client that just wrote reads its own writes."""

import pytest
from django.db import connections, transaction
from hypothesis import given
from hypothesis import strategies as st
from rest_framework.test import APIClient

from common import readwrites, replicas
from schedules.models import Shift
from tests import factories
from tests.api.conftest import make_key
from tests.region.conftest import ALIAS, add_replica, drop_replica, primary_moved_on

pytestmark = pytest.mark.postgres

SHIFTS = "/api/v1/shifts/"


def api_client(secret: str) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def served_by(response) -> str:
    assert response.status_code == 200, response.content[:300]
    return response.headers.get(readwrites.HEADER, "default")


def write_something(plan) -> None:
    """A committed change, so the primary's WAL moves on."""
    factories.ShiftFactory(plan=plan, precinct=plan.members.first())


def test_an_api_read_is_served_by_the_replica(replica, plan):
    _key, secret = make_key()
    assert served_by(api_client(secret).get(SHIFTS)) == ALIAS


def test_the_board_is_served_by_the_replica_and_the_roster_form_post_is_not(
    replica, plan, kapolres_jakbar, client
):
    client.force_login(kapolres_jakbar)
    assert served_by(client.get("/tonight/")) == ALIAS
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert readwrites.HEADER not in response.headers


def test_without_replicas_nothing_is_routed(transactional_db, plan):
    assert replicas.aliases() == []
    _key, secret = make_key()
    assert served_by(api_client(secret).get(SHIFTS)) == "default"


def test_a_page_that_is_not_stale_tolerant_reads_the_primary(
    replica, admin_user, client
):
    client.force_login(admin_user)
    response = client.get("/admin/")
    assert response.status_code == 200
    assert readwrites.HEADER not in response.headers


def test_an_api_client_that_just_wrote_reads_the_primary_until_the_replica_replays_it(
    replica, plan, monkeypatch
):
    # The replica's state is asked once and then kept (no second look by the clock).
    monkeypatch.setattr(replicas, "CHECK_SECONDS", 3600)
    _key, secret = make_key()
    client = api_client(secret)
    assert served_by(client.get(SHIFTS)) == ALIAS
    write_something(plan)
    assert client.post(SHIFTS, {}, format="json").status_code in {403, 405}
    # The replica was last seen before that write: the primary answers this client.
    assert served_by(client.get(SHIFTS)) == "default"
    # Another client, which wrote nothing, still reads the replica.
    _other, other_secret = make_key(name="other")
    assert served_by(api_client(other_secret).get(SHIFTS)) == ALIAS
    replicas.probe(ALIAS)  # the replica has now replayed the write
    assert served_by(client.get(SHIFTS)) == ALIAS


def test_a_browser_that_just_wrote_carries_its_position_in_a_cookie(
    replica, plan, kapolres_jakbar, client, monkeypatch
):
    monkeypatch.setattr(replicas, "CHECK_SECONDS", 3600)
    client.force_login(kapolres_jakbar)
    assert served_by(client.get("/tonight/")) == ALIAS
    write_something(plan)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    cookie = response.cookies[readwrites.COOKIE]
    assert replicas.lsn_to_int(cookie.value) > replicas.current(ALIAS).replay
    assert cookie["httponly"]
    assert served_by(client.get("/tonight/")) == "default"
    replicas.probe(ALIAS)
    assert served_by(client.get("/tonight/")) == ALIAS


def test_a_nonsense_position_cookie_is_ignored(replica, plan, kapolres_jakbar, client):
    client.force_login(kapolres_jakbar)
    client.cookies[readwrites.COOKIE] = "not-a-position"
    assert served_by(client.get("/tonight/")) == ALIAS


def test_several_replicas_take_the_reads_in_turn(replica, plan, settings):
    add_replica(settings, "replica2")
    try:
        _key, secret = make_key()
        client = api_client(secret)
        served = {served_by(client.get(SHIFTS)) for _ in range(4)}
        assert served == {ALIAS, "replica2"}
    finally:
        drop_replica("replica2")


def test_a_replica_lagging_past_the_limit_is_skipped(replica, plan, settings):
    settings.REPLICA_MAX_LAG_SECONDS = 30
    primary_moved_on(seconds_ago=120)
    _key, secret = make_key()
    assert served_by(api_client(secret).get(SHIFTS)) == "default"
    state = replicas.current(ALIAS)
    assert state.ok
    assert state.lag >= 120
    assert state.report()["status"] == "lagging"


def test_a_replica_that_is_down_is_skipped(replica, plan):
    connections[ALIAS].close()
    connections[ALIAS].settings_dict["PORT"] = 1  # nothing listens there
    _key, secret = make_key()
    assert served_by(api_client(secret).get(SHIFTS)) == "default"
    assert replicas.current(ALIAS).ok is False


def test_a_replica_that_fails_during_a_request_is_answered_again_by_the_primary(
    replica, plan, monkeypatch
):
    monkeypatch.setattr(replicas, "CHECK_SECONDS", 3600)
    assert replicas.current(ALIAS).ok  # seen up
    connections[ALIAS].close()
    connections[ALIAS].settings_dict["PORT"] = 1  # then gone
    _key, secret = make_key()
    response = api_client(secret).get(SHIFTS)
    assert served_by(response) == "default"
    assert len(response.json()["results"]) == Shift.objects.count()
    assert replicas.current(ALIAS).ok is False


def test_health_reports_each_replica_and_its_lag(replica, client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    report = body["replicas"][ALIAS]
    assert report["status"] == "ok"
    assert report["lag_seconds"] == 0
    assert replicas.lsn_to_int(report["replayed"]) > 0
    assert report["behind_bytes"] >= 0


def test_health_stays_ok_with_a_replica_down(replica, client):
    connections[ALIAS].close()
    connections[ALIAS].settings_dict["PORT"] = 1
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["replicas"][ALIAS]["status"] == "down"


def test_the_router_keeps_transactions_and_writes_on_the_primary(replica, plan):
    router = replicas.ReplicaRouter()
    token = replicas.read_from(ALIAS)
    try:
        assert router.db_for_read(Shift) == ALIAS
        assert router.db_for_write(Shift) == "default"
        with transaction.atomic():
            assert router.db_for_read(Shift) == "default"
        assert router.db_for_read(Shift, instance=plan) == "default"
    finally:
        replicas.stop_reading(token)
    assert router.db_for_read(Shift) == "default"
    assert router.allow_migrate(ALIAS, "schedules") is False
    assert router.allow_migrate("default", "schedules") is True


@given(st.integers(min_value=0, max_value=2**64 - 1))
def test_any_position_reads_back_as_itself(value):
    assert replicas.lsn_to_int(replicas.int_to_lsn(value)) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [("0/0", 0), ("16/B374D848", (0x16 << 32) + 0xB374D848), ("x/1", None), ("", None)],
)
def test_positions_read_as_numbers(text, value):
    assert replicas.lsn_to_int(text) == value
    if value is not None:
        assert replicas.int_to_lsn(value) == text


def test_a_stale_tolerant_read_puts_no_query_on_the_primary(
    replica, plan, kapolres_jakbar, client, monkeypatch
):
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr(replicas, "CHECK_SECONDS", 3600)
    _key, secret = make_key()
    api = api_client(secret)
    client.force_login(kapolres_jakbar)
    # First requests: the replica is asked how far it is (and the primary where it
    # stands), the key's and session's last use are written on the primary.
    assert served_by(api.get(SHIFTS)) == ALIAS
    assert served_by(client.get("/tonight/")) == ALIAS
    with CaptureQueriesContext(connections["default"]) as on_primary:
        assert served_by(api.get(SHIFTS)) == ALIAS
        assert served_by(client.get("/tonight/")) == ALIAS
    assert [q["sql"] for q in on_primary.captured_queries] == []
    # The same capture sees a page that is not stale-tolerant read the primary.
    with CaptureQueriesContext(connections["default"]) as on_primary:
        client.get("/notices/")
    assert on_primary.captured_queries
