"""Response headers and session limits that every request passes through."""

import time

from django.conf import settings
from django.contrib import auth
from django.utils.cache import add_never_cache_headers

# Session keys: when the login happened and when the session was last used.
LOGIN_AT = "giliran_login_at"
SEEN_AT = "giliran_seen_at"
# The last-seen stamp is rewritten at most this often, so reads stay reads.
TOUCH_EVERY_SECONDS = 60


class NoStoreMiddleware:
    """Tell browsers and proxies to keep no copy of any dynamic response.

    Pages, API answers and calendar feeds carry personnel and the patrol plan; a
    copy left in a shared browser or proxy cache would leak them. Static files are
    answered by WhiteNoise before this runs and keep their long cache headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not request.path.startswith(f"/{settings.STATIC_URL.lstrip('/')}"):
            add_never_cache_headers(response)
        return response


class SessionLimitsMiddleware:
    """End a session after SESSION_IDLE_SECONDS unused or SESSION_ABSOLUTE_SECONDS
    after login, whichever comes first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        session = request.session
        if user is not None and user.is_authenticated:
            now = time.time()
            login_at = session.get(LOGIN_AT, now)
            seen_at = session.get(SEEN_AT, now)
            if (
                now - seen_at > settings.SESSION_IDLE_SECONDS
                or now - login_at > settings.SESSION_ABSOLUTE_SECONDS
            ):
                request.session_expired = True
                auth.logout(request)
            else:
                session.setdefault(LOGIN_AT, login_at)
                if now - seen_at >= TOUCH_EVERY_SECONDS or SEEN_AT not in session:
                    session[SEEN_AT] = now
        elif session.get(auth.SESSION_KEY):
            # The session names a user who can no longer log in (deactivated or
            # deleted): end it instead of leaving it to be revived.
            session.flush()
        return self.get_response(request)


def stamp_login(sender, request, user, **kwargs):
    """Start both session clocks at login (the session key was just rotated)."""
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[LOGIN_AT] = now
        request.session[SEEN_AT] = now
