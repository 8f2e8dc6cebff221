"""Per-client rate limits: each API key has its own rate (set in admin); people
share the "user" rate and anonymous callers the "anon" rate from settings."""

import logging

from django.conf import settings
from redis.exceptions import RedisError
from rest_framework.throttling import SimpleRateThrottle

from api.models import ApiKey

logger = logging.getLogger(__name__)


class ClientRateThrottle(SimpleRateThrottle):
    def get_rate(self):
        return None

    def allow_request(self, request, view):
        key = request.auth if isinstance(request.auth, ApiKey) else None
        if key is not None:
            self.num_requests, self.duration = key.rate_per_minute, 60
        else:
            scope = "user" if request.user.is_authenticated else "anon"
            rate = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(scope)
            if rate is None:
                return True
            self.num_requests, self.duration = self.parse_rate(rate)
        self.rate = f"{self.num_requests}/{self.duration}s"
        try:
            return super().allow_request(request, view)
        except (RedisError, OSError):
            # Fail open: a cache outage must not take the API's reads down with it.
            logger.warning(
                "rate limit skipped: the cache is unavailable", exc_info=True
            )
            return True

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            ident = f"key-{request.auth.prefix}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{self.get_ident(request)}"
        return f"throttle-{ident}"
