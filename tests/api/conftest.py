"""API fixtures: clients per role, API keys per scope, a night of shifts."""

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

from api import services
from api.models import ApiKey, Scope
from tests import factories
from tests.caching import clear_cache

NIGHT = dt.date(2024, 1, 22)
# Monday 22 January 2024, 12:00 WIB: that night's 00:00–05:00 window is ahead.
NOON = dt.datetime(2024, 1, 22, 5, 0, tzinfo=dt.UTC)


@pytest.fixture
def noon():
    with time_machine.travel(NOON, tick=False) as traveller:
        yield traveller


def client_for(user=None, secret=None) -> APIClient:
    client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    if user is not None:
        client.force_login(user)
    if secret is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {secret}")
    return client


def make_key(scope=Scope.READ, **kwargs) -> tuple[ApiKey, str]:
    key = ApiKey(name=kwargs.pop("name", f"key {scope}"), scope=scope, **kwargs)
    secret = services.create_api_key(key=key, by=None)
    return key, secret


@pytest.fixture
def read_key(db):
    return make_key(Scope.READ)


@pytest.fixture
def personnel_key(db):
    return make_key(Scope.READ_PERSONNEL)


@pytest.fixture
def write_key_tambora(tambora):
    return make_key(Scope.WRITE, precinct=tambora)


@pytest.fixture
def night(plan, tambora, tanjungduren, gambir):
    """The seed night: slots 0–4 held Tambora, Tanjung Duren, Gambir, Tambora,
    Tanjung Duren, each with one officer of its precinct."""
    shifts = []
    for slot, precinct in enumerate(
        [tambora, tanjungduren, gambir, tambora, tanjungduren]
    ):
        shift = factories.ShiftFactory(
            plan=plan, precinct=precinct, night=NIGHT, slot=slot
        )
        factories.AssignmentFactory(shift=shift)
        shifts.append(shift)
    return shifts


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """The seed logins hash a password each; a fast hasher keeps the matrix quick."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    """Rate-limit counters live in the cache, which outlives each test's database."""
    clear_cache()
    yield
    clear_cache()


# Every kind of client, as fixture names, for the role x endpoint matrices.
ROLES = [
    "anonymous",
    "admin_user",
    "kapolres_jakbar",
    "kapolsek_tambora",
    "piket_tambora",
    "piket_gambir",
    "officer_tambora",
    "read_key",
    "personnel_key",
    "write_key_tambora",
]
