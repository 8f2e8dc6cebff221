"""The sync contract of shifts/: a total order of change positions, cursors with no
offset, and a watermark no later commit can fall behind (schedules.positions)."""

import threading
import time
from urllib.parse import urlencode

import pytest
import time_machine
from django.db import transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from api import positions as api_positions
from schedules import positions
from schedules.models import Assignment, Shift, ShiftDeparture
from schedules.services import generation
from tests import factories
from tests.api.conftest import NIGHT, NOON, client_for
from tests.schedules.test_admin_roster import with_new_officer

URL = "/api/v1/shifts/"
# A bound on waiting for the mirror to catch up: a change lost for good fails the
# test when it runs out (other sessions' transactions may hold the position back).
PATIENCE = 90


def pull(client, since: str | None, **query) -> tuple[list[dict], str | None, int]:
    """Every page after `since`: (rows, the last watermark, requests made)."""
    params = {**query, **({"since": since} if since else {})}
    url, rows, requests = f"{URL}?{urlencode(params)}", [], 0
    while url:
        response = client.get(url)
        requests += 1
        assert response.status_code == 200, response.content
        body = response.json()
        rows += body["results"]
        since = body["watermark"] or since
        url = body["next"]
    return rows, since, requests


def settle() -> None:
    """Wait until every committed change is below the safe position: until every
    transaction of the cluster that began before it has ended (other test
    databases' too)."""
    newest = max(Shift.objects.values_list("change_tx", flat=True), default=0)
    deadline = time.monotonic() + PATIENCE
    while positions.safe_position() <= newest:
        assert time.monotonic() < deadline, "the safe position never moved on"
        time.sleep(0.02)


def table() -> dict[int, tuple]:
    found = {}
    for shift in Shift.objects.prefetch_related("assignments__officer"):
        nrps = sorted(a.officer.nrp for a in shift.assignments.all())
        found[shift.pk] = (shift.version, shift.reason_note, shift.status, nrps)
    return found


def mirrored(row: dict) -> tuple:
    nrps = sorted(a["officer"]["nrp"] for a in row["assignments"])
    return (row["version"], row["reason_note"], row["status"], nrps)


def test_ties_past_a_thousand_page_through_without_a_loop_or_a_gap(plan, admin_user):
    """One generation stamps every shift with one write time and one position:
    the old cursor (updated_at plus an offset capped at 1,000) looped here."""
    generation.generate_shifts(plan=plan, start=NIGHT, nights=250)
    count = Shift.objects.count()
    assert count == 1250

    rows, watermark, requests = pull(client_for(admin_user), None)

    ids = [row["id"] for row in rows]
    assert len(ids) == len(set(ids)) == count
    assert requests == 7  # 200 a page
    assert pull(client_for(admin_user), watermark)[0] == []


def test_a_garbled_or_forged_position_is_a_400(plan, admin_user):
    for bad in ["p1.x.1", "p2.1.1", "1.1", f"p1.{2**63}.1"]:
        response = client_for(admin_user).get(URL, {"since": bad})
        assert response.status_code == 400, bad
        assert "since" in response.json()["errors"]


def test_positions_read_back_as_written():
    assert api_positions.decode(api_positions.encode(12, 34)) == (12, 34)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_rows_changed_while_a_client_pages_are_neither_skipped_nor_lost(
    plan, admin_user
):
    generation.generate_shifts(plan=plan, start=NIGHT, nights=3)
    every = set(Shift.objects.values_list("pk", flat=True))
    client = client_for(admin_user)
    settle()

    first = client.get(URL, {"page_size": 4}).json()
    read = [row["id"] for row in first["results"]]
    unread = sorted(every - set(read))
    # A row already read and a row not yet read change (each commits on its own).
    for pk in (read[0], unread[0]):
        Shift.objects.filter(pk=pk).update(version=F("version") + 1)
    settle()
    rest, _, _ = pull(client, first["watermark"], page_size=4)

    seen = read + [row["id"] for row in rest]
    assert set(seen) == every
    assert seen.count(unread[0]) == 1
    assert seen[-2:] == [read[0], unread[0]]  # the changed rows come at the end
    assert {r["id"]: r["version"] for r in rest}[read[0]] == 2


def _long_writer(shift_id: int, officer_id, events: dict) -> None:
    """A run that stamps its write time first, works for a while, then writes (an
    officer on a shift, the shift's version bumped as the services do) and holds
    its transaction open."""
    stamp = timezone.now()
    events["stamped"].set()
    assert events["write"].wait(PATIENCE)
    with transaction.atomic():
        Assignment.objects.create(shift_id=shift_id, officer_id=officer_id)
        Shift.objects.filter(pk=shift_id).update(
            updated_at=stamp, version=F("version") + 1
        )
        events["written"].set()
        assert events["commit"].wait(PATIENCE)


def _quick_writer(ids: list[int], rounds: int):
    for n in range(rounds):
        Shift.objects.filter(pk=ids[n % len(ids)]).update(
            version=F("version") + 1,
            reason_note=f"edit {n}",
            updated_at=timezone.now(),
        )
        time.sleep(0.01)


class Mirror:
    """A client's copy of shifts/, kept by position or by updated_since."""

    def __init__(self, client, by_position: bool):
        self.client, self.by_position = client, by_position
        self.rows: dict[int, tuple] = {}
        self.mark: str | None = None

    def poll(self) -> None:
        if self.by_position:
            rows, self.mark, _ = pull(self.client, self.mark, page_size=7)
        else:
            query = {"updated_since": self.mark} if self.mark else {}
            rows = pull(self.client, None, page_size=7, **query)[0]
            self.mark = max([self.mark or "", *(r["updated_at"] for r in rows)])
        self.rows.update((row["id"], mirrored(row)) for row in rows)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_polling_mirror_equals_the_tables_after_concurrent_writers(
    plan, tambora, admin_user
):
    """While one writer's run works and then holds its transaction open, another
    commits many small changes and two mirrors keep polling: the one that keeps a
    watermark ends equal to the tables; the one that keeps the newest updated_at
    has moved past the long run's write time and misses its change for good."""
    generation.generate_shifts(plan=plan, start=NIGHT, nights=4)
    target = Shift.objects.filter(precinct=tambora).order_by("pk").first()
    officer = factories.OfficerFactory(precinct=tambora)
    others = list(Shift.objects.exclude(pk=target.pk).values_list("pk", flat=True))
    settle()
    mirrors = [Mirror(client_for(admin_user), by) for by in (True, False)]
    for mirror in mirrors:
        mirror.poll()

    events = {name: threading.Event() for name in ("stamped", "write", "written")}
    events["commit"] = threading.Event()
    long = threading.Thread(
        target=_run_closing, args=(_long_writer, target.pk, officer.pk, events)
    )
    long.start()
    assert events["stamped"].wait(PATIENCE)
    quick = threading.Thread(target=_run_closing, args=(_quick_writer, others, 40))
    quick.start()
    while quick.is_alive():
        for mirror in mirrors:
            mirror.poll()
    quick.join()
    settle()
    for mirror in mirrors:  # both have read every quick change
        mirror.poll()
    events["write"].set()
    assert events["written"].wait(PATIENCE)
    for mirror in mirrors:  # the run's transaction is open: both read on
        mirror.poll()
    events["commit"].set()
    long.join(PATIENCE)

    by_position, by_time = mirrors
    deadline = time.monotonic() + PATIENCE
    while by_position.rows != table() and time.monotonic() < deadline:
        for mirror in mirrors:
            mirror.poll()
        time.sleep(0.05)
    assert by_position.rows == table()
    settle()
    by_time.poll()
    assert by_time.rows[target.pk] != table()[target.pk]


def _run_closing(call, *args):
    from django.db import connection

    try:
        return call(*args)
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_admin_roster_edit_bumps_the_version_and_gets_a_position(
    client, plan, tambora, admin_user
):
    shift = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=2)
    api = client_for(admin_user)
    settle()
    _, watermark, _ = pull(api, None)
    budi = factories.OfficerFactory(precinct=tambora, name="Budi")
    client.force_login(admin_user)
    url = reverse("admin:schedules_shift_change", args=[shift.pk])
    with time_machine.travel(NOON, tick=False):
        response = client.post(url, with_new_officer(client, shift, budi))
    assert response.status_code == 302
    settle()

    rows, _, _ = pull(api, watermark)

    assert [(r["id"], r["version"]) for r in rows] == [(shift.pk, 2)]
    assert rows[0]["assignments"][0]["officer"]["nrp"] == budi.nrp


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_write_below_the_safe_position_is_impossible(plan, tambora):
    """Whatever commits next is stamped at or above the position read now."""
    shift = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=0)
    safe = positions.safe_position()
    Shift.objects.filter(pk=shift.pk).update(reason_note="later")
    shift.refresh_from_db()
    assert shift.change_tx >= safe


@pytest.mark.django_db
def test_a_shift_leaving_its_holder_leaves_a_departure(plan, tambora, gambir):
    shift = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=0)
    Shift.objects.filter(pk=shift.pk).update(precinct=gambir)
    Shift.objects.filter(pk=shift.pk).delete()

    departures = ShiftDeparture.objects.filter(shift_id=shift.pk)
    assert [d.precinct_id for d in departures] == [tambora.pk, gambir.pk]
    assert all(d.start == shift.start for d in departures)


@pytest.mark.django_db
def test_a_precinct_mirror_learns_that_a_shift_left_it(
    plan, tambora, gambir, admin_user
):
    """shifts/?precinct=tambora stops showing a shift handed to Gambir; the
    departures list says it went, with the times it had."""
    shift = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=0)
    client = client_for(admin_user)
    _, watermark, _ = pull(client, None, precinct="tambora")
    _, departed, _ = pull_departures(client, None, precinct="tambora")

    Shift.objects.filter(pk=shift.pk).update(precinct=gambir)

    assert pull(client, watermark, precinct="tambora")[0] == []
    [left] = pull_departures(client, departed, precinct="tambora")[0]
    assert (left["shift"], left["precinct"], left["plan"]) == (
        shift.pk,
        "tambora",
        "bkb-malam",
    )
    assert left["start"] == shift.start.isoformat()
    assert pull_departures(client, None, precinct="gambir")[0] == []


@pytest.mark.django_db
def test_departures_are_only_of_plans_the_client_sees(plan, tambora, gambir):
    from api.models import Scope
    from tests.api.conftest import make_key

    other = factories.RotationPlanFactory(code="elsewhere", members=[gambir])
    for each, precinct in ((plan, tambora), (other, gambir)):
        shift = factories.ShiftFactory(plan=each, precinct=precinct, night=NIGHT)
        Shift.objects.filter(pk=shift.pk).delete()
    _, secret = make_key(Scope.READ, precinct=tambora)

    rows = pull_departures(client_for(secret=secret), None)[0]

    assert [row["plan"] for row in rows] == ["bkb-malam"]
    unknown = client_for(secret=secret).get(f"{URL}departures/?precinct=nowhere")
    assert unknown.status_code == 400


def pull_departures(client, since, **query):
    global URL
    saved, URL = URL, f"{URL}departures/"
    try:
        return pull(client, since, **query)
    finally:
        URL = saved
