"""The bench's "at its proven optimum" verdict: both spreads at a lower bound."""

from bench.fairness import at_proven_optimum
from schedules import metrics, rotation
from tests.schedules import rotation_cases as cases


def test_a_default_rotation_is_at_its_proven_optimum_and_a_lopsided_one_is_not():
    spec = cases.plan(members=3, slots=5)
    decisions = rotation.generate(spec, cases.cells(spec, 0, 28)).decisions
    assert at_proven_optimum(metrics.metrics(spec, decisions))

    # 140 cells among 3 members: one slot of spread is the least; two are not.
    decisions[0].member = decisions[1].member = 1
    decisions[2].member = 2
    lopsided = metrics.metrics(spec, decisions)
    assert lopsided.minute_spread >= 120
    assert not at_proven_optimum(lopsided)
