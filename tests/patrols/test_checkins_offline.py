"""Check-ins made offline on the phone and sent when the signal returns: recorded
at the time they were made, once however often they are sent."""

import datetime as dt
import uuid

import pytest
import time_machine
from django.core.exceptions import ValidationError

from patrols import services
from patrols.models import CheckIn, CheckInKind
from tests.patrols.conftest import wib

ARRIVE, LEAVE = CheckInKind.ARRIVE, CheckInKind.LEAVE


def _check_in(shift, officer, kind, by, **kwargs):
    return services.check_in(shift=shift, officer=officer, kind=kind, by=by, **kwargs)


def test_an_offline_check_in_is_recorded_when_made_and_once(
    shifts, rostered, officer_tambora
):
    andi, key = rostered["andi"], uuid.uuid4()
    # Tapped at 00:05, sent at 00:45 when the signal came back, then sent again.
    with time_machine.travel(wib(23, 0, 45), tick=False):
        first = _check_in(
            shifts[0],
            andi,
            ARRIVE,
            officer_tambora,
            made_ago=dt.timedelta(minutes=40),
            client_key=key,
        )
        again = _check_in(
            shifts[0],
            andi,
            ARRIVE,
            officer_tambora,
            made_ago=dt.timedelta(minutes=40, seconds=3),
            client_key=key,
        )
    assert again.pk == first.pk
    assert CheckIn.objects.count() == 1
    assert first.at == wib(23, 0, 5)
    assert first.created_at == wib(23, 0, 45)
    assert first.client_key == key


def test_the_same_key_from_another_officer_is_another_check_in(
    shifts, rostered, officer_tambora, tambora
):
    from tests import factories

    key = uuid.uuid4()
    piket = factories.make_staff("piket.key", "duty_officer", precinct=tambora)
    with time_machine.travel(wib(23, 0, 10), tick=False):
        _check_in(shifts[0], rostered["andi"], ARRIVE, officer_tambora, client_key=key)
        _check_in(shifts[0], rostered["budi"], ARRIVE, piket, client_key=key)
    assert CheckIn.objects.count() == 2


@pytest.mark.parametrize(
    ("ago", "field"),
    [
        (dt.timedelta(seconds=-1), "at"),  # in the future
        (dt.timedelta(days=1, seconds=1), "at"),  # kept too long
        (dt.timedelta(hours=3), "at"),  # before the shift's check-in window
    ],
)
def test_an_offline_check_in_outside_its_bounds_is_refused(
    shifts, rostered, officer_tambora, ago, field
):
    with (
        time_machine.travel(wib(23, 0, 45), tick=False),
        pytest.raises(ValidationError) as error,
    ):
        _check_in(
            shifts[0],
            rostered["andi"],
            ARRIVE,
            officer_tambora,
            made_ago=ago,
            client_key=uuid.uuid4(),
        )
    assert field in error.value.message_dict
    assert not CheckIn.objects.exists()


def test_the_form_takes_the_offline_fields_and_refuses_bad_ones(
    client, shifts, rostered, officer_tambora
):
    client.force_login(officer_tambora)
    key = str(uuid.uuid4())
    data = {
        "shift": shifts[0].pk,
        "kind": ARRIVE,
        "made_ago_s": "600",
        "client_key": key,
    }
    with time_machine.travel(wib(23, 0, 30), tick=False):
        assert client.post("/night/checkin/", data).status_code == 302
        assert client.post("/night/checkin/", data).status_code == 302
        bad = client.post(
            "/night/checkin/", {**data, "client_key": "nope", "made_ago_s": "-5"}
        )
    assert bad.status_code == 400
    checkin = CheckIn.objects.get()
    assert checkin.at == wib(23, 0, 20)
