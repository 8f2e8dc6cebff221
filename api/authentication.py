"""`Authorization: Bearer <key>` for other systems; sessions stay for the browser.

Failed key authentications (unknown, malformed, revoked, expired, or a key whose
creator was deactivated) are counted per client address, like failed logins: after
LOGIN_IP_FAILURE_LIMIT of them the address is refused with 429 for
LOGIN_LOCK_MINUTES, even with a valid key. The counters live in the cache, as the
rate limits do, and fail open: a cache outage must not take the API down with it.
Every failure and every refusal is written to the audit trail.
"""

import datetime as dt
import logging
import math
import time

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import router
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from redis.exceptions import RedisError
from rest_framework import authentication, exceptions

from api.models import ApiKey
from audit import services as audit
from audit.models import Action, Outcome
from common.clientip import client_ip
from common.statements import Statement
from security.middleware import SECOND_FACTOR_OWED, second_factor_step

logger = logging.getLogger(__name__)

# last_used_at is written at most this often, so reads stay reads.
TOUCH_EVERY = dt.timedelta(minutes=1)


# Every stored column of a key, and whether its creator (if any) is still active.
_KEY_FIELDS = tuple(f.attname for f in ApiKey._meta.concrete_fields)
_KEY_LOOKUP = Statement(
    lambda shape, prefix: ApiKey.objects.filter(prefix=prefix)
    .order_by()
    .values_list(*_KEY_FIELDS, "created_by__is_active"),
    # A prefix is hex (ApiKey.set_new_secret()): no key has this one.
    marks=lambda shape: ("prefix-mark",),
)


def key_with_prefix(prefix: str) -> tuple[ApiKey | None, bool]:
    """The key with this prefix (None if there is none) and whether its creator
    may still act: True when the key has no creator, False when the creator was
    deactivated. One compiled statement: this runs on every keyed request."""
    using = router.db_for_read(ApiKey)
    found = _KEY_LOOKUP.rows((prefix,), using=using)
    if not found:
        return None, False
    *values, owner_active = found[0]
    key = ApiKey.from_db(using, _KEY_FIELDS, values)
    return key, key.created_by_id is None or bool(owner_active)


class ApiKeyUser(AnonymousUser):
    """request.user for a key: authenticated, but with no staff profile and not
    active, so any access helper asked about it as a person answers "nothing"."""

    def __init__(self, key: ApiKey):
        self.key = key

    def __str__(self) -> str:
        return f"API key {self.key}"

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False


class KeyFailuresBlocked(exceptions.Throttled):
    default_detail = _(
        "Too many failed API key attempts from this address. Try again later."
    )


def _failures_key(ip: str) -> str:
    return f"apikey-failures-{ip}"


def _blocked_key(ip: str) -> str:
    return f"apikey-blocked-{ip}"


def _lock_seconds() -> int:
    return int(settings.AXES_COOLOFF_TIME.total_seconds())


def blocked_for(ip: str | None) -> int:
    """Seconds left on the address's block, or 0 (also when the cache is down)."""
    if ip is None:
        return 0
    try:
        until = cache.get(_blocked_key(ip))
    except (RedisError, OSError):
        logger.warning("API key block check skipped: the cache is unavailable")
        return 0
    return max(0, math.ceil(until - time.time())) if until else 0


def count_failure(ip: str | None) -> bool:
    """Count one failure for the address; True when it has just reached the limit."""
    if ip is None:
        return False
    lock = _lock_seconds()
    try:
        # The window opens at the first failure and lasts as long as a lock.
        cache.add(_failures_key(ip), 0, timeout=lock)
        failures = cache.incr(_failures_key(ip))
        if failures < settings.LOGIN_IP_FAILURE_LIMIT:
            return False
        cache.set(_blocked_key(ip), time.time() + lock, timeout=lock)
        cache.delete(_failures_key(ip))
        return True
    except ValueError:
        # The counter expired between add() and incr(): start again.
        return count_failure(ip)
    except (RedisError, OSError):
        logger.warning("API key failure not counted: the cache is unavailable")
        return False


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != self.keyword.lower().encode():
            return None
        ip = client_ip(request._request)
        wait = blocked_for(ip)
        if wait:
            self._audit_refusal(header, "blocked", Outcome.DENIED)
            raise KeyFailuresBlocked(wait=wait)
        key, reason = self._key_for(header)
        if reason is not None:
            self._fail(ip, header, reason)
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > TOUCH_EVERY:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return ApiKeyUser(key), key

    def _key_for(self, header: list[bytes]) -> tuple[ApiKey | None, str | None]:
        """The key the header names and None, or None and why it was refused."""
        if len(header) != 2:
            return None, "malformed_header"
        try:
            secret = header[1].decode("ascii")
        except UnicodeDecodeError:
            return None, "malformed"
        prefix = ApiKey.prefix_of(secret)
        if prefix is None:
            return None, "malformed"
        key, owner_active = key_with_prefix(prefix)
        if key is None or not key.matches(secret):
            return None, "unknown"
        # What ApiKey.is_usable() asks, each with its own reason.
        if key.revoked_at is not None:
            return None, "revoked"
        if not owner_active:
            return None, "owner_inactive"
        if key.expires_at is not None and key.expires_at <= timezone.now():
            return None, "expired"
        return key, None

    def _fail(self, ip, header, reason: str):
        self._audit_refusal(header, reason, Outcome.FAILURE)
        if count_failure(ip):
            audit.record(
                action=Action.LOCKOUT,
                label=f"API keys from {ip}",
                after={"ip": ip, "minutes": _lock_seconds() // 60},
                outcome=Outcome.DENIED,
            )
        raise exceptions.AuthenticationFailed(MESSAGES[reason])

    @staticmethod
    def _audit_refusal(header, reason: str, outcome: str) -> None:
        prefix = None
        if len(header) == 2:
            prefix = ApiKey.prefix_of(header[1].decode("ascii", "replace"))
        audit.record(
            action=Action.LOGIN_FAILED,
            label=f"API key {prefix}…" if prefix else "API key",
            after={"api_key_prefix": prefix, "reason": reason},
            outcome=outcome,
        )

    def authenticate_header(self, request) -> str:
        # Makes DRF answer 401 (with this challenge) rather than 403.
        return f'{self.keyword} realm="api"'


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    """A browser's session (with its CSRF check), accepted only once it has given
    the second factor it owes. What counts is what authenticated the request: a
    key (ApiKeyAuthentication, asked first) passes on its own, and a session that
    gave only its password is refused whatever other header the request carries."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None and second_factor_step(request._request) is not None:
            raise exceptions.PermissionDenied(SECOND_FACTOR_OWED)
        return result


MESSAGES = {
    "malformed_header": _("Send the key as: Authorization: Bearer <key>."),
    "malformed": _("Invalid API key."),
    "unknown": _("Invalid API key."),
    "revoked": _("This API key has expired or was revoked."),
    "expired": _("This API key has expired or was revoked."),
    "owner_inactive": _("The person who created this API key is no longer active."),
}
