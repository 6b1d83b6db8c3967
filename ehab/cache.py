"""A Redis cache that fails open: when Redis is down, reads miss and writes are dropped.

The cache holds allauth's rate-limit counters and nothing that must not be lost, so a Redis
outage must never turn a sign-in into an error page. Each failure is logged.
"""

import logging

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)
_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def _fail_open(method_name: str, default=None):
    def method(self, *args, **kwargs):
        try:
            return getattr(super(FailOpenRedisCache, self), method_name)(*args, **kwargs)
        except _DOWN as exc:
            logger.warning("cache unavailable (%s): %s skipped", type(exc).__name__, method_name)
            if callable(default):
                return default(*args, **kwargs)
            return default

    method.__name__ = method_name
    return method


def _get_default(key, default=None, version=None):
    return default


class FailOpenRedisCache(RedisCache):
    get = _fail_open("get", _get_default)
    get_many = _fail_open("get_many", lambda *a, **k: {})
    has_key = _fail_open("has_key", False)
    # allauth takes a lock with add() before counting; refusing it would lock everyone out.
    add = _fail_open("add", True)
    set = _fail_open("set", None)
    set_many = _fail_open("set_many", lambda *a, **k: [])
    touch = _fail_open("touch", False)
    incr = _fail_open("incr", lambda key, delta=1, version=None: delta)
    decr = _fail_open("decr", lambda key, delta=1, version=None: -delta)
    delete = _fail_open("delete", False)
    delete_many = _fail_open("delete_many", None)
    clear = _fail_open("clear", None)
