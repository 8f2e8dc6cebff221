"""Inputs at the edges of the calendar or of what PostgreSQL stores are a 400 that
says what is wrong, never a 500: overflowing offsets, NUL characters, the nights
of year 9999, fairness from year 1, JSON nested 1,000 deep, blackouts in year 1 or
9999; dates a request names lie within REQUEST_DATE_RANGE_DAYS of today."""

import datetime as dt
import json

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from schedules.models import Blackout, RequestStatus
from schedules.services import requests
from tests.api.conftest import make_key

WIB = dt.timezone(dt.timedelta(hours=7))


def api(user=None, secret=None) -> Client:
    """A client that shows a server error as its status instead of raising it."""
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    if user is not None:
        client.force_login(user)
    if secret is not None:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def field_errors(response) -> dict:
    assert response.status_code == 400, (response.status_code, response.content)
    body = response.json()
    assert body["type"] == "validation_error"
    return body["errors"]


OVERFLOWING = ["0001-01-01T00:00:00+23:59", "9999-12-31T23:59:59-23:59"]


@pytest.mark.parametrize("value", OVERFLOWING)
@pytest.mark.parametrize("name", ["start_after", "start_before", "updated_since"])
def test_instants_whose_offset_overflows_are_a_400(
    night, noon, piket_tambora, name, value
):
    """Both paths of shifts/: a key that sees every shift (compiled statements)
    and a duty officer's session (the ORM)."""
    _key, secret = make_key()
    for client in (api(secret=secret), api(piket_tambora)):
        errors = field_errors(client.get("/api/v1/shifts/", {name: value}))
        assert "Give a date between" in errors[name][0]


@pytest.mark.parametrize(
    "name", ["night", "night_after", "night_before", "start_after", "updated_since"]
)
def test_a_filter_date_years_away_is_refused_with_the_range(night, noon, name):
    _key, secret = make_key()
    value = "2031-01-22" if name.startswith("night") else "2031-01-22T00:00:00Z"
    errors = field_errors(api(secret=secret).get("/api/v1/shifts/", {name: value}))
    assert errors[name] == ["Give a date between 2022-01-22 and 2026-01-21."]
    inside = "2024-03-01" if name.startswith("night") else "2024-03-01T00:00:00Z"
    assert api(secret=secret).get("/api/v1/shifts/", {name: inside}).status_code == 200


def test_the_night_filters_of_reports_and_morning_reports_are_bounded(noon, read_key):
    _key, secret = make_key("read+personnel")
    for path in ("/api/v1/reports/", "/api/v1/morning-reports/"):
        response = api(secret=secret).get(path, {"night_after": "0001-01-01"})
        assert "night_after" in field_errors(response)


@pytest.mark.parametrize("night_", ["9999-12-31", "0001-01-01", "2031-01-22"])
def test_a_night_far_away_is_a_400_naming_the_night(plan, noon, night_):
    _key, secret = make_key()
    errors = field_errors(api(secret=secret).get(f"/api/v1/nights/{night_}/"))
    assert "night" in errors


@pytest.mark.parametrize(
    "query", [{"end": "0001-01-01"}, {"start": "9999-12-31"}, {"end": "9999-12-31"}]
)
def test_fairness_far_away_is_a_400(plan, noon, query):
    _key, secret = make_key()
    url = f"/api/v1/plans/{plan.code}/fairness/"
    assert set(field_errors(api(secret=secret).get(url, query))) <= {"start", "end"}


def test_coverage_at_an_overflowing_instant_is_a_400(plan, noon):
    _key, secret = make_key()
    response = api(secret=secret).get(
        "/api/v1/coverage/", {"zone": plan.zone.code, "at": OVERFLOWING[0]}
    )
    assert "at" in field_errors(response)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/precincts/%00/",
        "/api/v1/commands/%00/",
        "/api/v1/zones/%00/",
        "/api/v1/plans/%00/",
        "/api/v1/plans/%00/fairness/",
        "/api/v1/shifts/?zone=%00",
        "/api/v1/officers/?precinct=ab%00",
    ],
)
def test_a_nul_character_in_a_code_is_a_400(plan, path):
    _key, secret = make_key("read+personnel")
    response = api(secret=secret).get(path)
    assert response.status_code == 400
    assert response.json()["type"] == "validation_error"


@pytest.mark.parametrize(
    "path",
    [
        "/admin/audit/auditevent/?action=%00",
        "/admin/audit/auditevent/?q=%00",
        "/admin/autocomplete/?app_label=precincts&model_name=officer"
        "&field_name=precinct&term=%00",
        "/admin/precincts/precinct/%00/change/",
        "/roster/?q=%00",
    ],
)
def test_a_nul_character_in_an_admin_filter_or_page_is_a_400(admin_user, path):
    response = api(admin_user).get(path)
    assert response.status_code == 400


def test_json_nested_a_thousand_deep_is_a_400(plan, piket_tambora):
    body = "[" * 1000 + "]" * 1000
    for path in ("/api/v1/feed-tokens/", "/api/v1/blackouts/"):
        response = api(piket_tambora).post(path, body, content_type="application/json")
        assert response.status_code == 400
        assert "nested too deeply" in response.json()["detail"]


def test_json_nested_past_the_limit_is_refused_though_python_could_read_it(
    piket_tambora, db
):
    body = json.dumps({"name": json.loads("[" * 40 + "]" * 40)})
    response = api(piket_tambora).post(
        "/api/v1/feed-tokens/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert "nested too deeply" in response.json()["detail"]


@pytest.mark.parametrize("year", [1, 9999])
def test_a_blackout_in_year_1_or_9999_is_refused_through_the_api(
    plan, noon, kapolsek_tambora, year
):
    start = dt.datetime(year, 1, 2, tzinfo=dt.UTC).isoformat()
    end = dt.datetime(year, 1, 3, tzinfo=dt.UTC).isoformat()
    response = api(kapolsek_tambora).post(
        "/api/v1/blackouts/",
        {"precinct": "tambora", "start": start, "end": end, "reason": "x"},
        content_type="application/json",
    )
    assert set(field_errors(response)) == {"start", "end"}
    assert not Blackout.objects.exists()


@pytest.mark.parametrize("year", [1, 9999])
def test_a_blackout_in_year_1_or_9999_is_a_form_error_on_the_page(
    plan, noon, kapolsek_tambora, tambora, year
):
    client = api(kapolsek_tambora)
    response = client.post(
        "/requests/blackout/",
        {
            "precinct": tambora.pk,
            "start": f"{year:04d}-01-02T00:00",
            "end": f"{year:04d}-01-03T00:00",
            "reason": "HUT",
        },
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "Give a date between" in response.content.decode()
    assert not Blackout.objects.exists()


def test_the_service_refuses_a_blackout_years_away(
    plan, noon, kapolsek_tambora, tambora
):
    with pytest.raises(ValidationError) as refused:
        requests.request_blackout(
            precinct=tambora,
            start=dt.datetime(9999, 12, 30, tzinfo=dt.UTC),
            end=dt.datetime(9999, 12, 31, tzinfo=dt.UTC),
            reason="x",
            by=kapolsek_tambora,
        )
    assert set(refused.value.message_dict) == {"start", "end"}


@pytest.mark.parametrize("year", [1, 9999])
def test_approving_a_stored_blackout_of_year_1_or_9999_is_a_400(
    plan, noon, kapolsek_tambora, tambora, year
):
    """Rows asked before dates were bounded: refused with a message, not a 500."""
    blackout = Blackout.objects.create(
        precinct=tambora,
        start=dt.datetime(year, 1, 1, 12, tzinfo=dt.UTC),
        end=dt.datetime(year, 1, 2, tzinfo=dt.UTC),
        reason="x",
    )
    response = api(kapolsek_tambora).post(
        f"/api/v1/blackouts/{blackout.pk}/approve/", content_type="application/json"
    )
    [messages] = field_errors(response).values()
    assert "Give a date between" in messages[0]
    blackout.refresh_from_db()
    assert blackout.status == RequestStatus.PENDING


def test_the_api_range_follows_the_setting(night, noon, settings):
    settings.REQUEST_DATE_RANGE_DAYS = 3650
    _key, secret = make_key()
    response = api(secret=secret).get("/api/v1/shifts/", {"night": "2031-01-22"})
    assert response.status_code == 200
