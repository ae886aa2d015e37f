import pytest

from tests import factories


def pytest_configure(config):
    """A fast password hasher: the real one (PBKDF2, a million rounds) took 38 % of the suite's
    CPU, a third of a second for every user a test creates. No test is about hashing strength."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    _list_static_files_once()


def _list_static_files_once():
    """Every test client loads the middleware afresh, and WhiteNoise then lists every static file
    of every app through the finders: 900 times, a third of the suite's CPU. The list is the same
    each time, so it is made once per process and copied; what is served does not change."""
    from whitenoise.middleware import WhiteNoiseMiddleware

    list_from_finders = WhiteNoiseMiddleware.add_files_from_finders
    listed: dict = {}

    def add_files_from_finders(self):
        if not listed:
            before = dict(self.files)
            list_from_finders(self)
            listed.update({url: f for url, f in self.files.items() if before.get(url) is not f})
        else:
            self.files.update(listed)

    WhiteNoiseMiddleware.add_files_from_finders = add_files_from_finders


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


# Newsroom roles: real members of the groups the data migration creates --------------------------


def _member_of(group_name, username, *, is_staff=True, **fields):
    from django.contrib.auth.models import Group

    user = factories.UserFactory(username=username, is_staff=is_staff, **fields)
    user.groups.add(Group.objects.get(name=group_name))
    return user


@pytest.fixture
def writer(db):
    """A staff member in the Writer group: writes and submits, never publishes."""
    return _member_of("Writer", "writer", first_name="Wendy", last_name="Writer")


@pytest.fixture
def role_editor(db):
    """A staff member in the Editor group (unlike ``editor``, only the role's permissions)."""
    return _member_of("Editor", "desk-editor", first_name="Edna", last_name="Editor")


@pytest.fixture
def second_editor(db):
    """Another member of the Editor group, for two people working on the same thing."""
    return _member_of("Editor", "night-editor", first_name="Nigel", last_name="Nightdesk")


@pytest.fixture
def fact_checker(db):
    return _member_of("Fact-checker", "checker", first_name="Fay", last_name="Checker")


@pytest.fixture
def partner(db):
    """A partner organisation's account: API only, never the admin."""
    return _member_of("Partner", "partner", is_staff=False)


@pytest.fixture
def client_for():
    """A fresh test client logged in as ``user``: several people can work at once."""
    from django.test import Client

    def make(user):
        new = Client()
        new.force_login(user)
        return new

    return make


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with an empty cache: throttles, usage counters and cached keys."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


# The public page cache (newsroom/core/pagecache.py) --------------------------------------------


@pytest.fixture(autouse=True)
def _page_cache_off(settings):
    """Most tests check what a view does and how many queries it makes; the cache would hide
    both after the first request. Tests of the cache itself ask for ``page_cache``."""
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0


@pytest.fixture
def page_cache(settings, _page_cache_off):
    from django.core.cache import cache

    settings.NEWSROOM_PAGE_CACHE_SECONDS = 600
    cache.clear()
    yield cache
    cache.clear()


# Background tasks (django-tasks' database backend): tests run what is queued, when they say. --


@pytest.fixture
def run_tasks(db):
    """Run the queued tasks that are due (``run_after`` passed), as ``manage.py db_worker``
    would, until none is left; the number run. A task that fails fails the test."""
    from django_tasks_db.models import DBTaskResult

    def run(limit: int = 1000) -> int:
        for ran in range(limit + 1):
            result = DBTaskResult.objects.ready().order_by("-priority", "enqueued_at").first()
            if result is None:
                return ran
            if ran == limit:
                break
            result.claim("tests")
            task_result = result.task_result
            try:
                value = result.task.call(*task_result.args, **task_result.kwargs)
            except BaseException as error:
                result.set_failed(error)
                raise
            result.set_successful(value)
        raise AssertionError(f"Still tasks queued after {limit}: a task that enqueues itself?")

    return run


# Webhooks: a partner key with an endpoint at a receiver, and verbs run to their commit -------


@pytest.fixture
def receiver(settings):
    """A partner's endpoint on loopback (tests/webhook_receiver.py), allowed for the test."""
    from tests import webhook_receiver

    settings.NEWSROOM_WEBHOOK_ALLOW_LOOPBACK = True
    settings.NEWSROOM_WEBHOOK_TIMEOUT_SECONDS = 0.5
    settings.NEWSROOM_SITE_URL = "http://testserver"
    receiver, server = webhook_receiver.start()
    yield receiver
    server.shutdown()
    server.server_close()


@pytest.fixture
def key(db):
    from newsroom.models import PartnerKey

    return PartnerKey.objects.create_key(name="hooks", partner="Partner News")


@pytest.fixture
def endpoint(receiver, key):
    """An endpoint for every event; the receiver verifies with its secret."""
    from newsroom import webhooks
    from newsroom.core import events
    from newsroom.models import WebhookEndpoint

    partner_key, _ = key
    endpoint = WebhookEndpoint(key=partner_key, url=receiver.url, events=list(events.KINDS))
    receiver.secret = webhooks.add_endpoint(endpoint, by=None)
    return endpoint


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a verb and what its transaction's commit sets off (the test's own transaction never
    commits)."""

    def run(verb, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return verb(*args, **kwargs)

    return run
