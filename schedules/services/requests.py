"""Blackout and swap services: a precinct asks, a commander decides.

Requests come from the duty officers and commanders of the precinct concerned.
Decisions belong to a commander of that precinct (precincts.access
.commanded_precincts) or an administrator; since that rule is the business rule
itself, these services check it and raise PermissionDenied.

An approval changes who can hold which slot, so the affected nights are
regenerated once the transaction has committed.
"""

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import dates, text
from outbox import services as outbox
from precincts import access
from precincts.models import Precinct
from schedules import changes, tasks
from schedules.models import (
    Blackout,
    BlackoutCategory,
    Reason,
    RequestStatus,
    Shift,
    ShiftStatus,
    SwapKind,
    SwapRequest,
)


def _may_request(user: User, precinct: Precinct) -> bool:
    return (
        access.roster_precincts(user).filter(pk=precinct.pk).exists()
        or access.commanded_precincts(user).filter(pk=precinct.pk).exists()
    )


def _commands(user: User, precinct: Precinct | None) -> bool:
    return precinct is not None and (
        access.commanded_precincts(user).filter(pk=precinct.pk).exists()
    )


def _regenerate_after_commit(plan_ids: set[int], first: dt.date, last: dt.date):
    """Queue regeneration of the plans' nights first..last after the commit."""
    for plan_id in sorted(plan_ids):
        outbox.enqueue(
            tasks.regenerate_nights, plan_id, first.isoformat(), last.isoformat()
        )


def _pending(obj, what: str) -> None:
    if obj.status != RequestStatus.PENDING:
        raise ValidationError(
            {
                NON_FIELD_ERRORS: [
                    _("This %(what)s is already %(status)s.")
                    % {"what": what, "status": obj.get_status_display()}
                ]
            }
        )


def _night_range(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    """Duty nights a [start, end) span can touch, generously: a window belongs to the
    evening before at the latest, and ends no later than two days after it."""
    return (start.date() - dt.timedelta(days=2), end.date() + dt.timedelta(days=1))


# --- blackouts ------------------------------------------------------------------


def _regenerate_for_blackout(blackout: Blackout) -> None:
    plan_ids = set(
        blackout.precinct.plan_memberships.filter(plan__active=True).values_list(
            "plan_id", flat=True
        )
    )
    if plan_ids:
        _regenerate_after_commit(plan_ids, *_night_range(blackout.start, blackout.end))


@transaction.atomic
def request_blackout(
    *,
    precinct: Precinct,
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
    by: User,
    category: str = BlackoutCategory.OTHER,
) -> Blackout:
    """Ask that a precinct be given no slot between two instants; a commander's or
    an administrator's own request is approved at once. Partner precincts see
    the category; the reason only the precinct's own people."""
    if not _may_request(by, precinct):
        raise PermissionDenied(
            _("Only the duty officers and commanders of %(precinct)s can ask this.")
            % {"precinct": precinct}
        )
    errors = {}
    for field, value in (("start", start), ("end", end)):
        if timezone.is_naive(value):
            errors[field] = [_("Give the time with its offset or time zone.")]
        elif not dates.in_request_range(value):
            errors[field] = [dates.out_of_range_message()]
    if not errors and end <= start:
        errors["end"] = [_("The end must come after the start.")]
    # Notes are one line: they travel into feeds, e-mails and texts (common.text).
    reason = text.one_line(reason or "").strip()
    if not reason:
        errors["reason"] = [_("Say why the precinct cannot serve.")]
    if category not in BlackoutCategory.values:
        errors["category"] = [_("Choose one of the categories.")]
    if errors:
        raise ValidationError(errors)
    blackout = Blackout.objects.create(
        precinct=precinct,
        # UTC, as stored: PostgreSQL refuses offsets past ±15:59 that Python allows.
        start=start.astimezone(dt.UTC),
        end=end.astimezone(dt.UTC),
        category=category,
        reason=reason,
        requested_by=by,
    )
    if _commands(by, precinct):
        _decide(blackout, by, RequestStatus.APPROVED)
        _regenerate_for_blackout(blackout)
    return blackout


def _decide(obj, by: User, status: str, note: str | None = None) -> None:
    obj.status = status
    obj.decided_by = by
    obj.decided_at = timezone.now()
    fields = ["status", "decided_by", "decided_at"]
    if note is not None:
        obj.decision_note = note
        fields.append("decision_note")
    obj.save(update_fields=fields)


def _lock_blackout(blackout: Blackout, by: User) -> Blackout:
    locked = (
        Blackout.objects.select_for_update(of=("self",))
        .select_related("precinct")
        .get(pk=blackout.pk)
    )
    if not _commands(by, locked.precinct):
        raise PermissionDenied(
            _("Only a commander of %(precinct)s decides its blackouts.")
            % {"precinct": locked.precinct}
        )
    _pending(locked, _("blackout"))
    return locked


@transaction.atomic
def approve_blackout(*, blackout: Blackout, by: User) -> Blackout:
    """Approve a pending blackout; the affected nights are regenerated."""
    locked = _lock_blackout(blackout, by)
    # One asked before dates were bounded (year 1, year 9999) would overflow the
    # night arithmetic of the regeneration: it can only be rejected.
    if not (
        dates.in_request_range(locked.start) and dates.in_request_range(locked.end)
    ):
        raise ValidationError({NON_FIELD_ERRORS: [dates.out_of_range_message()]})
    _decide(locked, by, RequestStatus.APPROVED)
    _regenerate_for_blackout(locked)
    return locked


@transaction.atomic
def reject_blackout(*, blackout: Blackout, by: User, note: str = "") -> Blackout:
    """Refuse a pending blackout."""
    locked = _lock_blackout(blackout, by)
    # Blackout has no decision note field; the note goes after the reason.
    note = text.one_line(note).strip()
    if note:
        locked.reason = f"{locked.reason} — {note}"[:255]
        locked.save(update_fields=["reason"])
    _decide(locked, by, RequestStatus.REJECTED)
    return locked


# --- swaps ----------------------------------------------------------------------


def _open_shift_problems(shift: Shift, holder_id: int | None, now) -> list[str]:
    problems = []
    if shift.status != ShiftStatus.SCHEDULED or shift.precinct_id != holder_id:
        problems.append(
            _("The shift %(shift)s is no longer held by that precinct.")
            % {"shift": shift}
        )
    elif shift.start <= now:
        problems.append(
            _("The shift %(shift)s has already started.") % {"shift": shift}
        )
    return problems


@transaction.atomic
def request_swap(
    *,
    shift: Shift,
    to_precinct: Precinct,
    counter_shift: Shift | None = None,
    note: str = "",
    by: User,
) -> SwapRequest:
    """Ask to hand a shift to another member of its plan, or to trade it for one of
    theirs (counter_shift)."""
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("plan", "precinct")
        .get(pk=shift.pk)
    )
    if shift.precinct is None or not _may_request(by, shift.precinct):
        raise PermissionDenied(
            _("Only the holding precinct's duty officers and commanders can ask this.")
        )
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    if problems := _open_shift_problems(shift, shift.precinct_id, now):
        errors["shift"] = problems
    if to_precinct.pk == shift.precinct_id:
        errors["to_precinct"] = [_("The shift is already held by this precinct.")]
    elif not shift.plan.memberships.filter(precinct=to_precinct).exists():
        errors["to_precinct"] = [
            _("%(precinct)s is not a member of %(plan)s.")
            % {"precinct": to_precinct, "plan": shift.plan}
        ]
    if counter_shift is not None:
        if counter_shift.plan_id != shift.plan_id:
            errors["counter_shift"] = [_("Trade a shift of the same plan.")]
        elif counter_shift.pk == shift.pk:
            errors["counter_shift"] = [_("A shift cannot be traded for itself.")]
        elif problems := _open_shift_problems(counter_shift, to_precinct.pk, now):
            errors["counter_shift"] = problems
    if errors:
        raise ValidationError(errors)
    try:
        with transaction.atomic():
            return SwapRequest.objects.create(
                shift=shift,
                kind=SwapKind.TRADE if counter_shift else SwapKind.GIVE,
                from_precinct=shift.precinct,
                to_precinct=to_precinct,
                counter_shift=counter_shift,
                note=text.one_line(note or "").strip()[:255],
                requested_by=by,
            )
    except IntegrityError:
        raise ValidationError(
            {"shift": [_("This shift already has a pending swap request.")]}
        ) from None


def _lock_swap(swap: SwapRequest, by: User) -> SwapRequest:
    locked = (
        SwapRequest.objects.select_for_update(of=("self",))
        .select_related("from_precinct", "to_precinct")
        .get(pk=swap.pk)
    )
    if not _commands(by, locked.from_precinct):
        raise PermissionDenied(
            _("Only a commander of %(precinct)s decides its swaps.")
            % {"precinct": locked.from_precinct}
        )
    _pending(locked, _("swap request"))
    return locked


def _hand_over(shift: Shift, to: Precinct, previous: Precinct, note: str) -> None:
    # The old holder's officers leave with the shift; the new holder staffs it.
    shift.assignments.all().delete()
    shift.precinct = to
    shift.reason = Reason.SWAP
    shift.substitute_for = previous
    shift.reason_note = note[:255]
    shift.version += 1
    shift.save(
        update_fields=[
            "precinct",
            "reason",
            "substitute_for",
            "reason_note",
            "version",
            "updated_at",
        ]
    )


@transaction.atomic
def approve_swap(*, swap: SwapRequest, by: User) -> SwapRequest:
    """Carry out a pending swap: the shift (and in a trade, the counter shift)
    changes hands."""
    locked = _lock_swap(swap, by)
    ids = sorted(filter(None, [locked.shift_id, locked.counter_shift_id]))
    shifts = {
        s.pk: s
        for s in Shift.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    shift = shifts[locked.shift_id]
    counter = shifts.get(locked.counter_shift_id)
    now = timezone.now()
    errors = {}
    if problems := _open_shift_problems(shift, locked.from_precinct_id, now):
        errors["shift"] = problems
    if counter and (
        problems := _open_shift_problems(counter, locked.to_precinct_id, now)
    ):
        errors["counter_shift"] = problems
    if errors:
        raise ValidationError(errors)
    note = locked.note or _("swap approved")
    # The holders change with their notices: what a shift never snapshotted was
    # is kept first, and both precincts hear of it after the commit.
    with changes.announced(ids):
        _hand_over(shift, locked.to_precinct, locked.from_precinct, note)
        if counter:
            _hand_over(counter, locked.from_precinct, locked.to_precinct, note)
    _decide(locked, by, RequestStatus.APPROVED, note="")
    nights = [s.night for s in shifts.values()]
    _regenerate_after_commit({shift.plan_id}, min(nights), max(nights))
    return locked


@transaction.atomic
def reject_swap(*, swap: SwapRequest, by: User, note: str = "") -> SwapRequest:
    """Refuse a pending swap."""
    locked = _lock_swap(swap, by)
    note = text.one_line(note or "").strip()[:255]
    _decide(locked, by, RequestStatus.REJECTED, note=note)
    return locked


@transaction.atomic
def withdraw_swap(*, swap: SwapRequest, by: User) -> SwapRequest:
    """The asking precinct takes back its pending request."""
    locked = SwapRequest.objects.select_for_update(of=("self",)).get(pk=swap.pk)
    if not (locked.requested_by_id == by.pk or _may_request(by, locked.from_precinct)):
        raise PermissionDenied(_("Only the asking precinct can withdraw this."))
    _pending(locked, _("swap request"))
    locked.status = RequestStatus.WITHDRAWN
    locked.save(update_fields=["status"])
    return locked
