"""The night in real Chromium: an officer checks in on a phone, the commander sees
the post held on Tonight, and the morning report lists it after the night."""

import datetime as dt

import pytest
import time_machine

from patrols import services
from patrols.models import CheckIn
from schedules.models import AssignmentRole
from tests import factories
from tests.browser.conftest import DESKTOP, screenshot

pytestmark = pytest.mark.browser

UTC = dt.UTC


def test_an_officer_checks_in_on_a_phone_and_the_commander_sees_it(
    new_page, live_server, plan, tonight_shifts, officer_tambora, kapolsek_tambora
):
    first = tonight_shifts[0]  # 00:00–01:00 WIB, Polsek Tambora
    andi = officer_tambora.officer
    factories.AssignmentFactory(shift=first, officer=andi, role=AssignmentRole.LEADER)
    factories.AssignmentFactory(
        shift=first,
        officer=factories.OfficerFactory(precinct=first.precinct, name="Budi Santoso"),
    )

    # 00:10 WIB on Tuesday 23 January, ten minutes into the first slot.
    with time_machine.travel(dt.datetime(2024, 1, 22, 17, 10, tzinfo=UTC)):
        phone = new_page(officer_tambora)
        phone.context.grant_permissions(["geolocation"], origin=live_server.url)
        phone.context.set_geolocation(
            {"latitude": -6.14321, "longitude": 106.80123, "accuracy": 15}
        )
        phone.goto("/night/checkin/")
        button = phone.locator(".big-button.arrive")
        assert button.is_visible()
        box = button.bounding_box()
        assert box["width"] > 300  # a thumb's target
        assert box["height"] >= 100
        screenshot(phone, "checkin-arrive-390")
        button.click()
        phone.wait_for_selector(".big-button.leave")
        screenshot(phone, "checkin-present-390")
        checkin = CheckIn.objects.get()
        assert checkin.officer == andi
        assert float(checkin.latitude) == pytest.approx(-6.14321)
        assert checkin.accuracy_m == 15

        boss = new_page(kapolsek_tambora)
        live = boss.locator(f"[data-live-slot='{first.pk}']")
        assert live.locator(".badge.ok").count() == 1  # one officer at the post
        assert "Andi Saputra" in live.inner_text()
        assert "Budi Santoso" in live.inner_text()
        screenshot(boss, "tonight-live-390")
        boss.set_viewport_size(DESKTOP)
        screenshot(boss, "tonight-live-1366")

    # 00:50: Andi leaves; Budi never came.
    with time_machine.travel(dt.datetime(2024, 1, 22, 17, 50, tzinfo=UTC)):
        phone = new_page(officer_tambora)
        phone.goto("/night/checkin/")
        phone.click(".big-button.leave")
        phone.wait_for_selector(".big-button.arrive")

    # 05:45, after the night: the morning report is built and sent.
    with time_machine.travel(dt.datetime(2024, 1, 22, 22, 45, tzinfo=UTC)):
        [report] = services.send_morning_reports()
        boss = new_page(kapolsek_tambora, viewport=DESKTOP)
        # The notice of the morning report: one unread, in the header.
        assert boss.wait_for_selector(".unread-badge").inner_text() == "1"
        boss.click("a[data-unread-url]")
        screenshot(boss, "notices-1366")
        boss.click(".notice.unread button.secondary")  # Open: read, then follow
        boss.wait_for_selector(".slots-table")
        assert boss.url.endswith(f"/night/morning/{report.pk}/")
        assert boss.locator(".unread-badge").count() == 0
        boss.goto("/night/morning/")
        assert boss.locator(f"a[href='/night/morning/{report.pk}/']").count() == 1
        boss.click(f"a[href='/night/morning/{report.pk}/']")
        table = boss.locator(".slots-table").inner_text()
        assert "Andi Saputra" in table
        assert "Budi Santoso" in table
        assert boss.locator(".slots-table .badge.danger").count() >= 1  # Budi absent
        screenshot(boss, "morning-report-1366")
        boss.emulate_media(media="print")
        screenshot(boss, "morning-report-print-1366")
        assert not boss.locator(".site-header").is_visible()
        boss.emulate_media(media="screen")
        boss.set_viewport_size({"width": 390, "height": 844})
        screenshot(boss, "morning-report-390")


def test_the_leader_files_a_report_on_a_phone_and_the_commander_acknowledges_it(
    new_page, plan, tonight_shifts, officer_tambora, piket_tambora, kapolsek_tambora
):
    first = tonight_shifts[0]
    andi = officer_tambora.officer
    factories.AssignmentFactory(shift=first, officer=andi, role=AssignmentRole.LEADER)
    # 00:30: Andi's phone is flat; the duty officer records his 23:58 arrival.
    with time_machine.travel(dt.datetime(2024, 1, 22, 17, 30, tzinfo=UTC)):
        desk = new_page(piket_tambora)
        desk.goto("/night/checkin/")
        desk.click(f"a[href='/night/checkin/shift/{first.pk}/']")
        desk.select_option("#id_officer", str(andi.pk))
        desk.check("input[name=kind][value=arrive]")
        desk.fill("#id_at", "23:58")
        desk.click("form[method=post] button.primary")
        desk.wait_for_selector(".messages .success")
        assert "23:58" in desk.locator("table").inner_text()
        screenshot(desk, "checkin-on-behalf-390")
        assert CheckIn.objects.get().on_behalf

    # 01:10 WIB: the slot is over; Andi writes the report from Tonight.
    with time_machine.travel(dt.datetime(2024, 1, 22, 18, 10, tzinfo=UTC)):
        phone = new_page(officer_tambora)
        phone.click(f"a[href='/night/reports/shift/{first.pk}/']")
        assert phone.input_value("#id_started_at") == "00:00"
        phone.fill("#id_summary", "Dua kelompok remaja dibubarkan.")
        phone.select_option("#id_incidents-0-category", "crowd_dispersed")
        phone.fill("#id_incidents-0-occurred_at", "00:40")
        phone.fill("#id_incidents-0-people_involved", "25")
        # No full-page screenshot here: after one, Chromium's clicks miss the
        # button of a page taller than the phone. The form is shot below.
        phone.click("form.report-form button.primary")
        phone.wait_for_selector(".messages .success")
        assert "00:40" in phone.locator("main").inner_text()
        screenshot(phone, "report-390")

        boss = new_page(kapolsek_tambora)
        boss.goto(phone.url.replace(phone.url.split("/night/")[0], ""))
        boss.click("form[action$='/acknowledge/'] button")
        boss.wait_for_selector(".badge.ok")
        assert boss.locator(".history li").count() == 2
        screenshot(boss, "report-acknowledged-390")

        phone.reload()
        assert phone.locator("a[href$='/correct/']").count() == 0
        boss.click("a[href$='/correct/']")
        assert boss.input_value("#id_incidents-0-occurred_at") == "00:40"
        screenshot(boss, "report-form-390")
