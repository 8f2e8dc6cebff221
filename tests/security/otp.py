"""What a user's authenticator app would show, computed from the device's key."""

from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from security import mfa


def code_of(device: TOTPDevice, *, steps: int = 0) -> str:
    """The code the app shows now (or `steps` time steps later)."""
    device.refresh_from_db()
    value = totp(
        device.bin_key,
        step=device.step,
        t0=device.t0 - steps * device.step,
        digits=device.digits,
    )
    return f"{value:0{device.digits}d}"


def wrong_code(device: TOTPDevice) -> str:
    """Six digits no app would accept now (outside the tolerated window too)."""
    near = {code_of(device, steps=s) for s in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in near)


def enrol(user):
    """Set up an authenticator for `user`; returns (device, recovery codes)."""
    device = mfa.start_enrolment(user=user)
    return mfa.confirm_enrolment(user=user, code=code_of(device))
