"""Per-client rate limits: each API key has its own rate (set in admin); people
share the "user" rate and anonymous callers the "anon" rate from settings.

The limit is a GCRA (generic cell rate algorithm): a client may make its whole
rate at once, and after that one request per rate interval (60/N seconds for N a
minute). The cache holds one number per client, the time its budget is spent
until, so a request costs the same whatever the rate. DRF's SimpleRateThrottle
keeps the time of every request of the window instead and reads and writes the
whole list on each request: a key allowed thousands a minute paid about 1 ms a
request for it.
"""

import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from api.models import ApiKey
from security.clientip import client_ip

logger = logging.getLogger(__name__)


class ClientRateThrottle(BaseThrottle):
    def __init__(self):
        self.seconds_to_wait: float | None = None

    @staticmethod
    def rate_of(request) -> tuple[int, int] | None:
        """(requests, seconds) allowed to the request's client, or None."""
        key = request.auth if isinstance(request.auth, ApiKey) else None
        if key is not None:
            return key.rate_per_minute, 60
        scope = "user" if request.user.is_authenticated else "anon"
        rate = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {}).get(scope)
        return None if rate is None else SimpleRateThrottle.parse_rate(None, rate)

    @staticmethod
    def cache_key(request, rate: tuple[int, int]) -> str:
        """Per client and rate: a client whose rate is changed starts with a full
        budget at the new rate, not with time owed at the old one."""
        if isinstance(request.auth, ApiKey):
            ident = f"key-{request.auth.prefix}"
        elif request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = f"anon-{client_ip(request._request)}"
        return f"throttle-gcra-{ident}-{rate[0]}-{rate[1]}"

    def allow_request(self, request, view) -> bool:
        rate = self.rate_of(request)
        if rate is None:
            return True
        requests, seconds = rate
        interval = seconds / requests
        now = time.time()
        key = self.cache_key(request, rate)
        try:
            spent_until = cache.get(key)
            if spent_until is None or spent_until > now + seconds:
                # Nothing owed, or a time the budget can never reach: written
                # under a clock that has since been set back. Start afresh.
                spent_until = now
            spent_until = max(spent_until, now)
            # The budget is `seconds` deep: refused once it is spent further ahead
            # than that, less the interval this request would add.
            over = spent_until + interval - now - seconds
            if over > 0:
                self.seconds_to_wait = over
                return False
            spent_until += interval
            cache.set(key, spent_until, timeout=math.ceil(spent_until - now) + 1)
        except (RedisError, OSError):
            # Fail open: a cache outage must not take the API's reads down with it.
            logger.warning(
                "rate limit skipped: the cache is unavailable", exc_info=True
            )
        return True

    def wait(self) -> float | None:
        return self.seconds_to_wait
