"""Properties of the rotation core over random plans, horizons and blackouts."""

import random
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from schedules import metrics, rotation
from tests.schedules import rotation_cases as cases

SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def instances(draw, *, max_nights=40, with_blackouts=True):
    members = draw(st.integers(2, 6))
    slots = draw(st.integers(1, 12))
    strategy = draw(st.sampled_from([rotation.ROTATION, rotation.BLOCK]))
    spec = cases.plan(members, slots, strategy)
    first = draw(st.integers(0, 2 * members))
    count = draw(st.integers(1, max_nights))
    blackouts = []
    if with_blackouts:
        for _ in range(draw(st.integers(0, count))):
            member = draw(st.sampled_from(spec.members))
            night = draw(st.integers(first, first + count))
            a = draw(st.integers(0, slots - 1))
            b = draw(st.integers(a, slots - 1))
            blackouts.append(cases.blackout(member, night, a, b))
    return spec, first, count, blackouts


def _generate(spec, first, count, blackouts, **kwargs):
    """Generate nights first..first+count-1 of a plan that ends with them."""
    return rotation.generate(
        spec,
        cases.cells(spec, first, count),
        blackouts=blackouts,
        until=cases.night_of(first + count - 1),
        **kwargs,
    )


@SETTINGS
@given(instances())
def test_every_slot_is_held_by_exactly_one_eligible_member_or_reported_uncovered(
    instance,
):
    spec, first, count, blackouts = instance
    cells = cases.cells(spec, first, count)
    schedule = rotation.generate(spec, cells, blackouts=blackouts)
    out = rotation.unavailability(spec, cells, blackouts=blackouts)

    assert [(d.night, d.slot) for d in schedule.decisions] == [
        (c.night, c.slot) for c in cells
    ]
    for d in schedule.decisions:
        away = out.get((d.night, d.slot), {})
        if d.member is None:
            assert set(away) == set(spec.members)
        else:
            assert d.member in spec.members
            assert d.member not in away
    measured = metrics.metrics(spec, schedule.decisions, unavailable=out)
    assert measured.violations[rotation.BLACKOUT] == 0
    assert measured.violations[rotation.CAPACITY] == 0


@SETTINGS
@given(instances(with_blackouts=False))
def test_without_blackouts_every_run_of_p_nights_gives_each_member_each_position_once(
    instance,
):
    spec, first, count, _ = instance
    size = len(spec.members)
    held = cases.holders(_generate(spec, first, count + size, []).decisions)

    for start in range(first, first + count):
        for slot in range(spec.slots):
            run = sorted(held[start + k, slot] for k in range(size))
            assert run == sorted(spec.members)


@SETTINGS
@given(instances(with_blackouts=False, max_nights=80))
def test_without_blackouts_spreads_sit_at_the_closed_form_bounds(instance):
    spec, first, count, _ = instance
    decisions = _generate(spec, first, count, []).decisions

    measured = metrics.metrics(spec, decisions)

    assert measured.minute_spread == measured.minute_bound_slots * 60
    assert measured.worst_position_spread <= measured.position_bound
    assert measured.longest_run == 1
    assert {d.reason for d in decisions} == {rotation.TURN}


@SETTINGS
@given(instances(), st.data())
def test_generating_in_pieces_equals_generating_at_once(instance, data):
    spec, first, count, blackouts = instance
    cuts = data.draw(st.lists(st.integers(1, count), max_size=4))
    until = data.draw(st.sampled_from([None, cases.night_of(first + count - 1)]))
    at_once = rotation.generate(
        spec, cases.cells(spec, 0, first + count), blackouts=blackouts, until=until
    ).decisions

    pieces = cases.generate_in_pieces(
        spec, cuts, first + count, blackouts=blackouts, until=until
    )

    assert pieces == at_once


@SETTINGS
@given(instances(), st.data())
def test_frozen_cells_never_change_and_regeneration_is_a_no_op(instance, data):
    spec, first, count, blackouts = instance
    cells = cases.cells(spec, first, count)
    chosen = data.draw(st.sets(st.integers(0, len(cells) - 1), max_size=6))
    frozen = {}
    for i in chosen:
        member = data.draw(st.sampled_from([None, *spec.members]))
        frozen[cells[i].night, cells[i].slot] = rotation.Held(
            cells[i].night, cells[i].slot, member, cells[i].minutes, rotation.MANUAL
        )

    once = rotation.generate(spec, cells, blackouts=blackouts, frozen=frozen)
    again = rotation.generate(spec, cells, blackouts=blackouts, frozen=frozen)

    assert once.decisions == again.decisions
    assert metrics.metrics(spec, once.decisions, frozen=frozen).frozen_kept == 1.0
    # Freezing the whole generated schedule, as stored shifts would be, changes
    # nothing either.
    everything = {
        (d.night, d.slot): rotation.Held(d.night, d.slot, d.member, d.minutes)
        for d in once.decisions
    }
    kept = rotation.generate(spec, cells, blackouts=blackouts, frozen=everything)
    assert [d.member for d in kept.decisions] == [d.member for d in once.decisions]


@SETTINGS
@given(instances())
def test_no_member_holds_a_position_three_nights_running_unless_forced(instance):
    spec, first, count, blackouts = instance
    cells = cases.cells(spec, first, count)
    out = rotation.unavailability(spec, cells, blackouts=blackouts)
    schedule = rotation.generate(spec, cells, blackouts=blackouts)

    # Where some cell has a single possible holder, a longer run may be forced;
    # everywhere else the generator must avoid it.
    forced = any(len(away) >= len(spec.members) - 1 for away in out.values())
    if not forced:
        assert metrics.metrics(spec, schedule.decisions).longest_run <= 2


@SETTINGS
@given(instances(max_nights=60))
def test_repaid_debts_leave_minutes_within_one_slot_of_the_bound(instance):
    """Debts that the horizon leaves time to repay are repaid: a member ends at
    most one slot off the blackout-free split."""
    spec, first, count, blackouts = instance
    size = len(spec.members)
    # Keep blackouts clear of the last P nights, where repayment needs lookahead.
    early = [
        b
        for b in blackouts
        if b.end < cases.cells(spec, first + count - size - 1, 1)[0].start
    ]
    schedule = _generate(spec, first, count, early)
    if schedule.uncovered:
        return

    measured = metrics.metrics(spec, schedule.decisions)
    clean = metrics.metrics(spec, _generate(spec, first, count, []).decisions)
    unit = 60 * (spec.slots if spec.strategy == rotation.BLOCK else 1)
    assert measured.minute_spread <= clean.minute_spread + unit


def test_seeded_instances_meet_the_minute_and_position_gates():
    """The issue's gates over 300 seeded instances with whole-night blackouts on
    ~3% of member-nights: minute spread at the blackout-free bound in at least 95%
    and never above it by more than one slot; each position's spread within
    bound + 1 in at least 95% (and never beyond bound + 2)."""
    rng = random.Random(20240122)
    minutes_at_bound = positions_in_gate = total = 0
    for _ in range(300):
        size = rng.randint(2, 6)
        spec = cases.plan(size, rng.randint(1, 12), rotation.ROTATION)
        count = rng.randint(size + 1, 120)
        blackouts = [
            cases.blackout(m, n, 0, spec.slots - 1)
            for n in range(count)
            for m in spec.members
            if rng.random() < 0.03
        ]
        decisions = _generate(spec, 0, count, blackouts).decisions
        measured = metrics.metrics(spec, decisions)
        if measured.violations["uncovered"]:
            continue
        total += 1
        spread = measured.minute_spread // 60
        minutes_at_bound += spread <= measured.minute_bound_slots
        assert spread <= measured.minute_bound_slots + 1
        worst = measured.worst_position_spread
        positions_in_gate += worst <= measured.position_bound + 1
        assert worst <= measured.position_bound + 2
    assert minutes_at_bound / total >= 0.95
    assert positions_in_gate / total >= 0.95


def test_counter_sanity_of_holdings_matches_minutes():
    spec = cases.plan(4, 3)
    decisions = _generate(spec, 0, 10, [cases.blackout(2, 3, 0, 2)]).decisions
    measured = metrics.metrics(spec, decisions)
    counts = Counter(d.member for d in decisions)
    assert {m: sum(measured.positions[m]) for m in spec.members} == dict(counts)


def test_a_late_loss_past_the_window_does_not_steer_a_turn_decided_in_pieces():
    """Found by the property above: member 1 misses its turns on the plan's last
    nights (14 and 16). Deciding night 11, the loss of night 16 lies beyond the
    look-ahead of a range cut at night 13, so it must not choose the slot position
    at which member 1 pays ahead in a range decided at once either."""
    spec = cases.plan(3, 3)
    blackouts = [
        cases.blackout(1, 1, 0),
        cases.blackout(2, 1, 0),
        cases.blackout(1, 3, 2),
        cases.blackout(1, 14, 0, 2),
        cases.blackout(1, 16, 2),
    ]
    until = cases.night_of(16)
    at_once = rotation.generate(
        spec, cases.cells(spec, 0, 17), blackouts=blackouts, until=until
    ).decisions

    pieces = cases.generate_in_pieces(spec, [13], 17, blackouts=blackouts, until=until)

    assert pieces == at_once
