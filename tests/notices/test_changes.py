import contextlib
import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from notices import changes, selectors, services, tasks
from notices.models import Notification
from precincts.models import Role
from schedules.models import (
    Assignment,
    Blackout,
    RequestStatus,
    Shift,
    ShiftChange,
    ShiftSnapshot,
    ShiftStatus,
)
from schedules.services import generation as schedules
from schedules.services import requests, roster
from tests import factories
from tests.notices.conftest import WIB, wib

NIGHT = dt.date(2024, 1, 22)
NOW = wib(22, 12, 0)


@pytest.fixture
def shift(plan, tambora):
    return factories.ShiftFactory(plan=plan, precinct=tambora, night=NIGHT, slot=2)


@pytest.fixture
def andi_user(tambora):
    return factories.make_staff("andi", Role.OFFICER, precinct=tambora)


@pytest.fixture
def andi(shift, andi_user, tambora):
    officer = factories.OfficerFactory(precinct=tambora, user=andi_user, name="Andi")
    factories.AssignmentFactory(shift=shift, officer=officer)
    return officer


@pytest.fixture
def committed_at_now(django_capture_on_commit_callbacks):
    """A block run at NOW whose on-commit callbacks (the notices) run as it ends."""

    @contextlib.contextmanager
    def block():
        with (
            time_machine.travel(NOW, tick=False),
            django_capture_on_commit_callbacks(execute=True),
        ):
            yield

    return block


def _baseline(shift):
    assert changes.notify_shift_changes(shift_ids=[shift.pk], at=NOW) == []


def test_a_shift_seen_first_gets_a_baseline_and_no_notice(shift, andi, piket_tambora):
    _baseline(shift)
    assert not Notification.objects.exists()


def test_a_new_holder_notifies_both_precincts_duty_officers_and_the_officers(
    shift, andi, andi_user, gambir, piket_tambora, piket_gambir
):
    _baseline(shift)
    shift.precinct = gambir
    shift.save()
    sent = changes.notify_shift_changes(shift_ids=[shift.pk], at=NOW)
    assert {n.recipient for n in sent} == {piket_tambora, piket_gambir, andi_user}
    notice = sent[0]
    assert "Held by: Polsek Tambora → Polsek Gambir" in notice.body
    assert notice.target == ShiftChange.objects.get()
    assert ShiftChange.objects.get().fields == ["holder"]


def test_each_change_is_notified_once(shift, andi, piket_tambora):
    _baseline(shift)
    shift.status = ShiftStatus.CANCELLED
    shift.save()
    first = changes.notify_shift_changes(shift_ids=[shift.pk, shift.pk], at=NOW)
    again = changes.notify_shift_changes(shift_ids=[shift.pk], at=NOW)
    assert len(first) == 2
    assert again == []
    assert "The shift was cancelled." in first[0].body


def test_roster_changes_name_who_was_added_and_removed(
    shift, andi, andi_user, tambora, piket_tambora
):
    _baseline(shift)
    Assignment.objects.filter(officer=andi).delete()
    budi = factories.OfficerFactory(precinct=tambora, name="Budi")
    factories.AssignmentFactory(shift=shift, officer=budi)
    sent = changes.notify_shift_changes(shift_ids=[shift.pk], at=NOW)
    # Andi, taken off the shift, is told too.
    assert {n.recipient for n in sent} == {piket_tambora, andi_user}
    assert "Added to the roster: Briptu Budi" in sent[0].body
    assert "Removed from the roster: Briptu Andi" in sent[0].body


def test_times_changed(shift, andi, piket_tambora):
    _baseline(shift)
    shift.end = shift.end + dt.timedelta(minutes=30)
    shift.save()
    [notice, _andi] = changes.notify_shift_changes(shift_ids=[shift.pk], at=NOW)
    assert (
        "Time: 02:00–03:00 → 02:00–03:30 WIB (Mon 22 → Tue 23 Jan 2024)" in notice.body
    )


def test_changes_beyond_the_coming_seven_nights_are_not_notified(
    plan, tambora, piket_tambora
):
    far = factories.ShiftFactory(
        plan=plan, precinct=tambora, night=NIGHT + dt.timedelta(days=7), slot=0
    )
    near = factories.ShiftFactory(
        plan=plan, precinct=tambora, night=NIGHT + dt.timedelta(days=6), slot=0
    )
    changes.notify_shift_changes(shift_ids=[far.pk, near.pk], at=NOW)
    for shift in (far, near):
        factories.AssignmentFactory(shift=shift)
    sent = changes.notify_shift_changes(shift_ids=[far.pk, near.pk], at=NOW)
    assert [n.night for n in sent] == [NIGHT + dt.timedelta(days=6)]
    # The far shift's snapshot moved on: it will not be reported late.
    assert changes.notify_shift_changes(shift_ids=[far.pk], at=NOW) == []


def test_past_shifts_are_not_notified(shift, andi, piket_tambora):
    _baseline(shift)
    factories.AssignmentFactory(shift=shift)
    assert changes.notify_shift_changes(shift_ids=[shift.pk], at=wib(23, 4, 0)) == []


def test_the_scan_finds_changes_made_anywhere(shift, andi, piket_tambora):
    with time_machine.travel(NOW, tick=False):
        call_command("scan_shift_changes")
        factories.AssignmentFactory(shift=shift)
        sent = changes.scan_shift_changes()
    assert len(sent) == 2


def test_a_scan_with_nothing_changed_costs_the_same_few_queries(
    plan, tambora, django_assert_num_queries
):
    for slot in range(5):
        factories.AssignmentFactory(
            shift=factories.ShiftFactory(
                plan=plan, precinct=tambora, night=NIGHT, slot=slot
            )
        )
    # First sight: the snapshots are written in one go, not per shift.
    with django_assert_num_queries(3):
        assert changes.scan_shift_changes(at=NOW) == []
    assert ShiftSnapshot.objects.count() == 5
    with django_assert_num_queries(2):
        assert changes.scan_shift_changes(at=NOW) == []


def test_unread_changes_for_the_tonight_page_and_read_receipts(
    shift, andi, andi_user, gambir, plan, committed_at_now
):
    _baseline(shift)
    shift.precinct = gambir
    shift.save()
    with committed_at_now():
        tasks.notify_shift_changes.delay([shift.pk])
    [notice] = selectors.unread_changes(andi_user, plan=plan)
    services.mark_read(notification=notice, by=andi_user)
    assert not selectors.unread_changes(andi_user, plan=plan).exists()
    assert Notification.objects.get(pk=notice.pk).read_at is not None


def test_a_roster_service_change_is_notified_after_its_commit(
    shift, andi, andi_user, tambora, piket_tambora, django_capture_on_commit_callbacks
):
    """The call the roster, swap and generation services add, end to end."""
    _baseline(shift)
    budi = factories.OfficerFactory(precinct=tambora, name="Budi")
    with (
        time_machine.travel(NOW, tick=False),
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        transaction.atomic(),
    ):
        # The roster service queues the notice itself.
        roster.assign_officer(shift=shift, officer=budi, by=piket_tambora)
        assert not Notification.objects.exists()  # nothing before the commit
    assert len(callbacks) >= 1
    notices = Notification.objects.filter(kind="shift_changed")
    assert {n.recipient for n in notices} == {piket_tambora, andi_user}
    assert "Added to the roster: Briptu Budi" in notices[0].body


def test_an_approved_swap_notifies_both_precincts_after_its_commit(
    shift,
    andi,
    andi_user,
    gambir,
    piket_tambora,
    piket_gambir,
    kapolsek_tambora,
    kapolsek_gambir,
    django_capture_on_commit_callbacks,
):
    _baseline(shift)
    with time_machine.travel(NOW, tick=False):
        swap = requests.request_swap(
            shift=shift, to_precinct=gambir, note="Operasi", by=piket_tambora
        )
        with django_capture_on_commit_callbacks(execute=True):
            requests.approve_swap(swap=swap, by=kapolsek_tambora)
            requests.accept_swap(swap=swap, by=kapolsek_gambir)
    notices = Notification.objects.filter(kind="shift_changed")
    assert {n.recipient for n in notices} == {piket_tambora, piket_gambir, andi_user}


# --- the first change to a shift never snapshotted ---------------------------------
# Shifts generated before notices were wired, or inserted in bulk, have no snapshot.
# Their first change is compared with the shift as stored before it, in the same
# transaction, like any later change.


def _changes_of(shift):
    return list(ShiftChange.objects.filter(shift=shift).order_by("pk"))


def _notices_of(change):
    return Notification.objects.filter(
        kind="shift_changed", target_model="schedules.ShiftChange", target_id=change.pk
    )


def test_a_roster_edit_of_a_shift_never_snapshotted_is_notified(
    shift, andi, andi_user, tambora, piket_tambora, committed_at_now
):
    assert not ShiftSnapshot.objects.filter(shift=shift).exists()
    budi = factories.OfficerFactory(precinct=tambora, name="Budi")
    with committed_at_now():
        roster.assign_officer(shift=shift, officer=budi, by=piket_tambora)
    [change] = _changes_of(shift)
    assert change.fields == ["roster"]
    assert change.before["roster"] == [andi.pk]
    assert change.after["roster"] == sorted([andi.pk, budi.pk])
    assert change.before["precinct"] == change.after["precinct"] == tambora.pk
    notices = _notices_of(change)
    assert sorted(n.recipient.username for n in notices) == ["andi", "piket.tambora"]
    assert "Added to the roster: Briptu Budi" in notices[0].body

    # The next change is compared with this one's result: one more notice.
    with committed_at_now():
        roster.remove_officer(shift=shift, officer=andi, by=piket_tambora)
    [_first, second] = _changes_of(shift)
    assert (second.before["roster"], second.after["roster"]) == (
        [andi.pk, budi.pk],
        [budi.pk],
    )
    assert _notices_of(second).count() == 2


def test_a_swap_of_a_shift_never_snapshotted_is_notified(
    shift,
    andi,
    andi_user,
    tambora,
    gambir,
    piket_tambora,
    piket_gambir,
    kapolsek_tambora,
    kapolsek_gambir,
    django_capture_on_commit_callbacks,
    committed_at_now,
):
    gambir_officer = factories.OfficerFactory(precinct=gambir, name="Citra")
    with time_machine.travel(NOW, tick=False):
        swap = requests.request_swap(shift=shift, to_precinct=gambir, by=piket_tambora)
        with django_capture_on_commit_callbacks(execute=True):
            requests.approve_swap(swap=swap, by=kapolsek_tambora)
            requests.accept_swap(swap=swap, by=kapolsek_gambir)
    [change] = _changes_of(shift)
    assert change.fields == ["holder", "roster"]
    assert (change.before["precinct"], change.after["precinct"]) == (
        tambora.pk,
        gambir.pk,
    )
    assert (change.before["roster"], change.after["roster"]) == ([andi.pk], [])
    notices = _notices_of(change)
    assert {n.recipient for n in notices} == {piket_tambora, piket_gambir, andi_user}
    assert "Held by: Polsek Tambora → Polsek Gambir" in notices[0].body

    # Gambir staffs it: a second change, a second notice.
    with committed_at_now():
        roster.assign_officer(shift=shift, officer=gambir_officer, by=piket_gambir)
    [_first, second] = _changes_of(shift)
    assert (second.before["roster"], second.after["roster"]) == (
        [],
        [gambir_officer.pk],
    )
    assert _notices_of(second).count() == 1


def test_a_generation_that_moves_a_shift_never_snapshotted_notifies_it(
    plan, tambora, piket_tambora, committed_at_now
):
    with time_machine.travel(NOW, tick=False):
        schedules.generate_shifts(plan=plan, start=NIGHT, nights=3, now=NOW)
    held = Shift.objects.get(plan=plan, night=NIGHT, slot=0)
    assert held.precinct == tambora
    assert not ShiftSnapshot.objects.exists()
    # Tambora cannot serve that night: regenerating gives its slots to others.
    _blackout(tambora, NIGHT)
    with committed_at_now():
        schedules.generate_shifts(plan=plan, start=NIGHT, nights=3, now=NOW)
    held.refresh_from_db()
    assert held.precinct != tambora
    [change] = _changes_of(held)
    assert "holder" in change.fields
    assert (change.before["precinct"], change.after["precinct"]) == (
        tambora.pk,
        held.precinct_id,
    )
    # Only Tambora has a duty officer in this world: one notice, to them.
    [notice] = _notices_of(change)
    assert notice.recipient == piket_tambora
    assert "Held by: Polsek Tambora → " in notice.body

    # The blackout lifted: the slot goes back, and that is one more notice.
    Blackout.objects.all().delete()
    with committed_at_now():
        schedules.generate_shifts(plan=plan, start=NIGHT, nights=3, now=NOW)
    [_first, second] = _changes_of(held)
    assert (second.before["precinct"], second.after["precinct"]) == (
        change.after["precinct"],
        tambora.pk,
    )
    assert [n.recipient for n in _notices_of(second)] == [piket_tambora]


def test_an_admin_edit_of_a_shift_never_snapshotted_is_notified(
    client,
    admin_user,
    shift,
    andi,
    tambora,
    gambir,
    piket_tambora,
    piket_gambir,
    committed_at_now,
):
    client.force_login(admin_user)
    url = reverse("admin:schedules_shift_change", args=[shift.pk])

    def edit(**fields):
        form = client.get(url).context["adminform"].form
        data = {k: v for k, v in form.initial.items() if v is not None}
        for name in ("start", "end", "substitute_for"):
            data.pop(name, None)
        data.update(
            {
                "start_0": "2024-01-23",
                "start_1": "02:00:00",
                "end_0": "2024-01-23",
                "end_1": "03:00:00",
                "assignments-TOTAL_FORMS": "0",
                "assignments-INITIAL_FORMS": "0",
                **fields,
            }
        )
        with committed_at_now():
            response = client.post(url, data)
        assert response.status_code == 302, response.context["adminform"].form.errors

    edit(end_1="03:30:00")
    [change] = _changes_of(shift)
    assert change.fields == ["times"]
    assert (change.before["end"], change.after["end"]) == (
        "2024-01-22T20:00:00+00:00",
        "2024-01-22T20:30:00+00:00",
    )
    notices = _notices_of(change)
    assert {n.recipient.username for n in notices} == {"andi", "piket.tambora"}
    assert (
        "Time: 02:00–03:00 → 02:00–03:30 WIB (Mon 22 → Tue 23 Jan 2024)"
        in notices[0].body
    )

    edit(end_1="03:30:00", status=ShiftStatus.CANCELLED)
    [_first, second] = _changes_of(shift)
    assert second.fields == ["status"]
    assert _notices_of(second).count() == 2


def _blackout(precinct, night: dt.date) -> Blackout:
    day = night + dt.timedelta(days=1)
    return Blackout.objects.create(
        precinct=precinct,
        start=dt.datetime.combine(day, dt.time(0), tzinfo=WIB),
        end=dt.datetime.combine(day, dt.time(5), tzinfo=WIB),
        reason="Operasi Ketupat",
        status=RequestStatus.APPROVED,
    )


def test_a_roster_edit_in_the_assignment_admin_is_notified(
    client,
    admin_user,
    shift,
    andi,
    tambora,
    piket_tambora,
    committed_at_now,
):
    """Before, only the beat scan saw these, and a shift never snapshotted got
    the changed roster as its first sight."""
    budi = factories.OfficerFactory(precinct=tambora, name="Budi")
    client.force_login(admin_user)
    with committed_at_now():
        response = client.post(
            reverse("admin:schedules_assignment_add"),
            {"shift": shift.pk, "officer": budi.pk, "role": "member"},
        )
    assert response.status_code == 302, response.context["adminform"].form.errors
    [change] = _changes_of(shift)
    assert (change.before["roster"], change.after["roster"]) == (
        [andi.pk],
        sorted([andi.pk, budi.pk]),
    )
    assert {n.recipient.username for n in _notices_of(change)} == {
        "andi",
        "piket.tambora",
    }

    assignment = Assignment.objects.get(officer=andi)
    with committed_at_now():
        response = client.post(
            reverse("admin:schedules_assignment_delete", args=[assignment.pk]),
            {"post": "yes"},
        )
    assert response.status_code == 302
    [_first, second] = _changes_of(shift)
    assert (second.before["roster"], second.after["roster"]) == (
        sorted([andi.pk, budi.pk]),
        [budi.pk],
    )
    assert _notices_of(second).count() == 2


def test_the_assignment_admin_bulk_delete_is_notified_once(
    client, admin_user, shift, andi, piket_tambora, committed_at_now
):
    client.force_login(admin_user)
    with committed_at_now():
        response = client.post(
            reverse("admin:schedules_assignment_changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [a.pk for a in shift.assignments.all()],
                "post": "yes",
            },
        )
    assert response.status_code == 302
    assert not shift.assignments.exists()
    [change] = _changes_of(shift)
    assert (change.before["roster"], change.after["roster"]) == ([andi.pk], [])
    assert {n.recipient.username for n in _notices_of(change)} == {
        "andi",
        "piket.tambora",
    }
