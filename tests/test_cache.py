"""The Redis cache's clear() empties the cache only, never the Celery queues beside it."""

import uuid

import pytest
import redis
from django.core.exceptions import ImproperlyConfigured

from ops.cache import DegradingRedisCache


def make_cache(url, prefix):
    return DegradingRedisCache(url, {"KEY_PREFIX": prefix})


def test_clear_keeps_the_brokers_keys_and_other_prefixes(redis_url):
    run = uuid.uuid4().hex
    raw = redis.Redis.from_url(redis_url)
    # What Celery and kombu keep in the same database: a queue and a binding set.
    queue, binding = f"celery-{run}", f"_kombu.binding.celery-{run}"
    raw.lpush(queue, "a task")
    raw.sadd(binding, "celery")
    ours, theirs = make_cache(redis_url, f"ours-{run}"), make_cache(redis_url, f"theirs-{run}")
    for n in range(1200):  # more than one SCAN / UNLINK batch
        ours.set(f"page-{n}", "html")
    theirs.set("page-0", "html")
    try:
        ours.clear()
        assert ours.get("page-0") is None and ours.get("page-1199") is None
        assert not list(raw.scan_iter(match=f"ours-{run}:*"))
        assert theirs.get("page-0") == "html"
        assert raw.lrange(queue, 0, -1) == [b"a task"]
        assert raw.smembers(binding) == {b"celery"}
    finally:
        raw.delete(queue, binding)
        theirs.clear()


@pytest.mark.parametrize("prefix", ["a*b", "a?b", "a[xy]b", "a\\b"])
def test_a_prefix_is_not_read_as_a_pattern(redis_url, prefix):
    run = uuid.uuid4().hex
    ours = make_cache(redis_url, f"{run}-{prefix}")
    # Keys that the prefix would match if its characters were taken as a glob pattern.
    lookalike = make_cache(redis_url, f"{run}-axb")
    ours.set("k", 1)
    lookalike.set("k", 2)
    try:
        ours.clear()
        assert ours.get("k") is None
        assert lookalike.get("k") == 2
    finally:
        lookalike.clear()


def test_a_custom_key_function_is_refused():
    # clear() relies on Django's key format to find the cache's own keys.
    with pytest.raises(ImproperlyConfigured):
        DegradingRedisCache("redis://127.0.0.1:1/0", {"KEY_FUNCTION": lambda k, p, v: k})
