"""The night board: which night, what each role sees, and a bounded query count."""

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from schedules.selectors.board import night_board
from tests import factories

NIGHT = dt.date(2024, 1, 22)
# 21:00 WIB on Monday 22 January: tonight is the 22nd.
EVENING = dt.datetime(2024, 1, 22, 14, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _evening():
    with time_machine.travel(EVENING, tick=False), translation.override("en"):
        yield


def staff_night(plan, holders, night=NIGHT, officers_per_shift=2):
    shifts = []
    for slot, precinct in enumerate(holders):
        shift = factories.ShiftFactory(
            plan=plan, precinct=precinct, night=night, slot=slot
        )
        factories.AssignmentFactory.create_batch(officers_per_shift, shift=shift)
        shifts.append(shift)
    return shifts


def test_tonight_is_the_coming_night_in_the_evening(plan, tambora, admin_user):
    staff_night(plan, [tambora])

    board = night_board(user=admin_user)

    [row] = board.plans
    assert row.night == NIGHT
    assert [s.index for s in row.slots] == [0, 1, 2, 3, 4]
    assert row.slots[0].start.isoformat() == "2024-01-23T00:00:00+07:00"
    assert row.slots[0].shift.precinct == tambora
    assert row.slots[1].shift is None


def test_at_three_in_the_morning_tonight_is_the_night_in_progress(plan, admin_user):
    board = night_board(
        user=admin_user, at=dt.datetime(2024, 1, 22, 20, 0, tzinfo=dt.UTC)
    )

    assert board.plans[0].night == NIGHT


def test_a_duty_officer_sees_own_personnel_but_only_counts_of_partners(
    plan, tambora, gambir, piket_tambora
):
    staff_night(plan, [tambora, gambir])

    board = night_board(user=piket_tambora, night=NIGHT)

    own, partner = (s.shift for s in board.plans[0].slots[:2])
    assert len(own.officers) == 2
    assert own.can_edit
    assert partner.officers is None
    assert partner.officer_count == 2
    assert not partner.can_edit


def test_a_commander_sees_every_roster_and_edits_none(
    plan, tambora, gambir, kapolres_jakbar
):
    staff_night(plan, [tambora, gambir])

    board = night_board(user=kapolres_jakbar, night=NIGHT)

    assert all(s.officers is not None for s in board.shifts)
    assert not any(s.can_edit for s in board.shifts)


def test_a_precinct_outside_every_plan_sees_an_empty_board(plan, tambora, db):
    staff_night(plan, [tambora])
    outsider = factories.make_staff(
        "piket.menteng", "duty_officer", precinct=factories.PrecinctFactory()
    )

    assert night_board(user=outsider, night=NIGHT).plans == []


def test_an_officer_sees_only_the_shifts_they_are_on(plan, tambora, officer_tambora):
    shifts = staff_night(plan, [tambora, tambora])
    factories.AssignmentFactory(shift=shifts[0], officer=officer_tambora.officer)

    board = night_board(user=officer_tambora, night=NIGHT)

    assert [s.id for s in board.shifts] == [shifts[0].pk]
    assert board.shifts[0].officer_count == 3


def test_flags_show_short_and_uncovered_slots(plan, tambora, admin_user):
    staff_night(plan, [tambora], officers_per_shift=1)
    factories.ShiftFactory(
        plan=plan, precinct=None, status="uncovered", night=NIGHT, slot=1
    )

    row = night_board(user=admin_user, night=NIGHT).plans[0]

    assert row.slots[0].shift.short_by == plan.min_officers - 1
    assert row.slots[1].shift.uncovered
    assert row.slots[1].shift.short_by == 0
    assert (row.short_count, row.uncovered_count) == (1, 1)


def test_the_leader_comes_first(plan, tambora, admin_user):
    shift = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT)
    factories.AssignmentFactory(shift=shift, officer__name="Aaa")
    factories.AssignmentFactory(shift=shift, officer__name="Zzz", role="leader")

    [board_shift] = night_board(user=admin_user, night=NIGHT).shifts

    assert [o.name for o in board_shift.officers] == ["Zzz", "Aaa"]
    assert board_shift.officers[0].is_leader


def test_a_night_outside_the_plans_validity_shows_no_plan(plan, admin_user):
    assert night_board(user=admin_user, night=dt.date(2024, 1, 1)).plans == []


@pytest.mark.parametrize("plans", [1, 6])
def test_the_board_takes_a_bounded_number_of_queries(
    plans, tambora, gambir, tanjungduren, piket_tambora, django_assert_max_num_queries
):
    for _ in range(plans):
        plan = factories.RotationPlanFactory(members=[tambora, gambir, tanjungduren])
        staff_night(plan, [tambora, gambir, tanjungduren, tambora, gambir])
    piket_tambora.refresh_from_db()

    with django_assert_max_num_queries(7):
        board = night_board(user=piket_tambora, night=NIGHT)
        assert sum(1 for _ in board.shifts) == 5 * plans
        # Everything a page renders is loaded already.
        for shift in board.shifts:
            str(shift.precinct)
            [o.name for o in shift.officers or []]
