"""Swaps between precincts in Chromium: asked by one side, approved by its
commander, accepted by the other side, which sees first what it would lose."""

import pytest

from precincts.models import Role
from schedules.models import RequestStatus, SwapRequest
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE, screenshot

pytestmark = pytest.mark.browser


def test_a_swap_is_asked_approved_accepted_and_the_requester_sees_the_outcome(
    new_page, tonight_shifts, gambir, piket_tambora, kapolsek_tambora, piket_gambir
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
    swap = SwapRequest.objects.get()

    boss = new_page(kapolsek_tambora, viewport=DESKTOP)
    boss.goto("/requests/")
    boss.click(f"a[href='/requests/swap/{swap.pk}/']")
    boss.fill("#note-approve", "Setuju")
    boss.click("form.decide button[value=approve]")
    boss.wait_for_selector(".messages .success")
    screenshot(boss, "requests-commander-1366")
    swap.refresh_from_db()
    assert swap.status == RequestStatus.PENDING  # Gambir has not accepted
    shift.refresh_from_db()
    assert shift.precinct != gambir

    partner = new_page(piket_gambir, viewport=DESKTOP)
    partner.goto(f"/requests/swap/{swap.pk}/")
    assert "Setuju" in partner.inner_text("main")
    assert partner.locator("table.moved tbody tr").count() >= 1
    partner.fill("#note-accept", "Siap")
    partner.click("form.decide button[value=accept]")
    partner.wait_for_selector(".messages .success")
    swap.refresh_from_db()
    assert swap.status == RequestStatus.APPROVED
    shift.refresh_from_db()
    assert shift.precinct == gambir

    piket.goto("/requests/")
    assert "badge ok" in piket.inner_html(".req")
    piket.goto("/tonight/")
    assert piket.locator(f"a[href='/roster/{shift.pk}/']").count() == 0
    piket.set_viewport_size(PHONE)


def test_the_gambir_trade_waits_for_tambora_who_sees_its_officers_first(
    new_page, tonight_shifts, tambora, gambir, piket_gambir, piket_tambora
):
    mine, theirs = tonight_shifts[2], tonight_shifts[0]
    team = factories.OfficerFactory.create_batch(12, precinct=tambora)
    for officer in team[:4]:
        factories.AssignmentFactory(shift=theirs, officer=officer)
    kapolsek_gambir = factories.make_staff("kg", Role.COMMANDER, precinct=gambir)

    asker = new_page(piket_gambir, viewport=DESKTOP)
    asker.goto("/requests/")
    asker.select_option("#id_shift", str(mine.pk))
    asker.select_option("#id_to_precinct", str(tambora.pk))
    asker.select_option("#id_counter_shift", str(theirs.pk))
    asker.click("form[action='/requests/swap/'] button.primary")
    asker.wait_for_selector(".messages .success")
    swap = SwapRequest.objects.get()
    boss = new_page(kapolsek_gambir, viewport=DESKTOP)
    boss.goto(f"/requests/swap/{swap.pk}/")
    boss.click("form.decide button[value=approve]")
    boss.wait_for_selector(".messages .success")
    theirs.refresh_from_db()
    assert (theirs.precinct, theirs.assignments.count()) == (tambora, 4)

    receiver = new_page(piket_tambora, viewport=DESKTOP)
    # Tonight's navigation counts what waits on the reader's decision.
    receiver.goto("/tonight/")
    badge = receiver.wait_for_selector("a[data-pending-badge] .badge")
    assert badge.inner_text() == "1"
    receiver.goto(f"/requests/swap/{swap.pk}/")
    listed = receiver.inner_text("ul.off-roster")
    assert all(officer.name in listed for officer in team[:4])
    screenshot(receiver, "swap-before-accepting-1366")
    receiver.click("form.decide button[value=accept]")
    receiver.wait_for_selector(".messages .success")

    theirs.refresh_from_db()
    assert theirs.precinct == gambir
    assert not theirs.assignments.exists()


def test_a_jakarta_barat_commander_cannot_approve_for_gambir(
    new_page, tonight_shifts, tambora, gambir, piket_gambir, kapolres_jakbar
):
    swap = SwapRequest.objects.create(
        shift=tonight_shifts[2],
        from_precinct=gambir,
        to_precinct=tambora,
        requested_by=piket_gambir,
    )
    page = new_page(kapolres_jakbar, viewport=DESKTOP)
    page.goto(f"/requests/swap/{swap.pk}/")
    # Jakarta Barat answers for Tambora (accept), never for Gambir (approve).
    assert page.locator("button[value=accept]").count() == 1
    assert page.locator("button[value=approve]").count() == 0
    token = page.input_value("form.decide input[name=csrfmiddlewaretoken]")
    response = page.request.post(
        f"/requests/swap/{swap.pk}/decide/",
        form={"decision": "approve", "csrfmiddlewaretoken": token},
    )
    assert response.status == 403
