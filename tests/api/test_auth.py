"""API keys (Bearer, hashed, expiring, revocable), 401s, and per-key throttling."""

import datetime as dt

import pytest
from django.utils import timezone

from api import services
from api.models import ApiKey, digest
from tests import factories
from tests.api.conftest import client_for, make_key

URL = "/api/v1/plans/"


def test_a_key_is_stored_only_as_a_digest(read_key):
    key, secret = read_key

    assert secret.startswith(f"gil_{key.prefix}_")
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.key_hash == digest(secret)
    assert secret not in {stored.prefix, stored.key_hash, stored.name}


def test_a_valid_key_is_let_in_and_its_use_recorded(plan, read_key):
    key, secret = read_key

    response = client_for(secret=secret).get(URL)

    assert response.status_code == 200
    assert ApiKey.objects.get(pk=key.pk).last_used_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer gil_nothere_abc",
        "Bearer not-a-key",
        "Bearer",
        "Bearer a b",
        "Bearer gil__",
    ],
)
def test_a_wrong_key_is_401_in_the_error_shape(plan, read_key, header):
    response = client_for().get(URL, HTTP_AUTHORIZATION=header)

    assert response.status_code == 401
    assert response.json()["type"] == "not_authenticated"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_the_right_prefix_with_the_wrong_secret_is_401(plan, read_key):
    _key, secret = read_key

    response = client_for(secret=secret[:-3] + "xyz").get(URL)

    assert response.status_code == 401


def test_an_expired_key_is_401(plan):
    _key, secret = make_key(expires_at=timezone.now() - dt.timedelta(minutes=1))

    response = client_for(secret=secret).get(URL)

    assert response.status_code == 401
    assert "expired or was revoked" in response.json()["detail"]


def test_a_revoked_key_is_401_and_its_feed_tokens_stop(plan, read_key):
    key, secret = read_key
    token, _secret = services.create_feed_token(api_key=key)

    services.revoke_api_key(key=key)

    assert client_for(secret=secret).get(URL).status_code == 401
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_no_credentials_is_401(plan):
    response = client_for().get(URL)

    assert response.status_code == 401
    assert response.json()["detail"]


def test_a_key_past_its_rate_gets_429_with_retry_after(plan):
    _key, secret = make_key(rate_per_minute=3)
    client = client_for(secret=secret)

    statuses = [client.get(URL).status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = client.get(URL)
    assert response.json()["type"] == "throttled"
    assert 0 < int(response["Retry-After"]) <= 60


def test_each_key_has_its_own_budget(plan):
    _slow, slow_secret = make_key(rate_per_minute=1, name="slow")
    _other, other_secret = make_key(rate_per_minute=1, name="other")

    assert client_for(secret=slow_secret).get(URL).status_code == 200
    assert client_for(secret=slow_secret).get(URL).status_code == 429
    assert client_for(secret=other_secret).get(URL).status_code == 200


def test_people_share_the_user_rate_from_settings(plan, piket_tambora, settings):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {"user": "2/min", "anon": "100/min"},
    }
    client = client_for(piket_tambora)

    assert [client.get(URL).status_code for _ in range(3)] == [200, 200, 429]


def test_a_key_restricted_to_a_command_sees_that_commands_plans(plan, jakpus, db):
    elsewhere = factories.RotationPlanFactory(
        code="menteng-malam",
        members=[factories.PrecinctFactory(code="menteng", command=jakpus)],
    )
    _key, secret = make_key(command=plan.memberships.first().precinct.command)

    codes = [p["code"] for p in client_for(secret=secret).get(URL).json()["results"]]

    assert codes == ["bkb-malam"]
    assert elsewhere.code not in codes


def test_a_cache_outage_skips_the_rate_limit_instead_of_failing(plan):
    """Redis down: reads still answer (the limit fails open; see `make faults`)."""
    from django.core.cache import caches
    from django.test import override_settings

    _key, secret = make_key(rate_per_minute=1)
    client = client_for(secret=secret)
    unreachable = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens on port 1
        }
    }
    with override_settings(CACHES=unreachable):
        statuses = [client.get(URL).status_code for _ in range(3)]
        caches["default"].close()
    assert statuses == [200, 200, 200]
