"""The calendar: week and month grids per plan, the precinct filter, the tallies."""

import datetime as dt

import pytest
from django.urls import reverse

from schedules.models import Reason
from tests import factories
from tests.pages.conftest import NIGHT, make_nights

CALENDAR = reverse("schedules:calendar")


@pytest.fixture
def january(plan, tambora, tanjungduren, gambir):
    return make_nights(
        plan, [tambora, tanjungduren, gambir], first=dt.date(2024, 1, 1), count=31
    )


def test_the_week_starts_on_monday_and_shows_seven_nights(
    client, january, kapolres_jakbar
):
    client.force_login(kapolres_jakbar)

    response = client.get(CALENDAR)

    rows = response.context["rows"]
    assert [r.night for r in rows] == [NIGHT + dt.timedelta(days=i) for i in range(7)]
    assert all(len(r.cells) == 5 for r in rows)
    assert rows[0].cells[0].precinct.code == "tambora"


def test_the_month_shows_every_night_of_it(client, january, kapolres_jakbar):
    client.force_login(kapolres_jakbar)

    response = client.get(CALENDAR, {"view": "month", "date": "2024-01-15"})

    assert len(response.context["rows"]) == 31
    assert response.context["first"] == dt.date(2024, 1, 1)


def test_the_arrows_move_by_one_period(client, january, kapolres_jakbar):
    client.force_login(kapolres_jakbar)

    response = client.get(CALENDAR, {"view": "month", "date": "2024-01-15"})

    assert response.context["previous_anchor"] == dt.date(2023, 12, 31)
    assert response.context["next_anchor"] == dt.date(2024, 2, 1)
    assert "date=2024-02-01" in response.content.decode()


def test_the_fairness_summary_counts_minutes_and_slot_positions_per_precinct(
    client, january, kapolres_jakbar
):
    client.force_login(kapolres_jakbar)

    response = client.get(CALENDAR)

    rows = {p.code: row for p, row in response.context["fairness_rows"]}
    # 7 nights × 5 slots = 35 hours over three precincts, rotating one step a night.
    assert sum(r.minutes for r in rows.values()) == 35 * 60
    assert rows["tambora"].positions == [3, 2, 2, 3, 2]
    assert rows["gambir"].minutes == 11 * 60


def test_the_fairness_summary_shows_cover_given_and_the_debt_it_leaves(
    client, plan, tambora, gambir, kapolres_jakbar
):
    shift = factories.ShiftFactory(
        plan=plan,
        precinct=gambir,
        night=NIGHT,
        slot=0,
        reason=Reason.SUBSTITUTE,
        substitute_for=tambora,
    )
    assert shift.precinct == gambir
    client.force_login(kapolres_jakbar)

    response = client.get(CALENDAR, headers={"accept-language": "en"})

    rows = {p.code: row for p, row in response.context["fairness_rows"]}
    assert rows["gambir"].substitutions_given == 1
    assert rows["tambora"].substitutions_received == 1
    assert "Debts and repayments" in response.content.decode()


def test_highlighting_a_precinct_dims_the_others(
    client, january, gambir, kapolres_jakbar
):
    client.force_login(kapolres_jakbar)

    body = client.get(CALENDAR, {"precinct": gambir.pk}).content.decode()

    assert body.count('class="cell dim"') == 35 - 11
    assert body.count('class="cell"') == 11


def test_a_partner_duty_officer_sees_the_shared_plan_but_no_names(
    client, january, tambora, piket_gambir
):
    factories.AssignmentFactory(
        shift=january[21 * 5], officer__name="Budi Santoso", officer__precinct=tambora
    )
    client.force_login(piket_gambir)

    response = client.get(CALENDAR)

    assert response.status_code == 200
    assert "Budi Santoso" not in response.content.decode()


def test_a_plan_the_user_cannot_see_is_a_form_error(
    client, january, jakpus, kapolres_jakbar
):
    other_zone = factories.ZoneFactory(code="monas")
    hidden = factories.RotationPlanFactory(
        code="monas",
        zone=other_zone,
        members=[factories.PrecinctFactory(command=jakpus)],
    )
    client.force_login(kapolres_jakbar)

    response = client.get(
        CALENDAR, {"plan": hidden.pk}, headers={"accept-language": "en"}
    )

    assert response.status_code == 400
    assert response.context["plan"] != hidden
    assert "Select a valid choice" in response.content.decode()


def test_a_bad_date_or_view_is_a_form_error(client, january, kapolres_jakbar):
    client.force_login(kapolres_jakbar)

    response = client.get(CALENDAR, {"date": "soon", "view": "year"})

    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"date", "view"}


def test_a_user_in_no_plan_sees_an_empty_calendar(client, db):
    client.force_login(factories.UserFactory(username="nobody"))

    response = client.get(CALENDAR, headers={"accept-language": "en"})

    assert response.status_code == 200
    assert "No rotation plan includes your precinct yet." in response.content.decode()


@pytest.mark.parametrize("nights", [1, 20])
def test_the_calendar_runs_the_same_queries_for_1_and_100_shifts(
    client,
    plan,
    tambora,
    tanjungduren,
    gambir,
    nights,
    kapolres_jakbar,
    django_assert_num_queries,
):
    """A month view: one night of one shift, or 20 nights × 5 slots = 100 shifts."""
    shifts = make_nights(
        plan, [tambora, tanjungduren, gambir], first=dt.date(2024, 1, 1), count=nights
    )
    if nights == 1:
        for shift in shifts[1:]:
            shift.delete()
    client.force_login(kapolres_jakbar)

    # The tenth: the members' officers, for their staffing limits.
    with django_assert_num_queries(10):
        response = client.get(CALENDAR, {"view": "month"})

    cells = [c for r in response.context["rows"] for c in r.cells if c]
    assert len(cells) == (1 if nights == 1 else 100)


def test_a_duty_officers_own_coming_shifts_link_to_the_roster_editor(
    client, january, piket_tambora
):
    client.force_login(piket_tambora)

    body = client.get(CALENDAR).content.decode()

    own = [s for s in january if s.precinct.code == "tambora" and s.night >= NIGHT]
    partner = [s for s in january if s.precinct.code != "tambora"]
    week = [s for s in own if s.night < NIGHT + dt.timedelta(days=7)]
    for shift in week:
        assert reverse("schedules:shift", args=[shift.pk]) in body
    for shift in partner:
        assert reverse("schedules:shift", args=[shift.pk]) not in body


@pytest.mark.parametrize("value", ["9999-12-31", "0001-01-01"])
def test_a_date_out_of_range_is_a_400_not_a_crash(
    client, january, kapolres_jakbar, value
):
    client.force_login(kapolres_jakbar)

    response = client.get(CALENDAR, {"view": "month", "date": value})

    assert response.status_code == 400
    assert "date" in response.context["form"].errors
