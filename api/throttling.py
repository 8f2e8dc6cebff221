"""Per-client rate limits: each API key has its own rate (set in admin); people
share the "user" rate and anonymous callers the "anon" rate from settings.

The limit is a GCRA (generic cell rate algorithm): a client may make its whole
rate at once, and after that one request per rate interval (60/N seconds for N a
minute). The cache holds one number per client, the time its budget is spent
until, so a request costs the same whatever the rate. DRF's SimpleRateThrottle
keeps the time of every request of the window instead and reads and writes the
whole list on each request: a key allowed thousands a minute paid about 1 ms a
request for it.

The check and the update are one step. On Redis they run as one Lua script, so two
workers serving one client at the same moment cannot both read the old time and
both spend the same budget (a client would then get as many times its rate as there
are workers); in the process-local cache (no REDIS_URL) a lock does the same. The
time is kept in whole microseconds, which Redis stores and Lua adds exactly.
"""

import functools
import logging
import threading
import time

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError
from rest_framework.throttling import BaseThrottle, SimpleRateThrottle

from api.models import ApiKey
from common.clientip import client_ip

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
        try:
            over = _spend(
                self.cache_key(request, rate),
                now=round(time.time() * 1e6),
                interval=round(seconds * 1e6 / requests),
                depth=seconds * 1_000_000,
            )
        except (RedisError, OSError):
            # Fail open: a cache outage must not take the API's reads down with it.
            logger.warning(
                "rate limit skipped: the cache is unavailable", exc_info=True
            )
            return True
        if over > 0:
            self.seconds_to_wait = over / 1e6
            return False
        return True

    def wait(self) -> float | None:
        return self.seconds_to_wait


# The GCRA step, in microseconds: `spent` is the time the client's budget is spent
# until. Nothing owed, or a time the budget can never reach (written under a clock
# since set back), starts afresh. The budget is `depth` deep: a request is refused,
# spending nothing, once the budget would be spent further ahead than that; the
# reply is then how long until it would not be, else 0.
_GCRA_LUA = """
local now, interval, depth = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local spent = tonumber(redis.call('GET', KEYS[1]))
if spent == nil or spent > now + depth or spent < now then spent = now end
local over = spent + interval - now - depth
if over > 0 then return over end
spent = spent + interval
redis.call('SET', KEYS[1], string.format('%d', spent),
           'PX', math.ceil((spent - now) / 1000) + 1000)
return 0
"""


@functools.cache
def _gcra_script(location: str):
    """The script on a client of the cache's own Redis (one pool per process)."""
    return redis.Redis.from_url(location).register_script(_GCRA_LUA)


_local_lock = threading.Lock()


def _spend(key: str, *, now: int, interval: int, depth: int) -> int:
    """Spend one request of the budget at cache key `key`: 0 if allowed, else the
    microseconds to wait. The stored value is an integer, as Django's cache reads it."""
    cache = caches["default"]
    if isinstance(cache, RedisCache):
        script = _gcra_script(settings.CACHES["default"]["LOCATION"])
        made = cache.make_and_validate_key(key)
        return int(script(keys=[made], args=[now, interval, depth]))
    with _local_lock:
        spent = cache.get(key)
        if spent is None or spent > now + depth or spent < now:
            spent = now
        over = spent + interval - now - depth
        if over > 0:
            return over
        spent += interval
        cache.set(key, spent, timeout=-(-(spent - now) // 1_000_000) + 1)
        return 0
