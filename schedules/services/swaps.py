"""Swaps between precincts: asked by one, accepted by the other, approved by the
asking precinct's commander.

A precinct's shift never changes hands without that precinct's word: a swap
(a hand-over, or a trade for one of the receiver's shifts) is carried out only
when the receiving precinct (a duty officer or commander of it) has accepted AND a
commander of the asking precinct has approved, in either order. Whichever comes
second carries it out, through schedules.services.effects: the shifts change
hands, the nights are regenerated, the staffing limits are checked, and the
shifts moved are kept on the request for its page and the precincts' notices.

Two answers from one side at once: the swap row is locked (select_for_update) and
its state read again, so one succeeds and the other gets AlreadyDecided (a 409).
"""

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from outbox import services as outbox
from precincts.models import Precinct
from schedules import changes
from schedules.models import (
    Reason,
    RequestStatus,
    RotationPlan,
    Shift,
    ShiftStatus,
    SwapKind,
    SwapRequest,
)
from schedules.services import decisions, effects

PENDING_TASK = decisions.PENDING_TASK
DECIDED_TASK = decisions.DECIDED_TASK


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


def _request_errors(shift, to_precinct, counter_shift, now) -> dict:
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
    return errors


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
    theirs (counter_shift). A commander's own request counts as the asking side's
    approval; the receiving precinct still has to accept."""
    shift = (
        Shift.objects.select_for_update(of=("self",))
        .select_related("plan", "precinct")
        .get(pk=shift.pk)
    )
    if not decisions.may_request(by, shift.precinct):
        raise PermissionDenied(
            _("Only the holding precinct's duty officers and commanders can ask this.")
        )
    if errors := _request_errors(shift, to_precinct, counter_shift, timezone.now()):
        raise ValidationError(errors)
    approved = decisions.commands(by, shift.precinct)
    try:
        with transaction.atomic():
            swap = SwapRequest.objects.create(
                shift=shift,
                kind=SwapKind.TRADE if counter_shift else SwapKind.GIVE,
                from_precinct=shift.precinct,
                to_precinct=to_precinct,
                counter_shift=counter_shift,
                note=decisions.clean_note(note),
                requested_by=decisions.requester(by),
                approved_by=by if approved else None,
                approved_at=timezone.now() if approved else None,
            )
    except IntegrityError:
        raise ValidationError(
            {"shift": [_("This shift already has a pending swap request.")]}
        ) from None
    outbox.enqueue(PENDING_TASK, "swap", swap.pk)
    return swap


def _lock(swap: SwapRequest) -> SwapRequest:
    locked = (
        SwapRequest.objects.select_for_update(of=("self",))
        .select_related("from_precinct", "to_precinct", "shift__plan")
        .get(pk=swap.pk)
    )
    decisions.ensure_pending(locked, _("swap request"))
    return locked


def may_accept(user: User, swap: SwapRequest) -> bool:
    return decisions.may_request(user, swap.to_precinct)


def may_approve(user: User, swap: SwapRequest) -> bool:
    return decisions.commands(user, swap.from_precinct)


@transaction.atomic
def accept_swap(
    *, swap: SwapRequest, by: User, note: str = "", override: str = ""
) -> SwapRequest:
    """The receiving precinct accepts; carried out at once if the asking side's
    commander has approved."""
    locked = _lock(swap)
    if not may_accept(by, locked):
        raise PermissionDenied(
            _("Only the duty officers and commanders of %(precinct)s accept its swaps.")
            % {"precinct": locked.to_precinct}
        )
    if locked.accepted_at is not None:
        raise decisions.AlreadyDecided(
            {
                "accepted": [
                    _("%(user)s has already accepted this swap.")
                    % {"user": locked.accepted_by or "?"}
                ]
            }
        )
    return _record_side(locked, "accept", by, note, override)


@transaction.atomic
def approve_swap(
    *, swap: SwapRequest, by: User, note: str = "", override: str = ""
) -> SwapRequest:
    """The asking precinct's commander approves; carried out at once if the
    receiving precinct has accepted."""
    locked = _lock(swap)
    if not may_approve(by, locked):
        raise PermissionDenied(
            _("Only a commander of %(precinct)s approves its swaps.")
            % {"precinct": locked.from_precinct}
        )
    if locked.approved_at is not None:
        raise decisions.AlreadyDecided(
            {
                "approved": [
                    _("%(user)s has already approved this swap.")
                    % {"user": locked.approved_by or "?"}
                ]
            }
        )
    return _record_side(locked, "approve", by, note, override)


# Each side's decision: its fields, and the other side's timestamp it waits for.
_SIDES = {
    "accept": (("accepted_by", "accepted_at", "acceptance_note"), "approved_at"),
    "approve": (("approved_by", "approved_at", "approval_note"), "accepted_at"),
}


def _record_side(
    locked: SwapRequest, side: str, by: User, note: str, override: str
) -> SwapRequest:
    """Record one side's yes; with the other side's already given, carry it out."""
    (who, when, noted), other = _SIDES[side]
    setattr(locked, who, by)
    setattr(locked, when, timezone.now())
    setattr(locked, noted, decisions.clean_note(note))
    locked.save(update_fields=[who, when, noted])
    if getattr(locked, other) is not None:
        _carry_out(locked, by, note, override)
    return locked


@transaction.atomic
def reject_swap(*, swap: SwapRequest, by: User, note: str = "") -> SwapRequest:
    """Refuse a pending swap: the asking precinct's commander, or the receiving
    precinct (its duty officer or commander)."""
    locked = _lock(swap)
    if not (may_approve(by, locked) or may_accept(by, locked)):
        raise PermissionDenied(
            _(
                "Only a commander of %(asking)s or the people of %(receiving)s decide "
                "this swap."
            )
            % {"asking": locked.from_precinct, "receiving": locked.to_precinct}
        )
    decisions.decide(locked, by, RequestStatus.REJECTED, note=note)
    outbox.enqueue(DECIDED_TASK, "swap", locked.pk, by.pk)
    return locked


@transaction.atomic
def withdraw_swap(*, swap: SwapRequest, by: User) -> SwapRequest:
    """The asking precinct takes back its pending request."""
    locked = SwapRequest.objects.select_for_update(of=("self",)).get(pk=swap.pk)
    if not (
        locked.requested_by_id == by.pk
        or decisions.may_request(by, locked.from_precinct)
    ):
        raise PermissionDenied(_("Only the asking precinct can withdraw this."))
    decisions.ensure_pending(locked, _("swap request"))
    locked.status = RequestStatus.WITHDRAWN
    locked.save(update_fields=["status"])
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


def _execute(swap: SwapRequest, *, preview: bool, override: str = ""):
    """Hand the shifts over and regenerate their nights (undone for a preview)."""
    ids = sorted(filter(None, [swap.shift_id, swap.counter_shift_id]))
    # The plan first, then its shifts, in the order generation takes them: the
    # regeneration below locks the plan, and a run holding it waits for the shifts.
    list(
        RotationPlan.objects.select_for_update()
        .filter(pk__in=Shift.objects.filter(pk__in=ids).values("plan_id"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    shifts = {
        s.pk: s
        for s in Shift.objects.select_for_update()
        .select_related("plan")
        .filter(pk__in=ids)
        .order_by("pk")
    }
    shift, counter = shifts[swap.shift_id], shifts.get(swap.counter_shift_id)
    now = timezone.now()
    errors = {}
    if problems := _open_shift_problems(shift, swap.from_precinct_id, now):
        errors["shift"] = problems
    if counter and (
        problems := _open_shift_problems(counter, swap.to_precinct_id, now)
    ):
        errors["counter_shift"] = problems
    if errors:
        raise ValidationError(errors)
    note = swap.note or _("swap approved")

    def change():
        # The holders change with their notices: what a shift never snapshotted
        # was is kept first, and both precincts hear of it after the commit.
        with changes.announced(ids):
            _hand_over(shift, swap.to_precinct, swap.from_precinct, note)
            if counter:
                _hand_over(counter, swap.from_precinct, swap.to_precinct, note)

    nights = [s.night for s in shifts.values()]
    return effects.carry_out(
        change,
        plans=[shift.plan],
        first=min(nights),
        last=max(nights),
        preview=preview,
        override=decisions.clean_note(override),
        obj=swap,
    )


def _carry_out(locked: SwapRequest, by: User, note: str, override: str) -> None:
    effect = _execute(locked, preview=False, override=override)
    locked.moved = effect.moved
    locked.override_note = decisions.clean_note(override) if effect.breaks else ""
    locked.save(update_fields=["moved", "override_note"])
    decisions.decide(locked, by, RequestStatus.APPROVED, note=note)
    outbox.enqueue(DECIDED_TASK, "swap", locked.pk, by.pk)


@transaction.atomic
def preview_swap(*, swap: SwapRequest) -> effects.Effect:
    """What carrying the swap out now would move (nothing is kept)."""
    return _execute(swap, preview=True)


def nights_of(swap: SwapRequest) -> list[dt.date]:
    return sorted({s.night for s in (swap.shift, swap.counter_shift) if s})
