"""The Redis cache backend (newsroom.cache) used whenever REDIS_URL is set."""

import os
import uuid

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from newsroom.cache import RedisCache

REDIS_URL = os.environ.get("NEWSROOM_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")


@pytest.fixture
def redis_cache():
    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"test-backend-{uuid.uuid4().hex}"})
    try:
        cache.set("probe", 1)
    except RedisConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    yield cache
    cache.delete_many(["probe", "page", "tag"])


def test_one_client_serves_every_call_instead_of_one_per_call(redis_cache):
    client = redis_cache._cache.get_client()
    assert redis_cache._cache.get_client(write=True) is client
    assert redis_cache._cache.get_client("any-key") is client


def test_it_behaves_as_django_redis_cache(redis_cache):
    redis_cache.set_many({"page": {"content": b"<html>"}, "tag": "token"})
    assert redis_cache.get_many(["page", "tag", "missing"]) == {
        "page": {"content": b"<html>"},
        "tag": "token",
    }
    assert redis_cache.add("tag", "other") is False
    assert redis_cache.incr("probe") == 2
    redis_cache.delete("page")
    assert redis_cache.get("page") is None
