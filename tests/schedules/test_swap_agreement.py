"""A swap between two commands needs both: the receiving precinct's acceptance and
the asking precinct's commander's approval, in either order (issue 14)."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import Action, AuditEvent
from notices.models import Notification
from precincts.models import Role
from schedules.models import Blackout, RequestStatus, Shift
from schedules.selectors import impact as request_selectors
from schedules.services import decisions, generation, swaps
from tests import factories
from tests.api.conftest import client_for

pytestmark = pytest.mark.django_db

WIB = dt.timezone(dt.timedelta(hours=7))
NOON = dt.datetime(2024, 1, 22, 12, 0, tzinfo=WIB)
NIGHT = dt.date(2024, 1, 24)


@pytest.fixture
def clock():
    with time_machine.travel(NOON, tick=False):
        yield


@pytest.fixture
def shifts(plan, clock):
    generation.generate_shifts(plan=plan, start=dt.date(2024, 1, 22), nights=7)
    return {
        (s.precinct.code, s.slot): s
        for s in Shift.objects.filter(plan=plan, night=NIGHT).select_related("precinct")
    }


@pytest.fixture
def trade(shifts, gambir, tambora, piket_gambir):
    """Gambir trades its slot for one of Tambora's, which has four of its twelve
    officers rostered."""
    mine = next(s for (code, _), s in shifts.items() if code == "gambir")
    theirs = next(s for (code, _), s in shifts.items() if code == "tambora")
    team = factories.OfficerFactory.create_batch(12, precinct=tambora)
    for officer in team[:4]:
        factories.AssignmentFactory(shift=theirs, officer=officer)
    return swaps.request_swap(
        shift=mine, to_precinct=tambora, counter_shift=theirs, by=piket_gambir
    )


def test_the_gambir_trade_waits_for_tambora_and_lists_its_officers_first(
    trade, kapolsek_gambir, piket_tambora, tambora, gambir
):
    theirs = trade.counter_shift
    swaps.approve_swap(swap=trade, by=kapolsek_gambir, note="Setuju")
    theirs.refresh_from_db()
    assert theirs.precinct == tambora
    assert theirs.assignments.count() == 4

    impact = request_selectors.swap_impact(trade)
    assert {a.officer.precinct_id for a in impact.off_roster} == {tambora.pk}
    assert len(impact.off_roster) == 4
    assert {row["shift"] for row in impact.effect.moved} >= {
        trade.shift_id,
        theirs.pk,
    }
    theirs.refresh_from_db()
    assert theirs.precinct == tambora  # the dry run kept nothing

    done = swaps.accept_swap(swap=trade, by=piket_tambora, note="Siap")

    assert done.status == RequestStatus.APPROVED
    assert (done.approval_note, done.acceptance_note) == ("Setuju", "Siap")
    theirs.refresh_from_db()
    assert theirs.precinct == gambir
    assert not theirs.assignments.exists()
    moved = {row["shift"]: row for row in done.moved}
    assert moved[theirs.pk]["from"] == "Polsek Tambora"
    assert moved[theirs.pk]["to"] == "Polsek Gambir"


def test_acceptance_first_then_approval_carries_it_out(
    trade, kapolsek_gambir, kapolsek_tambora, gambir
):
    swaps.accept_swap(swap=trade, by=kapolsek_tambora)
    assert Shift.objects.get(pk=trade.counter_shift_id).precinct.code == "tambora"

    swaps.approve_swap(swap=trade, by=kapolsek_gambir)

    assert Shift.objects.get(pk=trade.counter_shift_id).precinct == gambir


def test_a_jakarta_barat_commander_cannot_decide_for_gambir_nor_the_reverse(
    trade, kapolres_jakbar, kapolsek_tambora, kapolres_jakpus, kapolsek_gambir
):
    for outsider in (kapolres_jakbar, kapolsek_tambora):
        with pytest.raises(PermissionDenied):
            swaps.approve_swap(swap=trade, by=outsider)
    for outsider in (kapolres_jakpus, kapolsek_gambir):
        with pytest.raises(PermissionDenied):
            swaps.accept_swap(swap=trade, by=outsider)
    trade.refresh_from_db()
    assert (trade.accepted_at, trade.approved_at) == (None, None)
    # Each may answer for its own side.
    swaps.accept_swap(swap=trade, by=kapolres_jakbar)
    swaps.approve_swap(swap=trade, by=kapolres_jakpus)
    trade.refresh_from_db()
    assert trade.status == RequestStatus.APPROVED


def test_a_second_acceptance_is_a_conflict(trade, piket_tambora, kapolsek_tambora):
    swaps.accept_swap(swap=trade, by=piket_tambora)

    with pytest.raises(decisions.AlreadyDecided):
        swaps.accept_swap(swap=trade, by=kapolsek_tambora)


def test_a_commanders_own_request_counts_as_the_asking_sides_approval(
    shifts, kapolsek_tambora, piket_gambir, tambora, gambir
):
    mine = next(s for (code, _), s in shifts.items() if code == "tambora")

    swap = swaps.request_swap(shift=mine, to_precinct=gambir, by=kapolsek_tambora)

    assert swap.approved_by == kapolsek_tambora
    assert Shift.objects.get(pk=mine.pk).precinct == tambora
    swaps.accept_swap(swap=swap, by=piket_gambir)
    assert Shift.objects.get(pk=mine.pk).precinct == gambir


def test_the_receiver_refuses_with_a_note_that_is_kept(trade, piket_tambora):
    refused = swaps.reject_swap(swap=trade, by=piket_tambora, note="Personel kurang")

    assert (refused.status, refused.decision_note) == ("rejected", "Personel kurang")
    assert refused.decided_by == piket_tambora


def test_the_receiver_sees_its_blackout_and_rest_conflicts(
    trade, shifts, tambora, plan
):
    given = trade.shift
    Blackout.objects.create(
        precinct=tambora,
        start=given.start,
        end=given.end,
        reason="Operasi",
        status=RequestStatus.APPROVED,
    )
    officer = factories.OfficerFactory(precinct=tambora)
    other_plan = factories.RotationPlanFactory(members=[tambora])
    factories.AssignmentFactory(
        officer=officer,
        shift=factories.ShiftFactory(
            plan=other_plan,
            precinct=tambora,
            night=NIGHT - dt.timedelta(days=1),
            start=given.start - dt.timedelta(hours=6),
        ),
    )

    impact = request_selectors.swap_impact(trade)

    assert len(impact.blackouts) == 1
    assert [o for o, _ in impact.rest] == [officer]


def test_approval_notifies_each_precinct_of_its_own_changes_not_the_actor(
    trade,
    kapolsek_gambir,
    piket_tambora,
    piket_gambir,
    django_capture_on_commit_callbacks,
):
    swaps.approve_swap(swap=trade, by=kapolsek_gambir)
    with django_capture_on_commit_callbacks(execute=True):
        swaps.accept_swap(swap=trade, by=piket_tambora, note="Siap")

    decided = Notification.objects.filter(kind="request_decided")
    recipients = {n.recipient for n in decided}
    assert piket_gambir in recipients
    assert kapolsek_gambir in recipients
    assert piket_tambora not in recipients  # never for one's own action
    body = decided.get(recipient=piket_gambir).body
    assert "Polsek Gambir" in body
    assert "Siap" in body


def test_a_pending_swap_reaches_everyone_who_can_decide_it(
    shifts,
    piket_gambir,
    piket_tambora,
    kapolsek_tambora,
    kapolsek_gambir,
    tambora,
    django_capture_on_commit_callbacks,
):
    mine = next(s for (code, _), s in shifts.items() if code == "gambir")
    with django_capture_on_commit_callbacks(execute=True):
        swap = swaps.request_swap(shift=mine, to_precinct=tambora, by=piket_gambir)

    told = {n.recipient for n in Notification.objects.filter(kind="request_pending")}
    assert told == {piket_tambora, kapolsek_tambora, kapolsek_gambir}
    assert request_selectors.pending_count(piket_tambora) == 1
    assert request_selectors.pending_count(piket_gambir) == 0
    assert swap in request_selectors.pending_for(kapolsek_gambir)["swaps"]


# --- the API ------------------------------------------------------------------


def test_the_api_accepts_previews_and_answers_409_to_a_second_acceptance(
    trade, piket_tambora, kapolsek_tambora
):
    preview = client_for(piket_tambora).get(f"/api/v1/swaps/{trade.pk}/preview/")
    assert preview.status_code == 200
    shifts_moved = {row["shift"] for row in preview.json()["moved"]}
    assert trade.counter_shift_id in shifts_moved
    assert {"night", "slot", "from", "to", "why"} <= set(preview.json()["moved"][0])

    first = client_for(piket_tambora).post(
        f"/api/v1/swaps/{trade.pk}/accept/", {"note": "Siap"}, format="json"
    )
    second = client_for(kapolsek_tambora).post(f"/api/v1/swaps/{trade.pk}/accept/")

    assert first.status_code == 200
    assert first.json()["acceptance_note"] == "Siap"
    assert second.status_code == 409


def test_pending_decisions_for_the_api_client(trade, piket_tambora, kapolsek_gambir):
    waiting = client_for(piket_tambora).get("/api/v1/decisions/pending/").json()
    assert waiting == {"swaps": [trade.pk], "blackouts": [], "count": 1}
    assert (
        client_for(kapolsek_gambir).get("/api/v1/decisions/pending/").json()["count"]
        == 1
    )


def test_a_refusal_by_another_command_through_the_api_is_403(trade, kapolres_jakpus):
    response = client_for(kapolres_jakpus).post(f"/api/v1/swaps/{trade.pk}/accept/")

    assert response.status_code == 403


def test_an_override_is_audited(plan, tambora, gambir, clock, kapolsek_tambora):
    """With four officers Tambora can staff one slot a night; a swap that gives it
    a second is refused without a reason and audited with one."""
    factories.OfficerFactory.create_batch(4, precinct=tambora)
    generation.generate_shifts(plan=plan, start=dt.date(2024, 1, 22), nights=7)
    kapolsek_gambir = factories.make_staff("kg", Role.COMMANDER, precinct=gambir)
    night = next(
        n
        for n in (dt.date(2024, 1, 23) + dt.timedelta(days=k) for k in range(5))
        if Shift.objects.filter(plan=plan, night=n, precinct=tambora).exists()
        and Shift.objects.filter(plan=plan, night=n, precinct=gambir).exists()
    )
    theirs = Shift.objects.filter(plan=plan, night=night, precinct=gambir).first()
    # Tambora's own slot that night is locked: the regeneration cannot move it.
    Shift.objects.filter(plan=plan, night=night, precinct=tambora).update(locked=True)
    swap = swaps.request_swap(shift=theirs, to_precinct=tambora, by=kapolsek_gambir)

    with pytest.raises(ValidationError) as error:
        swaps.accept_swap(swap=swap, by=kapolsek_tambora)
    assert "override" in error.value.message_dict
    swap.refresh_from_db()
    assert swap.accepted_at is None  # refused as a whole

    done = swaps.accept_swap(
        swap=swap, by=kapolsek_tambora, override="Bantuan dari Polres"
    )

    assert done.override_note == "Bantuan dari Polres"
    event = AuditEvent.objects.get(action=Action.OVERRIDE)
    assert event.after["override"] == "Bantuan dari Polres"
    assert event.after["breaks"]


def test_the_navigation_badge_counts_what_waits_on_the_reader(
    client, trade, piket_tambora, piket_gambir
):
    client.force_login(piket_tambora)
    assert client.get("/notices/unread/").json()["pending"] == 1
    client.force_login(piket_gambir)
    assert client.get("/notices/unread/").json()["pending"] == 0


def test_a_precincts_write_key_asks_for_a_blackout_that_waits_for_a_commander(
    plan, clock, tambora, gambir, kapolsek_tambora
):
    from tests.api.conftest import make_key

    _key, secret = make_key("write", precinct=tambora)
    client = client_for(secret=secret)
    body = {
        "start": "2024-01-25T00:00:00+07:00",
        "end": "2024-01-26T00:00:00+07:00",
        "reason": "Cuti",
    }

    mine = client.post(
        "/api/v1/blackouts/", {**body, "precinct": "tambora"}, format="json"
    )
    theirs = client.post(
        "/api/v1/blackouts/", {**body, "precinct": "gambir"}, format="json"
    )

    assert mine.status_code == 201, mine.content
    assert mine.json()["status"] == "pending"
    assert theirs.status_code == 403
    pending = client_for(kapolsek_tambora).get("/api/v1/decisions/pending/").json()
    assert pending["blackouts"] == [mine.json()["id"]]
