"""Response headers and session limits that every request passes through."""

import time

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponseBadRequest, JsonResponse
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext_lazy as _

from common.errors import problem

# What a session that gave only its password is told on the API (also by
# api.authentication, whatever other header the request carries).
SECOND_FACTOR_OWED = _("Enter your two-factor code on the login page first.")

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
    A view that sets Cache-Control itself has chosen, and keeps its choice.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        static = request.path.startswith(f"/{settings.STATIC_URL.lstrip('/')}")
        # A view that chose its own caching (the calendar feeds: private, five
        # minutes) keeps it.
        if not static and not response.has_header("Cache-Control"):
            add_never_cache_headers(response)
        return response


class RefuseNulMiddleware:
    """Answer 400 to a request with a NUL character in its path or query string.

    PostgreSQL text can neither hold nor be compared with one, so any lookup
    made of it (a code in the path, an admin filter or search, an autocomplete
    term) would fail as a server error. Form and JSON fields refuse it already
    (Django's and DRF's CharField).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        params = [
            key
            for key, values in request.GET.lists()
            if "\x00" in key or any("\x00" in value for value in values)
        ]
        if params or "\x00" in request.path:
            detail = str(_("The address holds a NUL character."))
            if request.path.startswith("/api/"):
                # The API's shape: the parameters that hold one, by name.
                errors = {key.replace("\x00", ""): [detail] for key in params}
                return JsonResponse(problem(400, detail, errors or None), status=400)
            return HttpResponseBadRequest(detail, content_type="text/plain")
        return self.get_response(request)


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


# Session keys: whether this login counts only after a second factor (see
# security.mfa.code_needed), and the rules it was decided under. Decided once at
# login, so most requests cost no query; decided again when the rules change.
MFA_CHECK = "giliran_mfa_check"
MFA_RULES = "giliran_mfa_rules"
# Pages an unverified session may still reach: the code and set-up steps, logout,
# the language switch and the health probe.
MFA_OPEN_VIEWS = {
    "security:verify",
    "security:setup",
    "logout",
    "set_language",
    "healthz",
}


def _rules(user) -> list:
    """What the decision rests on that is known without a query: whether the
    deployment requires a second factor of some roles (MFA_REQUIRED, which may be
    turned on while sessions are open), and the user's admin flags. Enrolment,
    removal and resets end the other sessions instead (security.sessions)."""
    return [bool(settings.MFA_REQUIRED), bool(user.is_staff), bool(user.is_superuser)]


def note_second_factor(request, needed: bool) -> None:
    """Record whether the session owes a code, under today's rules."""
    request.session[MFA_CHECK] = needed
    request.session[MFA_RULES] = _rules(request.user)


def mark_login(sender, request, user, **kwargs):
    """At login, note whether the session still needs a code."""
    if request is not None and hasattr(request, "session"):
        from security import mfa

        request.session[MFA_CHECK] = mfa.code_needed(user)
        request.session[MFA_RULES] = _rules(user)


def second_factor_step(request) -> str | None:
    """The URL name of the step an authenticated session still owes (enter a code,
    or set up an authenticator), or None when it may go on."""
    from security import mfa

    user = request.user
    needed = request.session.get(MFA_CHECK)
    if needed is None or request.session.get(MFA_RULES) != _rules(user):
        # A session older than this check, or opened under other rules (say,
        # before MFA_REQUIRED was turned on): decide now, once.
        needed = mfa.code_needed(user)
        note_second_factor(request, needed)
    # django_otp.middleware.OTPMiddleware adds is_verified(); a user logged in by
    # password during this very request has not given a code yet.
    if not needed or getattr(user, "is_verified", lambda: False)():
        return None
    if mfa.is_enrolled(user):
        return "security:verify"
    if mfa.required_by_role(user):
        return "security:setup"
    # An administrator reset the second factor of someone who needs none.
    note_second_factor(request, False)
    return None


def _bearer(request) -> bool:
    """Whether the request names an API key (checked by the API's authentication,
    which refuses a wrong one with 401)."""
    scheme = request.headers.get("Authorization", "").split(" ", 1)[0]
    return scheme.lower() == "bearer"


class SecondFactorMiddleware:
    """Until a session has given its second factor, it reaches only the code step.

    Pages and the admin redirect there; the API answers 403 in its error shape.
    API keys and calendar feed tokens are credentials of their own and pass. Any
    other Authorization header (empty, Basic, a bare word) is no credential: the
    session behind it still owes its code. The API's own session authentication
    (api.authentication.VerifiedSessionAuthentication) asks the same question of
    what actually authenticated each request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not request.user.is_authenticated:
            return None
        match = request.resolver_match
        if match.view_name in MFA_OPEN_VIEWS or match.namespace == "feeds":
            return None
        api = match.namespaces[:1] == ["api"]
        if api and _bearer(request):
            return None
        step = second_factor_step(request)
        if step is None:
            return None
        if api:
            return JsonResponse(problem(403, str(SECOND_FACTOR_OWED)), status=403)
        return redirect_to_login(request.get_full_path(), reverse(step), "next")
