"""Change notices: tell the people of an upcoming shift when it changed.

Each shift keeps a snapshot of what its people were last told (holder, times,
status, roster). `notify_shift_changes` compares a shift with its snapshot, records
a ShiftChange when they differ and notifies once per change; a shift seen for the
first time only gets its snapshot. Services that change shifts call
`snapshot_before_change(ids)` before they write and `notify_after_commit(ids)`
after, in the same transaction, so the first change to a shift never snapshotted
(made before notices existed, or by a bulk insert) is news like any later one. A
beat scan catches changes made anywhere else (shell), from the state it last saw.
"""

import datetime as dt

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from notices import render, selectors, services, tasks
from notices.models import Notification, NotificationKind, ShiftChange, ShiftSnapshot
from outbox import services as outbox
from precincts.models import Officer, Precinct
from schedules import nights
from schedules.models import Shift, ShiftStatus

NOTICE_NIGHTS = 7


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


def snapshot_before_change(shift_ids, *, at: dt.datetime | None = None) -> None:
    """Take the snapshot of each given shift that has none, from its state as
    stored now: call it in the changing transaction before the change is written,
    so the change is compared with what the shift was, not taken as its first
    sight. Shifts that have a snapshot keep it (it is what their people know)."""
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


def notify_after_commit(shift_ids) -> None:
    """The one line a service that changes shifts adds inside its transaction."""
    ids = sorted(set(shift_ids))
    if ids:
        outbox.enqueue(tasks.notify_shift_changes, ids)


def notify_shift_changes(
    *, shift_ids, at: dt.datetime | None = None
) -> list[Notification]:
    """Notify the people of each given shift that changed since its snapshot."""
    return _notify_stale(Shift.objects.filter(pk__in=set(shift_ids)), at)


def scan_shift_changes(*, at: dt.datetime | None = None) -> list[Notification]:
    """Compare every shift not yet over with its snapshot; notify what changed."""
    at = at or timezone.now()
    return _notify_stale(Shift.objects.filter(end__gt=at, plan__active=True), at)


def _notify_stale(shifts, at: dt.datetime | None) -> list[Notification]:
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
    sent = []
    for shift_id in changed:
        sent.extend(_check_shift(shift_id, at))
    return sent


@transaction.atomic
def _check_shift(shift_id: int, at: dt.datetime) -> list[Notification]:
    # The row lock makes two concurrent checks of one shift record one change.
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("plan", "precinct")
        .filter(pk=shift_id)
        .first()
    )
    if shift is None:
        return []
    state = shift_state(
        shift, list(shift.assignments.values_list("officer_id", flat=True))
    )
    snapshot, created = ShiftSnapshot.objects.get_or_create(
        shift=shift, defaults={"state": state, "taken_at": at}
    )
    if created or snapshot.state == state:
        return []
    before = snapshot.state
    fields = changed_fields(before, state)
    snapshot.state, snapshot.taken_at = state, at
    snapshot.save(update_fields=["state", "taken_at"])
    if not fields or not is_upcoming(shift, at):
        return []
    change = ShiftChange.objects.create(
        shift=shift, before=before, after=state, fields=fields, detected_at=at
    )
    return _notify_change(change, shift)


@render.in_site_language
def _notify_change(change: ShiftChange, shift: Shift) -> list[Notification]:
    before, after = change.before, change.after
    precinct_ids = {p for p in (before["precinct"], after["precinct"]) if p}
    officer_ids = set(before["roster"]) | set(after["roster"])
    recipients = {user.pk: user for user in selectors.duty_officers(precinct_ids)}
    for officer in Officer.objects.filter(
        pk__in=officer_ids, user__is_active=True
    ).select_related("user"):
        recipients.setdefault(officer.user.pk, officer.user)
    plan = shift.plan
    start = timezone.localtime(shift.start, plan.tz)
    title = _("Shift changed: %(plan)s, %(when)s") % {
        "plan": plan.name,
        "when": formats.date_format(start, "D j M H:i"),
    }
    body = "\n".join(describe_change(before, after, plan.tz))
    sent = []
    for user in recipients.values():
        notification = services.notify(
            recipient=user,
            kind=NotificationKind.SHIFT_CHANGED,
            title=title,
            body=body,
            plan=plan,
            night=shift.night,
            target=change,
            link=render.page_link("schedules:tonight"),
            dedupe_key=f"shift_changed:{change.pk}:{user.pk}",
        )
        if notification:
            sent.append(notification)
    return sent


def describe_change(before: dict, after: dict, tz) -> list[str]:
    """Human lines for a change, in the active language."""
    names = dict(
        Precinct.objects.filter(
            pk__in=[p for p in (before["precinct"], after["precinct"]) if p]
        ).values_list("pk", "name")
    )
    lines = []
    if before["precinct"] != after["precinct"]:
        lines.append(
            _("Held by: %(before)s → %(after)s")
            % {
                "before": names.get(before["precinct"], _("nobody")),
                "after": names.get(after["precinct"], _("nobody")),
            }
        )
    if (before["start"], before["end"]) != (after["start"], after["end"]):
        lines.append(
            _("Time: %(before)s → %(after)s")
            % {
                "before": _span(before, tz),
                "after": _span(after, tz),
            }
        )
    if before["status"] != after["status"]:
        if after["status"] == ShiftStatus.CANCELLED:
            lines.append(_("The shift was cancelled."))
        else:
            lines.append(
                _("Status: %(before)s → %(after)s")
                % {
                    "before": ShiftStatus(before["status"]).label,
                    "after": ShiftStatus(after["status"]).label,
                }
            )
    added = set(after["roster"]) - set(before["roster"])
    removed = set(before["roster"]) - set(after["roster"])
    officers = Officer.objects.in_bulk(added | removed)
    if added:
        lines.append(
            _("Added to the roster: %(names)s")
            % {"names": ", ".join(sorted(str(officers.get(pk, pk)) for pk in added))}
        )
    if removed:
        lines.append(
            _("Removed from the roster: %(names)s")
            % {"names": ", ".join(sorted(str(officers.get(pk, pk)) for pk in removed))}
        )
    return lines


def _span(state: dict, tz) -> str:
    start = dt.datetime.fromisoformat(state["start"]).astimezone(tz)
    end = dt.datetime.fromisoformat(state["end"]).astimezone(tz)
    return f"{start:%d %b %H:%M}–{end:%H:%M}"
