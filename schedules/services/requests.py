"""Blackout services: a precinct asks, a commander of it decides.

Requests come from the duty officers and commanders of the precinct concerned.
Decisions belong to a commander of that precinct (precincts.access
.commanded_precincts) or an administrator; since that rule is the business rule
itself, these services check it and raise PermissionDenied.

An approval changes who can hold which slot: the affected nights are regenerated
in the same transaction (schedules.services.effects), so the approval knows, keeps
and announces the shifts it moved, and is refused if it would leave a precinct a
night it cannot staff, unless a commander overrides with a reason. Swaps live in
schedules.services.swaps (re-exported here for older callers).
"""

import datetime as dt

from django.contrib.auth.models import User
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common import dates, text
from outbox import services as outbox
from precincts.models import Precinct
from schedules.models import (
    Blackout,
    BlackoutCategory,
    RequestStatus,
    RotationPlan,
)
from schedules.services import decisions, effects
from schedules.services.swaps import (  # noqa: F401 (the module's older API)
    accept_swap,
    approve_swap,
    preview_swap,
    reject_swap,
    request_swap,
    withdraw_swap,
)


def _night_range(start: dt.datetime, end: dt.datetime) -> tuple[dt.date, dt.date]:
    """Duty nights a [start, end) span can touch, generously: a window belongs to the
    evening before at the latest, and ends no later than two days after it."""
    return (start.date() - dt.timedelta(days=2), end.date() + dt.timedelta(days=1))


# --- blackouts ------------------------------------------------------------------


def _plans_of(blackout: Blackout) -> list[RotationPlan]:
    return list(
        RotationPlan.objects.filter(
            active=True, memberships__precinct=blackout.precinct_id
        ).order_by("pk")
    )


def _carry_out(
    blackout: Blackout, by: User, *, note: str = "", override: str = ""
) -> effects.Effect:
    """Approve and regenerate the nights it touches, keeping what moved."""
    first, last = _night_range(blackout.start, blackout.end)
    override = decisions.clean_note(override)
    effect = effects.carry_out(
        lambda: decisions.decide(blackout, by, RequestStatus.APPROVED, note=note),
        plans=_plans_of(blackout),
        first=first,
        last=last,
        override=override,
        obj=blackout,
    )
    blackout.moved = effect.moved
    blackout.override_note = override if effect.breaks else ""
    blackout.save(update_fields=["moved", "override_note"])
    outbox.enqueue(decisions.DECIDED_TASK, "blackout", blackout.pk, by.pk)
    return effect


@transaction.atomic
def request_blackout(
    *,
    precinct: Precinct,
    start: dt.datetime,
    end: dt.datetime,
    reason: str,
    by: User,
    category: str = BlackoutCategory.OTHER,
    override: str = "",
) -> Blackout:
    """Ask that a precinct be given no slot between two instants; a commander's or
    an administrator's own request is approved at once. Partner precincts see
    the category; the reason only the precinct's own people."""
    if not decisions.may_request(by, precinct):
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
        requested_by=decisions.requester(by),
    )
    if decisions.commands(by, precinct):
        _carry_out(blackout, by, override=override)
    else:
        outbox.enqueue(decisions.PENDING_TASK, "blackout", blackout.pk)
    return blackout


def _lock_blackout(blackout: Blackout, by: User) -> Blackout:
    locked = (
        Blackout.objects.select_for_update(of=("self",))
        .select_related("precinct")
        .get(pk=blackout.pk)
    )
    if not decisions.commands(by, locked.precinct):
        raise PermissionDenied(
            _("Only a commander of %(precinct)s decides its blackouts.")
            % {"precinct": locked.precinct}
        )
    decisions.ensure_pending(locked, _("blackout"))
    return locked


@transaction.atomic
def approve_blackout(
    *, blackout: Blackout, by: User, note: str = "", override: str = ""
) -> Blackout:
    """Approve a pending blackout; the affected nights are regenerated."""
    locked = _lock_blackout(blackout, by)
    # One asked before dates were bounded (year 1, year 9999) would overflow the
    # night arithmetic of the regeneration: it can only be rejected.
    if not (
        dates.in_request_range(locked.start) and dates.in_request_range(locked.end)
    ):
        raise ValidationError({NON_FIELD_ERRORS: [dates.out_of_range_message()]})
    _carry_out(locked, by, note=note, override=override)
    return locked


@transaction.atomic
def preview_blackout(*, blackout: Blackout) -> effects.Effect:
    """What approving the blackout now would move (nothing is kept)."""
    first, last = _night_range(blackout.start, blackout.end)
    # A copy: the preview must not leave the caller's object marked approved.
    copy = Blackout.objects.get(pk=blackout.pk)
    return effects.carry_out(
        lambda: decisions.decide(copy, None, RequestStatus.APPROVED),
        plans=_plans_of(blackout),
        first=first,
        last=last,
        preview=True,
    )


@transaction.atomic
def reject_blackout(*, blackout: Blackout, by: User, note: str = "") -> Blackout:
    """Refuse a pending blackout."""
    locked = _lock_blackout(blackout, by)
    decisions.decide(locked, by, RequestStatus.REJECTED, note=note)
    outbox.enqueue(decisions.DECIDED_TASK, "blackout", locked.pk, by.pk)
    return locked
