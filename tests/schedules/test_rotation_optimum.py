"""The greedy rotation against the exact optimum (OR-Tools CP-SAT) on small plans.

The optimum minimises the minute spread first and the worst slot position's
spread second, over the same cells and blackouts, with no wish for stability or
explainability; the generator must reach the same spreads on nearly every one.
"""

import random

import pytest

from schedules import metrics, rotation
from tests.schedules import rotation_cases as cases

cp_model = pytest.importorskip("ortools.sat.python.cp_model")

INSTANCES = 60


def _optimum(spec, cells, unavailable) -> tuple[int, int]:
    """(minute spread in slots, worst position spread) of an optimal schedule."""
    model = cp_model.CpModel()
    take = {}
    for cell in cells:
        away = unavailable.get((cell.night, cell.slot), {})
        free = [m for m in spec.members if m not in away]
        for member in free:
            take[cell.night, cell.slot, member] = model.new_bool_var("")
        if free:
            model.add_exactly_one(take[cell.night, cell.slot, m] for m in free)
    top = len(cells)

    def spread(groups):
        high, low = model.new_int_var(0, top, ""), model.new_int_var(0, top, "")
        for group in groups:
            model.add(sum(group) <= high)
            model.add(sum(group) >= low)
        return high - low

    minutes = spread(
        [[v for (_, _, m), v in take.items() if m == member] for member in spec.members]
    )
    worst = model.new_int_var(0, top, "")
    for slot in range(spec.slots):
        model.add(
            spread(
                [
                    [v for (_, s, m), v in take.items() if m == member and s == slot]
                    for member in spec.members
                ]
            )
            <= worst
        )
    model.minimize(minutes * (top + 1) + worst)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = 20
    solver.parameters.num_workers = 1
    solver.parameters.random_seed = 1
    assert solver.solve(model) == cp_model.OPTIMAL
    return solver.value(minutes), solver.value(worst)


def _instances():
    rng = random.Random(7)
    for _ in range(INSTANCES):
        spec = cases.plan(rng.randint(2, 5), rng.randint(1, 6))
        count = rng.randint(5, 21)
        blackouts = []
        for night in range(count):
            for member in spec.members:
                if rng.random() < 0.05:
                    first = rng.randrange(spec.slots)
                    last = rng.randrange(first, spec.slots)
                    blackouts.append(cases.blackout(member, night, first, last))
        yield spec, count, blackouts


def test_greedy_spreads_match_the_exact_optimum_on_small_instances():
    minutes_equal = positions_equal = 0
    for spec, count, blackouts in _instances():
        cells = cases.cells(spec, 0, count)
        unavailable = rotation.unavailability(spec, cells, blackouts=blackouts)
        schedule = rotation.generate(
            spec, cells, blackouts=blackouts, until=cases.night_of(count - 1)
        )
        measured = metrics.metrics(spec, schedule.decisions, unavailable=unavailable)
        best_minutes, best_position = _optimum(spec, cells, unavailable)

        assert measured.violations[rotation.BLACKOUT] == 0
        minutes = measured.minute_spread // 60
        assert minutes <= best_minutes + 1
        assert measured.worst_position_spread <= best_position + 2
        minutes_equal += minutes == best_minutes
        positions_equal += measured.worst_position_spread <= best_position
    assert minutes_equal / INSTANCES >= 0.95
    assert positions_equal / INSTANCES >= 0.90
