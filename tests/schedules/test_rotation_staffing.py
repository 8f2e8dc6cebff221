"""Staffing limits in the rotation core: never more slots than a member can staff."""

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from schedules import rotation
from schedules.rotation import staffed
from tests.schedules import rotation_cases as cases


def _held(decisions) -> Counter:
    return Counter((d.member, d.night) for d in decisions if d.member is not None)


def test_a_member_at_its_limit_hands_its_turns_on_and_repays_over_later_nights():
    spec = cases.plan(members=2, slots=4)
    # Member 1 can staff one slot a night for four nights, then three a night.
    limits = {(1, cases.night_of(n)): 1 if n < 4 else 3 for n in range(20)}
    schedule = rotation.generate(spec, cases.cells(spec, 0, 20), limits=limits)

    held = _held(schedule.decisions)
    assert all(held[1, night] <= limit for (_, night), limit in limits.items())
    assert not staffed.violations(
        limits, ((d.member, d.night) for d in schedule.decisions)
    )
    passed_on = [d for d in schedule.decisions if d.cause == rotation.STAFFING]
    assert passed_on
    assert all(d.substitute_for == 1 and d.member == 2 for d in passed_on)
    # The debt (four slots) is repaid over later nights, a slot or so a night,
    # never more than the limit on one; by night 19 the minutes are even.
    assert max(held[1, cases.night_of(n)] for n in range(4, 20)) <= 3
    assert schedule.ledger.balance[1] == schedule.ledger.balance[2] == 0
    assert not schedule.uncovered


def test_frozen_cells_count_towards_the_limit():
    spec = cases.plan(members=2, slots=4)
    night = cases.night_of(0)
    frozen = {
        (night, slot): rotation.Held(night, slot, 1, 60, rotation.MANUAL)
        for slot in (2, 3)
    }
    schedule = rotation.generate(
        spec, cases.cells(spec, 0, 1), frozen=frozen, limits={(1, night): 2}
    )
    assert [d.member for d in schedule.decisions] == [2, 2, 1, 1]


@settings(max_examples=120, deadline=None)
@given(
    members=st.integers(2, 4),
    slots=st.integers(1, 6),
    nights=st.integers(1, 21),
    seed=st.randoms(use_true_random=False),
)
def test_no_member_gets_more_than_its_limit_and_no_cell_is_left_that_one_could_take(
    members, slots, nights, seed
):
    spec = cases.plan(members=members, slots=slots)
    cells = cases.cells(spec, 0, nights)
    limits = {
        (m, cases.night_of(n)): seed.randint(0, slots)
        for m in spec.members
        for n in range(nights)
        if seed.random() < 0.5
    }
    blackouts = [
        cases.blackout(m, n, 0, slots - 1)
        for m in spec.members
        for n in range(nights)
        if seed.random() < 0.1
    ]
    schedule = rotation.generate(
        spec, cells, blackouts=blackouts, limits=limits, until=cases.night_of(nights)
    )

    held = _held(schedule.decisions)
    assert not staffed.violations(
        limits, ((d.member, d.night) for d in schedule.decisions)
    )
    away = rotation.unavailability(spec, cells, blackouts=blackouts)
    for d in schedule.uncovered:
        # Every member was away, or at its limit by the end of the night (so
        # also when the cell was decided).
        for m in spec.members:
            limit = limits.get((m, d.night))
            assert m in away.get((d.night, d.slot), {}) or (
                limit is not None and held[m, d.night] >= limit
            )


def test_limits_are_optional_and_change_nothing_when_never_reached():
    spec = cases.plan(members=3, slots=5)
    cells = cases.cells(spec, 0, 30)
    blackouts = [cases.blackout(2, 4, 0, 4), cases.blackout(3, 11, 1, 2)]
    plain = rotation.generate(spec, cells, blackouts=blackouts)
    roomy = {(m, c.night): 5 for m in spec.members for c in cells}
    limited = rotation.generate(spec, cells, blackouts=blackouts, limits=roomy)
    assert [d.member for d in plain.decisions] == [d.member for d in limited.decisions]
