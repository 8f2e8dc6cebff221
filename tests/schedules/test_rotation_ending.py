"""The last nights of a plan with an end date, decided at the exact optimum."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from schedules import metrics, nights, rotation

pytest.importorskip("ortools.sat.python.cp_model")

WIB = ZoneInfo("Asia/Jakarta")
NIGHT_0 = dt.date(2025, 3, 3)


def _plan(members, slots, count, blackouts):
    """The issue's inputs: night 0 = 2025-03-03, 60-minute slots from 00:00 WIB,
    the plan ending on its last night; a blackout is (member, first night, last
    night, first slot, last slot)."""
    spec = rotation.Plan(
        members=tuple(range(1, members + 1)), slots=slots, anchor=NIGHT_0
    )
    end = dt.time(slots % 24, 0)
    cells = rotation.cells_for(
        (NIGHT_0 + dt.timedelta(days=k) for k in range(count)),
        lambda n: nights.slot_bounds(n, dt.time(0, 0), end, 60, WIB),
    )
    intervals = []
    for member, first, last, a, b in blackouts:
        for night in range(first, last + 1):
            start = nights.window_bounds(
                NIGHT_0 + dt.timedelta(days=night), dt.time(0, 0), end, WIB
            )[0]
            intervals.append(
                rotation.Interval(
                    member,
                    start + dt.timedelta(hours=a),
                    start + dt.timedelta(hours=b + 1),
                )
            )
    until = NIGHT_0 + dt.timedelta(days=count - 1)
    return spec, cells, intervals, until


def unforced_runs(spec, decisions, unavailable) -> list:
    """Three nights in a row of one member at one slot position, not all three
    forced (the only member free)."""
    held = {(d.night, d.slot): d.member for d in decisions}
    forced = {
        key
        for key, out in unavailable.items()
        if len(set(spec.members) - set(out)) == 1
    }
    found = []
    for (night, slot), member in held.items():
        three = [(night - dt.timedelta(days=k), slot) for k in (2, 1, 0)]
        if (
            member is not None
            and all(held.get(key) == member for key in three)
            and not all(key in forced for key in three)
        ):
            found.append((night, slot, member))
    return found


def _measure(spec, cells, blackouts, until):
    schedule = rotation.generate(spec, cells, blackouts=blackouts, until=until)
    unavailable = rotation.unavailability(spec, cells, blackouts=blackouts)
    return schedule, metrics.metrics(spec, schedule.decisions, unavailable=unavailable)


def test_absences_on_the_last_nights_are_paid_back_at_the_optimum():
    spec, cells, blackouts, until = _plan(
        3,
        6,
        8,
        [
            (3, 0, 0, 0, 5),
            (3, 3, 3, 0, 5),
            (3, 6, 6, 0, 5),
            (1, 4, 4, 0, 5),
            (1, 7, 7, 0, 5),
        ],
    )
    schedule, measured = _measure(spec, cells, blackouts, until)
    # The greedy walk alone gave 120 minutes and 2; the optimum is 0 and 1.
    assert measured.minute_spread == 0
    assert measured.worst_position_spread == 1
    assert measured.violations == {"blackout": 0, "capacity": 0, "uncovered": 0}
    assert schedule.exact.proven


def test_no_unforced_three_night_run_where_one_can_be_avoided():
    spec, cells, blackouts, until = _plan(
        2, 4, 30, [(1, 7, 14, 0, 3), (2, 5, 5, 0, 3), (2, 12, 12, 0, 3)]
    )
    schedule, measured = _measure(spec, cells, blackouts, until)
    unavailable = rotation.unavailability(spec, cells, blackouts=blackouts)
    # The walk alone gave member 1 slots 0 and 2 on nights 4-6.
    assert not unforced_runs(spec, schedule.decisions, unavailable)
    assert measured.minute_spread == 0
    assert measured.worst_position_spread <= 1
    assert measured.violations[rotation.BLACKOUT] == 0


def test_the_run_cap_gives_way_only_to_fairness_and_says_so():
    """Member 1 away for the first ten of twenty nights: the only even split
    gives it the last ten in a row. With the cap as a hard rule the spread was
    several slots; the soft cap yields and the schedule reports the runs."""
    spec, cells, blackouts, until = _plan(2, 1, 20, [(1, 0, 9, 0, 0)])
    schedule, measured = _measure(spec, cells, blackouts, until)
    assert measured.minute_spread == 0
    assert schedule.exact.runs > 0
    assert measured.longest_run == 10

    # Where fairness does not need it, the cap holds: twenty-one nights, member
    # 1 away on the first two only.
    spec, cells, blackouts, until = _plan(2, 1, 21, [(1, 0, 1, 0, 0)])
    schedule, measured = _measure(spec, cells, blackouts, until)
    assert measured.minute_spread == 60
    assert schedule.exact.runs == 0
    assert measured.longest_run <= 2


def test_a_window_already_at_its_bounds_skips_the_solver():
    spec, cells, _, until = _plan(3, 5, 30, [])
    schedule, measured = _measure(spec, cells, [], until)
    assert schedule.exact.proven
    assert schedule.exact.changed == 0
    assert measured.minute_spread == 0
    assert all(d.reason == rotation.TURN for d in schedule.decisions)
