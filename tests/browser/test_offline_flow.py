"""Tonight when the signal drops, in real Chromium: after a first visit the board and
the officer's own check-in page are still readable offline, marked as a kept copy."""

import datetime as dt

import pytest
import time_machine

from patrols.models import CheckIn
from schedules.models import AssignmentRole
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

UTC = dt.UTC
CONTROLLED = "navigator.serviceWorker && navigator.serviceWorker.controller !== null"


def test_tonight_and_the_own_shift_stay_readable_offline(
    new_page, plan, tonight_shifts, officer_tambora
):
    first = tonight_shifts[0]  # 00:00–01:00 WIB, Polsek Tambora
    factories.AssignmentFactory(
        shift=first, officer=officer_tambora.officer, role=AssignmentRole.LEADER
    )
    # 00:10 WIB on Tuesday 23 January, ten minutes into the first slot.
    with time_machine.travel(dt.datetime(2024, 1, 22, 17, 10, tzinfo=UTC)):
        page = new_page(officer_tambora)
        assert page.locator("#offline-banner").is_hidden()
        manifest = page.locator("link[rel=manifest]").get_attribute("href")
        assert page.request.get(manifest).json()["start_url"] == "/tonight/"
        # The first visit installs the worker; once it controls the page, visits keep.
        page.wait_for_function(CONTROLLED)
        page.reload()
        assert "Andi Saputra" in page.locator("main").inner_text()
        page.goto("/night/checkin/")
        assert page.locator(".big-button.arrive").is_visible()

        page.context.set_offline(True)
        page.goto("/tonight/")
        assert "Andi Saputra" in page.locator("main").inner_text()
        banner = page.locator("#offline-banner")
        banner.wait_for(state="visible")
        assert "00:1" in banner.inner_text()  # the kept copy's local time
        screenshot(page, "tonight-offline-390")
        page.goto("/night/checkin/")
        assert page.locator(".big-button.arrive").is_visible()
        assert page.locator("#offline-banner").is_visible()

        # Back online, the page is fresh again and says nothing about being offline.
        page.context.set_offline(False)
        page.goto("/tonight/")
        assert page.locator("#offline-banner").is_hidden()


def test_logging_out_forgets_the_kept_pages(
    new_page, plan, tonight_shifts, officer_tambora
):
    page = new_page(officer_tambora)
    page.wait_for_function(CONTROLLED)
    page.reload()
    assert page.evaluate("caches.has('giliran-pages-v1')")
    page.locator("details.account summary").click()
    page.locator("form[data-logout] button").click()
    page.wait_for_load_state()
    page.wait_for_function("caches.has('giliran-pages-v1').then((kept) => !kept)")
    page.context.set_offline(True)
    with pytest.raises(Exception):  # noqa: B017, PT011 - the browser's own offline error
        page.goto("/tonight/")


def test_a_check_in_made_offline_arrives_once_when_back_online(
    new_page, plan, tonight_shifts, officer_tambora
):
    first = tonight_shifts[0]  # 00:00–01:00 WIB, Polsek Tambora
    factories.AssignmentFactory(
        shift=first, officer=officer_tambora.officer, role=AssignmentRole.LEADER
    )
    with time_machine.travel(dt.datetime(2024, 1, 22, 17, 10, tzinfo=UTC)):
        page = new_page(officer_tambora)
        page.wait_for_function(CONTROLLED)
        page.goto("/night/checkin/")

        page.context.set_offline(True)
        page.goto("/night/checkin/")
        page.locator(".big-button.arrive").click()
        note = page.locator("[data-queued-note]")
        note.wait_for(state="visible")
        screenshot(page, "checkin-queued-offline-390")
        assert not CheckIn.objects.exists()

        page.context.set_offline(False)  # the page sends it and reloads
        page.wait_for_selector(".big-button.leave")
        page.reload()
        page.wait_for_selector(".big-button.leave")
        checkin = CheckIn.objects.get()  # once
        assert checkin.officer == officer_tambora.officer
        assert checkin.client_key is not None
        assert checkin.at <= checkin.created_at
        assert page.evaluate("localStorage.getItem('giliran-checkins')") == "[]"
