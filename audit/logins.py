"""Logins, logouts, failures, lockouts and unlocks, from Django's and axes' signals."""

from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import (
    user_logged_in,
    user_logged_out,
    user_login_failed,
)
from django.db.models.signals import post_delete
from django.utils import timezone

from audit import services
from audit.models import Action, Outcome


def _user_named(username: str | None):
    if not username:
        return None
    User = get_user_model()
    return User._default_manager.filter(**{User.USERNAME_FIELD: username}).first()


def _refused_while_locked(request) -> bool:
    # Set by security.lockout.LockoutBackend when it turns away a locked login.
    return bool(getattr(request, "login_refused_locked", False))


def logged_in(sender, request, user, **kwargs):
    services.record(action=Action.LOGIN, obj=user, actor=user)


def logged_out(sender, request, user, **kwargs):
    expired = getattr(request, "session_expired", False)
    action = Action.SESSION_EXPIRED if expired else Action.LOGOUT
    services.record(action=action, obj=user, actor=user)


def login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get(get_user_model().USERNAME_FIELD) or ""
    locked = _refused_while_locked(request)
    # security.views.verify reports a wrong two-factor code the same way.
    second_factor = bool(credentials.get("second_factor"))
    services.record(
        action=Action.MFA_FAILED if second_factor else Action.LOGIN_FAILED,
        obj=_user_named(username),
        label=username,
        after={"username": username, "locked": locked},
        outcome=Outcome.DENIED if locked else Outcome.FAILURE,
    )


def locked_out(sender, request, username=None, ip_address=None, **kwargs):
    if _refused_while_locked(request):
        # Already locked: login_failed records the refusal.
        return
    services.record(
        action=Action.LOCKOUT,
        obj=_user_named(username),
        label=username or ip_address or "",
        after={"username": username, "ip": ip_address},
        outcome=Outcome.DENIED,
    )


def attempts_cleared(sender, instance, **kwargs):
    """An administrator (or `axes_reset`) cleared failures that still counted.

    Axes also deletes attempts past their cool-off by itself: those are expiry,
    not an unlock, and are left out.
    """
    if instance.attempt_time <= timezone.now() - settings.AXES_COOLOFF_TIME:
        return
    services.record(
        action=Action.UNLOCK,
        obj=_user_named(instance.username),
        label=instance.username or instance.ip_address or "",
        before={
            "username": instance.username,
            "ip": instance.ip_address,
            "failures": instance.failures_since_start,
        },
    )


def connect() -> None:
    user_logged_in.connect(logged_in, dispatch_uid="audit:login")
    user_logged_out.connect(logged_out, dispatch_uid="audit:logout")
    user_login_failed.connect(login_failed, dispatch_uid="audit:login_failed")
    user_locked_out.connect(locked_out, dispatch_uid="audit:locked_out")
    post_delete.connect(
        attempts_cleared, sender=AccessAttempt, dispatch_uid="audit:unlock"
    )
