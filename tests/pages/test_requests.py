"""Requests: duty officers ask for blackouts and swaps, commanders decide."""

import datetime as dt

import pytest
from django.urls import reverse

from schedules.models import Blackout, Reason, RequestStatus, SwapRequest
from tests import factories
from tests.pages.conftest import make_nights

EN = {"accept-language": "en"}
REQUESTS = reverse("schedules:requests")


def ask_blackout(client, precinct, **changes):
    data = {
        "precinct": precinct.pk,
        "start": "2024-01-25T00:00",
        "end": "2024-01-26T05:00",
        "reason": "Operasi Lilin",
    }
    data.update(changes)
    return client.post(reverse("schedules:new_blackout"), data, headers=EN)


@pytest.fixture
def blackout(tambora, piket_tambora):
    return Blackout.objects.create(
        precinct=tambora,
        start=dt.datetime(2024, 1, 24, 17, 0, tzinfo=dt.UTC),
        end=dt.datetime(2024, 1, 25, 22, 0, tzinfo=dt.UTC),
        reason="Pengamanan pemilu",
        requested_by=piket_tambora,
    )


@pytest.fixture
def swap(night, gambir, piket_tambora):
    return SwapRequest.objects.create(
        shift=night[0],
        from_precinct=night[0].precinct,
        to_precinct=gambir,
        requested_by=piket_tambora,
        note="Personel apel pagi",
    )


def test_a_duty_officer_asks_for_a_blackout(client, tambora, piket_tambora):
    client.force_login(piket_tambora)

    response = ask_blackout(client, tambora)

    assert response.status_code == 302
    blackout = Blackout.objects.get()
    assert blackout.status == RequestStatus.PENDING
    assert blackout.start.isoformat() == "2024-01-24T17:00:00+00:00"
    page = client.get(REQUESTS, headers=EN).content.decode()
    assert "Operasi Lilin" in page
    assert "pending" in page


def test_a_commanders_own_blackout_says_it_is_approved(
    client, tambora, kapolsek_tambora
):
    client.force_login(kapolsek_tambora)

    response = client.post(
        reverse("schedules:new_blackout"),
        {
            "precinct": tambora.pk,
            "start": "2024-01-25T00:00",
            "end": "2024-01-26T05:00",
            "reason": "Operasi Lilin",
        },
        headers=EN,
        follow=True,
    )

    assert Blackout.objects.get().status == RequestStatus.APPROVED
    messages = [str(m) for m in response.context["messages"]]
    assert messages == ["Blackout approved."]


def test_a_blackout_that_ends_before_it_starts_is_shown_next_to_the_field(
    client, tambora, piket_tambora
):
    client.force_login(piket_tambora)

    response = ask_blackout(client, tambora, end="2024-01-24T05:00")

    assert response.status_code == 400
    assert response.context["blackout_form"].errors["end"] == [
        "The end must come after the start."
    ]
    assert not Blackout.objects.exists()


def test_a_blackout_without_a_reason_or_dates_is_refused(
    client, tambora, piket_tambora
):
    client.force_login(piket_tambora)

    response = ask_blackout(client, tambora, reason="", start="tomorrow")

    assert response.status_code == 400
    assert set(response.context["blackout_form"].errors) == {"reason", "start"}


def test_a_blackout_for_another_precinct_is_not_a_choice(client, gambir, piket_tambora):
    client.force_login(piket_tambora)

    response = ask_blackout(client, gambir)

    assert response.status_code == 400
    assert "precinct" in response.context["blackout_form"].errors
    assert not Blackout.objects.exists()


def test_the_commander_approves_a_pending_blackout(client, blackout, kapolsek_tambora):
    client.force_login(kapolsek_tambora)
    page = client.get(REQUESTS).content.decode()
    assert reverse("schedules:blackout", args=[blackout.pk]) in page
    detail = client.get(reverse("schedules:blackout", args=[blackout.pk]))
    assert reverse("schedules:decide_blackout", args=[blackout.pk]) in (
        detail.content.decode()
    )

    response = client.post(
        reverse("schedules:decide_blackout", args=[blackout.pk]),
        {"decision": "approve"},
    )

    assert response.status_code == 302
    blackout.refresh_from_db()
    assert blackout.status == RequestStatus.APPROVED
    assert blackout.decided_by == kapolsek_tambora


def test_the_commander_rejects_with_a_note_and_the_requester_sees_it(
    client, blackout, kapolsek_tambora, piket_tambora
):
    client.force_login(kapolsek_tambora)
    client.post(
        reverse("schedules:decide_blackout", args=[blackout.pk]),
        {"decision": "reject", "note": "Personel cukup"},
    )

    client.force_login(piket_tambora)
    page = client.get(REQUESTS, headers=EN).content.decode()

    assert "rejected" in page
    assert "Personel cukup" in page


def test_a_duty_officer_sees_no_decision_buttons_and_a_forged_decision_gets_403(
    client, blackout, piket_tambora
):
    client.force_login(piket_tambora)
    page = client.get(reverse("schedules:blackout", args=[blackout.pk]))
    assert page.status_code == 200
    assert reverse("schedules:decide_blackout", args=[blackout.pk]) not in (
        page.content.decode()
    )

    response = client.post(
        reverse("schedules:decide_blackout", args=[blackout.pk]),
        {"decision": "approve"},
    )

    assert response.status_code == 403
    blackout.refresh_from_db()
    assert blackout.status == RequestStatus.PENDING


def test_another_commands_commander_cannot_find_the_blackout(client, blackout, gambir):
    from precincts.models import Role

    kapolsek_gambir = factories.make_staff(
        "kapolsek.gambir", Role.COMMANDER, precinct=gambir
    )
    client.force_login(kapolsek_gambir)

    response = client.post(
        reverse("schedules:decide_blackout", args=[blackout.pk]),
        {"decision": "approve"},
    )

    assert response.status_code == 404


def test_deciding_twice_is_a_clear_message(client, blackout, kapolsek_tambora):
    client.force_login(kapolsek_tambora)
    url = reverse("schedules:decide_blackout", args=[blackout.pk])
    client.post(url, {"decision": "approve"})

    response = client.post(url, {"decision": "reject"}, follow=True, headers=EN)

    assert "already approved" in response.content.decode()


def test_a_decision_that_is_neither_approve_nor_reject_changes_nothing(
    client, blackout, kapolsek_tambora
):
    client.force_login(kapolsek_tambora)

    client.post(
        reverse("schedules:decide_blackout", args=[blackout.pk]),
        {"decision": "maybe"},
    )

    blackout.refresh_from_db()
    assert blackout.status == RequestStatus.PENDING


# --- swaps --------------------------------------------------------------------------


def test_a_duty_officer_asks_to_hand_a_shift_to_a_partner(
    client, night, gambir, piket_tambora
):
    client.force_login(piket_tambora)
    form = client.get(REQUESTS).context["swap_form"]
    assert set(form.fields["shift"].queryset) == {night[0], night[3]}
    assert set(form.fields["to_precinct"].queryset.values_list("code", flat=True)) == {
        "tanjung-duren",
        "gambir",
    }

    response = client.post(
        reverse("schedules:new_swap"),
        {"shift": night[0].pk, "to_precinct": gambir.pk, "note": "Apel"},
    )

    assert response.status_code == 302
    swap = SwapRequest.objects.get()
    assert (swap.from_precinct.code, swap.to_precinct.code) == ("tambora", "gambir")


def test_the_swap_form_lists_shifts_by_time_precinct_and_plan_escaped(
    client, night, gambir, piket_tambora
):
    gambir.name = "Polsek <b>Gambir</b>"
    gambir.save()
    client.force_login(piket_tambora)

    page = client.get(REQUESTS, headers=EN).content.decode()

    # Night 22 Jan 2024, first slot 00:00-01:00 WIB, held by Tambora (the asker).
    mine = (
        f'<option value="{night[0].pk}">Mon 22 → Tue 23 Jan 2024, 00:00–01:00 WIB'
        " · Polsek Tambora · "
    )
    assert mine in page
    assert "Polsek &lt;b&gt;Gambir&lt;/b&gt;" in page
    assert "<b>Gambir</b>" not in page
    # The form posted back keeps the choice selected.
    response = client.post(
        reverse("schedules:new_swap"),
        {"shift": night[0].pk, "to_precinct": gambir.pk, "counter_shift": "x"},
        headers=EN,
    )
    assert f'<option value="{night[0].pk}" selected>' in response.content.decode()


def test_the_swap_form_names_days_in_each_readers_language(
    client, night, piket_tambora
):
    """The day labels are cached per day: a page read in Indonesian, then in
    English, then in Indonesian again names the days in each reader's language."""
    client.force_login(piket_tambora)
    option = f'<option value="{night[0].pk}">'

    def label(language):
        page = client.get(REQUESTS, headers={"accept-language": language})
        text = page.content.decode()
        return text[text.index(option) + len(option) :].split(" 00:00")[0]

    assert [label("id"), label("en"), label("id")] == [
        "Sen 22 → Sel 23 Jan 2024,",
        "Mon 22 → Tue 23 Jan 2024,",
        "Sen 22 → Sel 23 Jan 2024,",
    ]


def test_a_trade_must_take_a_shift_of_the_partner_named(
    client, night, tanjungduren, piket_tambora
):
    client.force_login(piket_tambora)

    response = client.post(
        reverse("schedules:new_swap"),
        {
            "shift": night[0].pk,
            "to_precinct": tanjungduren.pk,
            "counter_shift": night[2].pk,  # Gambir's
        },
        headers=EN,
    )

    assert response.status_code == 400
    assert "not held by Polsek Tanjung Duren" in response.content.decode()
    assert not SwapRequest.objects.exists()


def test_a_partners_shift_cannot_be_offered(client, night, gambir, piket_tambora):
    client.force_login(piket_tambora)

    response = client.post(
        reverse("schedules:new_swap"),
        {"shift": night[2].pk, "to_precinct": gambir.pk},
    )

    assert response.status_code == 400
    assert "shift" in response.context["swap_form"].errors


def test_a_second_pending_swap_of_one_shift_is_refused(
    client, swap, night, tanjungduren, piket_tambora
):
    client.force_login(piket_tambora)

    response = client.post(
        reverse("schedules:new_swap"),
        {"shift": night[0].pk, "to_precinct": tanjungduren.pk},
        headers=EN,
    )

    assert response.status_code == 400
    assert "already has a pending swap" in response.content.decode()


def test_the_commander_approves_a_swap_and_the_shift_changes_hands(
    client, swap, night, kapolsek_tambora, piket_gambir
):
    client.force_login(kapolsek_tambora)

    client.post(
        reverse("schedules:decide_swap", args=[swap.pk]), {"decision": "approve"}
    )
    night[0].refresh_from_db()
    assert night[0].precinct.code == "tambora"  # until Gambir accepts
    client.force_login(piket_gambir)
    response = client.post(
        reverse("schedules:decide_swap", args=[swap.pk]),
        {"decision": "accept", "note": "Siap"},
        follow=True,
        headers=EN,
    )
    assert "the swap is carried out" in response.content.decode()

    night[0].refresh_from_db()
    assert night[0].precinct.code == "gambir"
    assert night[0].reason == Reason.SWAP
    swap.refresh_from_db()
    assert swap.status == RequestStatus.APPROVED
    assert swap.acceptance_note == "Siap"
    assert [row["shift"] for row in swap.moved][:1] == [night[0].pk]


def test_a_duty_officer_cannot_approve_their_own_swap(client, swap, piket_tambora):
    client.force_login(piket_tambora)

    response = client.post(
        reverse("schedules:decide_swap", args=[swap.pk]), {"decision": "approve"}
    )

    assert response.status_code == 403


def test_the_requester_withdraws_a_pending_swap(client, swap, piket_tambora):
    client.force_login(piket_tambora)

    response = client.post(reverse("schedules:withdraw_swap", args=[swap.pk]))

    assert response.status_code == 302
    swap.refresh_from_db()
    assert swap.status == RequestStatus.WITHDRAWN


def test_the_receiving_precinct_sees_the_swap_but_cannot_withdraw_it(
    client, swap, piket_gambir
):
    client.force_login(piket_gambir)
    assert "Personel apel pagi" in client.get(REQUESTS).content.decode()

    response = client.post(reverse("schedules:withdraw_swap", args=[swap.pk]))

    assert response.status_code == 403


def test_an_officer_sees_no_request_forms(client, officer_tambora):
    client.force_login(officer_tambora)

    response = client.get(REQUESTS, headers=EN)

    assert response.status_code == 200
    assert "Ask for a swap" not in response.content.decode()


@pytest.mark.parametrize("count", [1, 100])
def test_the_requests_page_runs_the_same_queries_for_1_and_100_shifts(
    client,
    plan,
    tambora,
    gambir,
    count,
    kapolsek_tambora,
    piket_tambora,
    django_assert_num_queries,
):
    """100 shifts in the swap form's choices, and as many requests in the lists."""
    shifts = make_nights(plan, [tambora, gambir], count=20)[:count]
    for shift in shifts:
        if shift.precinct == tambora:
            SwapRequest.objects.create(
                shift=shift, from_precinct=tambora, to_precinct=gambir
            )
        Blackout.objects.create(
            precinct=tambora, start=shift.start, end=shift.end, reason="x"
        )
    client.force_login(kapolsek_tambora)

    with django_assert_num_queries(12):
        response = client.get(REQUESTS)

    assert response.status_code == 200


def test_a_blackout_in_year_9999_is_a_form_error_not_a_crash(
    client, tambora, kapolsek_tambora
):
    client.force_login(kapolsek_tambora)

    response = ask_blackout(
        client, tambora, start="9999-12-31T00:00", end="9999-12-31T23:00"
    )

    assert response.status_code == 400
    assert set(response.context["blackout_form"].errors) == {"start", "end"}
    assert not Blackout.objects.exists()
