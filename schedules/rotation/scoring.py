"""The exact model's objectives, evaluated in plain Python on given holders.

A schedule whose every objective sits at its lower bound is optimal without a
solver: scoring() and bounds() let exact.solve() return the greedy walk's
window as it is (a proven optimum) when it already is one, which is the common
case and costs no CP-SAT call.
"""

import math
from collections import Counter
from collections.abc import Mapping


def unit_of(window) -> int:
    """The minutes every cell and history total is a whole number of."""
    unit = math.gcd(*(c.minutes for c in window.cells), *window.minutes.values())
    return unit or 1


def _free(window, i: int) -> bool:
    return i not in window.frozen and any(
        m not in window.out.get(i, ()) for m in window.members
    )


def bounds(window) -> tuple[int, int, int]:
    """Lower bounds of the minute spread (in units), of the worst position
    spread, valid when every free cell is covered (integer totals of a fixed sum
    not divisible by the members cannot all be equal), and of the runs."""
    size = len(window.members)
    unit = unit_of(window)
    total = sum(window.minutes.values()) // unit
    per_slot: Counter = Counter()
    for (_, slot), count in window.holdings.items():
        per_slot[slot] += count
    for i, cell in enumerate(window.cells):
        if _free(window, i) or window.frozen.get(i) is not None:
            total += cell.minutes // unit
            per_slot[cell.slot] += 1
    slots = {c.slot for c in window.cells}
    return (
        int(total % size != 0),
        max((int(per_slot[s] % size != 0) for s in slots), default=0),
        _forced_runs(window),
    )


def _forced_runs(window) -> int:
    """Three-night runs no schedule avoids: cells only one member can take."""
    forced = {}
    for slot, recent in window.recent.items():
        for night, holder in recent:
            forced[night, slot] = holder
    for i, cell in enumerate(window.cells):
        if i in window.frozen:
            forced[cell.night, cell.slot] = window.frozen[i]
        else:
            free = [m for m in window.members if m not in window.out.get(i, ())]
            if len(free) == 1:
                forced[cell.night, cell.slot] = free[0]
    return _runs(window, forced)


def _runs(window, held) -> int:
    runs = 0
    for cell in window.cells:
        holder = held.get((cell.night, cell.slot))
        day = cell.night.toordinal()
        if holder is not None and all(
            held.get((type(cell.night).fromordinal(day - k), cell.slot)) == holder
            for k in (1, 2)
        ):
            runs += 1
    return runs


def feasible(window, holders: Mapping[int, int | None]) -> bool:
    """Do these holders keep every hard rule of the model, and cover every cell
    some member can take (so no schedule leaves fewer uncovered)?"""
    load = Counter(
        (holders.get(i), cell.night)
        for i, cell in enumerate(window.cells)
        if holders.get(i) is not None
    )
    if any(load[key] > limit for key, limit in window.limits.items()):
        return False
    for i in range(len(window.cells)):
        holder = holders.get(i)
        if i in window.frozen:
            if holder != window.frozen[i]:
                return False
        elif holder is None:
            if _free(window, i):
                return False
        elif holder in window.out.get(i, ()):
            return False
    return True


def scoring(window, holders: Mapping[int, int | None]) -> tuple[int, int, int]:
    """(minute spread in units, worst position spread, three-night runs)."""
    unit = unit_of(window)
    minutes = Counter({m: window.minutes.get(m, 0) // unit for m in window.members})
    holdings = Counter(window.holdings)
    held = {}
    for slot, recent in window.recent.items():
        for night, holder in recent:
            held[night, slot] = holder
    for i, cell in enumerate(window.cells):
        holder = holders.get(i)
        held[cell.night, cell.slot] = holder
        if holder is not None:
            minutes[holder] += cell.minutes // unit
            holdings[holder, cell.slot] += 1
    spread = max(minutes.values()) - min(minutes.values())
    worst = max(
        (
            max(holdings[m, s] for m in window.members)
            - min(holdings[m, s] for m in window.members)
            for s in {c.slot for c in window.cells}
        ),
        default=0,
    )
    return spread, worst, _runs(window, held)
