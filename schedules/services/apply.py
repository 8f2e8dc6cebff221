"""How a generation's decisions become stored shifts: the difference, written.

apply_decisions() compares the rotation core's decisions with the stored rows of a
range and writes only what differs: new cells go to a Pending batch (stored by
COPY with the batch's other plans), changed cells are updated, cells that vanished
are cancelled rather than deleted (API mirrors following updated_at see them go).
Frozen shifts (started, locked, manual, swapped) are never touched.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _

from schedules import changes, rotation
from schedules.models import Assignment, Reason, Shift, ShiftStatus
from schedules.services import storage
from schedules.services.storage import GENERATED_FIELDS

if TYPE_CHECKING:
    from schedules.services.generation import GenerationResult


def is_frozen(row: dict, now: dt.datetime) -> bool:
    # Cancelled by the generator (an old cell that vanished) is not a decision a
    # person made; cancelled by hand comes with reason manual or a lock.
    return (
        row["start"] <= now
        or row["locked"]
        or row["reason"] in (Reason.MANUAL, Reason.SWAP)
    )


def held(row: dict) -> rotation.Held:
    holder = row["precinct_id"] if row["status"] == ShiftStatus.SCHEDULED else None
    minutes = int((row["end"] - row["start"]).total_seconds()) // 60
    return rotation.Held(
        row["night"],
        row["slot"],
        holder,
        minutes,
        row["reason"],
        row["substitute_for_id"],
    )


def stored_holders(stored: dict) -> dict:
    """{(night, slot): precinct} of the stored live shifts: the holders a
    regeneration prefers where fairness allows (rotation.ending)."""
    return {
        key: row["precinct_id"]
        for key, row in stored.items()
        if row["status"] == ShiftStatus.SCHEDULED
    }


def note(decision: rotation.Decision, names: dict[int, str]) -> str:
    """Why a cell left its turn, in words; empty for a plain turn."""
    if decision.reason == rotation.TURN:
        return ""
    who = {"precinct": names.get(decision.substitute_for, "?")}
    if decision.member is None:
        text = _("No member can take this slot; it was the turn of %(precinct)s.")
    elif decision.cause == rotation.BLACKOUT:
        text = _("In place of %(precinct)s (blackout).")
    elif decision.cause == rotation.CAPACITY:
        text = _("In place of %(precinct)s, already holding another post then.")
    elif decision.cause == rotation.STAFFING:
        text = _(
            "In place of %(precinct)s, whose officers cannot staff another slot "
            "that night."
        )
    elif decision.cause == rotation.RUN:
        text = _(
            "In place of %(precinct)s, who would otherwise hold this hour a third "
            "night in a row."
        )
    elif decision.cause == rotation.POSITION:
        text = _("Takes the turn of %(precinct)s to even out who holds this hour.")
    else:
        text = _("Takes the turn of %(precinct)s to even out the hours held.")
    return (text % who)[:255]


class Pending:
    """New shifts of several plans, stored together in one COPY (or bulk insert)."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.plans: list[tuple[int, list]] = []

    def add(self, plan_id: int, rows: list) -> None:
        self.plans.append((plan_id, rows))

    def flush(self) -> None:
        if self.plans:
            storage.insert_shifts(self.plans, self.now)
            self.plans = []


def park_moved(to_update: list[Shift], stored: dict) -> None:
    """Move the shifts whose hours change out of the way first.

    A window moved by whole slots puts each slot on an hour another slot of the
    plan holds until the same update reaches it; databases check uniqueness row by
    row, so the rows are first parked a thousand years on (one statement), then
    written with their new hours. Nothing else happens between the two.
    """
    old_start = {row["id"]: row["start"] for row in stored.values()}
    moved = [s.pk for s in to_update if old_start.get(s.pk) != s.start]
    if moved:
        park = dt.timedelta(days=365_000)
        Shift.objects.filter(pk__in=moved).update(
            start=F("start") + park, end=F("end") + park
        )


def apply_decisions(
    plan, decisions, stored, result: GenerationResult, now, pending: Pending
) -> None:
    """Diff the decisions against the stored rows and write the difference (new
    rows go to `pending`, stored with the batch's other new rows)."""
    to_create, to_update, roster_dropped, seen = _differences(
        decisions, stored, result, now
    )
    removed = _vanished(stored, seen, result, now)
    roster_dropped += [shift.pk for shift in removed]
    result.created = len(to_create)
    result.changed = len(to_update)
    result.removed = len(removed)
    changed_ids = {shift.pk for shift in to_update} | {shift.pk for shift in removed}
    result.touched = (
        {w[0] for _, _, w in to_create}
        | {shift.precinct_id for shift in to_update}
        | {stored[k]["precinct_id"] for k in stored if k not in seen}
        | {row["precinct_id"] for row in stored.values() if row["id"] in changed_ids}
    ) - {None}
    if result.dry_run:
        return
    # The people of a changed shift in the coming week hear of it after the commit
    # (the notices service keeps to 7 nights; sending the rest would only cost),
    # compared with the shift as stored now if it was never snapshotted.
    soon = now.date() + dt.timedelta(days=changes.NOTICE_NIGHTS + 1)
    noticed = [
        row["id"]
        for row in stored.values()
        if row["id"] in changed_ids and row["night"] <= soon
    ]
    with changes.announced(noticed, at=now):
        _write(stored, to_update, removed, roster_dropped)
        if to_create:
            pending.add(plan.pk, to_create)


def _differences(decisions, stored, result: GenerationResult, now) -> tuple:
    """(cells to create, shifts to update, shifts whose roster goes, cells seen)."""
    to_create, to_update, roster_dropped, seen = [], [], [], set()
    kept = _kept_hours(stored, now)
    # Notes are stored text: one language for all, so a regeneration started from
    # an English page does not rewrite every note written by an Indonesian worker.
    with translation.override(settings.LANGUAGE_CODE):
        for d in decisions:
            key = (d.night, d.slot)
            seen.add(key)
            if d.frozen:
                result.unchanged += 1
                continue
            wanted = _wanted(d, result.names)
            row = stored.get(key)
            if row is None:
                # Under new rules (another window or slot length) a cell may
                # fall on hours a kept shift (past, locked, edited) still holds.
                if not any(d.start < end and start < d.end for start, end in kept):
                    to_create.append((d.night, d.slot, wanted))
            elif tuple(row[f] for f in GENERATED_FIELDS) == wanted:
                result.unchanged += 1
            else:
                if (
                    row["precinct_id"] not in (None, d.member)
                    or (row["start"], row["end"]) != (d.start, d.end)
                    or row["status"] == ShiftStatus.CANCELLED
                ):
                    # Officers rostered for another holder, other hours or a
                    # cancelled shift are not assumed to serve this one (and
                    # could clash with their other shifts).
                    roster_dropped.append(row["id"])
                to_update.append(
                    Shift(
                        pk=row["id"],
                        version=row["version"] + 1,
                        updated_at=now,
                        **dict(zip(GENERATED_FIELDS, wanted, strict=True)),
                    )
                )
    return to_create, to_update, roster_dropped, seen


def _kept_hours(stored: dict, now: dt.datetime) -> list[tuple]:
    """(start, end) of the live stored shifts regeneration keeps as they are."""
    return [
        (row["start"], row["end"])
        for row in stored.values()
        if row["status"] != ShiftStatus.CANCELLED and is_frozen(row, now)
    ]


def _wanted(d: rotation.Decision, names: dict[int, str]) -> tuple:
    """A decision's values in the order of GENERATED_FIELDS."""
    return (
        d.member,
        ShiftStatus.SCHEDULED if d.member is not None else ShiftStatus.UNCOVERED,
        d.reason,
        d.substitute_for,
        note(d, names),
        d.start,
        d.end,
    )


def _vanished(stored, seen, result: GenerationResult, now) -> list[Shift]:
    """The stored cells of the range that no decision kept, cancelled."""
    removed = []
    for key, row in stored.items():
        if (
            key in seen
            # Rows past the range (the look-ahead nights) are not this run's.
            or key[0] > result.last
            or row["status"] == ShiftStatus.CANCELLED
            or is_frozen(row, now)
        ):
            continue
        # A cancelled shift keeps a holder (the constraint wants one); an uncovered
        # one falls back to the member whose turn it was.
        holder = row["precinct_id"] or row["substitute_for_id"]
        if holder is None:
            continue
        removed.append(
            Shift(
                pk=row["id"],
                precinct_id=holder,
                status=ShiftStatus.CANCELLED,
                version=row["version"] + 1,
                updated_at=now,
            )
        )
    return removed


def _write(stored, to_update, removed, roster_dropped) -> None:
    # Officers rostered for the old holder do not serve the new one.
    if roster_dropped:
        Assignment.objects.filter(shift_id__in=roster_dropped).delete()
    # Cancel vanished slots first: a moved slot may take the hour one of them held.
    if removed:
        Shift.objects.bulk_update(
            removed,
            ["precinct_id", "status", "version", "updated_at"],
            batch_size=500,
        )
    if to_update:
        park_moved(to_update, stored)
        Shift.objects.bulk_update(
            to_update, [*GENERATED_FIELDS, "version", "updated_at"], batch_size=500
        )
