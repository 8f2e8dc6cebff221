"""Rule changes never break regeneration: a plan's window, slot length, members or
strategy changed while past shifts exist. Past shifts stay as they were, coming
ones follow the new rules, and nothing raises (a shorter window met past shifts
in its removed slots with an IndexError in Ledger.from_history, a 500 in the API
and in `generate_shifts --dry-run`)."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedules.models import PlanMember, RotationPlan, Shift, ShiftStatus, Strategy
from schedules.services import generation
from tests import factories

WIB = ZoneInfo("Asia/Jakarta")
# Four nights into the plan (valid from 22 January): four nights are past.
NOW = dt.datetime(2024, 1, 26, 12, 0, tzinfo=WIB)
START = dt.date(2024, 1, 22)

WINDOWS = [
    (dt.time(0, 0), dt.time(5, 0)),
    (dt.time(0, 0), dt.time(4, 0)),
    (dt.time(22, 0), dt.time(4, 0)),
    (dt.time(1, 0), dt.time(3, 0)),
    (dt.time(0, 0), dt.time(6, 0)),
]


def _past(plan) -> dict:
    return {
        s.pk: (s.precinct_id, s.start, s.end, s.status, s.version)
        for s in Shift.objects.filter(plan=plan, start__lte=NOW)
    }


def _kept(before: dict, plan) -> bool:
    """Every past shift there was is there as it was."""
    now = _past(plan)
    return all(now.get(pk) == value for pk, value in before.items())


def test_a_shorter_window_regenerates_over_past_shifts_without_an_error(plan):
    generation.generate_shifts(plan=plan, start=START, nights=8, now=NOW)
    past = _past(plan)
    RotationPlan.objects.filter(pk=plan.pk).update(window_end=dt.time(4, 0))
    plan.refresh_from_db()

    preview = generation.generate_shifts(
        plan=plan, start=START, nights=8, now=NOW, dry_run=True
    )
    result = generation.generate_shifts(plan=plan, start=START, nights=8, now=NOW)

    assert preview.removed == result.removed == 4  # slot 4 of the 4 coming nights
    assert _kept(past, plan)


def test_the_dry_run_command_survives_a_shorter_window(plan, time_machine):
    time_machine.move_to(NOW, tick=False)
    generation.generate_shifts(plan=plan, start=START, nights=8, now=NOW)
    RotationPlan.objects.filter(pk=plan.pk).update(window_end=dt.time(4, 0))

    out = io.StringIO()
    call_command(
        "generate_shifts", "--plan", plan.code, "--nights", "4", "--dry-run", stdout=out
    )
    assert out.getvalue()


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    window=st.sampled_from(WINDOWS),
    slot_minutes=st.sampled_from([30, 60, 120]),
    strategy=st.sampled_from([Strategy.ROTATION, Strategy.BLOCK]),
    drop_member=st.booleans(),
    add_member=st.booleans(),
)
def test_any_rule_change_keeps_the_past_and_regenerates_the_rest(
    plan, gambir, window, slot_minutes, strategy, drop_member, add_member
):
    # Each example in a savepoint of its own: the plan's rules return as they were.
    with transaction.atomic():
        _change_rules_and_regenerate(
            plan, gambir, window, slot_minutes, strategy, drop_member, add_member
        )
        transaction.set_rollback(True)


def _change_rules_and_regenerate(
    plan, gambir, window, slot_minutes, strategy, drop_member, add_member
):
    generation.generate_shifts(plan=plan, start=START, nights=8, now=NOW)
    past = _past(plan)
    start, end = window
    minutes = (
        dt.datetime.combine(START, end) - dt.datetime.combine(START, start)
    ).seconds // 60 or 24 * 60
    if minutes % slot_minutes:
        slot_minutes = 60
    RotationPlan.objects.filter(pk=plan.pk).update(
        window_start=start, window_end=end, slot_minutes=slot_minutes, strategy=strategy
    )
    if drop_member:
        PlanMember.objects.filter(plan=plan, precinct=gambir).delete()
    if add_member:
        extra = factories.PrecinctFactory(code="extra", name="Polsek Extra")
        PlanMember.objects.create(plan=plan, precinct=extra, position=9)
    plan.refresh_from_db()

    generation.generate_shifts(plan=plan, start=START, nights=8, now=NOW, dry_run=True)
    generation.generate_shifts(plan=plan, start=START, nights=8, now=NOW)
    again = generation.generate_shifts(plan=plan, start=START, nights=8, now=NOW)

    assert _kept(past, plan)
    assert again.changed == again.created == 0
    coming = Shift.objects.filter(plan=plan, start__gt=NOW).exclude(
        status=ShiftStatus.CANCELLED
    )
    assert {s.end - s.start for s in coming} == {dt.timedelta(minutes=slot_minutes)}
