"""A plan with an end date in the service: its last nights at the optimum, and a
repair there that changes the fewest cells."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from schedules import selectors
from schedules.models import Blackout, RequestStatus, RotationPlan, Shift
from schedules.services import generation

pytest.importorskip("ortools.sat.python.cp_model")

WIB = ZoneInfo("Asia/Jakarta")
BEFORE = dt.datetime(2024, 1, 1, 12, 0, tzinfo=WIB)
LAST = dt.date(2024, 2, 18)  # the 28th night from 22 January


def _holders(plan):
    return {
        (night, slot): precinct
        for night, slot, precinct in Shift.objects.filter(plan=plan).values_list(
            "night", "slot", "precinct"
        )
    }


def _away(precinct, night):
    """A blackout over the duty night of `night` (00:00-05:00 the next day)."""
    day = night + dt.timedelta(days=1)
    Blackout.objects.create(
        precinct=precinct,
        start=dt.datetime.combine(day, dt.time(0, 0), WIB),
        end=dt.datetime.combine(day, dt.time(5, 0), WIB),
        reason="Operasi",
        status=RequestStatus.APPROVED,
    )


@pytest.mark.django_db
def test_a_new_blackout_near_the_end_changes_few_cells_and_keeps_the_optimum(
    plan, tambora, gambir
):
    RotationPlan.objects.filter(pk=plan.pk).update(valid_until=LAST)
    plan.refresh_from_db()
    first = generation.generate_shifts(plan=plan, start=plan.valid_from, now=BEFORE)
    assert first.last == LAST
    before = _holders(plan)
    assert len(before) == 28 * 5

    # Gambir away on one night of the last week: its five cells must move, and
    # the five minutes-worth of slots are paid back; nothing else need change.
    _away(gambir, dt.date(2024, 2, 14))
    repaired = generation.generate_shifts(plan=plan, start=plan.valid_from, now=BEFORE)
    after = _holders(plan)
    moved = [key for key in before if before[key] != after[key]]
    assert 2 <= len(moved) <= 10
    assert repaired.changed == len(moved)
    report = selectors.fairness_report(plan=plan, first=plan.valid_from, last=LAST)
    assert report.minute_spread == 60  # 140 cells among 3: the least possible
    assert report.uncovered == 0

    # Unchanged inputs, unchanged schedule.
    again = generation.generate_shifts(plan=plan, start=plan.valid_from, now=BEFORE)
    assert again.skipped or not again.changed
    assert _holders(plan) == after


@pytest.mark.django_db
def test_a_range_inside_the_last_nights_is_decided_from_their_start(plan):
    RotationPlan.objects.filter(pk=plan.pk).update(valid_until=LAST)
    plan.refresh_from_db()
    generation.generate_shifts(plan=plan, start=plan.valid_from, now=BEFORE)
    before = _holders(plan)
    # A later run asked for the last three nights only changes nothing.
    late = generation.generate_shifts(
        plan=plan, start=LAST - dt.timedelta(days=2), nights=3, now=BEFORE
    )
    assert late.first <= LAST - dt.timedelta(days=2)
    assert late.last == LAST
    assert not late.changed
    assert not late.created
    assert _holders(plan) == before


@pytest.mark.django_db
def test_the_fairness_report_says_where_the_run_cap_gave_way(
    plan, tambora, tanjungduren, gambir
):
    from api import plan_serializers

    RotationPlan.objects.filter(pk=plan.pk).update(valid_until=LAST)
    plan.refresh_from_db()
    for night in range(3):
        for precinct in (tambora, gambir):
            _away(precinct, plan.valid_from + dt.timedelta(days=night))
    generation.generate_shifts(plan=plan, start=plan.valid_from, now=BEFORE)

    report = selectors.fairness_report(plan=plan, first=plan.valid_from, last=LAST)
    assert report.metrics.longest_run == 3  # Tanjung Duren alone, three nights
    shown = plan_serializers.fairness_dict(
        report, {p.pk: p.code for p in (tambora, tanjungduren, gambir)}
    )
    assert shown["longest_run"] == 3
