"""Django's Redis cache, degraded to no cache while Redis is away.

A page that cannot reach Redis is rendered and served as if nothing were cached: a failed read
is a miss, a failed write does nothing. The first failure is logged as a WARNING ("cache
unavailable, serving without cache"), then at most once a minute while the outage lasts, and
the return as INFO. After a failure the process leaves Redis alone for `retry_after` seconds,
so a dead Redis (or one behind a broken network, which short socket timeouts in the settings
bound) costs nothing per request rather than a timeout per cache call.

What the callers see while Redis is away:
- the public page cache (commitments.cache) renders every page and stores nothing; a write's
  invalidation that could not reach Redis is kept in the outbox and made once it is back;
- DRF's throttles see no history, so they let every request through until Redis returns;
- /healthz/ reports the cache as not ok, i.e. "degraded" (ops.views);
- sessions live in the database, and django-axes and the budgets of anonymous requests and
  sign-in (ops.budgets) count in the database, so none of them depends on Redis.

`clear()` deletes the cache's own keys only (those under its KEY_PREFIX), not the whole Redis
database as Django's does (FLUSHDB): the Celery broker shares the Redis when REDIS_URL is
set without CACHE_REDIS_URL, and a cache clear must never drop the queued tasks.
"""

import logging
import re
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, default_key_func
from django.core.cache.backends.redis import RedisCache
from django.core.exceptions import ImproperlyConfigured
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import InvalidResponse
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Redis unreachable, refusing, timing out, closing on us, or something else answering at its
# address. Not ResponseError or DataError: a wrong command is a bug to hear about.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, InvalidResponse, OSError)


class _Outage:
    """What one process knows of one Redis location's availability."""

    def __init__(self):
        self.since = None  # monotonic time of the first failure, None while Redis answers
        self.retry_at = 0.0  # no call to Redis before this
        self.warned_at = 0.0


# One per Redis location, shared by every thread's cache object in the process.
_outages = {}
_lock = threading.Lock()


class DegradingRedisCache(RedisCache):
    # Seconds the process serves without trying Redis after a failure.
    retry_after = 2.0
    # Seconds between two warnings of the same outage.
    warn_every = 60.0

    def __init__(self, server, params):
        super().__init__(server, params)
        if self.key_func is not default_key_func:
            # clear() finds the cache's keys by the default format, "<prefix>:<version>:<key>".
            raise ImproperlyConfigured("DegradingRedisCache needs Django's default KEY_FUNCTION.")
        with _lock:
            self._outage = _outages.setdefault(tuple(self._servers), _Outage())

    @property
    def unavailable(self):
        """True while the last call to Redis failed (and until one succeeds)."""
        return self._outage.since is not None

    def _degrade(self, fallback, method, *args):
        outage = self._outage
        if outage.since is not None and time.monotonic() < outage.retry_at:
            return fallback()
        try:
            result = method(*args)
        except UNAVAILABLE as error:
            self._failed(error)
            return fallback()
        if outage.since is not None:
            self._recovered()
        return result

    def _failed(self, error):
        outage, now = self._outage, time.monotonic()
        with _lock:
            outage.retry_at = now + self.retry_after
            if outage.since is None:
                outage.since = outage.warned_at = now
                logger.warning(
                    "cache unavailable, serving without cache (%s: %s)",
                    type(error).__name__,
                    error,
                )
            elif now - outage.warned_at >= self.warn_every:
                outage.warned_at = now
                logger.warning(
                    "cache still unavailable after %d s, serving without cache",
                    now - outage.since,
                )

    def _recovered(self):
        outage = self._outage
        with _lock:
            if outage.since is None:
                return
            down_for, outage.since = time.monotonic() - outage.since, None
        logger.info("cache available again after %.1f s", down_for)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade(lambda: False, super().add, key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._degrade(lambda: default, super().get, key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade(lambda: None, super().set, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._degrade(lambda: False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._degrade(lambda: False, super().delete, key, version)

    def get_many(self, keys, version=None):
        return self._degrade(dict, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._degrade(lambda: False, super().has_key, key, version)

    def incr(self, key, delta=1, version=None):
        def missing():
            # What Django's caches do for a key they do not hold.
            raise ValueError(f"Key '{key}' not found (the cache is unavailable).")

        return self._degrade(missing, super().incr, key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Django's contract: the keys that could not be stored.
        return self._degrade(lambda: list(data), super().set_many, data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._degrade(lambda: None, super().delete_many, keys, version)

    def clear(self):
        return self._degrade(lambda: None, self._delete_own_keys)

    def _delete_own_keys(self, batch=500):
        # Django's keys are "<KEY_PREFIX>:<version>:<key>"; Celery's and kombu's never start so.
        pattern = re.sub(r"([*?\[\]\\])", r"\\\1", self.key_prefix) + ":*"
        client = self._cache.get_client(write=True)
        keys = []
        for key in client.scan_iter(match=pattern, count=batch):
            keys.append(key)
            if len(keys) >= batch:
                client.unlink(*keys)
                keys = []
        if keys:
            client.unlink(*keys)


def cache_unavailable(cache):
    """True when `cache` is a degrading cache whose server is away; False for any other."""
    return bool(getattr(cache, "unavailable", False))
