import datetime as dt

import pytest
import time_machine
from django.core.management import call_command

from notices import reminders, tasks
from notices.models import Notification, NotificationKind
from precincts.models import Role
from schedules.models import AssignmentRole
from tests import factories
from tests.notices.conftest import wib

NIGHT = dt.date(2024, 1, 22)


@pytest.fixture
def tonight(plan, tambora, tanjungduren, gambir):
    """Tambora holds 00:00–02:00 with 4 then 2 officers; Gambir 02:00–03:00 with 1;
    Tanjung Duren 03:00–05:00 fully staffed."""
    holders = [tambora, tambora, gambir, tanjungduren, tanjungduren]
    counts = [4, 2, 1, 4, 4]
    shifts = []
    for slot, (precinct, count) in enumerate(zip(holders, counts, strict=True)):
        shift = factories.ShiftFactory(
            plan=plan, precinct=precinct, night=NIGHT, slot=slot
        )
        for _ in range(count):
            factories.AssignmentFactory(shift=shift)
        shifts.append(shift)
    return shifts


@pytest.fixture
def piket_tanjungduren(tanjungduren):
    return factories.make_staff(
        "piket.tanjungduren", Role.DUTY_OFFICER, precinct=tanjungduren
    )


def test_roster_reminder_waits_for_the_plans_time(tonight, piket_tambora):
    assert reminders.send_roster_reminders(at=wib(22, 19, 59)) == []
    assert len(reminders.send_roster_reminders(at=wib(22, 20, 0))) == 1


def test_only_precincts_with_a_short_roster_tonight_are_reminded(
    tonight, piket_tambora, piket_gambir, piket_tanjungduren
):
    sent = reminders.send_roster_reminders(at=wib(22, 20, 5))
    assert {n.recipient for n in sent} == {piket_tambora, piket_gambir}
    tambora_notice = next(n for n in sent if n.recipient == piket_tambora)
    assert "01:00–02:00: 2 of 4 officers" in tambora_notice.body
    assert "00:00–01:00" not in tambora_notice.body
    assert tambora_notice.night == NIGHT


def test_roster_reminder_time_is_set_per_plan_in_its_time_zone(
    plan, tonight, piket_tambora
):
    plan.reminder_time = dt.time(18, 0)
    plan.save()
    assert len(reminders.send_roster_reminders(at=wib(22, 18, 0))) == 1


def test_roster_reminders_twice_send_once(
    tonight, piket_tambora, piket_gambir, mailoutbox, django_capture_on_commit_callbacks
):
    for minute in (0, 5):
        with (
            time_machine.travel(wib(22, 20, minute), tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            tasks.send_roster_reminders.delay()
    assert Notification.objects.filter(kind=NotificationKind.ROSTER_SHORT).count() == 2
    assert len(mailoutbox) == 2


def test_officers_are_reminded_two_hours_before_their_shift_once(plan, tambora):
    shift = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=1)
    later = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=2)
    user = factories.make_staff("bripda.x", Role.OFFICER, precinct=tambora)
    officer = factories.OfficerFactory(precinct=tambora, user=user)
    factories.AssignmentFactory(
        shift=shift, officer=officer, role=AssignmentRole.LEADER
    )
    factories.AssignmentFactory(shift=later, officer=officer)
    factories.AssignmentFactory(shift=shift)  # an officer without a login
    assert reminders.send_shift_reminders(at=wib(22, 22, 59)) == []
    [notice] = reminders.send_shift_reminders(at=wib(22, 23, 0))
    assert notice.recipient == user
    assert "01:00" in notice.title
    assert "01:00–02:00, 02:00–03:00" in notice.body
    assert reminders.send_shift_reminders(at=wib(22, 23, 5)) == []
    assert reminders.send_shift_reminders(at=wib(23, 0, 30)) == []


def test_no_reminder_for_a_shift_already_started(plan, tambora):
    shift = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=0)
    user = factories.make_staff("bripda.y", Role.OFFICER, precinct=tambora)
    factories.AssignmentFactory(
        shift=shift, officer=factories.OfficerFactory(precinct=tambora, user=user)
    )
    assert reminders.send_shift_reminders(at=wib(23, 0, 1)) == []


def test_reminders_command_acts_at_the_given_instant(tonight, piket_tambora):
    call_command("send_reminders", "--at", "2024-01-22T20:00:00+07:00")
    assert Notification.objects.filter(recipient=piket_tambora).count() == 1


def test_a_repeated_shift_reminder_run_does_not_query_per_officer(
    plan, tambora, django_assert_max_num_queries
):
    shift = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=1)
    for i in range(6):
        user = factories.make_staff(f"bripda.{i}", Role.OFFICER, precinct=tambora)
        factories.AssignmentFactory(
            shift=shift, officer=factories.OfficerFactory(precinct=tambora, user=user)
        )
    assert len(reminders.send_shift_reminders(at=wib(22, 23, 30))) == 6
    # The due assignments, the keys already sent, and the savepoint pair.
    with django_assert_max_num_queries(4):
        assert reminders.send_shift_reminders(at=wib(22, 23, 35)) == []
