"""Staffing limits in the core: how many slots each member may hold on a night.

A limit is the most slots of one night a precinct's officers can stand (see
schedules.staffing, which turns officers, minimum officers and rest hours into
it). The generator treats a member at its limit like a member on blackout for
the rest of that night: it never hands it a substitution or a repayment there,
so a debt is paid over later nights instead of piled onto one. Frozen cells
(a person's decision) count towards the limit but are never moved.
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping

# Why a turn was handed on: the member's officers cannot staff one more slot.
STAFFING = "staffing"


class NightLoad:
    """Slots each member holds on each night so far, against its limit."""

    def __init__(
        self,
        limits: Mapping[tuple[int, dt.date], int] | None,
        frozen_holders: Iterable[tuple[int | None, dt.date]] = (),
    ):
        self.limits = limits or {}
        self.held: Counter[tuple[int, dt.date]] = Counter()
        for member, night in frozen_holders:
            if member is not None:
                self.held[member, night] += 1

    def full(self, member: int, night: dt.date) -> bool:
        limit = self.limits.get((member, night))
        return limit is not None and self.held[member, night] >= limit

    def add(self, member: int | None, night: dt.date) -> None:
        if member is not None:
            self.held[member, night] += 1

    def hands_on(self, member, night, slot, due_slots, position) -> bool:
        """Should a member whose turns tonight (`due_slots`, this one included)
        exceed what it can still staff hand this one on? It keeps the slot
        positions it is furthest behind at, so a limit does not pile its
        holdings onto the first hours of the night."""
        limit = self.limits.get((member, night))
        if limit is None:
            return False
        room = limit - self.held[member, night]
        if len(due_slots) <= room:
            return False
        kept = sorted(due_slots, key=lambda s: (position[member, s], s))[:room]
        return slot not in kept

    def picky(self, member, known, i, position) -> bool:
        """Should a member with a limit tonight pass on cell i, not its turn?
        Only its room's worth of the night's positions it is furthest behind at
        suit it; otherwise its repayments would all land on the first hours."""
        night = known[i].night
        limit = self.limits.get((member, night))
        if limit is None:
            return False
        slots = []
        for cell in known[i:]:
            if cell.night != night:
                break
            slots.append(cell.slot)
        room = limit - self.held[member, night]
        kept = sorted(slots, key=lambda s: (position[member, s], s))[: max(0, room)]
        return known[i].slot not in kept

    def out(
        self, blocked: Mapping[int, str], members: Iterable[int], night: dt.date
    ) -> Mapping[int, str]:
        """`blocked` (member -> cause) with the members at their limit added."""
        if not self.limits:
            return blocked
        full = [m for m in members if m not in blocked and self.full(m, night)]
        if not full:
            return blocked
        return {**blocked, **dict.fromkeys(full, STAFFING)}


def turns_tonight(walk, i: int, member: int) -> list[int]:
    """Slots of the member's turns from cell i to the end of its night, in a
    walk of the core (rotation._Generator): not frozen, not blacked out."""
    night, found = walk.known[i].night, []
    for j in range(i, len(walk.known)):
        if walk.known[j].night != night:
            break
        key = (night, walk.known[j].slot)
        if (
            walk.dues[j] == member
            and key not in walk.frozen
            and member not in walk.blocked.get(key, ())
        ):
            found.append(key[1])
    return found


def violations(
    limits: Mapping[tuple[int, dt.date], int],
    holders: Iterable[tuple[int | None, dt.date]],
) -> list[tuple[int, dt.date, int, int]]:
    """(member, night, slots held, limit) wherever a member holds more slots of a
    night than its limit allows."""
    held: Counter[tuple[int, dt.date]] = Counter(
        (member, night) for member, night in holders if member is not None
    )
    return [
        (member, night, count, limits[member, night])
        for (member, night), count in sorted(held.items())
        if (member, night) in limits and count > limits[member, night]
    ]
