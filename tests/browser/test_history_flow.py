"""A commander reads, in real Chromium on a phone, who changed a shift's roster:
the duty officer's edits in the shift page's History, in Indonesian."""

import pytest

from tests.browser.conftest import screenshot

pytestmark = pytest.mark.browser


def test_the_commander_reads_the_duty_officers_roster_edits_in_the_history(
    new_page, tonight_shifts, tambora_team, piket_tambora, kapolsek_tambora
):
    first = tonight_shifts[0]
    page = new_page(piket_tambora)
    page.goto(f"/roster/{first.pk}/")
    for officer in tambora_team[:2]:
        page.check(f"input[name=officers][value='{officer.pk}']")
    page.click("form[method=post] button.primary")
    page.wait_for_selector(".messages .success")
    # A duty officer keeps the roster but does not read the trail.
    assert page.locator("#audit-history").count() == 0

    boss = new_page(kapolsek_tambora)
    boss.goto(f"/roster/{first.pk}/")

    history = boss.locator("#audit-history")
    assert history.is_visible()
    events = history.locator(".audit-event")
    assert events.count() == 3  # two officers added, and the shift created
    newest = events.first.inner_text()
    assert "piket.tambora" in newest
    assert "WIB" in newest
    assert tambora_team[1].name in newest
    # Read-only for the commander: the team, no forms to change it.
    assert boss.locator(".team-list li").count() == 2
    assert boss.locator("form[method=post] button.danger").count() == 0
    assert boss.locator("input[name=officers]").count() == 0
    # Nothing wider than the phone.
    width = boss.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(boss, "shift-history-390")
