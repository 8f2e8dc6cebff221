"""Generation stays within the plan's validity and GENERATION_HORIZON_DAYS after
tonight: a far-future night can neither be generated (a 400 that says how far it
may go) nor stop the horizon task from extending a plan, nor make every later
regeneration run up to it."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.test import Client

from schedules.models import Shift, ShiftStatus
from schedules.services import generation as services
from schedules.services import requests
from tests import factories
from tests.api.conftest import make_key

WIB = ZoneInfo("Asia/Jakarta")
# Monday 22 January 2024, 13:00 WIB: tonight is the night of the 22nd.
NOW = dt.datetime(2024, 1, 22, 13, 0, tzinfo=WIB)
TONIGHT = dt.date(2024, 1, 22)
LIMIT = TONIGHT + dt.timedelta(days=730)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def generate_over_api(plan, body: dict):
    _key, secret = make_key("write")
    client = Client(
        HTTP_AUTHORIZATION=f"Bearer {secret}",
        HTTP_ACCEPT_LANGUAGE="en",
        raise_request_exception=False,
    )
    return client.post(
        f"/api/v1/plans/{plan.code}/generate/", body, content_type="application/json"
    )


@pytest.mark.parametrize("start", ["2999-12-30", "9999-12-30", "2026-01-23"])
def test_a_start_far_ahead_is_a_400_that_says_how_far(plan, clock, start):
    response = generate_over_api(plan, {"start": start, "nights": 1})

    assert response.status_code == 400
    assert "start" in response.json()["errors"]
    assert not Shift.objects.exists()


def test_a_start_past_the_horizon_limit_names_the_last_start(plan, clock, settings):
    settings.REQUEST_DATE_RANGE_DAYS = 3650
    response = generate_over_api(plan, {"start": "2026-01-23", "nights": 1})

    assert response.json()["errors"]["start"] == [
        "Shifts are generated at most 730 nights ahead: start on 2026-01-21 at the "
        "latest."
    ]


def test_nights_that_would_pass_the_limit_are_refused(plan, clock):
    response = generate_over_api(plan, {"start": "2026-01-01", "nights": 30})

    assert response.status_code == 400
    assert "ask for 21 nights at most" in response.json()["errors"]["nights"][0]
    ok = generate_over_api(plan, {"start": "2026-01-01", "nights": 21})
    assert ok.status_code == 200


def test_the_default_horizon_stops_at_the_limit(plan, clock):
    result = services.generate_shifts(plan=plan, start=LIMIT - dt.timedelta(days=5))

    assert result.last == LIMIT
    assert Shift.objects.latest("night").night == LIMIT


def test_the_limit_follows_the_setting(plan, clock, settings):
    settings.GENERATION_HORIZON_DAYS = 60
    with pytest.raises(ValidationError) as refused:
        services.generate_shifts(plan=plan, start=TONIGHT, nights=90)
    assert "nights" in refused.value.message_dict


def test_the_horizon_task_extends_a_plan_that_someone_generated_far_ahead(plan, clock):
    """Tambora's write key generated nights 600 ahead: the partners' coming nights
    must still come, every day."""
    services.generate_shifts(plan=plan, start=TONIGHT, nights=28)
    far = TONIGHT + dt.timedelta(days=600)
    services.generate_shifts(plan=plan, start=far, nights=3)

    clock.shift(dt.timedelta(days=1))
    extended = services.extend_horizons()

    assert [result.plan for result in extended] == [plan]
    target = TONIGHT + dt.timedelta(days=28)
    assert Shift.objects.filter(plan=plan, night=target).count() == plan.slot_count


def test_the_horizon_task_clamps_a_plan_horizon_longer_than_the_limit(
    plan, clock, settings
):
    settings.GENERATION_HORIZON_DAYS = 10
    [result] = services.extend_horizons()
    assert result.last == TONIGHT + dt.timedelta(days=10)


def test_a_regeneration_after_an_approval_stops_at_the_limit(
    plan, clock, tambora, kapolsek_tambora, django_capture_on_commit_callbacks
):
    """A shift stored years ahead before generation was bounded does not make the
    approval regenerate every night up to it."""
    services.generate_shifts(plan=plan, start=TONIGHT, nights=7)
    factories.ShiftFactory(plan=plan, precinct=tambora, night=dt.date(2999, 12, 30))

    with django_capture_on_commit_callbacks(execute=True):
        requests.request_blackout(
            precinct=tambora,
            start=dt.datetime(2024, 1, 25, tzinfo=WIB),
            end=dt.datetime(2024, 1, 26, tzinfo=WIB),
            reason="Apel",
            by=kapolsek_tambora,
        )

    generated = Shift.objects.exclude(status=ShiftStatus.CANCELLED).filter(
        night__lt=dt.date(2999, 1, 1)
    )
    assert generated.latest("night").night == TONIGHT + dt.timedelta(days=6)
