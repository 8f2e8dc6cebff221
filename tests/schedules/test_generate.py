import datetime as dt
import io
import threading
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from schedules import rotation
from schedules.models import (
    Assignment,
    Blackout,
    Reason,
    RequestStatus,
    RotationPlan,
    Shift,
    ShiftStatus,
)
from schedules.services import generation
from tests import factories

WIB = ZoneInfo("Asia/Jakarta")
# Before the seed plan's first night: nothing generated is frozen by time.
BEFORE = dt.datetime(2024, 1, 1, 12, 0, tzinfo=WIB)


def _holders(plan, first=None, last=None):
    shifts = Shift.objects.filter(plan=plan).exclude(status=ShiftStatus.CANCELLED)
    if first:
        shifts = shifts.filter(night__gte=first)
    if last:
        shifts = shifts.filter(night__lte=last)
    return {(s.night, s.slot): s.precinct_id for s in shifts.order_by("night", "slot")}


def _blackout(precinct, night: dt.date, hours=(0, 5), status=RequestStatus.APPROVED):
    day = night + dt.timedelta(days=1)
    return Blackout.objects.create(
        precinct=precinct,
        start=dt.datetime.combine(day, dt.time(hours[0]), tzinfo=WIB),
        end=dt.datetime.combine(day, dt.time(0), tzinfo=WIB)
        + dt.timedelta(hours=hours[1]),
        reason="Operasi Ketupat",
        status=status,
    )


@pytest.mark.django_db
def test_seed_plan_is_generated_in_turn_and_stored_in_local_hours(
    plan, tambora, tanjungduren, gambir
):
    result = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=3, now=BEFORE
    )

    assert (result.created, result.changed, result.removed) == (15, 0, 0)
    first = Shift.objects.get(plan=plan, night=dt.date(2024, 1, 22), slot=0)
    # The 00:00–05:00 patrol of Tue 23 Jan belongs to the duty night of Mon 22.
    assert first.start == dt.datetime(2024, 1, 23, 0, 0, tzinfo=WIB)
    assert first.end == dt.datetime(2024, 1, 23, 1, 0, tzinfo=WIB)
    assert first.precinct == tambora
    assert first.reason == Reason.ROTATION
    night = [
        s.precinct
        for s in Shift.objects.filter(plan=plan, night=dt.date(2024, 1, 23)).order_by(
            "slot"
        )
    ]
    assert night == [gambir, tambora, tanjungduren, gambir, tambora]


@pytest.mark.django_db
def test_running_it_twice_changes_nothing(plan):
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=30, now=BEFORE)
    before = list(Shift.objects.values_list("pk", "version", "updated_at"))

    again = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=30, now=BEFORE
    )

    assert (again.created, again.changed, again.removed) == (0, 0, 0)
    assert again.unchanged == 150
    assert list(Shift.objects.values_list("pk", "version", "updated_at")) == before
    # The second run saw unchanged inputs and skipped the work; recomputed from
    # scratch, the schedule is the same too.
    assert again.skipped
    RotationPlan.objects.filter(pk=plan.pk).update(generation_key="")
    recomputed = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=30, now=BEFORE
    )
    assert not recomputed.skipped
    assert (recomputed.changed, recomputed.unchanged) == (0, 150)
    assert list(Shift.objects.values_list("pk", "version", "updated_at")) == before


@pytest.mark.django_db
def test_any_edit_to_the_inputs_defeats_the_unchanged_inputs_shortcut(plan, gambir):
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=9, now=BEFORE)
    shift = Shift.objects.get(plan=plan, night=dt.date(2024, 1, 23), slot=1)
    shift.locked = True
    shift.save()

    relocked = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=9, now=BEFORE
    )
    gambir.name = "Polsek Gambir Baru"
    gambir.save()
    renamed = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=9, now=BEFORE
    )

    assert not relocked.skipped
    assert not renamed.skipped
    assert generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=9, now=BEFORE
    ).skipped


@pytest.mark.django_db
def test_generating_in_pieces_stores_the_same_schedule_as_at_once(plan, gambir):
    _blackout(gambir, dt.date(2024, 1, 30))
    _blackout(gambir, dt.date(2024, 2, 3), hours=(1, 3))
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=21, now=BEFORE)
    at_once = _holders(plan)
    Shift.objects.all().delete()

    for first, count in [(0, 5), (5, 4), (9, 12)]:
        generation.generate_shifts(
            plan=plan,
            start=plan.valid_from + dt.timedelta(days=first),
            nights=count,
            now=BEFORE,
        )

    assert _holders(plan) == at_once


@pytest.mark.django_db
def test_approved_blackout_hands_the_turns_on_and_pending_one_does_not(
    plan, gambir, tambora
):
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=9, now=BEFORE)
    night = dt.date(2024, 1, 23)
    _blackout(tambora, night, status=RequestStatus.PENDING)
    assert (
        generation.generate_shifts(
            plan=plan, start=plan.valid_from, nights=9, now=BEFORE
        ).changed
        == 0
    )

    _blackout(gambir, night)
    result = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=9, now=BEFORE
    )

    held = Shift.objects.filter(plan=plan, night=night)
    assert gambir.pk not in {s.precinct_id for s in held}
    substitutes = held.filter(reason=Reason.SUBSTITUTE)
    assert substitutes.count() == 2
    for shift in substitutes:
        assert shift.substitute_for == gambir
        assert "Gambir" in shift.reason_note
        assert shift.version == 2
    # Each turn given away is repaid later: the rest of the range barely moves.
    assert result.changed == 4
    assert Shift.objects.filter(plan=plan, reason=Reason.REPAYMENT).count() == 2


@pytest.mark.django_db
def test_slot_nobody_can_take_is_stored_uncovered_without_a_holder(plan):
    night = dt.date(2024, 1, 24)
    for member in plan.members.all():
        _blackout(member, night, hours=(2, 3))

    result = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=5, now=BEFORE
    )

    [uncovered] = result.uncovered
    shift = Shift.objects.get(plan=plan, night=night, slot=2)
    assert shift.status == ShiftStatus.UNCOVERED
    assert shift.precinct is None
    assert shift.substitute_for_id == uncovered.substitute_for
    again = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=5, now=BEFORE
    )
    assert again.skipped
    assert [(d.night, d.slot) for d in again.uncovered] == [(night, 2)]


@pytest.mark.django_db
def test_frozen_shifts_are_kept_and_balanced_around(plan, tambora, gambir):
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=12, now=BEFORE)
    manual = Shift.objects.get(plan=plan, night=dt.date(2024, 1, 22), slot=1)
    manual.precinct = gambir
    manual.reason = Reason.MANUAL
    manual.save()
    locked = Shift.objects.get(plan=plan, night=dt.date(2024, 1, 25), slot=0)
    locked.locked = True
    locked.save()
    _blackout(locked.precinct, locked.night)

    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=12, now=BEFORE)

    manual.refresh_from_db()
    assert (manual.precinct, manual.reason, manual.version) == (gambir, "manual", 1)
    assert Shift.objects.get(pk=locked.pk).precinct_id == locked.precinct_id
    # Gambir took an extra hour by hand; a later turn of Gambir's goes back.
    repay = Shift.objects.get(plan=plan, reason=Reason.REPAYMENT, substitute_for=gambir)
    assert repay.precinct_id != gambir.pk


@pytest.mark.django_db
def test_started_shifts_never_change(plan, tanjungduren):
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=6, now=BEFORE)
    served = _holders(plan, last=dt.date(2024, 1, 24))
    _blackout(tanjungduren, dt.date(2024, 1, 23))

    # At 02:30 on the morning after duty night 24 Jan: everything before is past.
    now = dt.datetime(2024, 1, 25, 2, 30, tzinfo=WIB)
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=6, now=now)

    assert _holders(plan, last=dt.date(2024, 1, 24)) == served


@pytest.mark.django_db
def test_capacity_goes_to_the_earlier_plan_and_the_later_one_works_around_it(
    plan, canal, tambora, tanjungduren
):
    later = factories.RotationPlanFactory(
        code="later", zone=canal, members=[tambora, tanjungduren]
    )
    # Generated first, the later plan takes what it likes...
    generation.generate_shifts(plan=later, start=later.valid_from, nights=3, now=BEFORE)

    result = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=3, now=BEFORE
    )

    # ...but the earlier plan keeps its turns, and the later one is regenerated
    # around them: no precinct (capacity 1) holds two posts at once.
    assert [r.plan for r in result.cascaded] == [later]
    assert not Shift.objects.filter(plan=plan).exclude(reason=Reason.ROTATION)
    mine = {
        (s.precinct_id, s.start)
        for s in Shift.objects.filter(plan=plan, status=ShiftStatus.SCHEDULED)
    }
    theirs = Shift.objects.filter(plan=later, status=ShiftStatus.SCHEDULED)
    assert not [s for s in theirs if (s.precinct_id, s.start) in mine]
    assert theirs.filter(reason=Reason.SUBSTITUTE).exists()
    again = generation.generate_shifts(
        plan=later, start=later.valid_from, nights=3, now=BEFORE
    )
    assert again.changed == 0


@pytest.mark.django_db
def test_a_shorter_window_cancels_vanished_slots_instead_of_deleting_them(plan):
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=2, now=BEFORE)
    RotationPlan.objects.filter(pk=plan.pk).update(window_end=dt.time(4, 0))
    plan.refresh_from_db()

    result = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=2, now=BEFORE
    )

    assert result.removed == 2
    gone = Shift.objects.filter(plan=plan, slot=4)
    assert {(s.status, s.version) for s in gone} == {(ShiftStatus.CANCELLED, 2)}


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (dt.time(1, 0), dt.time(6, 0)),  # every slot moves onto the next one's hour
        (dt.time(23, 0), dt.time(4, 0)),  # ... onto the previous one's
        (dt.time(1, 0), dt.time(5, 0)),  # slot 3 moves where slot 4 (cancelled) was
    ],
)
def test_a_window_moved_by_whole_slots_moves_the_shifts(plan, start, end):
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=2, now=BEFORE)
    RotationPlan.objects.filter(pk=plan.pk).update(window_start=start, window_end=end)
    plan.refresh_from_db()

    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=2, now=BEFORE)

    live = Shift.objects.filter(plan=plan).exclude(status=ShiftStatus.CANCELLED)
    local = {timezone.localtime(s.start, plan.tz).time() for s in live}
    first = dt.datetime.combine(dt.date(2024, 1, 1), start)
    wanted = {(first + dt.timedelta(hours=h)).time() for h in range(plan.slot_count)}
    assert local == wanted
    assert live.count() == 2 * plan.slot_count


@pytest.mark.django_db
def test_a_changed_holder_loses_the_old_precincts_roster(plan, gambir):
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=6, now=BEFORE)
    shift = Shift.objects.get(plan=plan, night=dt.date(2024, 1, 23), slot=0)
    assert shift.precinct == gambir
    factories.AssignmentFactory(shift=shift)
    _blackout(gambir, shift.night)

    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=6, now=BEFORE)

    assert not Assignment.objects.filter(shift=shift).exists()


@pytest.mark.django_db
def test_dry_run_writes_nothing(plan):
    result = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=4, dry_run=True, now=BEFORE
    )

    assert result.created == 20
    assert not Shift.objects.exists()


@pytest.mark.django_db
def test_range_before_the_plan_or_of_no_nights_is_refused(plan):
    with pytest.raises(ValidationError) as error:
        generation.generate_shifts(plan=plan, start=dt.date(2024, 1, 1), nights=3)
    assert "start" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        generation.generate_shifts(plan=plan, start=plan.valid_from, nights=0)
    assert "nights" in error.value.message_dict


@pytest.mark.django_db
def test_range_stops_at_valid_until(plan):
    RotationPlan.objects.filter(pk=plan.pk).update(valid_until=dt.date(2024, 1, 24))
    plan.refresh_from_db()

    result = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=10, now=BEFORE
    )

    assert (result.first, result.last) == (dt.date(2024, 1, 22), dt.date(2024, 1, 24))
    assert Shift.objects.count() == 15


@pytest.mark.django_db
def test_block_plan_gives_whole_nights(canal, tambora, gambir):
    block = factories.RotationPlanFactory(
        code="block", zone=canal, strategy="block", members=[tambora, gambir]
    )

    generation.generate_shifts(plan=block, start=block.valid_from, nights=4, now=BEFORE)

    nights = {}
    for s in Shift.objects.filter(plan=block):
        nights.setdefault(s.night, set()).add(s.precinct_id)
    assert [nights[n] for n in sorted(nights)] == [
        {tambora.pk},
        {gambir.pk},
        {tambora.pk},
        {gambir.pk},
    ]


@pytest.mark.django_db
def test_new_blackout_in_a_published_year_changes_few_shifts(plan, tanjungduren):
    """Regeneration repairs the published schedule; it does not start over."""
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=365, now=BEFORE)
    night = dt.date(2024, 6, 10)
    _blackout(tanjungduren, night)

    result = generation.generate_shifts(
        plan=plan, start=plan.valid_from, nights=365, now=BEFORE
    )

    assert 0 < result.changed <= 10


# --- the rolling horizon ----------------------------------------------------------


@pytest.mark.django_db
def test_horizon_moves_on_at_noon_in_the_plans_own_zone(plan):
    morning = dt.datetime(2024, 2, 1, 11, 0, tzinfo=WIB)
    generation.extend_horizons(now=morning)
    last = Shift.objects.filter(plan=plan).latest("night").night
    assert last == dt.date(2024, 1, 31) + dt.timedelta(days=plan.horizon_days - 1)

    # Until noon nothing is due again, however often the beat fires.
    assert generation.extend_horizons(now=morning + dt.timedelta(minutes=50)) == []

    [result] = generation.extend_horizons(now=morning + dt.timedelta(hours=1))
    assert result.last == last + dt.timedelta(days=1)
    assert generation.extend_horizons(now=morning + dt.timedelta(hours=2)) == []


@pytest.mark.django_db
def test_horizon_uses_each_plans_time_zone(plan, canal, tambora, gambir):
    papua = factories.RotationPlanFactory(
        code="jayapura", zone=canal, time_zone="Asia/Jayapura", members=[tambora]
    )
    # 10:30 WIB is 12:30 WIT: Jayapura's day has moved on, Jakarta's not yet.
    now = dt.datetime(2024, 2, 1, 10, 30, tzinfo=WIB)

    generation.extend_horizons(now=now)

    horizon = dt.timedelta(days=27)
    assert Shift.objects.filter(plan=papua).latest("night").night == (
        dt.date(2024, 2, 1) + horizon
    )
    assert Shift.objects.filter(plan=plan).latest("night").night == (
        dt.date(2024, 1, 31) + horizon
    )


@pytest.mark.django_db
def test_inactive_plans_are_not_extended(plan):
    RotationPlan.objects.filter(pk=plan.pk).update(active=False)

    assert generation.extend_horizons(now=dt.datetime(2024, 2, 1, 13, tzinfo=WIB)) == []
    assert not Shift.objects.exists()


@pytest.mark.django_db
def test_regenerate_after_change_reaches_the_end_of_the_stored_horizon(plan, tambora):
    generation.generate_shifts(plan=plan, start=plan.valid_from, nights=40, now=BEFORE)
    _blackout(tambora, dt.date(2024, 2, 10))

    result = generation.regenerate_after_change(
        plan=plan,
        first=dt.date(2024, 2, 8),
        last=dt.date(2024, 2, 11),
        now=BEFORE,
    )

    assert result.first == dt.date(2024, 2, 8)
    assert result.last == plan.valid_from + dt.timedelta(days=39)
    assert (
        tambora.pk
        not in _holders(plan, dt.date(2024, 2, 10), dt.date(2024, 2, 10)).values()
    )


# --- ways in: command, admin ------------------------------------------------------


@pytest.mark.django_db
def test_command_prints_the_nights_and_the_counts(plan):
    out = io.StringIO()

    call_command(
        "generate_shifts", plan="bkb-malam", start="2024-01-22", nights="2", stdout=out
    )

    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["night", "slot", "precinct", "reason"]
    assert lines[1].split()[:4] == ["2024-01-22", "00:00-01:00", "Polsek", "Tambora"]
    assert len(lines) == 1 + 10 + 1
    assert "10 created, 0 changed" in lines[-1]
    assert Shift.objects.count() == 10


@pytest.mark.django_db
def test_command_dry_run_writes_nothing(plan):
    out = io.StringIO()
    call_command(
        "generate_shifts",
        plan="bkb-malam",
        start="2024-01-22",
        nights="1",
        dry_run=True,
        stdout=out,
    )
    assert out.getvalue().splitlines()[-1].startswith("dry run: bkb-malam")
    assert not Shift.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"plan": "nope"}, "No plan with code 'nope'."),
        ({"plan": "bkb-malam", "start": "22-01-2024"}, "--start '22-01-2024'"),
        ({"plan": "bkb-malam", "nights": "many"}, "--nights 'many'"),
        ({"plan": "bkb-malam", "start": "2023-12-01"}, "2024-01-22"),
        ({"plan": "bkb-malam", "start": "2024-01-22", "nights": "0"}, ""),
        ({}, "Give --plan"),
    ],
)
def test_command_errors_are_one_line_with_exit_code_2(plan, options, message):
    with pytest.raises(CommandError) as error:
        call_command("generate_shifts", **options)

    assert error.value.returncode == 2
    assert message in str(error.value)
    assert "\n" not in str(error.value)


@pytest.mark.django_db
def test_command_horizons_extends_due_plans(plan):
    out = io.StringIO()
    call_command("generate_shifts", horizons=True, stdout=out)
    assert "bkb-malam" in out.getvalue()
    assert Shift.objects.filter(plan=plan).exists()


@pytest.mark.django_db
def test_admin_actions_generate_and_preview(client, admin_user, plan):
    client.force_login(admin_user)
    url = reverse("admin:schedules_rotationplan_changelist")

    response = client.post(
        url,
        {"action": "preview_horizon", "_selected_action": [plan.pk]},
        follow=True,
        headers={"accept-language": "en"},
    )
    assert response.status_code == 200
    assert not Shift.objects.exists()
    assert "140 to create" in response.content.decode()

    response = client.post(
        url,
        {"action": "generate_horizon", "_selected_action": [plan.pk]},
        follow=True,
        headers={"accept-language": "en"},
    )
    assert "140 created" in response.content.decode()
    assert Shift.objects.filter(plan=plan).count() == 140


# --- concurrency ------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_connections_generating_one_plan_queue_instead_of_interleaving(plan):
    """The second generation waits for the first's plan row lock, then finds
    nothing to do: no duplicate rows, no unique-constraint failure."""
    results, errors = [], []
    barrier = threading.Barrier(2)

    def generate():
        try:
            barrier.wait()
            results.append(
                generation.generate_shifts(
                    plan=plan, start=plan.valid_from, nights=120, now=BEFORE
                )
            )
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=generate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(r.created for r in results) == [0, 600]
    assert Shift.objects.filter(plan=plan).count() == 600
    assert connection.vendor == "postgresql"


def test_rotation_reasons_match_the_model_choices():
    assert {
        rotation.TURN,
        rotation.SUBSTITUTE,
        rotation.REPAYMENT,
        rotation.SWAP,
        rotation.MANUAL,
    } == set(Reason.values)
