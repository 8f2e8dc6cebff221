"""Sessions: kept in the database, rotated at login, ended at logout, after 30
minutes idle or 12 hours in all, and at once for a deactivated user."""

import datetime as dt

import pytest
import time_machine
from django.conf import settings
from django.contrib.sessions.models import Session

from audit.models import Action, AuditEvent
from tests.factories import PASSWORD

START = dt.datetime(2024, 1, 22, 13, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def log_in(client, username="piket.tambora"):
    response = client.post("/login/", {"username": username, "password": PASSWORD})
    assert response.status_code == 302
    return client.session.session_key


def signed_in(client) -> bool:
    return client.get("/roster/").status_code == 200


def test_sessions_are_kept_in_the_database_not_the_cache(client, piket_tambora):
    assert settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"
    key = log_in(client)
    assert Session.objects.filter(session_key=key).exists()


def test_a_cache_outage_logs_nobody_out(client, piket_tambora, settings):
    log_in(client)
    # Nothing listens on port 1: every cache call would fail.
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        }
    }
    assert signed_in(client)


def test_login_rotates_the_session_key(client, piket_tambora):
    session = client.session
    session["visited"] = True
    session.save()
    before = session.session_key
    client.cookies[settings.SESSION_COOKIE_NAME] = before

    after = log_in(client)

    assert after != before
    assert not Session.objects.filter(session_key=before).exists()


def test_logout_ends_the_session_on_the_server(client, piket_tambora):
    key = log_in(client)
    stolen = client.cookies[settings.SESSION_COOKIE_NAME].value

    client.post("/logout/")

    assert not Session.objects.filter(session_key=key).exists()
    client.cookies[settings.SESSION_COOKIE_NAME] = stolen
    assert not signed_in(client)
    assert AuditEvent.objects.filter(action=Action.LOGOUT).count() == 1


def test_a_session_ends_after_30_minutes_idle(client, piket_tambora, clock):
    log_in(client)
    clock.shift(dt.timedelta(minutes=29))
    assert signed_in(client)

    clock.shift(dt.timedelta(minutes=30, seconds=1))

    assert not signed_in(client)


def test_use_keeps_a_session_alive_but_not_past_12_hours(client, piket_tambora, clock):
    log_in(client)
    for _ in range(11 * 3 + 2):  # every 20 minutes for 11 h 40 min
        clock.shift(dt.timedelta(minutes=20))
        assert signed_in(client)

    clock.shift(dt.timedelta(minutes=20, seconds=1))  # 12 h 0 min 1 s after login

    assert not signed_in(client)
    expired = AuditEvent.objects.get(action=Action.SESSION_EXPIRED)
    assert expired.actor_label == "piket.tambora"


def test_a_deactivated_user_is_out_on_the_next_request(client, piket_tambora):
    key = log_in(client)
    assert signed_in(client)

    piket_tambora.is_active = False
    piket_tambora.save()

    assert not signed_in(client)
    assert not Session.objects.filter(session_key=key).exists()
