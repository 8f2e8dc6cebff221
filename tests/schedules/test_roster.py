"""Roster services: the rules, the version check, and what concurrency must give."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from schedules.models import Assignment, AssignmentRole, Shift, ShiftStatus
from schedules.services import roster
from tests import factories

# Monday 22 January 2024, 12:00 WIB: the night's 00:00–05:00 window is ahead.
NOON = dt.datetime(2024, 1, 22, 5, 0, tzinfo=dt.UTC)
NIGHT = dt.date(2024, 1, 22)


@pytest.fixture(autouse=True)
def _noon():
    with time_machine.travel(NOON, tick=False), translation.override("en"):
        yield


def make_shift(plan, precinct, *, night=NIGHT, slot=0, **kwargs):
    return factories.ShiftFactory(
        plan=plan, precinct=precinct, night=night, slot=slot, **kwargs
    )


def test_an_officer_of_the_holding_precinct_joins_the_shift(
    plan, tambora, piket_tambora
):
    shift = make_shift(plan, tambora)
    officer = factories.OfficerFactory(precinct=tambora)

    assignment = roster.assign_officer(shift=shift, officer=officer, by=piket_tambora)

    assert assignment.officer == officer
    assert assignment.assigned_by == piket_tambora
    assert assignment.role == AssignmentRole.MEMBER
    shift.refresh_from_db()
    assert shift.version == 2


def test_the_callers_shift_instance_follows_the_new_version(plan, tambora):
    shift = make_shift(plan, tambora)

    roster.assign_officer(
        shift=shift, officer=factories.OfficerFactory(precinct=tambora), by=None
    )

    assert shift.version == 2


def test_an_officer_of_another_precinct_is_refused(plan, tambora, gambir):
    shift = make_shift(plan, tambora)
    outsider = factories.OfficerFactory(precinct=gambir)

    with pytest.raises(ValidationError) as error:
        roster.assign_officer(shift=shift, officer=outsider, by=None)

    assert (
        "is not an officer of Polsek Tambora" in error.value.message_dict["officer"][0]
    )
    assert not Assignment.objects.exists()


def test_an_inactive_officer_is_refused(plan, tambora):
    shift = make_shift(plan, tambora)
    retired = factories.OfficerFactory(precinct=tambora, active=False)

    with pytest.raises(ValidationError) as error:
        roster.assign_officer(shift=shift, officer=retired, by=None)

    assert "not active" in error.value.message_dict["officer"][0]


def test_an_officer_on_an_overlapping_shift_of_another_plan_is_refused(
    plan, tambora, tanjungduren
):
    other_plan = factories.RotationPlanFactory(members=[tambora, tanjungduren])
    busy = make_shift(other_plan, tambora, slot=1)
    officer = factories.OfficerFactory(precinct=tambora)
    factories.AssignmentFactory(shift=busy, officer=officer)
    shift = make_shift(plan, tambora, slot=1)

    with pytest.raises(ValidationError) as error:
        roster.assign_officer(shift=shift, officer=officer, by=None)

    assert "overlapping shift" in error.value.message_dict["officer"][0]


def test_a_cancelled_overlapping_shift_does_not_count(plan, tambora, tanjungduren):
    other_plan = factories.RotationPlanFactory(members=[tambora, tanjungduren])
    gone = make_shift(other_plan, tambora, slot=1, status=ShiftStatus.CANCELLED)
    officer = factories.OfficerFactory(precinct=tambora)
    factories.AssignmentFactory(shift=gone, officer=officer)

    roster.assign_officer(
        shift=make_shift(plan, tambora, slot=1), officer=officer, by=None
    )


def test_rest_hours_separate_an_officers_shifts(plan, tambora):
    officer = factories.OfficerFactory(precinct=tambora)
    factories.AssignmentFactory(
        shift=make_shift(plan, tambora, slot=0), officer=officer
    )
    # Slot 3 starts two hours after slot 0 ends: less than the plan's 8 hours.
    later = make_shift(plan, tambora, slot=3)

    with pytest.raises(ValidationError) as error:
        roster.assign_officer(shift=later, officer=officer, by=None)

    assert "8 hours of rest" in error.value.message_dict["officer"][0]


def test_consecutive_slots_are_one_continuous_duty(plan, tambora):
    officer = factories.OfficerFactory(precinct=tambora)
    factories.AssignmentFactory(
        shift=make_shift(plan, tambora, slot=0), officer=officer
    )

    roster.assign_officer(
        shift=make_shift(plan, tambora, slot=1), officer=officer, by=None
    )


def test_the_next_night_is_far_enough_apart(plan, tambora):
    officer = factories.OfficerFactory(precinct=tambora)
    factories.AssignmentFactory(
        shift=make_shift(plan, tambora, slot=4), officer=officer
    )

    roster.assign_officer(
        shift=make_shift(plan, tambora, night=NIGHT + dt.timedelta(days=1)),
        officer=officer,
        by=None,
    )


def test_the_roster_never_goes_above_need(plan, tambora):
    shift = make_shift(plan, tambora)
    for _ in range(plan.min_officers):
        roster.assign_officer(
            shift=shift, officer=factories.OfficerFactory(precinct=tambora), by=None
        )

    with pytest.raises(ValidationError) as error:
        roster.assign_officer(
            shift=shift, officer=factories.OfficerFactory(precinct=tambora), by=None
        )

    assert "needs 4 officers and already has 4" in error.value.messages[0]


def test_the_same_officer_twice_is_a_field_error(plan, tambora):
    shift = make_shift(plan, tambora)
    officer = factories.OfficerFactory(precinct=tambora)
    roster.assign_officer(shift=shift, officer=officer, by=None)

    with pytest.raises(ValidationError) as error:
        roster.assign_officer(shift=shift, officer=officer, by=None)

    assert "already on this shift" in error.value.message_dict["officer"][0]


def test_a_stale_version_raises_shift_changed_and_changes_nothing(plan, tambora):
    shift = make_shift(plan, tambora)
    roster.assign_officer(
        shift=shift, officer=factories.OfficerFactory(precinct=tambora), by=None
    )

    with pytest.raises(roster.ShiftChanged) as changed:
        roster.assign_officer(
            shift=shift,
            officer=factories.OfficerFactory(precinct=tambora),
            by=None,
            expected_version=1,
        )

    assert changed.value.current_version == 2
    assert Assignment.objects.count() == 1


def test_the_current_version_is_accepted(plan, tambora):
    shift = make_shift(plan, tambora)

    roster.assign_officer(
        shift=shift,
        officer=factories.OfficerFactory(precinct=tambora),
        by=None,
        expected_version=1,
    )


@pytest.mark.parametrize("status", [ShiftStatus.CANCELLED, ShiftStatus.UNCOVERED])
def test_a_cancelled_or_uncovered_shift_cannot_be_edited(plan, tambora, status):
    precinct = None if status == ShiftStatus.UNCOVERED else tambora
    shift = make_shift(plan, precinct, status=status)

    with pytest.raises(ValidationError) as error:
        roster.assign_officer(
            shift=shift, officer=factories.OfficerFactory(precinct=tambora), by=None
        )

    assert "cannot be changed" in error.value.messages[0]


def test_an_ended_shift_is_closed(plan, tambora):
    shift = make_shift(plan, tambora)
    officer = factories.OfficerFactory(precinct=tambora)

    with (
        time_machine.travel(dt.datetime(2024, 1, 23, 0, 0, tzinfo=dt.UTC)),
        pytest.raises(ValidationError) as error,
    ):
        roster.assign_officer(shift=shift, officer=officer, by=None)

    assert "has ended" in error.value.messages[0]


def test_removing_an_officer_bumps_the_version(plan, tambora):
    shift = make_shift(plan, tambora)
    officer = factories.OfficerFactory(precinct=tambora)
    roster.assign_officer(shift=shift, officer=officer, by=None)

    roster.remove_officer(shift=shift, officer=officer, by=None, expected_version=2)

    assert not shift.assignments.exists()
    assert Shift.objects.get(pk=shift.pk).version == 3


def test_removing_an_officer_who_is_not_on_the_shift_is_a_field_error(plan, tambora):
    shift = make_shift(plan, tambora)

    with pytest.raises(ValidationError) as error:
        roster.remove_officer(
            shift=shift, officer=factories.OfficerFactory(precinct=tambora), by=None
        )

    assert "is not on this shift" in error.value.message_dict["officer"][0]
    assert Shift.objects.get(pk=shift.pk).version == 1


def test_a_new_leader_demotes_the_previous_one(plan, tambora):
    shift = make_shift(plan, tambora)
    first, second = factories.OfficerFactory.create_batch(2, precinct=tambora)
    roster.assign_officer(shift=shift, officer=first, by=None, role="leader")
    roster.assign_officer(shift=shift, officer=second, by=None)

    roster.set_leader(shift=shift, officer=second, by=None)

    roles = dict(shift.assignments.values_list("officer_id", "role"))
    assert roles == {first.pk: "member", second.pk: "leader"}
    assert Shift.objects.get(pk=shift.pk).version == 4


def test_setting_a_leader_who_is_not_on_the_shift_adds_them_under_the_rules(
    plan, tambora, gambir
):
    shift = make_shift(plan, tambora)
    leader = factories.OfficerFactory(precinct=tambora)

    roster.set_leader(shift=shift, officer=leader, by=None)

    assert shift.assignments.get().role == "leader"
    with pytest.raises(ValidationError):
        roster.set_leader(
            shift=shift, officer=factories.OfficerFactory(precinct=gambir), by=None
        )


def test_an_unknown_role_is_a_field_error(plan, tambora):
    with pytest.raises(ValidationError) as error:
        roster.assign_officer(
            shift=make_shift(plan, tambora),
            officer=factories.OfficerFactory(precinct=tambora),
            by=None,
            role="captain",
        )

    assert "role" in error.value.message_dict


def test_copying_the_previous_team_brings_its_officers_and_leader(
    plan, tambora, gambir
):
    last_night = make_shift(plan, tambora, night=NIGHT - dt.timedelta(days=1), slot=2)
    team = factories.OfficerFactory.create_batch(3, precinct=tambora)
    factories.AssignmentFactory(shift=last_night, officer=team[0], role="leader")
    for officer in team[1:]:
        factories.AssignmentFactory(shift=last_night, officer=officer)
    # A shift of another precinct in between is not "the previous shift".
    factories.AssignmentFactory(
        shift=make_shift(plan, gambir, night=NIGHT - dt.timedelta(days=1), slot=3)
    )
    shift = make_shift(plan, tambora, slot=2)

    created = roster.copy_previous_team(shift=shift, by=None, expected_version=1)

    assert {a.officer_id for a in created} == {o.pk for o in team}
    assert shift.assignments.get(role="leader").officer == team[0]
    assert Shift.objects.get(pk=shift.pk).version == 2


def test_copying_is_all_or_nothing_when_one_officer_breaks_a_rule(plan, tambora):
    last_night = make_shift(plan, tambora, night=NIGHT - dt.timedelta(days=1))
    fit, gone = factories.OfficerFactory.create_batch(2, precinct=tambora)
    factories.AssignmentFactory(shift=last_night, officer=fit)
    factories.AssignmentFactory(shift=last_night, officer=gone)
    gone.active = False
    gone.save()
    shift = make_shift(plan, tambora)

    with pytest.raises(ValidationError) as error:
        roster.copy_previous_team(shift=shift, by=None)

    assert "not active" in error.value.message_dict["officer"][0]
    assert not shift.assignments.exists()


def test_copying_with_no_earlier_team_says_so(plan, tambora):
    with pytest.raises(ValidationError) as error:
        roster.copy_previous_team(shift=make_shift(plan, tambora), by=None)

    assert "no earlier team" in error.value.messages[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_editors_racing_for_one_officer_get_one_success_and_one_clean_error(
    plan, tambora, tanjungduren
):
    """Two overlapping shifts of two plans, the same officer, two transactions."""
    other_plan = factories.RotationPlanFactory(members=[tambora, tanjungduren])
    shifts = [
        make_shift(plan, tambora, slot=1),
        make_shift(other_plan, tambora, slot=1),
    ]
    officer = factories.OfficerFactory(precinct=tambora)
    barrier = threading.Barrier(2)
    outcomes = []

    def edit(shift):
        try:
            barrier.wait()
            # A thread starts in the site's language; the assertion reads English.
            with translation.override("en"):
                roster.assign_officer(shift=shift, officer=officer, by=None)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.message_dict["officer"][0])
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(s,)) for s in shifts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert outcomes.count("ok") == 1
    [refusal] = [o for o in outcomes if o != "ok"]
    assert "overlapping shift" in refusal
    assert Assignment.objects.filter(officer=officer).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_editors_filling_the_last_place_get_one_success(plan, tambora):
    shift = make_shift(plan, tambora)
    for _ in range(plan.min_officers - 1):
        factories.AssignmentFactory(shift=shift)
    latecomers = factories.OfficerFactory.create_batch(2, precinct=tambora)
    barrier = threading.Barrier(2)
    outcomes = []

    def edit(officer):
        try:
            barrier.wait()
            roster.assign_officer(
                shift=Shift.objects.get(pk=shift.pk), officer=officer, by=None
            )
            outcomes.append("ok")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=edit, args=(o,)) for o in latecomers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["ok", "refused"]
    assert shift.assignments.count() == plan.min_officers
