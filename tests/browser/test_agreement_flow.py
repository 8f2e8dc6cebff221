"""A plan version proposed, signed by Jakarta Barat, refused by Jakarta Pusat:
the rules in force keep generating (issue 14), in Chromium."""

import pytest

from schedules.models import PlanVersion, VersionStatus
from tests.browser.conftest import DESKTOP, screenshot

pytestmark = pytest.mark.browser


def test_a_version_signed_by_one_command_and_refused_by_the_other_never_applies(
    new_page, tonight_shifts, plan, kapolsek_tambora, kapolres_jakbar, kapolres_jakpus
):
    boss = new_page(kapolsek_tambora, viewport=DESKTOP)
    boss.goto(f"/plans/{plan.pk}/agreement/")
    boss.fill("#id_slot_minutes", "30")
    boss.fill("#id_note", "Slot 30 menit")
    boss.click("form[action$='/propose/'] button.primary")
    boss.wait_for_selector(".messages .success")
    version = PlanVersion.objects.get()
    assert "slot_minutes" in boss.inner_text(".changes")

    jakbar = new_page(kapolres_jakbar, viewport=DESKTOP)
    jakbar.goto(f"/plans/{plan.pk}/agreement/")
    # Jakarta Barat signs for its two precincts, and is offered nothing for Gambir.
    assert jakbar.locator("button[value=sign]").count() == 2
    jakbar.click("button[value=sign] >> nth=0")
    jakbar.wait_for_selector(".messages .success")
    jakbar.click("button[value=sign] >> nth=0")
    jakbar.wait_for_selector(".messages .success")

    jakpus = new_page(kapolres_jakpus, viewport=DESKTOP)
    jakpus.goto(f"/plans/{plan.pk}/agreement/")
    assert jakpus.locator("button[value=sign]").count() == 1
    jakpus.fill("input[name=reason]", "Personel kurang")
    jakpus.click("button[value=refuse]")
    jakpus.wait_for_selector(".messages .success")
    screenshot(jakpus, "agreement-refused-1366")

    version.refresh_from_db()
    plan.refresh_from_db()
    assert version.status == VersionStatus.REFUSED
    assert plan.slot_minutes == 60
    jakpus.goto(f"/plans/{plan.pk}/agreement/sheet/")
    assert "Polsek Gambir" in jakpus.inner_text(".sheet")
