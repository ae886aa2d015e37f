import datetime

import pytest
from django.core.management import call_command
from django.utils import timezone
from rest_framework.test import APIClient

from explainers import renderings
from newsroom.models import PartnerKey
from tests.factories import ExplainerFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/explainers/"


def test_request_without_a_key_gets_401_json_with_a_challenge():
    response = APIClient().get(URL)
    assert response.status_code == 401
    assert response.json() == {
        "detail": "Authentication credentials were not provided.",
        "code": "not_authenticated",
    }
    assert response["WWW-Authenticate"].startswith("Api-Key")


@pytest.mark.parametrize("key", ["nonsense", "abcdefgh.wrong-secret", "."])
def test_request_with_an_unknown_key_gets_401_json(partner_key, key):
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_right_prefix_with_wrong_secret_is_refused(partner_key):
    obj, _key = partner_key
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=f"{obj.prefix}.{'x' * 32}")
    assert client.get(URL).status_code == 401


def test_key_is_accepted_in_the_authorization_header_too(partner_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {partner_key[1]}")
    assert client.get(URL).status_code == 200


def test_revoked_key_gets_403_json(api_client, partner_key):
    obj, _ = partner_key
    assert api_client.get(URL).status_code == 200
    obj.revoked = True
    obj.save()
    response = api_client.get(URL)
    assert response.status_code == 403
    assert "revoked" in response.json()["detail"]


def test_expired_key_gets_403(api_client, partner_key):
    obj, _ = partner_key
    obj.expiry_date = timezone.now() - datetime.timedelta(minutes=1)
    obj.save()
    assert api_client.get(URL).status_code == 403


def test_key_is_stored_only_as_a_fast_hash(partner_key):
    obj, key = partner_key
    assert key not in obj.hashed_key and key.split(".")[1] not in obj.hashed_key
    assert obj.hashed_key.startswith("sha512$$")  # not the password hasher: cheap per request


def test_over_the_keys_own_limit_gets_429_with_retry_after(api_client, partner_key):
    obj, _ = partner_key
    obj.rate_limit = 3
    obj.save()
    assert [api_client.get(URL).status_code for _ in range(3)] == [200, 200, 200]
    response = api_client.get(URL)
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"
    assert 1 <= int(response["Retry-After"]) <= 60


def test_limit_is_per_key(partner_key, settings):
    settings.NEWSROOM_API_RATE_PER_MINUTE = 2
    first, second = APIClient(), APIClient()
    first.credentials(HTTP_X_API_KEY=partner_key[1])
    second.credentials(HTTP_X_API_KEY=PartnerKey.objects.create_key(name="other")[1])
    assert [first.get(URL).status_code for _ in range(3)] == [200, 200, 429]
    assert second.get(URL).status_code == 200


def test_usage_is_written_once_per_interval_and_counts_every_request(
    api_client, partner_key, django_assert_num_queries
):
    obj, _ = partner_key
    renderings.refresh(ExplainerFactory(published=True).pk)  # stored when it was published
    with django_assert_num_queries(2):  # key (now cached), the stories with their renderings
        api_client.get(URL)
    with django_assert_num_queries(2):  # usage UPDATE (first with a cached key), the stories
        api_client.get(URL)
    with django_assert_num_queries(1):  # the stories: the count waits in the cache
        api_client.get(URL)
    obj.refresh_from_db()
    assert obj.request_count == 2 and obj.last_used_at is not None


def test_admin_shows_the_new_key_once_and_usage(admin_client, api_client, partner_key):
    response = admin_client.post(
        "/admin/newsroom/partnerkey/add/",
        {"partner": "Example Times", "name": "website", "rate_limit": "30"},
        follow=True,
    )
    assert response.status_code == 200
    created = PartnerKey.objects.get(partner="Example Times")
    message = [str(m) for m in response.context["messages"]][0]
    key = message.split("is: ")[1].split(".", 1)
    assert key[0] == created.prefix
    assert created.rate_limit == 30
    api_client.get(URL)
    api_client.get(URL)
    listing = admin_client.get("/admin/newsroom/partnerkey/")
    assert b"Partner News" in listing.content
    shown = next(k for k in listing.context["cl"].result_list if k.pk == partner_key[0].pk)
    assert listing.context["cl"].model_admin.requests(shown) == 2
    detail = admin_client.get(f"/admin/newsroom/partnerkey/{partner_key[0].pk}/change/")
    assert detail.status_code == 200


def test_create_partner_key_command_prints_a_working_key(capsys):
    call_command("create_partner_key", name="ci", print=True)
    key = capsys.readouterr().out.strip()
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=key)
    assert client.get(URL).status_code == 200
