"""Small builders for the pure rotation tests (no database)."""

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from schedules import nights, rotation
from schedules.rotation import ending

JAKARTA = ZoneInfo("Asia/Jakarta")
ANCHOR = dt.date(2024, 1, 22)
MIDNIGHT = dt.time(0, 0)


def plan(members=3, slots=5, strategy=rotation.ROTATION, capacity=None):
    return rotation.Plan(
        members=tuple(range(1, members + 1)),
        slots=slots,
        anchor=ANCHOR,
        strategy=strategy,
        capacity=capacity or {},
    )


def window_end(slots: int, minutes: int = 60) -> dt.time:
    total = slots * minutes
    return dt.time(total // 60 % 24, total % 60)


def cells(spec, first=0, count=1, minutes=60):
    """The cells of nights ANCHOR+first .. ANCHOR+first+count-1, from 00:00 WIB."""
    end = window_end(spec.slots, minutes)
    return rotation.cells_for(
        (ANCHOR + dt.timedelta(days=first + k) for k in range(count)),
        lambda night: nights.slot_bounds(night, MIDNIGHT, end, minutes, JAKARTA),
    )


def night_of(index: int) -> dt.date:
    return ANCHOR + dt.timedelta(days=index)


def blackout(member, night_index, first_slot=0, last_slot=None, spec=None, minutes=60):
    """A blackout of one member over slots first..last of one night."""
    start, _ = nights.window_bounds(
        night_of(night_index), MIDNIGHT, dt.time(5, 0), JAKARTA
    )
    last = first_slot if last_slot is None else last_slot
    return rotation.Interval(
        member,
        start + dt.timedelta(minutes=first_slot * minutes),
        start + dt.timedelta(minutes=(last + 1) * minutes),
    )


def holders(decisions):
    """{(night index, slot): member}"""
    return {((d.night - ANCHOR).days, d.slot): d.member for d in decisions}


def generate_in_pieces(spec, cuts, total, until=None, **kwargs):
    """Generate nights 0..total-1 in pieces split at `cuts`, as the horizon does.

    As the service does (inputs.prepare), a piece near the end of a plan with an
    end date (where the core decides the last nights together, rotation.ending)
    runs from the start of those nights, or its own, to the end, preferring what
    earlier pieces decided there.
    """
    decisions: list[rotation.Decision] = []
    edges = [0, *sorted(cuts), total]
    window = None if until is None else (ending.window_start(spec, until) - ANCHOR).days
    for first, stop in itertools.pairwise(edges):
        if stop <= first:
            continue
        peek = min(stop + rotation.lookahead_nights(spec), total)
        if window is not None and peek >= window:
            stop = peek = total
            first = min(first, max(window, 0))
        kept = [d for d in decisions if (d.night - ANCHOR).days < first]
        redone = {(d.night, d.slot): d.member for d in decisions if d not in kept}
        schedule = rotation.generate(
            spec,
            cells(spec, first, stop - first),
            ledger=rotation.Ledger.from_history(
                spec,
                [rotation.Held(d.night, d.slot, d.member, d.minutes) for d in kept],
            ),
            lookahead=cells(spec, stop, peek - stop),
            until=until,
            prefer=redone,
            **kwargs,
        )
        decisions = kept + schedule.decisions
    return decisions
