"""Django's Redis cache, with login rate limits that survive a Redis outage.

allauth keeps its rate-limit counters in the default cache, so with Redis down every login
post answered 500. Here a Redis error on a rate-limit key is logged and the limit is skipped
(fail open): the per-account and per-address limits are a brake on guessing, and refusing
every official in the country because the brake is down would be worse than a few minutes
without it. After an error the limits skip Redis for ``outage_seconds`` (a dead or
blackholed Redis costs one failed connection per process, not one per cache call per login),
then count again as soon as Redis answers.

Every other key behaves as with Django's RedisCache: the error reaches its caller.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)

# allauth.core.internal.ratelimit: "allauth:rl:<app>:<action>:…" and its ":lock" keys.
RATE_LIMIT_PREFIX = "allauth:rl:"


class RedisCache(DjangoRedisCache):
    outage_seconds: float = 5.0
    # Shared by every thread's cache instance of the process.
    _skip_until: float = 0.0

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> bool:
        # True: the rate-limit lock is "taken", there is nobody to share it with.
        return self._guarded(key, True, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None) -> Any:
        return self._guarded(key, default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> None:
        return self._guarded(key, None, super().set, key, value, timeout, version)

    def delete(self, key, version=None) -> bool:
        return self._guarded(key, False, super().delete, key, version)

    def _guarded(self, key, fallback, call, *args) -> Any:
        if not str(key).startswith(RATE_LIMIT_PREFIX):
            return call(*args)
        if time.monotonic() < RedisCache._skip_until:
            return fallback
        try:
            return call(*args)
        except RedisError as exc:
            RedisCache._skip_until = time.monotonic() + self.outage_seconds
            logger.warning(
                "Redis unreachable (%s): login rate limits are not applied for %s s", exc,
                self.outage_seconds,
            )  # fmt: skip
            return fallback
