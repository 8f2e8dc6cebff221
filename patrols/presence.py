"""Who was at the post when: pure arithmetic over check-ins, no ORM.

An officer's check-ins of one plan's night (across its consecutive shifts) form
presence intervals: an arrival opens one, a leave closes it, a repeated arrival or a
stray leave changes nothing. An interval still open counts until `until` (now on a
live board, the end of the night in the morning report).
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

ARRIVE = "arrive"
LEAVE = "leave"


@dataclass(frozen=True)
class Event:
    officer_id: int
    kind: str
    at: dt.datetime


@dataclass(frozen=True)
class Interval:
    start: dt.datetime
    end: dt.datetime | None  # None: still at the post

    def end_or(self, until: dt.datetime) -> dt.datetime:
        return self.end if self.end is not None else max(until, self.start)


def intervals_by_officer(events: Iterable[Event]) -> dict[int, list[Interval]]:
    by_officer: dict[int, list[Event]] = defaultdict(list)
    for event in events:
        by_officer[event.officer_id].append(event)
    result = {}
    for officer_id, officer_events in by_officer.items():
        intervals, opened = [], None
        for event in sorted(officer_events, key=lambda e: e.at):
            if event.kind == ARRIVE and opened is None:
                opened = event.at
            elif event.kind == LEAVE and opened is not None:
                intervals.append(Interval(opened, event.at))
                opened = None
        if opened is not None:
            intervals.append(Interval(opened, None))
        result[officer_id] = intervals
    return result


def is_present(intervals: Iterable[Interval], at: dt.datetime) -> bool:
    return any(i.start <= at and (i.end is None or at < i.end) for i in intervals)


def covered(
    intervals: Iterable[Interval], start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The merged parts of [start, end) where at least one interval holds."""
    parts = sorted(
        (max(i.start, start), min(i.end_or(end), end))
        for i in intervals
        if i.start < end and i.end_or(end) > start
    )
    merged: list[tuple[dt.datetime, dt.datetime]] = []
    for part_start, part_end in parts:
        if part_end <= part_start:
            continue
        if merged and part_start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], part_end))
        else:
            merged.append((part_start, part_end))
    return merged


def empty_minutes(
    intervals: Iterable[Interval],
    start: dt.datetime,
    end: dt.datetime,
    allowance: dt.timedelta,
) -> int:
    """Whole minutes of [start + allowance, end) with nobody of the team at the post.

    The first `allowance` of a slot is the team's time to arrive; after it, any
    moment with nobody there is an empty post.
    """
    checked_from = start + allowance
    if end <= checked_from:
        return 0
    held = sum(
        ((e - s) for s, e in covered(intervals, checked_from, end)), dt.timedelta()
    )
    return int((end - checked_from - held).total_seconds() // 60)


ON_TIME = "on_time"
LATE = "late"
ABSENT = "absent"


@dataclass(frozen=True)
class Arrival:
    status: str
    arrived_at: dt.datetime | None
    minutes_late: int


def arrival(
    intervals: Iterable[Interval], start: dt.datetime, end: dt.datetime
) -> Arrival:
    """On time when at the post at the slot's start; late when first there during it."""
    intervals = list(intervals)
    for interval in intervals:
        if interval.start <= start and interval.end_or(end) > start:
            return Arrival(ON_TIME, interval.start, 0)
    during = sorted(i.start for i in intervals if start < i.start < end)
    if during:
        late = int((during[0] - start).total_seconds() // 60)
        return Arrival(LATE, during[0], late)
    return Arrival(ABSENT, None, 0)


UPCOMING = "upcoming"
OVERLAP = "overlap"
GAP = "gap"
NOT_ARRIVED = "not_arrived"


@dataclass(frozen=True)
class Handover:
    status: str
    next_arrived_at: dt.datetime | None
    previous_left_at: dt.datetime | None
    gap_minutes: int


def handover(
    previous: Iterable[Interval],
    following: Iterable[Interval],
    boundary: dt.datetime,
    now: dt.datetime,
) -> Handover:
    """Whether the next team arrived before the previous one left.

    OVERLAP: both teams were at the post together; GAP: the next team came after
    the previous one had gone (or the previous one never came); NOT_ARRIVED: the
    boundary has passed and the next team is not there; UPCOMING: not yet due.
    """
    previous, following = list(previous), list(following)
    arrived = min((i.start for i in following), default=None)
    still_there = any(i.end is None for i in previous)
    left = None if still_there else max((i.end for i in previous), default=None)
    if arrived is None:
        status = NOT_ARRIVED if now >= boundary else UPCOMING
        return Handover(status, None, left, 0)
    together = any(
        p.start < f.end_or(now) and f.start < p.end_or(now)
        for p in previous
        for f in following
    )
    if together:
        return Handover(OVERLAP, arrived, left, 0)
    gap_from = left if left is not None and left < arrived else boundary
    gap = max(0, int((arrived - gap_from).total_seconds() // 60))
    return Handover(GAP, arrived, left, gap)
