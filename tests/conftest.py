import pytest

from tests import factories


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def editor(db):
    """A staff member with every permission on stories and fact blocks."""
    from django.contrib.auth.models import Permission

    user = factories.UserFactory(username="editor", is_staff=True)
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label__in=["explainers", "claims"])
    )
    return user


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def statistic(db):
    return factories.StatisticFactory(slug="small-boat-crossings", label="Small-boat crossings")


@pytest.fixture
def quote(db):
    return factories.QuoteFactory(slug="island-of-strangers")


@pytest.fixture
def claim(db):
    return factories.ClaimFactory(slug="returns-are-up")
