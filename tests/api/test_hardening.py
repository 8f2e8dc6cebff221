"""Bad input and API key hardening (issue 7): failed key attempts counted per
address, keys of deactivated users, oversized bodies and page sizes."""

import datetime as dt
import io
import json

import pytest
from django.core.cache import caches
from django.test import override_settings
from django.utils import timezone

from api import parsers, services
from api.models import ApiKey, Scope
from audit.models import Action, AuditEvent, Outcome
from tests import factories
from tests.api.conftest import client_for, make_key

URL = "/api/v1/plans/"


# --- failed API key attempts ---------------------------------------------------------


def _bearer(client, header, **extra):
    return client.get(URL, HTTP_AUTHORIZATION=header, **extra)


@pytest.fixture
def limit(settings):
    settings.LOGIN_IP_FAILURE_LIMIT = 3
    return 3


@pytest.mark.parametrize(
    "kind", ["unknown", "malformed", "wrong_secret", "revoked", "expired"]
)
def test_each_kind_of_failed_key_is_audited_with_its_reason(plan, kind, read_key):
    key, secret = read_key
    header = {
        "unknown": "Bearer gil_nothere_abc",
        "malformed": "Bearer not-a-key",
        "wrong_secret": f"Bearer gil_{key.prefix}_wrong",
        "revoked": f"Bearer {secret}",
        "expired": f"Bearer {secret}",
    }[kind]
    if kind == "revoked":
        services.revoke_api_key(key=key)
    if kind == "expired":
        key.expires_at = timezone.now() - dt.timedelta(minutes=1)
        key.save()

    response = _bearer(client_for(), header, REMOTE_ADDR="203.0.113.7")

    assert response.status_code == 401
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.outcome == Outcome.FAILURE
    assert event.ip == "203.0.113.7"
    reason = {"wrong_secret": "unknown"}.get(kind, kind)
    assert event.after["reason"] == reason


def test_after_the_limit_an_address_gets_429_even_with_a_valid_key(
    plan, read_key, limit
):
    _key, secret = read_key
    client = client_for()
    attacker = {"REMOTE_ADDR": "203.0.113.7"}

    failures = [
        _bearer(client, "Bearer gil_nothere_abc", **attacker).status_code
        for _ in range(limit)
    ]
    refused = _bearer(client, f"Bearer {secret}", **attacker)
    elsewhere = _bearer(client, f"Bearer {secret}", REMOTE_ADDR="198.51.100.9")

    assert failures == [401] * limit
    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 30 * 60
    assert refused.json()["type"] == "throttled"
    assert elsewhere.status_code == 200
    assert AuditEvent.objects.filter(action=Action.LOGIN_FAILED).count() == limit + 1
    lock = AuditEvent.objects.get(action=Action.LOCKOUT)
    assert lock.ip == "203.0.113.7"
    assert lock.outcome == Outcome.DENIED
    refusal = AuditEvent.objects.filter(action=Action.LOGIN_FAILED).first()
    assert refusal.outcome == Outcome.DENIED
    assert refusal.after["reason"] == "blocked"


def test_failures_below_the_limit_let_a_valid_key_in(plan, read_key, limit):
    _key, secret = read_key
    client = client_for()
    for _ in range(limit - 1):
        _bearer(client, "Bearer gil_nothere_abc")

    assert _bearer(client, f"Bearer {secret}").status_code == 200
    assert not AuditEvent.objects.filter(action=Action.LOCKOUT).exists()


def test_the_block_ends_after_the_lock_time(plan, read_key, limit, settings):
    import time_machine

    _key, secret = read_key
    client = client_for()
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        for _ in range(limit):
            _bearer(client, "Bearer gil_nothere_abc")
        assert _bearer(client, f"Bearer {secret}").status_code == 429
        traveller.shift(settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1))
        assert _bearer(client, f"Bearer {secret}").status_code == 200


def test_a_session_from_a_blocked_address_is_not_refused(plan, piket_tambora, limit):
    """The block is on keys sent from the address; people log in through axes."""
    anonymous = client_for()
    for _ in range(limit):
        _bearer(anonymous, "Bearer gil_nothere_abc")

    assert client_for(piket_tambora).get(URL).status_code == 200


def test_a_cache_outage_lets_keys_through_uncounted(plan, read_key, limit):
    _key, secret = read_key
    client = client_for()
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    with override_settings(CACHES=unreachable):
        failures = [
            _bearer(client, "Bearer gil_nothere_abc").status_code
            for _ in range(limit + 1)
        ]
        valid = _bearer(client, f"Bearer {secret}").status_code
        caches["default"].close()

    assert failures == [401] * (limit + 1)
    assert valid == 200


# --- keys of deactivated users -------------------------------------------------------


def test_a_key_stops_when_the_user_who_created_it_is_deactivated(plan, admin_user):
    key, secret = make_key(Scope.READ)
    key.created_by = admin_user
    key.save()
    client = client_for(secret=secret)
    assert client.get(URL).status_code == 200

    admin_user.is_active = False
    admin_user.save()
    response = client.get(URL)

    assert response.status_code == 401
    assert "no longer active" in response.json()["detail"]
    event = AuditEvent.objects.get(action=Action.LOGIN_FAILED)
    assert event.after["reason"] == "owner_inactive"


def test_a_deactivated_creators_key_opens_no_calendar_feed(plan, admin_user):
    key = ApiKey(name="calendar", scope=Scope.READ)
    services.create_api_key(key=key, by=admin_user)
    _token, token = services.create_feed_token(api_key=key)
    url = f"/calendar/precincts/{plan.memberships.first().precinct.code}.ics"
    assert client_for().get(url, {"token": token}).status_code == 200

    admin_user.is_active = False
    admin_user.save()

    assert client_for().get(url, {"token": token}).status_code == 404


def test_usable_keys_leave_out_those_of_deactivated_users(db, admin_user):
    mine = ApiKey(name="mine", scope=Scope.READ)
    services.create_api_key(key=mine, by=admin_user)
    ownerless, _secret = make_key(Scope.READ, name="ownerless")
    admin_user.is_active = False
    admin_user.save()

    assert list(ApiKey.objects.usable()) == [ownerless]


# --- page sizes ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "maximum"), [("/api/v1/plans/", 200), ("/api/v1/shifts/", 1000)]
)
@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "", "MAX", "1e3"])
def test_a_bad_page_size_is_a_400_with_a_field_message(
    plan, read_key, url, maximum, value
):
    response = client_for(secret=read_key[1]).get(url, {"page_size": value})

    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert f"1 to {maximum}" in body["errors"]["page_size"][0]


@pytest.mark.parametrize(
    ("url", "maximum"), [("/api/v1/plans/", 200), ("/api/v1/shifts/", 1000)]
)
def test_a_page_size_over_the_maximum_is_refused_not_clamped(
    plan, read_key, url, maximum
):
    client = client_for(secret=read_key[1])

    assert client.get(url, {"page_size": maximum}).status_code == 200
    assert client.get(url, {"page_size": maximum + 1}).status_code == 400


def test_the_schema_states_the_page_size_bounds(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    for path, maximum in (("/api/v1/plans/", 200), ("/api/v1/shifts/", 1000)):
        parameters = schema["paths"][path]["get"]["parameters"]
        page_size = next(p for p in parameters if p["name"] == "page_size")
        assert page_size["schema"] == {
            "type": "integer",
            "minimum": 1,
            "maximum": maximum,
        }


# --- oversized bodies ----------------------------------------------------------------


def _big_json(size: int) -> str:
    return json.dumps({"name": "x" * size})


def test_an_api_body_over_the_limit_is_a_413_in_the_error_shape(
    plan, piket_tambora, settings
):
    client = client_for(piket_tambora)
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    response = client.post(
        "/api/v1/feed-tokens/", _big_json(limit), content_type="application/json"
    )

    assert response.status_code == 413
    body = response.json()
    assert body["type"] == "request_too_large"
    assert body["status"] == 413
    assert "1024 KiB" in body["detail"]


def test_a_body_without_a_length_is_read_no_further_than_the_limit(settings):
    """Content-Length may be missing or lie: the parser reads at most limit + 1."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    stream = io.BytesIO(_big_json(5000).encode())

    with pytest.raises(parsers.RequestTooLarge):
        parsers.LimitedJSONParser().parse(stream, parser_context={})
    assert stream.tell() == 1001


def test_an_api_body_at_the_limit_is_accepted(plan, piket_tambora, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    client = client_for(piket_tambora)

    response = client.post(
        "/api/v1/feed-tokens/",
        json.dumps({"name": "phone"}).ljust(2000),
        content_type="application/json",
    )

    assert response.status_code == 201


def test_the_schema_documents_413_on_writes(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "413" in schema["paths"]["/api/v1/feed-tokens/"]["post"]["responses"]


def test_a_page_form_over_the_limit_is_a_plain_error_not_a_500(
    plan, piket_tambora, settings
):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    client = client_for(piket_tambora)
    client.raise_request_exception = False

    response = client.post("/i18n/setlang/", {"language": "en", "next": "x" * 5000})

    assert response.status_code == 400
    assert b"Traceback" not in response.content


# --- input types as the schema states them (found by schemathesis) -------------------


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/feed-tokens/", {"name": 0}, "name"),
        ("/api/v1/feed-tokens/", {"name": ["a"]}, "name"),
        ("/api/v1/plans/bkb-malam/generate/", {"dry_run": "true"}, "dry_run"),
        ("/api/v1/plans/bkb-malam/generate/", {"nights": "5"}, "nights"),
        ("/api/v1/plans/bkb-malam/generate/", {"nights": True}, "nights"),
        (
            "/api/v1/checkins/",
            {"shift": 1, "kind": "arrive", "latitude": "1"},
            "latitude",
        ),
        ("/api/v1/reports/", {"shift": 1, "present": [12345678]}, "present.0"),
    ],
)
def test_a_value_of_the_wrong_json_type_is_a_400_not_coerced(
    plan, admin_user, url, body, field
):
    response = client_for(admin_user).post(url, body, format="json")

    assert response.status_code == 400
    assert field in response.json()["errors"]


def test_a_boolean_filter_takes_only_true_or_false(plan, personnel_key, tambora):
    factories.OfficerFactory(precinct=tambora, active=False)
    client = client_for(secret=personnel_key[1])

    assert client.get("/api/v1/officers/", {"active": "false"}).json()["count"] == 1
    assert client.get("/api/v1/officers/", {"active": "true"}).json()["count"] == 0
    for value in ("null", "abc", "1"):
        response = client.get("/api/v1/officers/", {"active": value})
        assert response.status_code == 400, value
        assert "active" in response.json()["errors"]


@pytest.mark.parametrize("night", ["20240122", "2024-W04-1", "2024-1-22"])
def test_a_night_only_in_the_documented_form(plan, read_key, night):
    response = client_for(secret=read_key[1]).get(f"/api/v1/nights/{night}/")

    assert response.status_code == 400
    assert "night" in response.json()["errors"]


def test_a_malformed_roster_write_is_a_400_whatever_if_match_says(
    plan, write_key_tambora, tambora
):
    """Found by schemathesis: the body is checked before the version it names."""
    shift = factories.ShiftFactory(plan=plan, precinct=tambora)
    client = client_for(secret=write_key_tambora[1])

    for body in ("{not json", json.dumps({"officer": 12345678})):
        response = client.generic(
            "POST",
            f"/api/v1/shifts/{shift.pk}/assignments/",
            body,
            content_type="application/json",
            HTTP_IF_MATCH="*",
        )
        assert response.status_code == 400, body
