"""Blackout and swap services: who may ask, who decides, what an approval does."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from schedules.models import Reason, RequestStatus, Shift, SwapKind
from schedules.services import requests
from tests import factories

NOON = dt.datetime(2024, 1, 22, 5, 0, tzinfo=dt.UTC)
NIGHT = dt.date(2024, 1, 22)
WIB = dt.timezone(dt.timedelta(hours=7))


@pytest.fixture(autouse=True)
def _noon():
    with time_machine.travel(NOON, tick=False), translation.override("en"):
        yield


def make_shift(plan, precinct, *, night=NIGHT, slot=0, **kwargs):
    return factories.ShiftFactory(
        plan=plan, precinct=precinct, night=night, slot=slot, **kwargs
    )


def at(day, hour):
    return dt.datetime(2024, 1, day, hour, 0, tzinfo=WIB)


def test_a_duty_officers_blackout_waits_for_a_commander(tambora, piket_tambora):
    blackout = requests.request_blackout(
        precinct=tambora,
        start=at(25, 0),
        end=at(26, 0),
        reason="Operasi",
        by=piket_tambora,
    )

    assert blackout.status == RequestStatus.PENDING
    assert blackout.requested_by == piket_tambora


def test_a_commanders_own_blackout_is_approved_at_once(tambora, kapolsek_tambora):
    blackout = requests.request_blackout(
        precinct=tambora,
        start=at(25, 0),
        end=at(26, 0),
        reason="Operasi",
        by=kapolsek_tambora,
    )

    assert blackout.status == RequestStatus.APPROVED
    assert blackout.decided_by == kapolsek_tambora


def test_another_precincts_duty_officer_cannot_ask_for_a_blackout(
    tambora, piket_gambir
):
    with pytest.raises(PermissionDenied):
        requests.request_blackout(
            precinct=tambora,
            start=at(25, 0),
            end=at(26, 0),
            reason="x",
            by=piket_gambir,
        )


def test_a_blackout_that_ends_before_it_starts_is_a_field_error(tambora, piket_tambora):
    with pytest.raises(ValidationError) as error:
        requests.request_blackout(
            precinct=tambora,
            start=at(26, 0),
            end=at(25, 0),
            reason="",
            by=piket_tambora,
        )

    assert set(error.value.message_dict) == {"end", "reason"}


def test_a_naive_blackout_time_is_a_field_error(tambora, piket_tambora):
    with pytest.raises(ValidationError) as error:
        requests.request_blackout(
            precinct=tambora,
            start=dt.datetime(2024, 1, 25),  # noqa: DTZ001
            end=at(26, 0),
            reason="x",
            by=piket_tambora,
        )

    assert "start" in error.value.message_dict


def test_only_a_commander_of_the_precinct_decides_a_blackout(
    tambora, piket_tambora, kapolres_jakbar, piket_gambir, gambir
):
    gambir_boss = factories.make_staff("kapolsek.gambir", "commander", precinct=gambir)
    blackout = requests.request_blackout(
        precinct=tambora, start=at(25, 0), end=at(26, 0), reason="x", by=piket_tambora
    )
    for outsider in (piket_tambora, gambir_boss):
        with pytest.raises(PermissionDenied):
            requests.approve_blackout(blackout=blackout, by=outsider)

    approved = requests.approve_blackout(blackout=blackout, by=kapolres_jakbar)

    assert approved.status == RequestStatus.APPROVED
    with pytest.raises(ValidationError):
        requests.reject_blackout(blackout=blackout, by=kapolres_jakbar)


def test_rejecting_a_blackout_keeps_the_note(tambora, piket_tambora, admin_user):
    blackout = requests.request_blackout(
        precinct=tambora,
        start=at(25, 0),
        end=at(26, 0),
        reason="Operasi",
        by=piket_tambora,
    )

    rejected = requests.reject_blackout(blackout=blackout, by=admin_user, note="No")

    assert rejected.status == RequestStatus.REJECTED
    assert rejected.reason == "Operasi"
    assert rejected.decision_note == "No"


def test_a_hand_over_moves_the_shift_and_clears_the_old_roster(
    plan, tambora, gambir, piket_tambora, kapolsek_tambora, piket_gambir
):
    shift = make_shift(plan, tambora)
    factories.AssignmentFactory(shift=shift)
    swap = requests.request_swap(
        shift=shift, to_precinct=gambir, note="Apel pagi", by=piket_tambora
    )
    assert swap.kind == SwapKind.GIVE

    requests.approve_swap(swap=swap, by=kapolsek_tambora)
    assert Shift.objects.get(pk=shift.pk).precinct == tambora  # Gambir not asked yet
    requests.accept_swap(swap=swap, by=piket_gambir)

    shift.refresh_from_db()
    assert (shift.precinct, shift.reason, shift.substitute_for) == (
        gambir,
        Reason.SWAP,
        tambora,
    )
    assert shift.version == 2
    assert not shift.assignments.exists()
    swap.refresh_from_db()
    assert swap.status == RequestStatus.APPROVED


def test_a_trade_moves_both_shifts(plan, tambora, gambir, piket_tambora, admin_user):
    mine = make_shift(plan, tambora, slot=0)
    theirs = make_shift(plan, gambir, slot=3)
    swap = requests.request_swap(
        shift=mine, to_precinct=gambir, counter_shift=theirs, by=piket_tambora
    )

    requests.approve_swap(swap=swap, by=admin_user)
    requests.accept_swap(swap=swap, by=admin_user)

    assert Shift.objects.get(pk=mine.pk).precinct == gambir
    assert Shift.objects.get(pk=theirs.pk).precinct == tambora
    assert Shift.objects.get(pk=theirs.pk).version == 2


def test_a_swap_to_a_precinct_outside_the_plan_is_a_field_error(
    plan, tambora, piket_tambora
):
    stranger = factories.PrecinctFactory(code="menteng")

    with pytest.raises(ValidationError) as error:
        requests.request_swap(
            shift=make_shift(plan, tambora), to_precinct=stranger, by=piket_tambora
        )

    assert "not a member" in error.value.message_dict["to_precinct"][0]


def test_a_counter_shift_must_be_held_by_the_other_precinct(
    plan, tambora, gambir, tanjungduren, piket_tambora
):
    with pytest.raises(ValidationError) as error:
        requests.request_swap(
            shift=make_shift(plan, tambora),
            to_precinct=gambir,
            counter_shift=make_shift(plan, tanjungduren, slot=2),
            by=piket_tambora,
        )

    assert "counter_shift" in error.value.message_dict


def test_a_second_pending_swap_for_one_shift_is_a_field_error(
    plan, tambora, gambir, tanjungduren, piket_tambora
):
    shift = make_shift(plan, tambora)
    requests.request_swap(shift=shift, to_precinct=gambir, by=piket_tambora)

    with pytest.raises(ValidationError) as error:
        requests.request_swap(shift=shift, to_precinct=tanjungduren, by=piket_tambora)

    assert "already has a pending swap" in error.value.message_dict["shift"][0]


def test_only_the_holding_precinct_asks_for_a_swap(plan, tambora, gambir, piket_gambir):
    with pytest.raises(PermissionDenied):
        requests.request_swap(
            shift=make_shift(plan, tambora), to_precinct=gambir, by=piket_gambir
        )


def test_a_started_shift_cannot_be_swapped(plan, tambora, gambir, piket_tambora):
    shift = make_shift(plan, tambora)

    with (
        time_machine.travel(dt.datetime(2024, 1, 22, 17, 30, tzinfo=dt.UTC)),
        pytest.raises(ValidationError) as error,
    ):
        requests.request_swap(shift=shift, to_precinct=gambir, by=piket_tambora)

    assert "already started" in error.value.message_dict["shift"][0]


def test_approving_a_swap_whose_shift_moved_meanwhile_is_refused(
    plan, tambora, gambir, tanjungduren, piket_tambora, admin_user
):
    shift = make_shift(plan, tambora)
    swap = requests.request_swap(shift=shift, to_precinct=gambir, by=piket_tambora)
    requests.accept_swap(swap=swap, by=admin_user)
    Shift.objects.filter(pk=shift.pk).update(precinct=tanjungduren)

    with pytest.raises(ValidationError):
        requests.approve_swap(swap=swap, by=admin_user)

    swap.refresh_from_db()
    assert swap.status == RequestStatus.PENDING


def test_rejecting_and_withdrawing_close_a_swap(
    plan, tambora, gambir, piket_tambora, piket_gambir, kapolsek_tambora
):
    first = requests.request_swap(
        shift=make_shift(plan, tambora), to_precinct=gambir, by=piket_tambora
    )
    second = requests.request_swap(
        shift=make_shift(plan, tambora, slot=1), to_precinct=gambir, by=piket_tambora
    )

    with pytest.raises(PermissionDenied):
        requests.reject_swap(swap=first, by=piket_tambora)
    with pytest.raises(PermissionDenied):
        requests.withdraw_swap(swap=second, by=piket_gambir)
    rejected = requests.reject_swap(swap=first, by=kapolsek_tambora, note="Tidak")
    withdrawn = requests.withdraw_swap(swap=second, by=piket_tambora)

    assert (rejected.status, rejected.decision_note) == ("rejected", "Tidak")
    assert withdrawn.status == "withdrawn"
    with pytest.raises(ValidationError):
        requests.approve_swap(swap=withdrawn, by=kapolsek_tambora)


def test_a_blackout_given_with_any_offset_is_stored_as_the_same_instant(
    tambora, piket_tambora
):
    far = dt.timezone(dt.timedelta(hours=17, minutes=5))

    blackout = requests.request_blackout(
        precinct=tambora,
        start=dt.datetime(2024, 1, 25, 17, 5, tzinfo=far),
        end=dt.datetime(2024, 1, 26, 17, 5, tzinfo=far),
        reason="x",
        by=piket_tambora,
    )

    blackout.refresh_from_db()
    assert blackout.start == dt.datetime(2024, 1, 25, 0, 0, tzinfo=dt.UTC)
