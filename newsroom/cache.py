"""Django's Redis cache backend, keeping one client per connection pool, without memcached's
key checks.

Django's ``RedisCacheClient.get_client()`` builds a new ``redis.Redis`` on every cache call, and
building one (its table of response callbacks) costs about as much as the round trip to Redis
itself; a warm page makes one cache call, so that was a third of its time. A client holds no
connection of its own (the pool does, and the pool starts afresh in a forked worker), so one per
pool is safe to share between threads and requests.

Django also checks every key, character by character, for what memcached would refuse (spaces,
control characters, over 250 bytes); Redis takes any key, and all ours are hex digests or tags.
The replies are parsed by hiredis (``redis[hiredis]``) when it is installed.
"""

from django.core.cache.backends import redis


class _Client(redis.RedisCacheClient):
    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        clients = self.__dict__.setdefault("_clients", {})
        client = clients.get(id(pool))
        if client is None:
            client = clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = _Client

    def validate_key(self, key):
        """Any key will do for Redis: skip the memcached portability warnings."""
