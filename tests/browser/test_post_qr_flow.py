"""The post's QR code in Chromium: the duty officer prints it, the officer on the
shift opens its link on a phone (as the camera app does) and checks in with one tap."""

import datetime as dt

import pytest
import time_machine

from patrols.models import CheckIn
from schedules.models import AssignmentRole
from tests import factories
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser

UTC = dt.UTC


def test_a_scanned_qr_check_in_at_the_post(
    new_page, plan, tonight_shifts, officer_tambora, piket_tambora
):
    first = tonight_shifts[0]  # 00:00–01:00 WIB, Polsek Tambora
    factories.AssignmentFactory(
        shift=first, officer=officer_tambora.officer, role=AssignmentRole.LEADER
    )
    desk = new_page(piket_tambora)
    desk.click(f"a[href='/night/post/zone/{plan.zone_id}/qr/']")
    assert desk.locator(".post-qr svg").count() == 1
    link = desk.locator(".post-url").inner_text().strip()
    screenshot(desk, "post-qr-390")

    # 00:05 WIB: the camera app opens the printed link.
    with time_machine.travel(dt.datetime(2024, 1, 22, 17, 5, tzinfo=UTC)):
        phone = new_page(officer_tambora)
        phone.goto(link)
        button = phone.locator(".big-button.arrive")
        assert button.bounding_box()["height"] >= 100
        screenshot(phone, "post-scan-390")
        button.click()
        phone.wait_for_selector(".messages .success")
        checkin = CheckIn.objects.get()
        assert checkin.at_post
        assert checkin.officer == officer_tambora.officer
