"""Tonight: the landing page, each role's view, the night arithmetic and warnings."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from schedules.models import ShiftStatus
from tests import factories
from tests.pages.conftest import NIGHT, make_nights

TONIGHT = reverse("tonight")


def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(TONIGHT)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_logging_in_lands_on_tonight(client, piket_tambora):
    response = client.post(
        reverse("login"),
        {"username": "piket.tambora", "password": factories.PASSWORD},
        follow=True,
    )

    assert response.redirect_chain[-1][0] == TONIGHT
    assert response.status_code == 200


def test_the_home_url_still_works_as_a_way_to_tonight(client, piket_tambora):
    client.force_login(piket_tambora)

    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == TONIGHT


def test_the_header_names_the_duty_night_with_both_dates_in_indonesian(
    client, night, kapolsek_tambora
):
    client.force_login(kapolsek_tambora)

    response = client.get(TONIGHT)

    assert "Sen 22 → Sel 23 Jan 2024" in response.content.decode()


def test_the_header_names_the_duty_night_with_both_dates_in_english(
    client, night, kapolsek_tambora
):
    client.force_login(kapolsek_tambora)

    response = client.get(TONIGHT, headers={"accept-language": "en"})

    assert "Mon 22 → Tue 23 Jan 2024" in response.content.decode()


def test_a_duty_officer_sees_own_names_and_only_counts_for_partners(
    client, night, tambora, gambir, piket_tambora
):
    ours = factories.OfficerFactory(precinct=tambora, name="Budi Santoso")
    theirs = factories.OfficerFactory(precinct=gambir, name="Gilang Ramadhan")
    factories.AssignmentFactory(shift=night[0], officer=ours)
    factories.AssignmentFactory(shift=night[2], officer=theirs)
    client.force_login(piket_tambora)

    body = client.get(TONIGHT).content.decode()

    assert "Budi Santoso" in body
    assert "Gilang Ramadhan" not in body
    assert theirs.nrp not in body
    assert theirs.phone not in body


def test_a_duty_officer_gets_an_edit_link_on_own_shifts_only(
    client, night, piket_tambora
):
    client.force_login(piket_tambora)

    body = client.get(TONIGHT).content.decode()

    own = [s for s in night if s.precinct.code == "tambora"]
    others = [s for s in night if s.precinct.code != "tambora"]
    for shift in own:
        assert reverse("schedules:shift", args=[shift.pk]) in body
    for shift in others:
        assert reverse("schedules:shift", args=[shift.pk]) not in body


def test_a_commander_sees_every_name_and_no_edit_control(
    client, night, gambir, kapolres_jakbar
):
    theirs = factories.OfficerFactory(precinct=gambir, name="Gilang Ramadhan")
    factories.AssignmentFactory(shift=night[2], officer=theirs, role="leader")
    client.force_login(kapolres_jakbar)

    body = client.get(TONIGHT).content.decode()

    assert "Gilang Ramadhan" in body
    assert "/roster/" not in body.split("<main", 1)[1]


def test_an_officer_sees_only_the_shift_they_are_on(client, night, officer_tambora):
    factories.AssignmentFactory(shift=night[3], officer=officer_tambora.officer)
    client.force_login(officer_tambora)

    response = client.get(TONIGHT)

    slots = response.context["board"].plans[0].slots
    assert [s.index for s in slots if s.shift] == [3]
    assert "Andi Saputra" in response.content.decode()


def test_short_and_uncovered_slots_are_flagged(client, plan, tambora, kapolres_jakbar):
    staffed = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=0)
    factories.AssignmentFactory.create_batch(2, shift=staffed)
    factories.ShiftFactory(
        plan=plan, precinct=None, status=ShiftStatus.UNCOVERED, night=NIGHT, slot=1
    )
    client.force_login(kapolres_jakbar)

    body = client.get(TONIGHT, headers={"accept-language": "en"}).content.decode()

    assert "Short of 2 officers (2 of 4)" in body
    assert "Uncovered: no precinct can take this slot" in body
    assert "1 slot uncovered" in body
    assert "Not scheduled yet" in body  # slots 2 to 4 were never generated


def test_the_now_marker_sits_on_the_slot_in_progress(client, night, kapolres_jakbar):
    # 02:30 WIB on Tuesday 23 January: the 02:00 slot of the night of the 22nd.
    with time_machine.travel(dt.datetime(2024, 1, 22, 19, 30, tzinfo=dt.UTC)):
        client.force_login(kapolres_jakbar)
        body = client.get(TONIGHT).content.decode()

    assert body.count("is-now") == 1
    assert 'class="now-line" style="left: 50.00%"' in body


def test_there_is_no_now_marker_before_the_window(client, night, kapolres_jakbar):
    client.force_login(kapolres_jakbar)

    body = client.get(TONIGHT).content.decode()

    assert "is-now" not in body
    assert "now-line" not in body


def test_arrows_lead_to_the_previous_and_next_nights(client, night, kapolres_jakbar):
    client.force_login(kapolres_jakbar)

    body = client.get(TONIGHT).content.decode()

    assert 'href="?night=2024-01-21"' in body
    assert 'href="?night=2024-01-23"' in body


def test_any_night_can_be_shown_by_date(
    client, plan, tambora, tanjungduren, gambir, kapolres_jakbar
):
    make_nights(plan, [tambora, tanjungduren, gambir], first=NIGHT, count=4)
    client.force_login(kapolres_jakbar)

    response = client.get(TONIGHT, {"night": "2024-01-25"})

    assert response.status_code == 200
    assert response.context["board"].plans[0].night == dt.date(2024, 1, 25)
    assert "Kam 25 → Jum 26 Jan 2024" in response.content.decode()
    assert "Back to tonight" in response.content.decode() or "/tonight/" in (
        response.content.decode()
    )


def test_a_night_that_is_not_a_date_is_a_clear_400(client, night, kapolres_jakbar):
    client.force_login(kapolres_jakbar)

    response = client.get(
        TONIGHT, {"night": "23-01-2024"}, headers={"accept-language": "en"}
    )

    assert response.status_code == 400
    assert "That is not a date" in response.content.decode()
    assert response.context["board"].plans[0].night == NIGHT


def test_a_user_in_no_plan_is_told_so(client, db):
    user = factories.UserFactory(username="lonely")
    client.force_login(user)

    response = client.get(TONIGHT, headers={"accept-language": "en"})

    assert response.status_code == 200
    assert "No rotation plan of yours runs tonight." in response.content.decode()


@pytest.mark.parametrize("plans", [1, 20])
def test_tonight_runs_the_same_queries_for_1_and_100_shifts(
    client, plans, tambora, gambir, piket_tambora, django_assert_num_queries
):
    """20 plans of five slots each, every shift staffed: 100 shifts on one page.
    The board takes 9 queries and the live post status (patrols) 3 more."""
    zone = factories.ZoneFactory(precincts=[tambora, gambir])
    for index in range(plans):
        plan = factories.RotationPlanFactory(
            code=f"p{index}", zone=zone, members=[tambora, gambir]
        )
        for slot in range(1 if plans == 1 else 5):
            shift = factories.ShiftFactory(
                plan=plan, precinct=[tambora, gambir][slot % 2], night=NIGHT, slot=slot
            )
            factories.AssignmentFactory.create_batch(2, shift=shift)
    client.force_login(piket_tambora)

    with django_assert_num_queries(12):
        response = client.get(TONIGHT)

    assert len(response.context["board"].shifts) == (1 if plans == 1 else 100)


def test_an_officer_is_not_told_that_slots_hidden_from_them_are_unscheduled(
    client, night, officer_tambora
):
    factories.AssignmentFactory(shift=night[3], officer=officer_tambora.officer)
    client.force_login(officer_tambora)

    body = client.get(TONIGHT, headers={"accept-language": "en"}).content.decode()

    assert "Not scheduled yet" not in body
    assert body.count('<li class="slot') == 1


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01", "2024-02-30"])
def test_a_night_out_of_range_is_a_400_not_a_crash(
    client, night, kapolres_jakbar, value
):
    client.force_login(kapolres_jakbar)

    response = client.get(TONIGHT, {"night": value})

    assert response.status_code == 400


def test_during_the_window_a_duty_officer_still_sees_no_partner_names(
    client, night, tambora, gambir, piket_tambora
):
    """The live post status joins Tonight once the window opens: still no names."""
    theirs = factories.OfficerFactory(precinct=gambir, name="Gilang Ramadhan")
    factories.AssignmentFactory(shift=night[2], officer=theirs)
    # 02:30 WIB: Gambir holds the post.
    with time_machine.travel(dt.datetime(2024, 1, 22, 19, 30, tzinfo=dt.UTC)):
        client.force_login(piket_tambora)
        body = client.get(TONIGHT).content.decode()

    assert "Gilang" not in body
    assert theirs.nrp not in body
    assert theirs.phone not in body


def test_tonight_shows_a_roster_change_and_the_time_moving_on_after_it_was_shown(
    client, night, tambora, kapolsek_tambora
):
    """Slots and plans are rendered once per process for what they show
    (patrols board_slot and board_plan): a new officer on a slot, and the slot in
    progress once its time comes, are new renderings, never the old ones."""
    officer = factories.OfficerFactory(precinct=tambora, name="Gita Lestari")
    client.force_login(kapolsek_tambora)
    before = client.get(TONIGHT, headers={"accept-language": "en"}).text

    factories.AssignmentFactory(shift=night[0], officer=officer)
    after = client.get(TONIGHT, headers={"accept-language": "en"}).text
    with time_machine.travel(dt.datetime(2024, 1, 22, 17, 30, tzinfo=dt.UTC)):
        client.force_login(kapolsek_tambora)  # a new session: the old one idled out
        during = client.get(TONIGHT, headers={"accept-language": "en"}).text

    assert "Gita Lestari" not in before
    assert "Gita Lestari" in after
    assert "is-now" not in after
    assert "is-now" in during
    assert 'class="now-line"' in during
