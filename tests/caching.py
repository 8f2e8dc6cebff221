"""Clearing the cache in tests without touching other test processes' keys."""

import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache


def clear_cache() -> None:
    """Forget this process's cache keys (all of them outside pytest-xdist).

    Django's RedisCache.clear() empties the whole Redis database, which under xdist
    holds the other workers' keys (their rate-limit budgets, lockout counts) and
    the Celery queue of the worker tests.
    """
    cache = caches["default"]
    if not (isinstance(cache, RedisCache) and cache.key_prefix):
        cache.clear()
        return
    client = redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])
    try:
        keys = list(client.scan_iter(match=f"{cache.key_prefix}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()
