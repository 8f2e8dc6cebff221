"""Errors as RFC 9457 problem details: application/problem+json, asked for or not;
English for a program that names no language; one key for non-field errors;
unknown parameters, a scope that may not read, a date for an instant: 400/403."""

from django.utils import timezone

from api.models import Scope
from tests import factories
from tests.api.conftest import make_key

SHIFTS = "/api/v1/shifts/"


def _key_client(client, scope=Scope.READ):
    _, secret = make_key(scope)
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def test_an_error_is_problem_json_in_english_without_accept_language(client, night):
    _key_client(client)
    response = client.get(SHIFTS, {"night": "yesterday"})

    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert set(body) >= {"type", "title", "status", "detail", "errors"}
    assert body["title"] == "Invalid input."


def test_accept_language_still_chooses_the_language(client, night):
    _key_client(client)
    response = client.get(
        SHIFTS, {"night": "yesterday"}, headers={"Accept-Language": "id"}
    )
    assert response.json()["title"] != "Invalid input."


def test_accept_problem_json_is_not_a_406(client, night):
    _key_client(client)
    headers = {"Accept": "application/problem+json"}
    error = client.get(SHIFTS, {"night": "yesterday"}, headers=headers)
    assert error.status_code == 400
    assert error["Content-Type"] == "application/problem+json"
    assert client.get(SHIFTS, headers=headers).status_code == 200


def test_a_misspelt_filter_is_a_400_naming_it(client, night):
    _key_client(client)
    response = client.get(SHIFTS, {"precint": "gambir"})

    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["precint"]


def test_a_key_without_personnel_scope_is_refused_officers(client, night):
    _key_client(client)
    assert client.get("/api/v1/officers/").status_code == 403
    _key_client(client, Scope.READ_PERSONNEL)
    assert client.get("/api/v1/officers/").status_code == 200


def test_a_date_where_an_instant_is_needed_is_a_400(client, night):
    _key_client(client)
    today = timezone.localdate().isoformat()
    date = client.get("/api/v1/coverage/", {"zone": "bkb-kalianyar", "at": today})
    assert date.status_code == 400
    assert "time" in date.json()["errors"]["at"][0]
    instant = client.get(
        "/api/v1/coverage/", {"zone": "bkb-kalianyar", "at": f"{today}T01:30+07:00"}
    )
    assert instant.status_code == 200


def test_non_field_errors_have_one_key(client, night, noon, piket_tambora):
    """A service's NON_FIELD_ERRORS ("__all__") comes out as non_field_errors."""
    from schedules.models import Shift, ShiftStatus

    Shift.objects.filter(pk=night[0].pk).update(status=ShiftStatus.CANCELLED)
    client.force_login(piket_tambora)
    officer = factories.OfficerFactory(precinct=night[0].precinct)
    response = client.post(
        f"{SHIFTS}{night[0].pk}/assignments/",
        {"officer": officer.nrp},
        content_type="application/json",
        headers={"If-Match": '"1"'},
    )
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["non_field_errors"]
