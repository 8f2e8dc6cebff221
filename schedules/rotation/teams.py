"""How many officers a precinct needs to staff some slots of one night: pure arithmetic.

The roster rules (schedules.roster) decide who may stand on a shift: each shift
needs the plan's minimum officers, and an officer's shifts must either touch (two
consecutive slots count as one continuous duty) or be the plan's rest hours apart.
The check is made pair by pair, so an officer may hold two touching slots but not
three in a row, and two slots with a gap shorter than the rest hours never.

Officers of one precinct are interchangeable, so a set of slots needs
`min_officers` times as many officers as the fewest *teams* that can stand them,
a team being a set of slots one officer may hold together. A generator that counts
only how many slots a precinct holds on a night (not which ones) must assume the
worst arrangement of that many slots: worst_teams().
"""

import functools
import itertools
import math

# Up to this many slots a night, teams are counted exactly over every arrangement;
# beyond it (and only when the rest is shorter than the window) the count for a
# rest as long as the window is used, which never asks for fewer officers.
EXACT_SLOTS = 10


def reach(*, slot_minutes: int, rest_minutes: int) -> int:
    """Slots i < j one officer cannot both hold when 2 <= j - i <= reach().

    The gap between them, (j - i - 1) slots, must then be shorter than the rest.
    """
    if slot_minutes <= 0:
        raise ValueError("slot_minutes must be positive")
    return math.ceil(rest_minutes / slot_minutes)


def _compatible(slots: list[int], reach_: int) -> bool:
    """May one officer hold all these slots (sorted) on one night?"""
    if reach_ <= 1:
        return True
    touching = False
    for a, b in itertools.pairwise(slots):
        gap = b - a
        if gap == 1:
            # Three touching slots in a row: the first and the third do not touch.
            if touching:
                return False
            touching = True
        elif gap <= reach_:
            return False
        else:
            touching = False
    return True


def _long_rest_teams(held: list[int]) -> int:
    """Teams for slots when no two non-touching slots fit in one night's rest:
    each team stands one run of at most two touching slots."""
    teams, run, last = 0, 0, None
    for slot in held:
        run = run + 1 if last is not None and slot == last + 1 else 1
        teams += run % 2  # a new team at the 1st, 3rd, 5th... slot of a run
        last = slot
    return teams


@functools.lru_cache(maxsize=64)
def _partition_table(slots: int, reach_: int) -> tuple[int, ...]:
    """Fewest teams for every subset (bit mask) of a night's slots."""
    compatible = [
        _compatible([s for s in range(slots) if mask >> s & 1], reach_)
        for mask in range(1 << slots)
    ]
    table = [0] * (1 << slots)
    for mask in range(1, 1 << slots):
        low = mask & -mask
        rest = mask ^ low
        best = slots
        # Every team that holds the lowest slot: low plus a subset of the rest.
        sub = rest
        while True:
            team = sub | low
            if compatible[team]:
                best = min(best, 1 + table[mask ^ team])
            if not sub:
                break
            sub = (sub - 1) & rest
        table[mask] = best
    return tuple(table)


def teams_needed(held, *, slots: int, reach_: int) -> int:
    """Fewest teams that can stand exactly these slots (indices) of one night."""
    held = sorted(set(held))
    if not held:
        return 0
    if reach_ <= 1:
        return 1
    if reach_ >= slots - 1 or slots > EXACT_SLOTS:
        return _long_rest_teams(held)
    return _partition_table(slots, reach_)[sum(1 << s for s in held)]


@functools.lru_cache(maxsize=256)
def worst_teams(slots: int, reach_: int) -> tuple[int, ...]:
    """Teams needed by the worst arrangement of k slots, for k = 0..slots."""
    if reach_ <= 1:
        return (0, *([1] * slots))
    if reach_ >= slots - 1 or slots > EXACT_SLOTS:
        return _worst_long_rest(slots)
    table = _partition_table(slots, reach_)
    worst = [0] * (slots + 1)
    for mask, teams in enumerate(table):
        count = mask.bit_count()
        worst[count] = max(worst[count], teams)
    return tuple(worst)


def _worst_long_rest(slots: int) -> tuple[int, ...]:
    """worst_teams() when each team stands one run of at most two slots: the
    arrangement of k slots with the most odd runs, found position by position."""
    # best[k][odd] = most teams with k slots chosen so far, the current run's
    # length odd (True) or even/none (False).
    low = -(slots + 1)
    best = [[0, low]] + [[low, low] for _ in range(slots)]
    for _ in range(slots):
        nxt = [[low, low] for _ in range(slots + 1)]
        for k in range(slots + 1):
            for odd in (0, 1):
                value = best[k][odd]
                if value == low:
                    continue
                # Leave the slot out: any run ends.
                nxt[k][0] = max(nxt[k][0], value)
                if k < slots:
                    # Take it: an even run becomes odd and needs a new team.
                    nxt[k + 1][1 - odd] = max(nxt[k + 1][1 - odd], value + 1 - odd)
        best = nxt
    return tuple(max(pair) for pair in best)


def slots_staffable(
    *,
    officers: int,
    min_officers: int,
    slots: int,
    slot_minutes: int,
    rest_minutes: int,
) -> int:
    """The most slots of a night that `officers` can staff, however they fall."""
    if officers <= 0:
        return 0
    per_team = max(1, min_officers)
    worst = worst_teams(
        slots, reach(slot_minutes=slot_minutes, rest_minutes=rest_minutes)
    )
    return max(k for k in range(slots + 1) if worst[k] * per_team <= officers)


def officers_needed(
    count: int, *, min_officers: int, slots: int, slot_minutes: int, rest_minutes: int
) -> int:
    """Officers that any `count` slots of one night of a plan may need."""
    reach_ = reach(slot_minutes=slot_minutes, rest_minutes=rest_minutes)
    return max(1, min_officers) * worst_teams(slots, reach_)[min(count, slots)]
