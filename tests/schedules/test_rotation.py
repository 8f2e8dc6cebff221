import datetime as dt
from collections import Counter

from schedules import metrics, rotation
from tests.schedules import rotation_cases as cases


def _by_night(decisions):
    nights: dict[int, list[int | None]] = {}
    for d in decisions:
        nights.setdefault((d.night - cases.ANCHOR).days, []).append(d.member)
    return nights


def test_first_night_follows_plan_order_and_turns_carry_on_to_the_next_night():
    spec = cases.plan(members=3, slots=5)

    decisions = rotation.generate(spec, cases.cells(spec, 0, 3)).decisions

    assert _by_night(decisions) == {
        0: [1, 2, 3, 1, 2],
        1: [3, 1, 2, 3, 1],
        2: [2, 3, 1, 2, 3],
    }
    assert {d.reason for d in decisions} == {rotation.TURN}


def test_turn_is_slot_plus_night_when_slots_leave_remainder_one():
    spec = cases.plan(members=3, slots=4)

    decisions = rotation.generate(spec, cases.cells(spec, 0, 6)).decisions

    for d in decisions:
        n = (d.night - cases.ANCHOR).days
        assert d.member == spec.members[(d.slot + n) % 3]


def test_seed_plan_gives_each_precinct_each_hour_once_in_every_three_nights():
    spec = cases.plan(members=3, slots=5)
    decisions = rotation.generate(spec, cases.cells(spec, 0, 30)).decisions
    held = cases.holders(decisions)

    for first in range(28):
        for slot in range(5):
            assert sorted(held[first + k, slot] for k in range(3)) == [1, 2, 3]


def test_members_sharing_a_factor_with_slots_still_get_each_position_once_per_cycle():
    """4 members and 2 slots: (slot + night) mod 4 would leave two members out of
    a two-night run entirely; the carried-on order does not."""
    spec = cases.plan(members=4, slots=2)
    held = cases.holders(rotation.generate(spec, cases.cells(spec, 0, 12)).decisions)

    for first in range(9):
        for slot in range(2):
            assert sorted(held[first + k, slot] for k in range(4)) == [1, 2, 3, 4]
        two_nights = Counter(held[first + k, s] for k in range(2) for s in range(2))
        assert set(two_nights.values()) == {1}


def test_blacked_out_precinct_never_gets_a_slot_and_its_substitute_says_why():
    spec = cases.plan(members=3, slots=5)
    gone = cases.blackout(2, 1, 0, 4)

    decisions = rotation.generate(
        spec, cases.cells(spec, 0, 6), blackouts=[gone]
    ).decisions

    night = [d for d in decisions if (d.night - cases.ANCHOR).days == 1]
    assert 2 not in {d.member for d in night}
    substitutes = [d for d in night if d.reason == rotation.SUBSTITUTE]
    assert substitutes
    assert {(d.substitute_for, d.cause) for d in substitutes} == {
        (2, rotation.BLACKOUT)
    }


def test_substitute_is_the_eligible_member_furthest_behind():
    spec = cases.plan(members=3, slots=3)
    ledger = rotation.Ledger()
    ledger.balance.update({1: 60, 2: 0, 3: -60})
    # Night 0 slot 1 is member 2's turn.
    decisions = rotation.generate(
        spec,
        cases.cells(spec, 0, 1),
        ledger=ledger,
        blackouts=[cases.blackout(2, 0, 1)],
    ).decisions

    assert decisions[1].member == 3
    assert decisions[1].reason == rotation.SUBSTITUTE


def test_a_missed_turn_is_repaid_at_the_same_hour_and_totals_even_out():
    spec = cases.plan(members=3, slots=5)
    clean = rotation.generate(spec, cases.cells(spec, 0, 9)).decisions
    schedule = rotation.generate(
        spec, cases.cells(spec, 0, 9), blackouts=[cases.blackout(2, 1, 2)]
    )

    changed = [(a, b) for a, b in zip(clean, schedule.decisions, strict=True) if a != b]
    assert [b.reason for _, b in changed] == [rotation.SUBSTITUTE, rotation.REPAYMENT]
    (_, sub), (_, repay) = changed
    assert repay.member == 2
    assert repay.substitute_for == sub.member
    assert repay.slot == sub.slot
    assert set(schedule.ledger.balance.values()) == {0}
    assert set(schedule.ledger.position.values()) == {0}


def test_slot_nobody_can_take_is_reported_uncovered_with_the_member_due():
    spec = cases.plan(members=2, slots=2)
    everyone_away = [cases.blackout(m, 0, 1) for m in spec.members]

    schedule = rotation.generate(spec, cases.cells(spec, 0, 2), blackouts=everyone_away)

    [uncovered] = schedule.uncovered
    assert (uncovered.night, uncovered.slot) == (cases.night_of(0), 1)
    assert uncovered.substitute_for == 2
    assert uncovered.cause == rotation.BLACKOUT


def test_member_at_capacity_in_another_plan_hands_its_turn_on():
    spec = cases.plan(members=3, slots=5, capacity={1: 1, 2: 2})
    first = cases.cells(spec, 0, 1)[0]
    other_post = rotation.Interval(1, first.start, first.end)

    decision = rotation.generate(spec, [first], busy=[other_post]).decisions[0]
    assert decision.member != 1
    assert decision.cause == rotation.CAPACITY

    # A member that can hold two posts keeps its turn beside one other post.
    second = cases.cells(spec, 0, 1)[1]
    decision = rotation.generate(
        spec, [second], busy=[rotation.Interval(2, second.start, second.end)]
    ).decisions[0]
    assert decision.member == 2


def test_blackout_touching_a_slot_only_at_its_edge_does_not_block_it():
    spec = cases.plan(members=2, slots=2)
    first, second = cases.cells(spec, 0, 1)
    before = rotation.Interval(2, first.start - dt.timedelta(hours=1), first.start)

    assert rotation.unavailability(spec, [first, second], blackouts=[before]) == {}


def test_frozen_cells_are_kept_and_the_generator_balances_around_them():
    spec = cases.plan(members=3, slots=5)
    # A hand edit gives member 1 the night 0 slot 1 turn of member 2.
    manual = rotation.Held(cases.night_of(0), 1, 1, 60, rotation.MANUAL)
    schedule = rotation.generate(
        spec, cases.cells(spec, 0, 9), frozen={(manual.night, manual.slot): manual}
    )

    first = schedule.decisions[1]
    assert (first.member, first.reason, first.frozen) == (1, rotation.MANUAL, True)
    repayments = [d for d in schedule.decisions if d.reason == rotation.REPAYMENT]
    assert [(d.member, d.substitute_for) for d in repayments] == [(2, 1)]
    assert set(schedule.ledger.balance.values()) == {0}


def test_block_strategy_gives_each_night_to_one_member_in_turn():
    spec = cases.plan(members=3, slots=5, strategy=rotation.BLOCK)

    nights = _by_night(rotation.generate(spec, cases.cells(spec, 0, 4)).decisions)

    assert nights == {0: [1] * 5, 1: [2] * 5, 2: [3] * 5, 3: [1] * 5}


def test_block_substitute_holds_the_whole_night_and_is_repaid_a_whole_night():
    spec = cases.plan(members=3, slots=5, strategy=rotation.BLOCK)

    schedule = rotation.generate(
        spec, cases.cells(spec, 0, 9), blackouts=[cases.blackout(1, 0, 0, 4)]
    )

    nights = _by_night(schedule.decisions)
    assert len(set(nights[0])) == 1
    assert 1 not in nights[0]
    substitute = nights[0][0]
    repaid = [n for n, members in nights.items() if members == [1] * 5 and n != 3]
    assert repaid
    assert set(schedule.ledger.balance.values()) == {0}
    assert substitute in spec.members


def test_two_members_never_hold_an_hour_three_nights_running_when_avoidable():
    spec = cases.plan(members=2, slots=1)
    # Member 2 misses night 1; member 1 must cover it, then should not also keep
    # its own turn on night 2 and the next ones in a row.
    schedule = rotation.generate(
        spec, cases.cells(spec, 0, 8), blackouts=[cases.blackout(2, 1)]
    )

    assert metrics.metrics(spec, schedule.decisions).longest_run <= 2


def test_run_look_ahead_spares_the_night_before_a_forced_stretch():
    spec = cases.plan(members=2, slots=1)
    # Member 2 is away on nights 2 and 3, so member 1 must hold both. Its own turn
    # on night 0 is fine, but no third night in a row may follow.
    away = [cases.blackout(2, n) for n in (2, 3)]

    schedule = rotation.generate(spec, cases.cells(spec, 0, 8), blackouts=away)

    held = cases.holders(schedule.decisions)
    assert held[2, 0] == held[3, 0] == 1
    assert held[1, 0] == 2
    assert held[4, 0] == 2
    assert metrics.metrics(spec, schedule.decisions).longest_run == 2


def test_generating_in_pieces_gives_the_schedule_generated_at_once():
    spec = cases.plan(members=3, slots=5)
    away = [cases.blackout(2, 5, 0, 4), cases.blackout(1, 9, 1, 2)]
    at_once = rotation.generate(spec, cases.cells(spec, 0, 20), blackouts=away)

    pieces = cases.generate_in_pieces(spec, [4, 6, 10, 15], 20, blackouts=away)

    assert pieces == at_once.decisions


def test_ledger_rebuilt_from_history_equals_the_ledger_after_generation():
    spec = cases.plan(members=4, slots=3)
    schedule = rotation.generate(
        spec,
        cases.cells(spec, 0, 12),
        blackouts=[cases.blackout(3, 2, 0, 2), cases.blackout(1, 7, 1)],
    )

    rebuilt = rotation.Ledger.from_history(
        spec,
        [
            rotation.Held(d.night, d.slot, d.member, d.minutes)
            for d in schedule.decisions
        ],
    )

    assert dict(rebuilt.balance) == {
        k: v for k, v in schedule.ledger.balance.items() if k in rebuilt.balance
    }
    assert {k: v for k, v in rebuilt.position.items() if v} == {
        k: v for k, v in schedule.ledger.position.items() if v
    }
    assert dict(rebuilt.recent) == dict(schedule.ledger.recent)


def test_metrics_bounds_follow_the_closed_forms():
    three = cases.plan(members=3, slots=5)
    assert metrics.minute_bound(three, nights=3, cells=15) == 0
    assert metrics.minute_bound(three, nights=4, cells=20) == 1
    assert metrics.position_bound(three, nights=6) == 0
    assert metrics.position_bound(three, nights=7) == 1
    block = cases.plan(members=3, slots=5, strategy=rotation.BLOCK)
    assert metrics.minute_bound(block, nights=4, cells=20) == 5


def test_metrics_count_violations_repeats_and_changes():
    spec = cases.plan(members=2, slots=1)
    cells = cases.cells(spec, 0, 3)
    decisions = [rotation.Decision(c.night, c.slot, c.start, c.end, 1) for c in cells]
    unavailable = {(cells[1].night, 0): {1: rotation.BLACKOUT}}
    previous = rotation.generate(spec, cells).decisions

    measured = metrics.metrics(
        spec, decisions, unavailable=unavailable, previous=previous
    )

    assert measured.violations[rotation.BLACKOUT] == 1
    assert measured.repeats == 2
    assert measured.longest_run == 3
    assert measured.changed == 1
    assert measured.minute_spread == 180
    assert measured.minutes == {1: 180, 2: 0}
