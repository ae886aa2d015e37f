"""Partner keys on the API: who is asking (one query), may they, and how often.

Kept apart from ``newsroom/api.py`` because REST framework's settings import these classes
while REST framework itself is still being imported.

Usage counters are counted in the cache (shared by all app servers when REDIS_URL is set) and
written to the key's row by at most one ``UPDATE ... SET request_count = request_count + n`` per
key per ``NEWSROOM_API_USAGE_FLUSH_SECONDS``, so a busy partner does not turn reads into writes.
"""

import math
import time

from django.conf import settings
from django.core.cache import cache
from django.db.models import F
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.throttling import BaseThrottle

from .models import PartnerKey, key_cache_name

KEY_HEADER = "X-Api-Key"
AUTHORIZATION_KEYWORD = "Api-Key"


def presented_key(request) -> str | None:
    """The key from ``X-Api-Key: <key>`` or ``Authorization: Api-Key <key>``."""
    key = request.META.get("HTTP_X_API_KEY", "").strip()
    if key:
        return key
    keyword, _, value = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    if keyword.lower() == AUTHORIZATION_KEYWORD.lower() and value.strip():
        return value.strip()
    return None


class PartnerKeyAuthentication(BaseAuthentication):
    """Identifies the partner (one query); whether the key may still be used is a permission."""

    def authenticate(self, request):
        key = presented_key(request)
        if key is None:
            return None
        prefix, dot, _ = key.partition(".")
        partner_key, cached = find_key(prefix) if dot else (None, False)
        if partner_key is None or not PartnerKey.objects.key_generator.verify(
            key, partner_key.hashed_key
        ):
            raise exceptions.AuthenticationFailed("This API key is not valid.")
        # A request that had to read the key does not also write usage: at most one extra query.
        record_use(partner_key, may_flush=cached)
        return (None, partner_key)

    def authenticate_header(self, request):
        return f'{AUTHORIZATION_KEYWORD} realm="api"'


KEY_CACHE_SECONDS = 300


def find_key(prefix: str) -> tuple[PartnerKey | None, bool]:
    """The key row, from the shared cache when possible (saving a query on every request).

    Saving or revoking a key drops its cached copy (``PartnerKey.save``, the admin's revoke
    action), and the cache is shared by all app servers, so a revocation takes effect at once.
    """
    name = key_cache_name(prefix)
    partner_key = cache.get(name)
    if partner_key is not None:
        return partner_key, True
    partner_key = PartnerKey.objects.filter(prefix=prefix).first()
    if partner_key is not None:
        cache.set(name, partner_key, timeout=KEY_CACHE_SECONDS)
    return partner_key, False


class HasPartnerKey(BasePermission):
    message = "This API key has been revoked or has expired. Ask us for a new one."

    def has_permission(self, request, view):
        # No key at all: DRF answers 401 with WWW-Authenticate because nobody authenticated.
        return isinstance(request.auth, PartnerKey) and request.auth.is_usable


def usage_cache_key(partner_key: PartnerKey) -> str:
    return f"api:usage:{partner_key.prefix}"


def record_use(partner_key: PartnerKey, *, may_flush: bool = True) -> None:
    """Count a request in the cache; flush the count to the database once per interval."""
    counter = usage_cache_key(partner_key)
    cache.add(counter, 0, timeout=None)
    try:
        cache.incr(counter)
    except ValueError:  # evicted between add and incr
        cache.set(counter, 1, timeout=None)
    if may_flush and cache.add(
        f"{counter}:flushed", 1, timeout=settings.NEWSROOM_API_USAGE_FLUSH_SECONDS
    ):
        flush_usage(partner_key)


def flush_usage(partner_key: PartnerKey) -> None:
    counter = usage_cache_key(partner_key)
    pending = cache.get(counter) or 0
    if not pending:
        return
    try:
        cache.decr(counter, pending)  # requests counted meanwhile stay pending
    except ValueError:
        pass
    PartnerKey.objects.filter(pk=partner_key.pk).update(
        request_count=F("request_count") + pending, last_used_at=timezone.now()
    )


def pending_usage(partner_keys) -> dict[str, int]:
    """Requests counted in the cache but not yet written, by key prefix (for the admin)."""
    keys = {usage_cache_key(k): k.prefix for k in partner_keys}
    return {keys[name]: count for name, count in cache.get_many(list(keys)).items()}


class PartnerKeyThrottle(BaseThrottle):
    """A fixed one-minute window per key, counted atomically in the shared cache."""

    window = 60

    def allow_request(self, request, view):
        partner_key = request.auth
        if not isinstance(partner_key, PartnerKey):
            return True
        now = time.time()
        name = f"api:rate:{partner_key.prefix}:{int(now // self.window)}"
        cache.add(name, 0, timeout=self.window * 2)
        try:
            count = cache.incr(name)
        except ValueError:
            cache.set(name, 1, timeout=self.window * 2)
            count = 1
        self.seconds_left = self.window - (now % self.window)
        return count <= partner_key.requests_per_minute

    def wait(self):
        return math.ceil(self.seconds_left)
