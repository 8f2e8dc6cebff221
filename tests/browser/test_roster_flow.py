"""A night's roster filled in real Chromium, seen by the commander, guarded from
the partner precinct and from a second editor."""

import re

import pytest

from schedules.models import Assignment
from tests.browser.conftest import DESKTOP, screenshot

pytestmark = pytest.mark.browser


def tick(page, officer):
    page.check(f"input[name=officers][value='{officer.pk}']")


def test_a_duty_officer_fills_tonights_slots_and_the_commander_sees_the_names(
    new_page, tonight_shifts, tambora_team, piket_tambora, kapolsek_tambora
):
    first, fourth = tonight_shifts[0], tonight_shifts[3]
    page = new_page(piket_tambora)
    screenshot(page, "tonight-duty-officer-390")

    page.click(f"a[href='/roster/{first.pk}/']")
    for officer in tambora_team[:4]:
        tick(page, officer)
    page.click("form[method=post] button.primary")
    page.wait_for_selector(".messages .success")
    assert page.locator(".team-list li").count() == 4
    screenshot(page, "shift-390")

    # Budi guards 00:00–01:00, so 03:00–04:00 is inside his rest hours.
    page.goto(f"/roster/{fourth.pk}/")
    tick(page, tambora_team[0])
    tick(page, tambora_team[4])
    page.click("form[method=post] button.primary")
    error = page.locator("#officers-errors")
    assert "Budi Santoso" in error.inner_text()
    assert page.locator(".team-list li").count() == 0
    assert not Assignment.objects.filter(shift=fourth).exists()
    screenshot(page, "shift-rule-break-390")

    page.uncheck(f"input[name=officers][value='{tambora_team[0].pk}']")
    for officer in tambora_team[5:8]:
        tick(page, officer)
    page.click("form[method=post] button.primary")
    page.wait_for_selector(".messages .success")
    page.click(".team-list li:first-child button.secondary")  # make leader
    page.wait_for_selector(".team-list .badge.ok")

    page.goto("/roster/")
    screenshot(page, "roster-390")
    page.set_viewport_size(DESKTOP)
    screenshot(page, "roster-1366")

    boss = new_page(kapolsek_tambora, viewport=DESKTOP)
    body = boss.locator("main").inner_text()
    for officer in tambora_team[:2] + tambora_team[4:8]:
        assert officer.name in body
    assert boss.locator("a[href^='/roster/']").count() == 0
    screenshot(boss, "tonight-commander-1366")
    boss.set_viewport_size({"width": 390, "height": 844})
    screenshot(boss, "tonight-commander-390")


def test_a_gambir_duty_officer_can_neither_see_nor_edit_tambora_names(
    new_page, tonight_shifts, tambora_team, piket_gambir, live_server
):
    first = tonight_shifts[0]
    Assignment.objects.create(shift=first, officer=tambora_team[0])

    page = new_page(piket_gambir)
    assert tambora_team[0].name not in page.locator("main").inner_text()
    assert page.locator(f"a[href='/roster/{first.pk}/']").count() == 0
    gambir_shift = tonight_shifts[2]
    assert page.locator(f"a[href='/roster/{gambir_shift.pk}/']").count() == 1

    response = page.goto(f"/roster/{first.pk}/")
    assert response.status == 403


def test_the_second_of_two_editors_is_refused_and_the_first_keeps_their_change(
    new_page, tonight_shifts, tambora_team, piket_tambora
):
    shift = tonight_shifts[0]
    alice = new_page(piket_tambora)
    bob = new_page(piket_tambora, viewport=DESKTOP)
    alice.goto(f"/roster/{shift.pk}/")
    bob.goto(f"/roster/{shift.pk}/")

    tick(alice, tambora_team[0])
    alice.click("form[method=post] button.primary")
    alice.wait_for_selector(".messages .success")

    tick(bob, tambora_team[1])
    bob.click("form[method=post] button.primary")
    refused = bob.locator(".messages .error")
    refused.wait_for()
    assert re.search(r"(?i)changed|mengubah", refused.inner_text())
    screenshot(bob, "shift-conflict-1366")

    on_shift = set(
        Assignment.objects.filter(shift=shift).values_list("officer__name", flat=True)
    )
    assert on_shift == {tambora_team[0].name}
    # Bob now sees Alice's change and can add his officer on top of it.
    assert tambora_team[0].name in bob.locator(".team-list").inner_text()
    tick(bob, tambora_team[1])
    bob.click("form[method=post] button.primary")
    bob.wait_for_selector(".messages .success")
    assert Assignment.objects.filter(shift=shift).count() == 2


def test_the_roster_form_works_without_javascript(
    new_page, tonight_shifts, tambora_team, piket_tambora
):
    shift = tonight_shifts[0]
    page = new_page(piket_tambora, javascript=False)
    page.goto(f"/roster/{shift.pk}/?q=8100000")
    page.fill("#id_q", "Gita")
    page.click("form[role=search] button")
    assert page.locator("#candidates li[data-search]").count() == 1
    tick(page, tambora_team[4])
    page.click("form[method=post] button.primary")
    page.wait_for_selector(".messages .success")
    page.click(".team-list button.secondary")
    page.wait_for_selector(".team-list .badge.ok")
    page.click(".team-list button.danger")
    page.wait_for_selector(".messages .success")
    assert not Assignment.objects.filter(shift=shift).exists()


def test_typing_a_name_or_nrp_filters_the_officers_at_once(
    new_page, tonight_shifts, tambora_team, piket_tambora
):
    page = new_page(piket_tambora)
    page.goto(f"/roster/{tonight_shifts[0].pk}/")
    visible = page.locator("#candidates li[data-search]:visible")
    assert visible.count() == 8

    tick(page, tambora_team[0])
    page.fill("#id_q", "81000004")
    assert visible.count() == 2  # Gita by NRP, and Budi who is already ticked
    page.fill("#id_q", "hadi wija")
    assert [t.strip() for t in visible.all_inner_texts()] == [
        "Briptu Budi Santoso 81000000",
        "Briptu Hadi Wijaya 81000005",
    ]


def test_the_keyboard_reaches_the_skip_link_first_and_it_jumps_to_the_content(
    new_page, tonight_shifts, piket_tambora
):
    page = new_page(piket_tambora)

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
