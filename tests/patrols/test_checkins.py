import datetime as dt

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from patrols import services
from patrols.models import CheckIn, CheckInKind
from schedules.models import ShiftStatus
from tests import factories
from tests.patrols.conftest import wib

ARRIVE, LEAVE = CheckInKind.ARRIVE, CheckInKind.LEAVE


def _check_in(shift, officer, kind, by, **kwargs):
    return services.check_in(shift=shift, officer=officer, kind=kind, by=by, **kwargs)


def test_officer_checks_in_on_own_shift_within_the_grace_before_it(
    shifts, rostered, officer_tambora
):
    with time_machine.travel(wib(22, 23, 30), tick=False):
        checkin = _check_in(shifts[0], rostered["andi"], ARRIVE, officer_tambora)
    assert checkin.at == wib(22, 23, 30)
    assert not checkin.on_behalf
    assert checkin.recorded_by == officer_tambora


def test_check_in_earlier_than_the_grace_period_is_refused(
    shifts, rostered, officer_tambora
):
    with (
        time_machine.travel(wib(22, 23, 29), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        _check_in(shifts[0], rostered["andi"], ARRIVE, officer_tambora)
    assert "at" in error.value.message_dict
    assert not CheckIn.objects.exists()


def test_leaving_is_accepted_until_the_grace_after_the_shift_and_not_later(
    shifts, rostered, officer_tambora
):
    andi = rostered["andi"]
    with time_machine.travel(wib(23, 0, 5), tick=False):
        _check_in(shifts[0], andi, ARRIVE, officer_tambora)
    # Slot 0 ends 01:00 with a 30-minute grace; Andi is on slot 1 too, so use a
    # separate officer whose only shift is slot 0.
    solo = factories.OfficerFactory(precinct=shifts[0].precinct)
    factories.AssignmentFactory(shift=shifts[0], officer=solo)
    piket = factories.make_staff(
        "piket.solo", "duty_officer", precinct=shifts[0].precinct
    )
    with time_machine.travel(wib(23, 0, 10), tick=False):
        _check_in(shifts[0], solo, ARRIVE, piket)
    with (
        time_machine.travel(wib(23, 1, 31), tick=False),
        pytest.raises(ValidationError),
    ):
        _check_in(shifts[0], solo, LEAVE, piket)
    with time_machine.travel(wib(23, 1, 30), tick=False):
        assert _check_in(shifts[0], solo, LEAVE, piket).kind == LEAVE


def test_grace_period_is_set_per_plan(plan, shifts, rostered, officer_tambora):
    plan.checkin_grace_minutes = 10
    plan.save()
    with (
        time_machine.travel(wib(22, 23, 45), tick=False),
        pytest.raises(ValidationError),
    ):
        _check_in(shifts[0], rostered["andi"], ARRIVE, officer_tambora)
    with time_machine.travel(wib(22, 23, 50), tick=False):
        _check_in(shifts[0], rostered["andi"], ARRIVE, officer_tambora)


def test_officer_not_on_the_shift_cannot_check_in(shifts, rostered, officer_tambora):
    with (
        time_machine.travel(wib(23, 2, 0), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        _check_in(shifts[2], rostered["andi"], ARRIVE, officer_tambora)
    assert "officer" in error.value.message_dict


def test_an_officer_cannot_check_in_a_colleague(shifts, rostered, officer_tambora):
    with (
        time_machine.travel(wib(23, 0, 0), tick=False),
        pytest.raises(PermissionDenied),
    ):
        _check_in(shifts[0], rostered["budi"], ARRIVE, officer_tambora)


def test_duty_officer_records_a_check_in_on_behalf_at_an_earlier_time(
    shifts, rostered, piket_tambora
):
    with time_machine.travel(wib(23, 0, 20), tick=False):
        checkin = _check_in(
            shifts[0], rostered["budi"], ARRIVE, piket_tambora, at=wib(22, 23, 55)
        )
    assert checkin.on_behalf
    assert checkin.at == wib(22, 23, 55)
    assert checkin.recorded_by == piket_tambora


def test_duty_officer_of_another_precinct_cannot_record_check_ins(
    shifts, rostered, piket_gambir
):
    with (
        time_machine.travel(wib(23, 0, 0), tick=False),
        pytest.raises(PermissionDenied),
    ):
        _check_in(shifts[0], rostered["budi"], ARRIVE, piket_gambir)


def test_own_check_in_cannot_be_backdated(shifts, rostered, officer_tambora):
    with (
        time_machine.travel(wib(23, 0, 30), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        _check_in(
            shifts[0], rostered["andi"], ARRIVE, officer_tambora, at=wib(23, 0, 0)
        )
    assert "at" in error.value.message_dict


def test_check_in_cannot_be_in_the_future(shifts, rostered, piket_tambora):
    with (
        time_machine.travel(wib(23, 0, 0), tick=False),
        pytest.raises(ValidationError),
    ):
        _check_in(shifts[0], rostered["budi"], ARRIVE, piket_tambora, at=wib(23, 0, 5))


def test_arriving_twice_or_leaving_without_arriving_is_refused(
    shifts, rostered, officer_tambora
):
    andi = rostered["andi"]
    with (
        time_machine.travel(wib(23, 0, 0), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        _check_in(shifts[0], andi, LEAVE, officer_tambora)
    assert "kind" in error.value.message_dict
    with time_machine.travel(wib(23, 0, 1), tick=False):
        _check_in(shifts[0], andi, ARRIVE, officer_tambora)
    with (
        time_machine.travel(wib(23, 0, 2), tick=False),
        pytest.raises(ValidationError),
    ):
        _check_in(shifts[0], andi, ARRIVE, officer_tambora)
    assert CheckIn.objects.count() == 1


def test_presence_carries_over_consecutive_shifts_of_the_night(
    shifts, rostered, officer_tambora
):
    andi = rostered["andi"]
    with time_machine.travel(wib(22, 23, 55), tick=False):
        _check_in(shifts[0], andi, ARRIVE, officer_tambora)
    with time_machine.travel(wib(23, 2, 0), tick=False):
        leave = _check_in(shifts[1], andi, LEAVE, officer_tambora)
    assert leave.shift == shifts[1]


def test_location_is_optional_but_needs_both_halves_in_range(
    shifts, rostered, officer_tambora
):
    andi = rostered["andi"]
    with time_machine.travel(wib(23, 0, 0), tick=False):
        for bad, field in (
            ({"latitude": -6.15}, "longitude"),
            ({"latitude": -91, "longitude": 106.8}, "latitude"),
            ({"latitude": -6.15, "longitude": 181}, "longitude"),
            ({"accuracy_m": 12}, "accuracy_m"),
            ({"latitude": -6.15, "longitude": 106.8, "accuracy_m": -1}, "accuracy_m"),
        ):
            with pytest.raises(ValidationError) as error:
                _check_in(shifts[0], andi, ARRIVE, officer_tambora, **bad)
            assert field in error.value.message_dict
        checkin = _check_in(
            shifts[0],
            andi,
            ARRIVE,
            officer_tambora,
            latitude=-6.1512345678,
            longitude=106.8012,
            accuracy_m=14.6,
        )
    checkin.refresh_from_db()
    assert str(checkin.latitude) == "-6.151235"
    assert checkin.accuracy_m == 15


def test_a_cancelled_shift_takes_no_check_ins(shifts, rostered, officer_tambora):
    shifts[0].status = ShiftStatus.CANCELLED
    shifts[0].save()
    with (
        time_machine.travel(wib(23, 0, 0), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        _check_in(shifts[0], rostered["andi"], ARRIVE, officer_tambora)
    assert "shift" in error.value.message_dict


def test_unknown_kind_is_a_field_error(shifts, rostered, officer_tambora):
    with (
        time_machine.travel(wib(23, 0, 0), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        _check_in(shifts[0], rostered["andi"], "teleport", officer_tambora)
    assert "kind" in error.value.message_dict


def test_a_time_without_zone_or_not_a_time_is_a_field_error(
    shifts, rostered, piket_tambora
):
    with time_machine.travel(wib(23, 0, 30), tick=False):
        for bad in (dt.datetime(2024, 1, 23, 0, 10), "00:10"):  # noqa: DTZ001
            with pytest.raises(ValidationError) as error:
                _check_in(shifts[0], rostered["budi"], ARRIVE, piket_tambora, at=bad)
            assert "at" in error.value.message_dict
