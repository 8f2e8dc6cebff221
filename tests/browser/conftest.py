"""Real Chromium through Playwright's sync API, against pytest-django's live_server.

Playwright's sync API runs an event loop in this thread, so Django's guard against
ORM calls from async code must be lifted for the fixtures that build data.
"""

import os
from pathlib import Path

import pytest

from precincts.models import Rank
from tests import factories
from tests.pages.conftest import EVENING, make_nights

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 768}


@pytest.fixture
def new_page(chromium, live_server):
    """new_page(user=None, viewport=PHONE, javascript=True): a fresh browser context
    (its own cookies), logged in through the real login form when a user is given."""
    contexts = []

    def make(user=None, *, viewport=PHONE, javascript=True, locale="id-ID"):
        context = chromium.new_context(
            viewport=viewport,
            java_script_enabled=javascript,
            locale=locale,
            base_url=live_server.url,
        )
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        if user is not None:
            login(page, user.username)
        return page

    yield make
    for context in contexts:
        context.close()


def login(page, username: str) -> None:
    from tests.factories import PASSWORD

    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/tonight/")


def screenshot(page, name: str) -> Path:
    """Save a full-page screenshot under tests/artifacts/ (ignored by git)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(autouse=True)
def _frozen_evening(settings):
    """21:00 WIB on Monday 22 January 2024, with the clock running.

    Cookies then carry no expiry date, which Chromium, living in the real present,
    would otherwise read as long past.
    """
    import time_machine

    settings.SESSION_EXPIRE_AT_BROWSER_CLOSE = True
    settings.CSRF_COOKIE_AGE = None
    with time_machine.travel(EVENING, tick=True):
        yield


@pytest.fixture
def tonight_shifts(plan, tambora, tanjungduren, gambir):
    """Tonight: 00 Tambora, 01 Tanjung Duren, 02 Gambir, 03 Tambora, 04 T. Duren."""
    return make_nights(plan, [tambora, tanjungduren, gambir])


@pytest.fixture
def tambora_team(tambora):
    names = [
        "Budi Santoso",
        "Dedi Kurniawan",
        "Eko Prasetyo",
        "Fajar Nugroho",
        "Gita Lestari",
        "Hadi Wijaya",
        "Indra Gunawan",
        "Joko Susilo",
    ]
    return [
        factories.OfficerFactory(
            precinct=tambora, name=name, rank=Rank.BRIPTU, nrp=f"{81000000 + i:08d}"
        )
        for i, name in enumerate(names)
    ]
