"""Two-factor login: who must give a code, enrolment, codes, recovery codes, resets.

The devices are django-otp's: one TOTP device (an authenticator app) per user and
one static device whose tokens are the recovery codes. django-otp refuses a TOTP
code from a time step already used (no replay), deletes a static token when it is
used (single use) and makes a device wait longer after each wrong code.
"""

import re
from base64 import b32encode
from dataclasses import dataclass

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_otp import devices_for_user
from django_otp import verify_token as otp_verify_token
from django_otp.models import Device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from audit import services as audit
from audit.models import Action
from precincts import access
from precincts.models import Role
from security import sessions

TOTP_NAME = "authenticator"
RECOVERY_NAME = "recovery codes"
_NOT_CODE = re.compile(r"[\s\-]")


@dataclass(frozen=True)
class Verified:
    device: Device
    recovery: bool
    # After a recovery code: how many are left, counted once for the audit trail
    # and the user's warning alike. None after an authenticator code.
    codes_left: int | None = None


def required_by_role(user: AbstractBaseUser) -> bool:
    """With MFA_REQUIRED, administrators (anyone who can open the admin) and
    commanders must use a second factor."""
    if not settings.MFA_REQUIRED or not user.is_authenticated:
        return False
    return bool(user.is_staff) or access.role_of(user) in (
        "administrator",
        Role.COMMANDER,
    )


def totp_device(user: AbstractBaseUser, *, confirmed: bool = True) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=confirmed).first()


def is_enrolled(user: AbstractBaseUser) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def code_needed(user: AbstractBaseUser) -> bool:
    """Whether a login of this user counts only after a second factor."""
    return user.is_authenticated and (is_enrolled(user) or required_by_role(user))


def recovery_codes_left(user: AbstractBaseUser) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


def qr_svg(device: TOTPDevice) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no script, no CDN)."""
    image = qrcode.make(
        device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=10
    )
    return image.to_string(encoding="unicode")


def secret_text(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app by hand."""
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _normalise(code: str) -> str:
    return _NOT_CODE.sub("", code or "").lower()


def _format_recovery(token: str) -> str:
    return f"{token[:4]}-{token[4:]}"


def _new_recovery_codes(user: AbstractBaseUser) -> list[str]:
    """Replace the user's recovery codes with fresh ones; return them for display."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    tokens = [StaticToken.random_token() for _ in range(settings.MFA_RECOVERY_CODES)]
    StaticToken.objects.bulk_create(
        StaticToken(device=device, token=token) for token in tokens
    )
    return [_format_recovery(token) for token in tokens]


@transaction.atomic
def start_enrolment(*, user: AbstractBaseUser) -> TOTPDevice:
    """The unconfirmed authenticator being set up (a new secret if there is none)."""
    if is_enrolled(user):
        raise ValidationError(
            {"code": _("Two-factor login is already set up for this account.")}
        )
    device = totp_device(user, confirmed=False)
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_NAME, confirmed=False)
    return device


def confirm_enrolment(
    *, user: AbstractBaseUser, code: str, keep_session: str | None = None
) -> tuple[Device, list]:
    """Confirm the authenticator with a first code from it; return the device and
    the new recovery codes, which are shown once and never again. The user's
    other sessions (all but `keep_session`, the one that enrolled) end: each was
    opened without a code that the login now needs."""
    device = totp_device(user, confirmed=False)
    if device is None or is_enrolled(user):
        raise ValidationError(
            {"code": _("Start the set-up again: there is no authenticator to confirm.")}
        )
    _check_not_throttled(device)
    # Its own transaction, committed either way: a wrong code's throttling stays.
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        accepted = device.verify_token(_normalise(code))
    if not accepted:
        raise ValidationError(
            {"code": _("That code is not right. Check the time on your phone.")}
        )
    with transaction.atomic():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        ended = sessions.end_sessions(user=user, keep=keep_session)
        audit.record(
            action=Action.MFA_ENROLLED,
            obj=user,
            actor=user,
            after={"sessions_ended": ended},
        )
    return device, codes


def _check_not_throttled(device: Device) -> None:
    allowed, data = device.verify_is_allowed()
    if not allowed:
        until = (data or {}).get("locked_until")
        seconds = (
            max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
        )
        raise ValidationError(
            {
                "code": ngettext(
                    "Too many wrong codes: wait %(seconds)d second and try again.",
                    "Too many wrong codes: wait %(seconds)d seconds and try again.",
                    seconds,
                )
                % {"seconds": seconds}
            }
        )


def verify_code(*, user: AbstractBaseUser, code: str) -> Verified:
    """Check a code from the authenticator (six digits) or a recovery code.

    A TOTP code is refused when its time step was already used; a recovery code
    is deleted as it is accepted. A wrong code raises ValidationError; the caller
    counts it as a failed login.
    """
    token = _normalise(code)
    if not token:
        raise ValidationError({"code": _("Enter the code.")})
    recovery = not (token.isdigit() and len(token) == 6)
    model = StaticDevice if recovery else TOTPDevice
    devices = list(model.objects.devices_for_user(user, confirmed=True))
    for device in devices:
        _check_not_throttled(device)
    for device in devices:
        verified = otp_verify_token(user, device.persistent_id, token)
        if verified is not None:
            left = recovery_codes_left(user) if recovery else None
            if recovery:
                audit.record(
                    action=Action.RECOVERY_CODE_USED,
                    obj=user,
                    actor=user,
                    after={"left": left},
                )
            audit.record(
                action=Action.MFA_VERIFIED,
                obj=user,
                actor=user,
                after={"method": "recovery_code" if recovery else "totp"},
            )
            return Verified(device=verified, recovery=recovery, codes_left=left)
    raise ValidationError(
        {
            "code": _("That recovery code is not valid or was already used.")
            if recovery
            else _("That code is not right, or it was already used.")
        }
    )


@transaction.atomic
def regenerate_recovery_codes(*, user: AbstractBaseUser) -> list[str]:
    """New recovery codes replace all the old ones (used or not)."""
    if not is_enrolled(user):
        raise ValidationError({"code": _("Set up two-factor login first.")})
    codes = _new_recovery_codes(user)
    audit.record(action=Action.RECOVERY_CODES_NEW, obj=user, actor=user)
    return codes


def _delete_devices(user: AbstractBaseUser) -> int:
    deleted = 0
    for device in list(devices_for_user(user, confirmed=None)):
        device.delete()
        deleted += 1
    return deleted


def remove_second_factor(
    *, user: AbstractBaseUser, code: str, keep_session: str | None = None
) -> None:
    """The user turns two-factor login off, proving it with a current code; the
    user's other sessions (all but `keep_session`) end."""
    if not is_enrolled(user):
        raise ValidationError({"code": _("Two-factor login is not set up.")})
    # Checked outside the removal's transaction, so a wrong code's throttling is
    # committed rather than rolled back with the refusal.
    verify_code(user=user, code=code)
    with transaction.atomic():
        _delete_devices(user)
        ended = sessions.end_sessions(user=user, keep=keep_session)
        audit.record(
            action=Action.MFA_REMOVED,
            obj=user,
            actor=user,
            after={"sessions_ended": ended},
        )


@transaction.atomic
def reset_second_factor(*, user: AbstractBaseUser, by: AbstractBaseUser | None) -> bool:
    """An administrator removes a user's authenticator and recovery codes (a lost
    phone). Every session of the user ends (one may be open on that phone, and
    could otherwise set up a new authenticator); the user sets up two-factor
    login again at the next login if it is required.
    `by` is None from the command line (`manage.py reset_second_factor`)."""
    deleted = _delete_devices(user)
    ended = sessions.end_sessions(user=user)
    audit.record(
        action=Action.MFA_RESET,
        obj=user,
        actor=by,
        before={"devices": deleted},
        after={"sessions_ended": ended},
    )
    return bool(deleted)
