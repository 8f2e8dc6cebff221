"""With MFA_REQUIRED, a session that gave only its password reaches nothing but its
code step: every API operation, with every kind of Authorization header that is
not a valid key, answers without a 2xx; every page and JSON endpoint outside the
API sends it to the code step. What counts is what authenticated the request.

The routes and their URLs are the route × role matrix's (tests/test_routes_matrix.py),
which fails on any route it does not list; the OpenAPI schema's operations are
checked against them, so a new operation cannot escape this test either.
"""

import re

import pytest
from django.test import Client
from django.urls import resolve

from security.middleware import MFA_OPEN_VIEWS
from tests.api.test_schema import generate
from tests.security.otp import code_of, enrol
from tests.test_routes_matrix import (
    MATRIX,
    NOON,
    answer,
    world,  # noqa: F401 (the fixture)
)

METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
# Everything a client may send in Authorization that is not a valid API key.
AUTHORIZATION = {
    "none": None,
    "empty": "",
    "basic": "Basic YWRtaW46Z2lsaXJhbi1kZW1vLTIwMjQ=",
    "bare word": "x",
    "bad bearer": "Bearer gil_notakey0000000000000000000000",
}
API_ROUTES = sorted(key for key in MATRIX if key.startswith(("api:", "api/")))
OTHER_ROUTES = sorted(
    key
    for key in MATRIX
    if key not in API_ROUTES
    and not key.startswith("feeds:")  # a feed token, never a session
    and key not in MFA_OPEN_VIEWS
)


@pytest.fixture
def _many_failures(settings):
    # The bad-bearer probes must not trip the per-address block on key failures
    # (a 429 would hide what the API makes of each one).
    settings.LOGIN_IP_FAILURE_LIMIT = 10**6


def password_only(request, who: str, enrolled: bool) -> Client:
    """A session of `who` that gave its password and no code."""
    user = request.getfixturevalue(who)
    if enrolled:
        enrol(user)
    client = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False)
    client.force_login(user)  # the login signal notes the code it owes
    return client


def with_authorization(client: Client, value: str | None) -> Client:
    client.defaults.pop("HTTP_AUTHORIZATION", None)
    if value is not None:
        client.defaults["HTTP_AUTHORIZATION"] = value
    return client


SESSIONS = [
    ("admin_user", False),  # must set up an authenticator first
    ("kapolres_jakbar", False),
    ("kapolsek_tambora", True),  # enrolled: owes a code
    ("piket_tambora", True),  # not required by role, but enrolled
]


# The two ways a session owes its second factor; the other sessions above take
# the same paths through the API's authentication.
@pytest.mark.usefixtures("mfa_required", "_many_failures")
@pytest.mark.parametrize(("who", "enrolled"), SESSIONS[::2])
def test_no_api_operation_answers_a_password_only_session(
    request, who, enrolled, time_machine
):
    time_machine.move_to(NOON, tick=False)
    urls = request.getfixturevalue("world")
    client = password_only(request, who, enrolled)
    answered = {}
    for key in API_ROUTES:
        url = MATRIX[key].url.format(**urls)
        for variant, header in AUTHORIZATION.items():
            with_authorization(client, header)
            for method in METHODS:
                status = answer(client, method, url, {})
                answered[key, variant, method] = status
    got_2xx = {k: s for k, s in answered.items() if 200 <= s < 300}
    errors = {k: s for k, s in answered.items() if s >= 500}
    assert not got_2xx, got_2xx
    assert not errors, errors
    # A refusal for the second factor, not merely a missing route.
    assert answered["api:officer-list", "bare word", "GET"] == 403
    assert answered["api:feed-token-list", "basic", "POST"] == 403
    assert answered["api:officer-list", "bad bearer", "GET"] == 401


def test_every_schema_operation_is_among_the_routes_driven_above():
    operations = {
        (method.upper(), path)
        for path, methods in generate()["paths"].items()
        for method in methods
    }
    assert operations
    for _method, path in operations:
        concrete = re.sub(r"\{(\w+)\}", lambda m: _sample(m.group(1)), path)
        match = resolve(concrete)
        assert match.view_name in API_ROUTES, path


def _sample(name: str) -> str:
    return {"night": "2024-01-22", "nrp": "80010001", "code": "tambora"}.get(name, "1")


@pytest.mark.usefixtures("mfa_required")
@pytest.mark.parametrize(("who", "enrolled"), SESSIONS)
def test_pages_and_json_outside_the_api_send_it_to_the_code_step(
    request, who, enrolled, time_machine
):
    time_machine.move_to(NOON, tick=False)
    urls = request.getfixturevalue("world")
    client = password_only(request, who, enrolled)
    step = "/account/two-factor/code/" if enrolled else "/account/two-factor/setup/"
    for key in OTHER_ROUTES:
        url = MATRIX[key].url.format(**urls)
        for header in (None, "x"):
            with_authorization(client, header)
            for method in ("GET", "POST"):
                status = answer(client, method, url, {})
                assert not 200 <= status < 300, (key, header, method, status)
                assert status < 500, (key, header, method, status)
    unread = with_authorization(client, "Basic eDp5").get("/notices/unread/")
    assert unread.status_code == 302
    assert unread["Location"].startswith(step)


@pytest.mark.usefixtures("mfa_required")
def test_once_the_code_is_given_the_session_reaches_the_api_again(
    kapolsek_tambora, time_machine
):
    time_machine.move_to(NOON, tick=False)
    device, _codes = enrol(kapolsek_tambora)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(kapolsek_tambora)
    time_machine.shift(30)
    client.post("/account/two-factor/code/", {"code": code_of(device)})
    for header in (None, "", "x", "Basic eDp5"):
        with_authorization(client, header)
        assert client.get("/api/v1/precincts/").status_code == 200, header
