"""Tonight on a 390×844 phone with the demo data: the slot in progress is in the
first screen for every demo role, at any hour of the window."""

import datetime as dt

import pytest
import time_machine

from schedules import demo
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser

UTC = dt.UTC
# 21:00 WIB on Monday 22 January 2024, before the demo's first staffed night ends.
DEMO_NOW = dt.datetime(2024, 1, 22, 14, 0, tzinfo=UTC)
# 00:30, 02:30 and 04:30 WIB on Tuesday 23 January (the night of Monday 22).
HOURS = {
    "0030": dt.datetime(2024, 1, 22, 17, 30, tzinfo=UTC),
    "0230": dt.datetime(2024, 1, 22, 19, 30, tzinfo=UTC),
    "0430": dt.datetime(2024, 1, 22, 21, 30, tzinfo=UTC),
}
LOGINS = [username for username, *_ in demo.LOGINS] + ["admin"]


def demo_login(page, username: str) -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", demo.DEMO_PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url("**/tonight/")


def first_screen_target(page):
    """The slot in progress; for a reader who sees only some slots (an officer),
    the one the page opened, else the first shown."""
    for selector in (".slot.is-now", ".slot:has(> details[open])", ".slot"):
        target = page.locator(selector)
        if target.count():
            return target.first
    raise AssertionError("no slot on the page")


@pytest.mark.parametrize("hour", sorted(HOURS))
def test_the_current_slot_is_in_the_first_phone_screen_for_every_demo_role(
    new_page, hour
):
    demo.load_demo(now=DEMO_NOW)
    with time_machine.travel(HOURS[hour], tick=True):
        for username in LOGINS:
            page = new_page()
            demo_login(page, username)
            slot = first_screen_target(page)
            box = slot.bounding_box()
            assert box is not None, username
            assert box["y"] + 48 <= PHONE["height"], (username, box)
            # The navigation is one row of whole words.
            links = page.locator("nav.main-nav a")
            tops = {
                round(links.nth(i).bounding_box()["y"]) for i in range(links.count())
            }
            assert len(tops) == 1, (username, tops)
            if username in ("piket.tambora", "kapolres.jakbar"):
                screenshot(page, f"tonight-{username}-{hour}-390")
            page.context.close()


def test_a_slots_details_open_on_demand_on_a_phone_and_show_on_a_desktop(
    new_page,
):
    demo.load_demo(now=DEMO_NOW)
    with time_machine.travel(HOURS["0230"], tick=True):
        page = new_page()
        demo_login(page, "kapolsek.tambora")
        now = page.locator(".slot.is-now")
        assert now.locator("details").get_attribute("open") is not None
        last = page.locator(".slot").last
        body = last.locator(".slot-body")
        assert not body.is_visible()
        last.locator("summary").click()
        assert body.is_visible()
        page.set_viewport_size(DESKTOP)
        first_body = page.locator(".slot").first.locator(".slot-body")
        assert first_body.is_visible()
        screenshot(page, "tonight-demo-0230-1366")
