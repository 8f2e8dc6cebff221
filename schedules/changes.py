"""Shift changes: find what changed in an upcoming shift since its people were told.

Each shift keeps a snapshot of what its people were last told (holder, times,
status, roster). A service that changes shifts brackets its writes with
`announced(ids)`: before them, the shifts never snapshotted get one from their
state as stored (so the first change to a shift made before snapshots existed, or
stored by a bulk insert, is news like any later one); after them, once the
transaction commits, notices is asked through the outbox to tell their people
(the task `notices.notify_shift_changes`, by name: schedules does not import
notices). That task calls detect_changes(), which compares each shift with its
snapshot, records a ShiftChange when they differ and hands it back to be told; a
beat scan (scan_changes()) catches changes made anywhere else, from the state it
last saw.
"""

import datetime as dt
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from audit import context as audit_context
from audit import services as audit_services
from outbox import services as outbox
from schedules import nights
from schedules.models import Shift, ShiftChange, ShiftSnapshot

# How far ahead a change is news: tonight and the six nights after it.
NOTICE_NIGHTS = 7
# The notices task that tells a change's people (notices/tasks.py).
NOTIFY_TASK = "notices.notify_shift_changes"


def shift_state(shift: Shift, roster: list[int]) -> dict:
    return {
        "precinct": shift.precinct_id,
        "start": shift.start.astimezone(dt.UTC).isoformat(),
        "end": shift.end.astimezone(dt.UTC).isoformat(),
        "status": shift.status,
        "roster": sorted(roster),
    }


def changed_fields(before: dict, after: dict) -> list[str]:
    fields = []
    if before["precinct"] != after["precinct"]:
        fields.append("holder")
    if (before["start"], before["end"]) != (after["start"], after["end"]):
        fields.append("times")
    if before["status"] != after["status"]:
        fields.append("status")
    if before["roster"] != after["roster"]:
        fields.append("roster")
    return fields


def is_upcoming(shift: Shift, at: dt.datetime) -> bool:
    """Whether a change to this shift is news: not over, within the coming nights."""
    plan = shift.plan
    tonight = nights.tonight(at, plan.window_start, plan.window_end, plan.tz)
    return shift.end > at and shift.night < tonight + dt.timedelta(days=NOTICE_NIGHTS)


@contextmanager
def announced(shift_ids: Iterable[int], *, at: dt.datetime | None = None) -> Iterator:
    """Bracket a change to these shifts, inside the changing transaction: what
    they were is kept first (for shifts never snapshotted), and their people are
    told once it commits. Nothing is told if the block raises."""
    ids = sorted(set(shift_ids))
    snapshot_before_change(ids, at=at)
    yield
    if ids:
        # The person making the change is not told of it (issue 18).
        ctx = audit_context.current()
        actor = audit_services.context_actor_fields(ctx) if ctx else {}
        outbox.enqueue(NOTIFY_TASK, ids, actor.get("actor_id"))


def snapshot_before_change(shift_ids, *, at: dt.datetime | None = None) -> None:
    """Take the snapshot of each given shift that has none, from its state as
    stored now, so the change is compared with what the shift was, not taken as
    its first sight. Shifts that have a snapshot keep it (it is what their people
    know)."""
    ids = set(shift_ids)
    if not ids:
        return
    at = at or timezone.now()
    # In primary-key order, like the scan's baselines, so two inserts of
    # overlapping sets wait for each other instead of deadlocking.
    shifts = (
        Shift.objects.filter(pk__in=ids, notice_snapshot__isnull=True)
        .order_by("pk")
        .prefetch_related("assignments")
    )
    ShiftSnapshot.objects.bulk_create(
        [
            ShiftSnapshot(
                shift=shift,
                state=shift_state(
                    shift, [a.officer_id for a in shift.assignments.all()]
                ),
                taken_at=at,
            )
            for shift in shifts
        ],
        ignore_conflicts=True,
    )


def detect_changes(*, shift_ids, at: dt.datetime | None = None) -> list[ShiftChange]:
    """The news among the given shifts: each upcoming one that changed since its
    snapshot gets a ShiftChange (and a new snapshot)."""
    return _detect(Shift.objects.filter(pk__in=set(shift_ids)), at)


def scan_changes(*, at: dt.datetime | None = None) -> list[ShiftChange]:
    """detect_changes() for every shift not yet over."""
    at = at or timezone.now()
    return _detect(Shift.objects.filter(end__gt=at, plan__active=True), at)


def _detect(shifts: QuerySet[Shift], at: dt.datetime | None) -> list[ShiftChange]:
    at = at or timezone.now()
    shifts = shifts.select_related("notice_snapshot").prefetch_related("assignments")
    baselines, changed = [], []
    for shift in shifts.order_by("pk"):
        state = shift_state(shift, [a.officer_id for a in shift.assignments.all()])
        snapshot = getattr(shift, "notice_snapshot", None)
        if snapshot is None:
            baselines.append(ShiftSnapshot(shift=shift, state=state, taken_at=at))
        elif snapshot.state != state:
            changed.append(shift.pk)
    # A shift seen for the first time is news to nobody: its snapshot is enough.
    ShiftSnapshot.objects.bulk_create(baselines, ignore_conflicts=True)
    found = (_record_change(shift_id, at) for shift_id in changed)
    return [change for change in found if change is not None]


@transaction.atomic
def _record_change(shift_id: int, at: dt.datetime) -> ShiftChange | None:
    # The row lock makes two concurrent checks of one shift record one change.
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("plan", "precinct")
        .filter(pk=shift_id)
        .first()
    )
    if shift is None:
        return None
    state = shift_state(
        shift, list(shift.assignments.values_list("officer_id", flat=True))
    )
    snapshot, created = ShiftSnapshot.objects.get_or_create(
        shift=shift, defaults={"state": state, "taken_at": at}
    )
    if created or snapshot.state == state:
        return None
    before = snapshot.state
    fields = changed_fields(before, state)
    snapshot.state, snapshot.taken_at = state, at
    snapshot.save(update_fields=["state", "taken_at"])
    if not fields or not is_upcoming(shift, at):
        return None
    return ShiftChange.objects.create(
        shift=shift, before=before, after=state, fields=fields, detected_at=at
    )
