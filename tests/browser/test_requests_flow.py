"""A swap asked by Tambora's duty officer, approved by its commander, in Chromium."""

import pytest

from schedules.models import RequestStatus, SwapRequest
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser


def test_a_swap_is_asked_approved_and_the_requester_sees_the_outcome(
    new_page, tonight_shifts, gambir, piket_tambora, kapolsek_tambora
):
    shift = tonight_shifts[3]
    piket = new_page(piket_tambora)
    piket.goto("/requests/")
    piket.select_option("#id_shift", str(shift.pk))
    piket.select_option("#id_to_precinct", str(gambir.pk))
    piket.fill("#id_note", "Personel apel pagi")
    piket.click("form[action='/requests/swap/'] button.primary")
    piket.wait_for_selector(".messages .success")
    screenshot(piket, "requests-duty-officer-390")

    boss = new_page(kapolsek_tambora, viewport=DESKTOP)
    boss.goto("/requests/")
    boss.fill("input[name=note]", "Setuju")
    boss.click("form.decide button[value=approve]")
    boss.wait_for_selector(".messages .success")
    screenshot(boss, "requests-commander-1366")
    swap = SwapRequest.objects.get()
    assert swap.status == RequestStatus.APPROVED
    shift.refresh_from_db()
    assert shift.precinct == gambir

    piket.goto("/requests/")
    assert "badge ok" in piket.inner_html(".req")
    piket.goto("/tonight/")
    assert piket.locator(f"a[href='/roster/{shift.pk}/']").count() == 0
    piket.set_viewport_size(PHONE)
