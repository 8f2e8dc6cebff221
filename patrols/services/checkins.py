"""Check-ins: an officer arrives at or leaves the post.

An officer checks in on their own shifts, at the server's time (within a small
clock skew); the duty officer of the shift's precinct may record one for an
officer without a phone (marked on_behalf), with an earlier time. Only within the
shift, give or take the plan's grace period, and in a sensible order.
"""

import datetime as dt
import uuid
from decimal import Decimal, InvalidOperation

from django.contrib.auth.models import User
from django.core.exceptions import (
    PermissionDenied,
    ValidationError,
)
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from patrols import presence
from patrols.models import (
    CheckIn,
    CheckInKind,
)
from precincts import access
from precincts.models import Officer
from schedules.models import (
    Assignment,
    Shift,
    ShiftStatus,
)

# A phone's clock and a slow network: how far an officer's own check-in time may
# differ from the server's.
CLOCK_SKEW = dt.timedelta(minutes=2)
MAX_OFFLINE = dt.timedelta(days=1)


COORDINATE = Decimal("0.000001")


def is_aware(value) -> bool:
    return isinstance(value, dt.datetime) and timezone.is_aware(value)


def checkin_window(shift: Shift) -> tuple[dt.datetime, dt.datetime]:
    """When check-ins for this shift are accepted: its time ± the plan's grace."""
    grace = dt.timedelta(minutes=shift.plan.checkin_grace_minutes)
    return shift.start - grace, shift.end + grace


def location(latitude, longitude, accuracy_m) -> tuple:
    if latitude is None and longitude is None:
        if accuracy_m is not None:
            raise ValidationError({"accuracy_m": _("An accuracy needs a location.")})
        return None, None, None
    if latitude is None or longitude is None:
        field_name = "latitude" if latitude is None else "longitude"
        raise ValidationError(
            {field_name: _("A location needs both latitude and longitude.")}
        )
    errors, values = {}, {}
    for name, value, limit in (
        ("latitude", latitude, 90),
        ("longitude", longitude, 180),
    ):
        try:
            number = Decimal(str(value)).quantize(COORDINATE)
        except (InvalidOperation, ValueError):
            errors[name] = _("Enter a number.")
            continue
        if not -limit <= number <= limit:
            errors[name] = _("Must be between -%(limit)s and %(limit)s.") % {
                "limit": limit
            }
        values[name] = number
    if accuracy_m is not None and (
        not isinstance(accuracy_m, int | float) or accuracy_m < 0
    ):
        errors["accuracy_m"] = _("The accuracy is a number of metres, 0 or more.")
    if errors:
        raise ValidationError(errors)
    accuracy = round(accuracy_m) if accuracy_m is not None else None
    return values["latitude"], values["longitude"], accuracy


@transaction.atomic
def check_in(
    *,
    shift: Shift,
    officer: Officer,
    kind: str,
    by: User,
    at: dt.datetime | None = None,
    latitude: float | Decimal | None = None,
    longitude: float | Decimal | None = None,
    accuracy_m: float | None = None,
    at_post: bool = False,
    made_ago: dt.timedelta | None = None,
    client_key: uuid.UUID | None = None,
) -> CheckIn:
    """Record an officer arriving at or leaving the post during a shift
    (`at_post`: made from the post's QR code, patrols.services.post).

    A check-in made offline arrives later with `made_ago` (how long ago the phone
    made it, by the phone's own clock, so a wrong clock does not matter) and its
    `client_key`: recorded at the time it was made, and once however often sent."""
    now = timezone.now()
    if made_ago is not None:
        if not dt.timedelta(0) <= made_ago <= MAX_OFFLINE:
            raise ValidationError(
                {"at": _("A check-in made offline is sent within a day.")}
            )
        # Checked as of the moment it was made.
        at, now = now - made_ago, now - made_ago
    own = officer.user_id is not None and officer.user_id == by.pk
    on_behalf = not own
    if on_behalf and not access.can_edit_roster(by, shift.precinct):
        raise PermissionDenied(
            _("Only the officer or a duty officer of the precinct can check in.")
        )
    if kind not in CheckInKind.values:
        raise ValidationError({"kind": _("Choose arrive or leave.")})
    latitude, longitude, accuracy = location(latitude, longitude, accuracy_m)
    # The officer row lock serialises one officer's taps (a double tap on a phone).
    officer = Officer.objects.select_for_update().get(pk=officer.pk)
    if client_key is not None:
        done = CheckIn.objects.filter(officer=officer, client_key=client_key).first()
        if done is not None:
            return done  # sent again after the connection came back: once
    shift = Shift.objects.select_related("plan", "precinct").get(pk=shift.pk)
    _check_on_shift(shift, officer)
    at = _check_time(shift, at, now, own)
    _check_sequence(shift, officer, kind, at)
    return CheckIn.objects.create(
        shift=shift,
        officer=officer,
        kind=kind,
        at=at,
        latitude=latitude,
        longitude=longitude,
        accuracy_m=accuracy,
        recorded_by=by,
        on_behalf=on_behalf,
        at_post=at_post and not on_behalf,
        client_key=client_key,
    )


def _check_on_shift(shift: Shift, officer: Officer) -> None:
    """The shift is on and the officer, active, is rostered on it."""
    if shift.status != ShiftStatus.SCHEDULED:
        raise ValidationError(
            {
                "shift": _("This shift is %(status)s.")
                % {"status": shift.get_status_display()}
            }
        )
    if not officer.active:
        raise ValidationError({"officer": _("This officer is not active.")})
    if not Assignment.objects.filter(shift=shift, officer=officer).exists():
        raise ValidationError({"officer": _("This officer is not on this shift.")})


def _check_time(shift: Shift, at, now: dt.datetime, own: bool) -> dt.datetime:
    """The instant to record (now when not given), within the shift's window."""
    if at is None:
        at = now
    elif not is_aware(at):
        raise ValidationError({"at": _("Give the time with its time zone.")})
    if at > now + CLOCK_SKEW:
        raise ValidationError({"at": _("A check-in cannot be in the future.")})
    if own and at < now - CLOCK_SKEW:
        raise ValidationError(
            {"at": _("Your own check-in is recorded at the current time.")}
        )
    opens, closes = checkin_window(shift)
    if not opens <= at <= closes:
        tz = shift.plan.tz
        raise ValidationError(
            {
                "at": _(
                    "Check-ins for this shift are open from %(opens)s to %(closes)s."
                )
                % {
                    "opens": f"{timezone.localtime(opens, tz):%H:%M}",
                    "closes": f"{timezone.localtime(closes, tz):%H:%M}",
                }
            }
        )
    return at


def _check_sequence(shift: Shift, officer: Officer, kind: str, at: dt.datetime) -> None:
    # Presence runs across the officer's consecutive shifts of the night, so the
    # order is checked over the whole night of the plan, not one shift.
    earlier = CheckIn.objects.filter(
        shift__plan_id=shift.plan_id, shift__night=shift.night, officer=officer
    )
    if earlier.filter(at__gt=at).exists():
        raise ValidationError(
            {"at": _("A later check-in of this officer is already recorded.")}
        )
    intervals = presence.intervals_by_officer(
        presence.Event(c.officer_id, c.kind, c.at) for c in earlier
    ).get(officer.pk, [])
    there = presence.is_present(intervals, at)
    if kind == CheckInKind.ARRIVE and there:
        raise ValidationError({"kind": _("This officer is already at the post.")})
    if kind == CheckInKind.LEAVE and not there:
        raise ValidationError(
            {"kind": _("This officer has not checked in at the post.")}
        )
