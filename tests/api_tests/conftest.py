import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from newsroom.models import PartnerKey


@pytest.fixture(autouse=True)
def _empty_cache():
    """Throttle windows and usage counters live in the cache; each test starts afresh."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def partner_key(db):
    """(PartnerKey, the key as the partner received it)."""
    return PartnerKey.objects.create_key(name="app", partner="Partner News")


@pytest.fixture
def api_client(partner_key):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=partner_key[1])
    return client


@pytest.fixture
def warm_client(api_client):
    """A client whose key is cached and whose usage was written this minute, so a request costs
    only the endpoint's own queries (see test_usage_is_written_once_per_interval)."""
    api_client.get("/api/v1/topics/")  # reads the key into the shared cache
    api_client.get("/api/v1/topics/")  # writes this minute's usage
    return api_client
