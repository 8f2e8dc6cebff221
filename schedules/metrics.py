"""Quality measures of a generated schedule: one definition for tests and the bench.

Pure: it reads rotation.Decision lists. The closed-form bounds hold for schedules
without blackouts; with blackouts the exact optimum of a small instance (see
tests/schedules/test_rotation_optimum.py) is the reference.
"""

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from schedules import rotation


@dataclass(frozen=True)
class Metrics:
    minutes: dict[int, int]
    fair_share: float
    slot_minutes: int
    minute_spread: int
    minute_bound_slots: int
    # member -> holdings of each slot position
    positions: dict[int, list[int]]
    # (position, spread), the worst position first
    position_spreads: list[tuple[int, int]]
    position_bound: int
    repeats: int
    longest_run: int
    violations: dict[str, int]
    frozen_kept: float
    changed: int | None

    @property
    def minute_spread_slots(self) -> float:
        return self.minute_spread / self.slot_minutes if self.slot_minutes else 0.0

    @property
    def worst_position_spread(self) -> int:
        return self.position_spreads[0][1] if self.position_spreads else 0


def minute_bound(plan: rotation.Plan, nights: int, cells: int) -> int:
    """Least possible spread of minutes, in slots, with every cell covered."""
    size = len(plan.members)
    if plan.strategy == rotation.BLOCK:
        return 0 if nights % size == 0 else plan.slots
    return 0 if cells % size == 0 else 1


def position_bound(plan: rotation.Plan, nights: int) -> int:
    """Least possible spread of any one slot position's holdings."""
    return 0 if nights % len(plan.members) == 0 else 1


def metrics(
    plan: rotation.Plan,
    decisions: Sequence[rotation.Decision],
    *,
    unavailable: Mapping[tuple[dt.date, int], Mapping[int, str]] | None = None,
    frozen: Mapping[tuple[dt.date, int], rotation.Held] | None = None,
    previous: Sequence[rotation.Decision] | None = None,
) -> Metrics:
    """Measure a schedule (the decisions of consecutive nights of one plan)."""
    unavailable = unavailable or {}
    frozen = frozen or {}
    minutes = dict.fromkeys(plan.members, 0)
    positions = {member: [0] * plan.slots for member in plan.members}
    violations = Counter({rotation.BLACKOUT: 0, rotation.CAPACITY: 0, "uncovered": 0})
    runs = _Runs()
    kept = frozen_seen = 0
    lengths: Counter[int] = Counter()
    nights = set()
    for decision in decisions:
        key = (decision.night, decision.slot)
        nights.add(decision.night)
        lengths[decision.minutes] += 1
        held = frozen.get(key)
        if held is not None:
            frozen_seen += 1
            kept += decision.member == held.member
        if decision.member is None:
            violations["uncovered"] += held is None
            runs.gap(decision.slot)
            continue
        cause = unavailable.get(key, {}).get(decision.member)
        # A frozen cell was decided by a person; it is not the generator's breach.
        if cause and held is None:
            violations[cause] += 1
        minutes[decision.member] += decision.minutes
        positions[decision.member][decision.slot] += 1
        runs.hold(decision)
    covered = sum(1 for d in decisions if d.member is not None)
    return Metrics(
        minutes=minutes,
        fair_share=sum(minutes.values()) / len(plan.members),
        slot_minutes=lengths.most_common(1)[0][0] if lengths else 0,
        minute_spread=max(minutes.values()) - min(minutes.values()),
        minute_bound_slots=minute_bound(plan, len(nights), covered),
        positions=positions,
        position_spreads=_position_spreads(positions, plan.slots),
        position_bound=position_bound(plan, len(nights)),
        repeats=runs.repeats,
        longest_run=runs.longest,
        violations=dict(violations),
        frozen_kept=kept / frozen_seen if frozen_seen else 1.0,
        changed=_changed(decisions, previous),
    )


class _Runs:
    """Nights in a row that one member holds the same slot."""

    def __init__(self):
        self.last: dict[int, tuple[dt.date, int | None, int]] = {}
        self.repeats = self.longest = 0

    def gap(self, slot: int) -> None:
        self.last.pop(slot, None)

    def hold(self, decision: rotation.Decision) -> None:
        last = self.last.get(decision.slot)
        if (
            last
            and last[1] == decision.member
            and last[0] + rotation.ONE_DAY == decision.night
        ):
            self.repeats += 1
            run = last[2] + 1
        else:
            run = 1
        self.last[decision.slot] = (decision.night, decision.member, run)
        self.longest = max(self.longest, run)


def _position_spreads(positions: dict, slots: int) -> list[tuple[int, int]]:
    """(slot, most minus least holdings of it by a member), widest first."""
    return sorted(
        (
            (
                slot,
                max(c[slot] for c in positions.values())
                - min(c[slot] for c in positions.values()),
            )
            for slot in range(slots)
        ),
        key=lambda item: (-item[1], item[0]),
    )


def _changed(decisions, previous) -> int | None:
    """How many cells hold another member than in `previous` (None: no previous)."""
    if previous is None:
        return None
    before = {(d.night, d.slot): d.member for d in previous}
    return sum(1 for d in decisions if before.get((d.night, d.slot), -1) != d.member)
