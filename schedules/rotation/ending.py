"""A plan with an end date: the greedy walk up to its last nights, then the exact
optimum of those (schedules.rotation.exact) with the walk's ledger behind them.

The walk runs as for an open-ended plan (no paying ahead for late turns), so a
range generated in pieces walks the same way as one generated at once; the last
window_nights() of the plan are then decided together, which is where the walk
fell short. The window must be in view: the range and its look-ahead reach the
plan's last night (the service widens its look-ahead to do so).
"""

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from schedules import rotation
from schedules.rotation import exact
from schedules.rotation.busy import unavailability
from schedules.rotation.staffed import STAFFING, NightLoad


def window_start(plan: rotation.Plan, until: dt.date) -> dt.date:
    """The first night the exact model decides for a plan ending on `until`."""
    nights = exact.window_nights(plan.slots, len(plan.members))
    return until - dt.timedelta(days=nights - 1)


def generate_ending(
    plan: rotation.Plan,
    cells: Sequence[rotation.Cell],
    *,
    ledger: rotation.Ledger | None,
    frozen: Mapping[tuple[dt.date, int], rotation.Held],
    blackouts: Iterable[rotation.Interval],
    busy: Iterable[rotation.Interval],
    lookahead: Sequence[rotation.Cell],
    until: dt.date,
    limits: Mapping[tuple[int, dt.date], int] | None,
    prefer: Mapping[tuple[dt.date, int], int | None] | None,
) -> rotation.Schedule | None:
    """The schedule of `cells` for a plan ending on `until`, or None when the
    plan's end is not in view (the caller walks greedily then)."""
    known = [*cells, *lookahead]
    if (
        not cells
        or known[-1].night != until
        or plan.strategy == rotation.BLOCK
        or not exact.available()
    ):
        # A block plan keeps its whole nights: the walk alone decides it.
        return None
    blackouts, busy = list(blackouts), list(busy)
    start = max(known[0].night, window_start(plan, until))
    walk = _walk(plan, cells, ledger, frozen, blackouts, busy, lookahead, limits)
    if cells[-1].night < start:
        return walk
    # The walk over everything in view: the part before the window is kept,
    # the window's part is the hint and the holder preferred at a tie.
    full = _walk(plan, known, ledger, frozen, blackouts, busy, (), limits)
    before = [d for d in full.decisions if d.night < start]
    blocked = unavailability(plan, known, blackouts=blackouts, busy=busy)
    window = _window(plan, known, full.decisions, start, ledger, before, prefer)
    window.out = {
        i: blocked[c.night, c.slot]
        for i, c in enumerate(window.cells)
        if (c.night, c.slot) in blocked
    }
    window.frozen = {
        i: frozen[c.night, c.slot].member
        for i, c in enumerate(window.cells)
        if (c.night, c.slot) in frozen
    }
    window.limits = {k: n for k, n in (limits or {}).items() if k[1] >= start}
    holders = exact.solve(window)
    if holders is None:
        return None
    walked = {(d.night, d.slot): d for d in full.decisions}
    decided = before + [
        walked[d.night, d.slot] if walked[d.night, d.slot].member == d.member else d
        for d in _decisions(window, holders, limits or {}, frozen)
    ]
    in_range = {(c.night, c.slot) for c in cells}
    decisions = [d for d in decided if (d.night, d.slot) in in_range]
    schedule = rotation.Schedule(decisions, _replay(plan, ledger, decisions))
    schedule.exact = window
    return schedule


def _walk(plan, cells, ledger, frozen, blackouts, busy, lookahead, limits):
    load = NightLoad(limits, ((h.member, night) for (night, _), h in frozen.items()))
    return rotation._Generator(
        plan, cells, ledger, frozen, lookahead, blackouts, busy, None
    )(load)


def dues_of(plan: rotation.Plan, cells: Iterable[rotation.Cell]) -> list[int]:
    table = plan.default_table()
    size = len(plan.members)
    return [
        plan.members[table[plan.night_index(c.night) % size][c.slot]] for c in cells
    ]


def _window(plan, known, walked, start, ledger, before, prefer) -> exact.Window:
    """The window from `start`, its ledger after the walk `before` it; the caller
    fills in who is out, the frozen cells and the limits."""
    at_start = _replay(plan, ledger, before)
    cells = [c for c in known if c.night >= start]
    walked_holder = {(d.night, d.slot): d.member for d in walked}
    prefer = prefer or {}
    keys = [(c.night, c.slot) for c in cells]
    return exact.Window(
        members=plan.members,
        cells=cells,
        dues=dues_of(plan, cells),
        out={},
        frozen={},
        limits={},
        prefer={
            i: prefer[k] if k in prefer else walked_holder.get(k)
            for i, k in enumerate(keys)
        },
        minutes=dict(at_start.minutes),
        holdings=dict(at_start.holdings),
        recent={slot: list(r) for slot, r in at_start.recent.items()},
    )


def _decisions(
    window: exact.Window, holders, limits, frozen
) -> list[rotation.Decision]:
    """The window's cells as decisions, with the reason each left its turn."""
    held = Counter(
        (holder, cell.night)
        for cell, holder in zip(window.cells, holders, strict=True)
        if holder is not None
    )
    found = []
    for i, (cell, holder) in enumerate(zip(window.cells, holders, strict=True)):
        due, out = window.dues[i], window.out.get(i, {})
        d = rotation.Decision(cell.night, cell.slot, cell.start, cell.end, holder)
        if i in window.frozen:
            kept = frozen[cell.night, cell.slot]
            d.reason, d.substitute_for, d.frozen = (
                kept.reason,
                kept.substitute_for,
                True,
            )
        elif holder is None or holder != due:
            full = limits.get((due, cell.night), len(holders)) <= held[due, cell.night]
            d.substitute_for = due
            if due in out or full:
                d.reason = rotation.SUBSTITUTE
                d.cause = out.get(due, STAFFING)
            else:
                d.reason, d.cause = rotation.REPAYMENT, rotation.DEBT
        found.append(d)
    return found


def _replay(plan, ledger, decisions) -> rotation.Ledger:
    replayed = ledger.copy() if ledger is not None else rotation.Ledger()
    for d, due in zip(decisions, dues_of(plan, decisions), strict=True):
        replayed.record(d.night, d.slot, d.member, due, d.minutes)
    return replayed
