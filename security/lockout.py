"""Login lockout on django-axes: one limit per username, another per address.

Axes counts failures in its AccessAttempt rows (one per username, address and
browser) and forgets them AXES_COOLOFF_TIME after the last failure. It would apply
AXES_FAILURE_LIMIT to the username and the address alike; an office behind one
address needs more room than one account, so the address gets its own limit.
"""

from axes.backends import AxesStandaloneBackend
from axes.exceptions import AxesBackendPermissionDenied
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render


def _failures(attempts) -> int:
    return attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request, credentials=None) -> int:
        # AXES_LOCKOUT_PARAMETERS is ["username", "ip_address"], in that order.
        by_username, by_address = (
            _failures(attempts)
            for attempts in self.get_user_attempts(request, credentials)
        )
        if by_address >= settings.LOGIN_IP_FAILURE_LIMIT:
            return max(by_username, settings.AXES_FAILURE_LIMIT)
        return by_username


class LockoutBackend(AxesStandaloneBackend):
    """Axes' gatekeeper for logins over HTTP.

    authenticate() without a request (a shell, a management command) has no
    address to count and is not reachable from the network, so it is let through
    to the next backend instead of failing.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        try:
            return super().authenticate(request, username, password, **kwargs)
        except AxesBackendPermissionDenied:
            # Read by the audit trail: a refusal, not a new failure.
            request.login_refused_locked = True
            raise


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked login gets: 429, and how long the lock lasts."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "security/locked.html",
        {"lock_minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
