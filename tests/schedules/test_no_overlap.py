"""One officer, never on two overlapping live shifts: whatever path writes.

On PostgreSQL the database refuses it (an exclusion constraint kept true by
triggers); the roster services and the admin say why before it comes to that.
"""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation

from schedules.models import Assignment, Shift, ShiftStatus
from schedules.services import generation, roster
from tests import factories
from tests.concurrency import backend_pid, run_together, wait_until_blocked

EN = {"accept-language": "en"}
# Far enough ahead that no shift has ended, so the roster services accept edits.
NIGHT = timezone.localdate() + dt.timedelta(days=10)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def other_plan(tambora, tanjungduren):
    return factories.RotationPlanFactory(
        name="Patroli Jembatan Besi", members=[tambora, tanjungduren]
    )


@pytest.fixture
def officer(tambora):
    return factories.OfficerFactory(precinct=tambora, name="Budi Santoso")


@pytest.fixture
def on_duty(plan, tambora, officer):
    """The officer on slot 1 (01:00–02:00 WIB) of the plan."""
    shift = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=1)
    factories.AssignmentFactory(shift=shift, officer=officer)
    return shift


@pytest.fixture
def rival(other_plan, tambora):
    """A shift of another plan at the same hour, with nobody on it yet."""
    return factories.ShiftFactory(
        plan=other_plan, precinct=tambora, night=NIGHT, slot=1
    )


def insert_raw(shift, officer, extra=""):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO schedules_assignment "
            f"(shift_id, officer_id, role, created_at{extra and ', ' + extra}) "
            f"VALUES (%s, %s, 'member', now(){extra and ', false'})",
            [shift.pk, officer.pk],
        )


# --- the database refuses every path (PostgreSQL) -----------------------------------


@pytest.mark.postgres
def test_raw_sql_cannot_put_an_officer_on_two_overlapping_shifts(on_duty, rival):
    officer = on_duty.assignments.get().officer
    with (
        pytest.raises(IntegrityError, match="assignment_officer_no_overlap"),
        transaction.atomic(),
    ):
        insert_raw(rival, officer)
    # Claiming the shift does not count is no way round it: triggers recompute.
    with (
        pytest.raises(IntegrityError, match="assignment_officer_no_overlap"),
        transaction.atomic(),
    ):
        insert_raw(rival, officer, extra="shift_live")
    assert not rival.assignments.exists()


@pytest.mark.postgres
def test_bulk_create_is_refused(on_duty, rival, officer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.bulk_create([Assignment(shift=rival, officer=officer)])
    assert not rival.assignments.exists()


@pytest.mark.postgres
def test_moving_a_shift_onto_another_of_its_officers_is_refused(
    on_duty, other_plan, tambora, officer
):
    later = factories.ShiftFactory(
        plan=other_plan, precinct=tambora, night=NIGHT, slot=3
    )
    factories.AssignmentFactory(shift=later, officer=officer)

    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.filter(pk=later.pk).update(start=on_duty.start, end=on_duty.end)
    later.refresh_from_db()
    assert later.start == on_duty.start + dt.timedelta(hours=2)


@pytest.mark.postgres
def test_cancelling_a_shift_frees_its_officers_and_reviving_it_clashes_again(
    on_duty, rival, officer
):
    Shift.objects.filter(pk=on_duty.pk).update(status=ShiftStatus.CANCELLED)

    Assignment.objects.bulk_create([Assignment(shift=rival, officer=officer)])

    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.filter(pk=on_duty.pk).update(status=ShiftStatus.SCHEDULED)
    assert rival.assignments.get().officer == officer


@pytest.mark.postgres
def test_touching_shifts_are_one_continuous_duty_not_an_overlap(
    on_duty, plan, tambora, officer
):
    next_slot = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=2)

    Assignment.objects.bulk_create([Assignment(shift=next_slot, officer=officer)])

    assert officer.assignments.count() == 2


@pytest.mark.postgres
def test_shifts_moved_together_are_judged_on_where_they_end_up(
    on_duty, plan, tambora, officer
):
    """Slots 1 and 2 move half an hour later in one statement: midway, slot 1's new
    hours overlap slot 2's old ones, which must not count."""
    next_slot = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=2)
    factories.AssignmentFactory(shift=next_slot, officer=officer)
    later = dt.timedelta(minutes=30)

    moved = Shift.objects.filter(pk__in=[on_duty.pk, next_slot.pk]).update(
        start=F("start") + later, end=F("end") + later
    )

    assert moved == 2
    # The copies follow: the old hour of slot 1 is free for the officer now.
    early = factories.ShiftFactory(
        plan=factories.RotationPlanFactory(members=[tambora]),
        precinct=tambora,
        night=NIGHT,
        slot=1,
        end=on_duty.start + later,
    )
    Assignment.objects.bulk_create([Assignment(shift=early, officer=officer)])
    with pytest.raises(IntegrityError), transaction.atomic():
        Shift.objects.filter(pk=early.pk).update(end=F("end") + dt.timedelta(seconds=1))


# --- the roster services and the admin say why --------------------------------------


def test_the_roster_service_refuses_with_officer_busy_naming_the_other_shift(
    on_duty, rival, officer
):
    with pytest.raises(roster.OfficerBusy) as error:
        roster.assign_officer(shift=rival, officer=officer, by=None)

    [message] = error.value.message_dict["officer"]
    assert "Budi Santoso" in message
    assert "is already on an overlapping shift" in message
    assert "Patroli stasioner BKB" in message
    assert isinstance(error.value, ValidationError)


def test_the_admin_refuses_an_overlapping_assignment_with_a_message(
    client, admin_user, on_duty, rival, officer
):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:schedules_assignment_add"),
        {"shift": rival.pk, "officer": officer.pk, "role": "member"},
        headers=EN,
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["officer"]
    assert "Budi Santoso" in errors[0]
    assert "is already on an overlapping shift" in errors[0]
    assert not rival.assignments.exists()


def shift_change_data(client, shift, **changes):
    form = client.get(reverse("admin:schedules_shift_change", args=[shift.pk]))
    data = {
        k: v
        for k, v in form.context["adminform"].form.initial.items()
        if v is not None and k not in ("start", "end", "substitute_for")
    }
    local = {
        k: timezone.localtime(changes.get(k, getattr(shift, k)))
        for k in ("start", "end")
    }
    data.update(
        {
            "status": changes.get("status", shift.status),
            "start_0": f"{local['start']:%Y-%m-%d}",
            "start_1": f"{local['start']:%H:%M:%S}",
            "end_0": f"{local['end']:%Y-%m-%d}",
            "end_1": f"{local['end']:%H:%M:%S}",
            "assignments-TOTAL_FORMS": str(shift.assignments.count()),
            "assignments-INITIAL_FORMS": str(shift.assignments.count()),
        }
    )
    for i, assignment in enumerate(shift.assignments.order_by("pk")):
        data.update(
            {
                f"assignments-{i}-id": assignment.pk,
                f"assignments-{i}-shift": shift.pk,
                f"assignments-{i}-officer": assignment.officer_id,
                f"assignments-{i}-role": assignment.role,
            }
        )
    return data


def test_the_admin_refuses_to_move_a_shift_onto_another_of_its_officers(
    client, admin_user, on_duty, other_plan, tambora, officer
):
    later = factories.ShiftFactory(
        plan=other_plan, precinct=tambora, night=NIGHT, slot=3
    )
    factories.AssignmentFactory(shift=later, officer=officer)
    client.force_login(admin_user)
    url = reverse("admin:schedules_shift_change", args=[later.pk])

    response = client.post(
        url,
        shift_change_data(client, later, start=on_duty.start, end=on_duty.end),
        headers=EN,
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    assert "Budi Santoso" in errors[0]
    assert "is already on an overlapping shift" in errors[0]
    later.refresh_from_db()
    assert later.start == on_duty.start + dt.timedelta(hours=2)


def test_the_admin_cancels_a_shift_and_its_officer_may_then_take_another(
    client, admin_user, on_duty, rival, officer
):
    client.force_login(admin_user)

    response = client.post(
        reverse("admin:schedules_shift_change", args=[on_duty.pk]),
        shift_change_data(client, on_duty, status=ShiftStatus.CANCELLED),
    )
    assert response.status_code == 302

    roster.assign_officer(shift=rival, officer=officer, by=admin_user)
    assert rival.assignments.get().officer == officer


def test_a_regeneration_that_moves_a_rostered_shift_drops_its_roster(
    plan, other_plan, tambora, officer
):
    """A new window moves the plan's slots onto the officer's shift elsewhere; the
    run must neither fail on the constraint nor leave the officer on both."""
    first = NIGHT
    generation.generate_shifts(plan=plan, start=first, nights=1)
    slot0 = Shift.objects.get(plan=plan, night=first, slot=0)
    officer.precinct = slot0.precinct
    officer.save()
    factories.AssignmentFactory(shift=slot0, officer=officer)
    elsewhere = factories.ShiftFactory(
        plan=other_plan,
        precinct=slot0.precinct,
        night=first,
        slot=1,
        start=slot0.start + dt.timedelta(hours=1),
        # Kept as it is when the other plan is regenerated in turn.
        locked=True,
    )
    factories.AssignmentFactory(shift=elsewhere, officer=officer)
    # Half an hour later: slot 0 becomes 00:30–01:30, into the other shift.
    plan.window_start, plan.window_end = dt.time(0, 30), dt.time(5, 30)
    plan.save()

    result = generation.generate_shifts(plan=plan, start=first, nights=1)

    slot0.refresh_from_db()
    assert result.changed >= 1
    assert slot0.start == elsewhere.start - dt.timedelta(minutes=30)
    assert not slot0.assignments.exists()
    assert elsewhere.assignments.get().officer == officer


# --- what a concurrent writer can slip past the checks (PostgreSQL) ------------------


def race_past_the_check(shift_to_move, onto, edit):
    """Move `shift_to_move` onto the hours of `onto` in a transaction that stays
    open until `edit` (run on another connection) waits on it; then commit."""
    moved, release = threading.Event(), threading.Event()
    editor_pid: list[int] = []

    def move():
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                'UPDATE schedules_shift SET start = %s, "end" = %s WHERE id = %s',
                [onto.start, onto.end, shift_to_move.pk],
            )
            moved.set()
            assert release.wait(120)
        return "moved"

    def edit_after_move():
        editor_pid.append(backend_pid())
        assert moved.wait(120)
        return edit()

    def referee():
        assert moved.wait(120)
        while not editor_pid:
            threading.Event().wait(0.01)
        wait_until_blocked(editor_pid[0])
        release.set()

    return run_together(move, edit_after_move, referee)[:2]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_violation_the_roster_check_could_not_see_is_still_officer_busy(
    plan, other_plan, tambora, officer
):
    target = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=1)
    # Two nights later: out of the way of the rest-hours rule too.
    elsewhere = factories.ShiftFactory(
        plan=other_plan, precinct=tambora, night=NIGHT + dt.timedelta(days=2), slot=1
    )
    factories.AssignmentFactory(shift=elsewhere, officer=officer)

    moved, outcome = race_past_the_check(
        elsewhere,
        target,
        lambda: roster.assign_officer(shift=target, officer=officer, by=None),
    )

    assert moved == "moved"
    assert isinstance(outcome, roster.OfficerBusy), outcome
    assert "Patroli Jembatan Besi" in outcome.message_dict["officer"][0]
    assert not target.assignments.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_violation_the_admin_form_could_not_see_is_a_message_not_a_500(
    client, admin_user, plan, other_plan, tambora, officer
):
    target = factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=1)
    elsewhere = factories.ShiftFactory(
        plan=other_plan, precinct=tambora, night=NIGHT + dt.timedelta(days=2), slot=1
    )
    factories.AssignmentFactory(shift=elsewhere, officer=officer)
    client.force_login(admin_user)
    url = reverse("admin:schedules_assignment_add")

    moved, response = race_past_the_check(
        elsewhere,
        target,
        lambda: client.post(
            url,
            {"shift": target.pk, "officer": officer.pk, "role": "member"},
            headers=EN,
        ),
    )

    assert moved == "moved"
    assert response.status_code == 302
    assert response["Location"] == url
    shown = [str(m) for m in response.wsgi_request._messages]
    assert "an officer would be on two overlapping shifts" in shown[0]
    assert not target.assignments.exists()
