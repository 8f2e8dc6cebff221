"""Language switch, the calendar and print view, and Tonight's weight, in Chromium."""

import datetime as dt

import pytest
from playwright.sync_api import expect

from schedules.models import Blackout, RequestStatus
from schedules.services import generation
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser


def test_the_language_switch_changes_the_page_to_english_and_back(
    new_page, tonight_shifts, kapolsek_tambora
):
    page = new_page(kapolsek_tambora)
    assert page.locator("html").get_attribute("lang") == "id"
    assert "Sen 22 → Sel 23 Jan 2024" in page.locator("h1").inner_text()

    page.click("form.lang-switch button[value=en]")
    page.wait_for_selector("html[lang=en]")
    assert "Mon 22 → Tue 23 Jan 2024" in page.locator("h1").inner_text()
    assert page.url.endswith("/tonight/")
    assert "Tonight" in page.locator("nav.main-nav").inner_text()

    page.click("form.lang-switch button[value=id]")
    page.wait_for_selector("html[lang=id]")
    assert "Sen 22 → Sel 23 Jan 2024" in page.locator("h1").inner_text()


def test_tonight_loads_under_150_kb_from_this_host_only(
    new_page, tonight_shifts, kapolres_jakbar, live_server
):
    for shift in tonight_shifts:
        factories.AssignmentFactory.create_batch(4, shift=shift)
    page = new_page(kapolres_jakbar)
    # A first load: nothing from the login page's visit may come from the cache.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
    requests = []
    page.on("requestfinished", lambda request: requests.append(request))
    page.goto("/tonight/")
    page.wait_for_load_state("networkidle")

    assert requests
    assert all(r.url.startswith(live_server.url) for r in requests)
    total = sum(
        r.sizes()["responseBodySize"] + r.sizes()["responseHeadersSize"]
        for r in requests
    )
    assert {r.url.rsplit("/", 1)[-1] for r in requests} >= {"base.css", "tonight.css"}
    assert total < 150_000, total


def test_the_calendar_shows_the_week_and_the_month_in_precinct_colours(
    new_page, plan, tambora, tanjungduren, gambir, kapolres_jakbar
):
    """A month as the generator makes it, with Gambir blacked out for two nights so
    that substitutes and their repayments show."""
    Blackout.objects.create(
        precinct=gambir,
        start=dt.datetime(2024, 1, 24, 17, 0, tzinfo=dt.UTC),
        end=dt.datetime(2024, 1, 26, 22, 0, tzinfo=dt.UTC),
        reason="Pengamanan pemilu",
        status=RequestStatus.APPROVED,
    )
    generation.generate_shifts(plan=plan, start=dt.date(2024, 1, 22), nights=10)
    page = new_page(kapolres_jakbar)
    page.goto("/calendar/")
    assert page.locator("table.grid tbody tr").count() == 7
    assert page.locator("td.cell sup.mark").count() > 0
    screenshot(page, "calendar-week-390")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "calendar-week-1366")

    page.select_option("select[name=view]", "month")
    page.select_option("select[name=precinct]", str(gambir.pk))
    page.click("form.cal-filter button")
    assert page.locator("table.grid tbody tr").count() == 31
    held = page.locator("td.cell:not(.dim):not(.none):not(.uncovered)").count()
    # The plan starts on the 22nd: ten generated nights of five slots.
    assert page.locator("td.cell.dim").count() == 10 * 5 - held
    screenshot(page, "calendar-month-1366")
    page.set_viewport_size(PHONE)
    screenshot(page, "calendar-month-390")


def test_the_print_view_fits_one_night_with_leaders_and_copies_as_text(
    new_page, tonight_shifts, tambora, kapolsek_tambora
):
    first = tonight_shifts[0]
    leader = factories.OfficerFactory(precinct=tambora, name="Rudi Hartono")
    factories.AssignmentFactory(shift=first, officer=leader, role="leader")
    page = new_page(kapolsek_tambora, viewport=DESKTOP)
    page.click(f"a[href^='/print/{first.plan_id}/']")
    assert "Rudi Hartono" in page.locator("table").inner_text()
    screenshot(page, "print-1366")
    page.emulate_media(media="print")
    screenshot(page, "print-media-1366")
    page.emulate_media(media="screen")

    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    link = page.locator("a[data-copy]")
    link.click()
    expect(link).to_have_text(link.get_attribute("data-done"))
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "Rudi Hartono" in copied
    assert leader.phone in copied


def test_tonight_marks_the_slot_in_progress_at_half_past_two(
    new_page, tonight_shifts, tambora, kapolres_jakbar
):
    import datetime as dt

    import time_machine

    for shift in tonight_shifts:
        factories.AssignmentFactory.create_batch(4, shift=shift)
    # 02:30 WIB on Tuesday 23 January: the third slot of the night of the 22nd.
    with time_machine.travel(dt.datetime(2024, 1, 22, 19, 30, tzinfo=dt.UTC)):
        page = new_page(kapolres_jakbar)
        now = page.locator(".slot.is-now")
        assert now.count() == 1
        assert "02:00" in now.inner_text()
        assert page.locator(".now-line").count() == 1
        screenshot(page, "tonight-now-390")
        page.set_viewport_size(DESKTOP)
        screenshot(page, "tonight-now-1366")
        # Readable at night: the dark theme follows the system setting.
        page.emulate_media(color_scheme="dark")
        background = page.evaluate("getComputedStyle(document.body).backgroundColor")
        assert background == "rgb(13, 16, 20)"
        screenshot(page, "tonight-now-dark-1366")
        page.set_viewport_size(PHONE)
        screenshot(page, "tonight-now-dark-390")


def test_the_login_page_fits_a_phone_and_refuses_a_wrong_password(
    new_page, piket_tambora
):
    page = new_page()
    page.goto("/tonight/")
    assert "/login/" in page.url
    screenshot(page, "login-390")
    page.fill("#id_username", "piket.tambora")
    page.fill("#id_password", "not-the-password")
    page.click("button[type=submit].primary")
    assert page.locator(".errors").count() == 1
    assert "/login/" in page.url
