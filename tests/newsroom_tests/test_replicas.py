"""Read replicas (newsroom/core/replicas.py): who reads where, and what happens when a replica
is late or gone.

The first part decides in process, with no database: the middleware's verdict for each kind of
request, the router's answers, health verdicts and their caching, the fence after a change, the
retry after a replica fails mid-request.

The second part (marker ``replica``, ``make replica-test``) starts a real PostgreSQL primary and
a streaming standby (``initdb``, ``pg_basebackup -R``) on free ports, migrates and seeds the
primary, and serves the site from gunicorn pointed at both. To tell which server answered, the
standby's replay is paused and the primary changed with plain SQL (no workflow verb, so no
fence): what the standby serves lacks the change, what the primary serves has it.
"""

import contextlib
import html
import math
import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import MiddlewareNotUsed
from django.db import OperationalError, connections, router
from django.http import HttpResponse

from explainers.models import Explainer
from newsroom.core import pagecache, replicas
from newsroom.models import PartnerKey

ROOT = Path(__file__).resolve().parents[2]
STORY = "/explainers/a-story/"


@pytest.fixture(autouse=True)
def _fresh_state(monkeypatch):
    """Health answers and registered stale markers are per process: each test starts afresh and
    leaves nothing registered behind it."""
    monkeypatch.setattr(replicas, "_health", {})
    monkeypatch.setattr(pagecache, "_stale_markers", list(pagecache._stale_markers))


@pytest.fixture
def two_replicas(settings, monkeypatch):
    """Two healthy replicas (their checks answered here, counted in ``checks``)."""
    settings.NEWSROOM_REPLICA_DATABASES = ["replica1", "replica2"]
    checks = []
    healthy = {"replica1": True, "replica2": True}

    def check(alias):
        checks.append(alias)
        return healthy[alias]

    monkeypatch.setattr(replicas, "check", check)
    return SimpleNamespace(checks=checks, healthy=healthy)


def reads_of(request, model=Explainer, response=None) -> str:
    """Where the router sends a read of ``model`` made by the view answering ``request``."""
    seen = []

    def view(request):
        seen.append(router.db_for_read(model))
        return response or HttpResponse()

    replicas.ReplicaMiddleware(view)(request)
    return seen[0]


# --- Without replicas nothing changes ------------------------------------------------------------


def test_without_replicas_the_middleware_steps_aside_and_everything_uses_default(rf, settings):
    settings.NEWSROOM_REPLICA_DATABASES = []
    with pytest.raises(MiddlewareNotUsed):
        replicas.ReplicaMiddleware(lambda request: HttpResponse())
    assert router.db_for_read(Explainer) == "default"
    assert router.db_for_write(Explainer) == "default"
    assert replicas.choose_replica() == "default"
    assert replicas.fence_readers not in pagecache._stale_markers


def test_without_replicas_a_write_sets_no_cookie(editor_client):
    response = editor_client.post("/admin/logout/")
    assert response.status_code in (200, 302)
    assert replicas.STICKY_COOKIE not in response.cookies


# --- Who may read a replica ----------------------------------------------------------------------


def test_a_readers_get_and_head_read_a_replica(rf, two_replicas):
    assert reads_of(rf.get(STORY)) in ("replica1", "replica2")
    assert reads_of(rf.head(STORY)) in ("replica1", "replica2")
    assert reads_of(rf.get("/api/v1/explainers/")) in ("replica1", "replica2")


def test_a_browser_with_a_session_reads_the_primary_except_on_the_partner_api(
    rf, settings, two_replicas
):
    page = rf.get(STORY)
    page.COOKIES[settings.SESSION_COOKIE_NAME] = "abc"
    assert reads_of(page) == "default"
    api = rf.get("/api/v1/explainers/")
    api.COOKIES[settings.SESSION_COOKIE_NAME] = "abc"
    assert reads_of(api) in ("replica1", "replica2")


@pytest.mark.parametrize("method", ["post", "put", "patch", "delete", "options"])
def test_anything_but_get_and_head_reads_the_primary(rf, two_replicas, method):
    assert reads_of(getattr(rf, method)(STORY)) == "default"
    assert reads_of(getattr(rf, method)("/api/v1/explainers/")) == "default"


@pytest.mark.parametrize(
    "path", ["/admin/login/", "/admin/explainers/explainer/", "/preview/1/", "/preview/shared/t/"]
)
def test_the_admin_and_previews_read_the_primary_even_without_a_session(rf, two_replicas, path):
    assert reads_of(rf.get(path)) == "default"


def test_outside_a_request_everything_reads_the_primary(two_replicas):
    """Commands, workers, migrations and tests: no request said a replica may be read."""
    assert router.db_for_read(Explainer) == "default"
    assert two_replicas.checks == []


def test_writes_and_migrations_go_to_the_primary_and_later_reads_follow(rf, two_replicas):
    seen = []

    def view(request):
        seen.append(router.db_for_read(Explainer))
        seen.append(router.db_for_write(Explainer))
        seen.append(router.db_for_read(Explainer))  # reads what it just wrote
        return HttpResponse()

    replicas.ReplicaMiddleware(view)(rf.get(STORY))
    assert seen[0] in ("replica1", "replica2")
    assert seen[1:] == ["default", "default"]
    assert router.allow_migrate("default", "explainers") is True
    assert router.allow_migrate("replica1", "explainers") is False
    assert router.allow_relation(Explainer(), Explainer()) is True


def test_one_request_reads_one_replica(rf, two_replicas):
    seen = []

    def view(request):
        seen.extend(router.db_for_read(Explainer) for _ in range(20))
        return HttpResponse()

    replicas.ReplicaMiddleware(view)(rf.get(STORY))
    assert len(set(seen)) == 1


def test_reads_inside_a_transaction_on_the_primary_stay_on_it(rf, two_replicas, monkeypatch):
    """A stored rendering is made under its row's lock from what the primary holds."""
    monkeypatch.setattr(connections["default"], "in_atomic_block", True)
    assert reads_of(rf.get(STORY)) == "default"


def test_partner_keys_are_read_from_the_primary(rf, two_replicas):
    """A key revoked a moment ago must not be read late and cached for minutes."""
    assert reads_of(rf.get("/api/v1/explainers/"), model=PartnerKey) == "default"


# --- Read your writes ----------------------------------------------------------------------------


def test_a_write_with_a_session_sets_the_read_your_writes_cookie(rf, settings, two_replicas):
    settings.NEWSROOM_REPLICA_STICKY_SECONDS = 50
    request = rf.post("/admin/explainers/explainer/1/change/")
    request.COOKIES[settings.SESSION_COOKIE_NAME] = "abc"
    response = replicas.ReplicaMiddleware(lambda request: HttpResponse())(request)
    cookie = response.cookies[replicas.STICKY_COOKIE]
    assert cookie["max-age"] == 50
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert not cookie["secure"]

    settings.SESSION_COOKIE_SECURE = True
    response = replicas.ReplicaMiddleware(lambda request: HttpResponse())(request)
    assert response.cookies[replicas.STICKY_COOKIE]["secure"] is True


def test_a_login_sets_the_cookie_too(rf, two_replicas):
    """The login's request has no session cookie yet; the session starts in it."""
    request = rf.post("/admin/login/")
    request.session = SessionStore()

    def log_in(request):
        request.session["_auth_user_id"] = "1"
        return HttpResponse(status=302)

    response = replicas.ReplicaMiddleware(log_in)(request)
    assert replicas.STICKY_COOKIE in response.cookies


def test_a_write_without_a_session_sets_no_cookie(rf, two_replicas):
    response = replicas.ReplicaMiddleware(lambda request: HttpResponse())(rf.post("/csp-report/"))
    assert replicas.STICKY_COOKIE not in response.cookies
    response = replicas.ReplicaMiddleware(lambda request: HttpResponse())(rf.get(STORY))
    assert replicas.STICKY_COOKIE not in response.cookies


def test_a_browser_with_the_cookie_reads_the_primary_on_public_pages_and_the_api(rf, two_replicas):
    for path in (STORY, "/api/v1/explainers/"):
        request = rf.get(path)
        request.COOKIES[replicas.STICKY_COOKIE] = "1"
        assert reads_of(request) == "default"


# --- Health ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "fresh"),
    [
        ((True, 0.4, False, True), True),  # a busy primary, a replica just behind
        ((True, 6.0, False, True), False),  # behind past the bound
        ((True, 600.0, True, True), True),  # an idle primary: old last commit, nothing missed
        ((True, 600.0, True, False), False),  # caught up with a stream that has stopped
        ((True, None, None, False), False),  # never streamed anything
        ((False, None, None, False), False),  # promoted, or a primary: not following
    ],
)
def test_health_verdicts(answer, fresh):
    assert replicas.is_fresh(*answer, max_lag=5) is fresh


def test_an_unhealthy_replica_is_skipped_and_healthy_ones_are_chosen_at_random(rf, two_replicas):
    two_replicas.healthy["replica1"] = False
    assert {reads_of(rf.get(STORY)) for _ in range(10)} == {"replica2"}
    two_replicas.healthy["replica1"] = True
    replicas._health.clear()
    assert {reads_of(rf.get(STORY)) for _ in range(60)} == {"replica1", "replica2"}


def test_no_healthy_replica_means_the_primary(rf, two_replicas):
    two_replicas.healthy.update(replica1=False, replica2=False)
    assert reads_of(rf.get(STORY)) == "default"


def test_health_is_asked_once_per_interval_not_once_per_request(
    rf, settings, two_replicas, monkeypatch
):
    settings.NEWSROOM_REPLICA_CHECK_SECONDS = 2
    now = [1000.0]
    monkeypatch.setattr(replicas, "time", SimpleNamespace(monotonic=lambda: now[0]))
    for _ in range(50):
        reads_of(rf.get(STORY))
    assert sorted(two_replicas.checks) == ["replica1", "replica2"]
    now[0] += 2.5
    reads_of(rf.get(STORY))
    assert len(two_replicas.checks) == 4


def test_a_page_without_database_reads_asks_nothing(rf, two_replicas):
    """A cached page (no query) costs no health check and no fence look-up."""
    replicas.ReplicaMiddleware(lambda request: HttpResponse())(rf.get(STORY))
    assert two_replicas.checks == []


class BrokenReplica:
    """A replica connection that refuses every query, like a stopped server."""

    errors_occurred = False
    closed = 0

    def cursor(self):
        self.errors_occurred = True
        raise OperationalError("connection refused")

    def close(self):
        self.closed += 1


class Connections:
    """Django's connections, with test doubles for the replicas (which do not exist here)."""

    def __init__(self, **fakes):
        self.fakes = fakes

    def __getitem__(self, alias):
        return self.fakes.get(alias) or connections[alias]


def test_an_unreachable_replica_counts_as_down_for_the_interval(settings, monkeypatch):
    settings.NEWSROOM_REPLICA_CHECK_SECONDS = 2
    broken = BrokenReplica()
    monkeypatch.setattr(replicas, "connections", Connections(replica1=broken))
    assert replicas.is_healthy("replica1") is False
    assert broken.closed == 1  # the next use connects afresh
    assert replicas.is_healthy("replica1") is False
    assert broken.closed == 1  # not asked again within the interval


def test_a_replica_failing_mid_request_is_marked_down_and_the_request_runs_on_the_primary(
    rf, two_replicas, monkeypatch
):
    broken = BrokenReplica()
    broken.errors_occurred = True
    monkeypatch.setattr(replicas, "connections", Connections(replica1=broken, replica2=broken))
    middleware = None
    attempts = []

    def view(request):
        """What Django's handler does: the view's error goes to process_exception, then
        DatabaseUnavailableMiddleware answers 503."""
        alias = router.db_for_read(Explainer)
        attempts.append(alias)
        if alias != "default":
            middleware.process_exception(request, OperationalError("server closed"))
            return HttpResponse(status=503)
        return HttpResponse("from the primary")

    middleware = replicas.ReplicaMiddleware(view)
    response = middleware(rf.get(STORY))
    assert response.status_code == 200
    assert attempts[0] in ("replica1", "replica2") and attempts[1:] == ["default"]
    assert replicas._health[attempts[0]].usable is False


# --- After a change readers see, the primary for a while -------------------------------------------


def test_a_change_readers_see_fences_the_replicas_until_they_can_have_it(
    rf, settings, two_replicas, editor, django_capture_on_commit_callbacks
):
    from explainers import publishing
    from tests import factories

    settings.NEWSROOM_REPLICA_MAX_LAG_SECONDS = 5
    settings.NEWSROOM_REPLICA_CHECK_SECONDS = 2
    replicas.ReplicaMiddleware(lambda request: HttpResponse())  # registers the fence
    story = factories.ExplainerFactory()
    factories.add_section(story, "Text.", heading="What?")
    assert replicas.choose_replica() in ("replica1", "replica2")

    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(story, by=editor)
    assert replicas.choose_replica() == "default"
    assert replicas.fence_seconds() == 7  # the lag bound and one check interval

    replicas.cache.delete(replicas.FENCE_KEY)  # as when it expires
    assert replicas.choose_replica() in ("replica1", "replica2")


def test_a_change_that_rolls_back_sets_no_fence(
    two_replicas, editor, django_capture_on_commit_callbacks
):
    from django.db import transaction

    from tests import factories

    replicas.ReplicaRouter()  # commands and workers register it through the router
    story = factories.ExplainerFactory(published=True)
    with django_capture_on_commit_callbacks(execute=True):
        with contextlib.suppress(RuntimeError), transaction.atomic():
            pagecache.changing(story)
            raise RuntimeError
    assert replicas.choose_replica() in ("replica1", "replica2")


def test_an_unreachable_cache_means_the_primary(two_replicas, monkeypatch):
    def broken(key):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(replicas, "cache", SimpleNamespace(get=broken))
    assert replicas.choose_replica() == "default"


# =================================================================================================
# A real primary and streaming standby
# =================================================================================================

MAX_LAG = 2.0
CHECK = 1.0
PASSWORD = "replica-test-password"


def pg_bin_dir() -> Path | None:
    """PostgreSQL's server binaries: NEWSROOM_PG_BIN, Debian's newest, or the PATH."""
    wanted = ("initdb", "pg_ctl", "pg_basebackup")
    candidates = []
    if os.environ.get("NEWSROOM_PG_BIN"):
        candidates.append(Path(os.environ["NEWSROOM_PG_BIN"]))
    candidates += sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0,
        reverse=True,
    )
    if shutil.which("initdb"):
        candidates.append(Path(shutil.which("initdb")).parent)
    return next((d for d in candidates if all((d / name).exists() for name in wanted)), None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Cluster:
    """A primary, its standby and gunicorn serving the site from both."""

    root: Path
    bin: Path
    owner: str | None  # PostgreSQL refuses to run as root: its processes run as this user
    primary_port: int = field(default_factory=free_port)
    standby_port: int = field(default_factory=free_port)
    web_port: int = field(default_factory=free_port)
    key: str = ""
    slugs: list = field(default_factory=list)
    server: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.web_port}"

    def url(self, port, db="newsroom") -> str:
        return f"postgres://postgres@127.0.0.1:{port}/{db}"

    def pg(self, *args, timeout=60):
        kwargs = {}
        if self.owner:
            account = pwd.getpwnam(self.owner)
            kwargs = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}
        result = subprocess.run(
            [str(self.bin / args[0]), *args[1:]],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
            **kwargs,
        )
        assert result.returncode == 0, f"{args[0]}: {result.stdout}{result.stderr}"[-3000:]

    def sql(self, port, query, params=(), db="newsroom"):
        import psycopg

        with psycopg.connect(self.url(port, db), autocommit=True, connect_timeout=5) as conn:
            cursor = conn.execute(query, params)
            return cursor.fetchall() if cursor.description else None

    def primary(self, query, params=()):
        return self.sql(self.primary_port, query, params)

    def standby(self, query, params=()):
        return self.sql(self.standby_port, query, params)

    def start(self, name):
        log = str(self.root / f"{name}.log")
        self.pg("pg_ctl", "-D", str(self.root / name), "-l", log, "-w", "-t", "60", "start")

    def stop(self, name, mode="fast"):
        self.pg("pg_ctl", "-D", str(self.root / name), "-m", mode, "-w", "stop")

    def caught_up(self, timeout=20):
        """Wait until the standby has replayed everything the primary has written."""
        [(lsn,)] = self.primary("SELECT pg_current_wal_lsn()::text")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            [(done,)] = self.standby("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", (lsn,))
            if done:
                return
            time.sleep(0.02)
        raise AssertionError("The standby did not catch up")

    @contextlib.contextmanager
    def replay_paused(self):
        """The standby stops replaying, just after replaying a fresh commit (so its lag is
        measured from now); on leaving, it replays again and catches up."""
        self.primary("INSERT INTO replica_test_heartbeat DEFAULT VALUES")
        self.caught_up()
        self.standby("SELECT pg_wal_replay_pause()")
        while self.standby("SELECT pg_get_wal_replay_pause_state()") != [("paused",)]:
            time.sleep(0.01)
        try:
            yield
        finally:
            self.standby("SELECT pg_wal_replay_resume()")
            self.caught_up()

    @contextlib.contextmanager
    def seo_title(self, slug, marker):
        """The story's page title on the primary only (plain SQL: no workflow, no fence)."""
        query = "UPDATE explainers_explainer SET seo_title = %s WHERE slug = %s"
        [(before,)] = self.primary(
            "SELECT seo_title FROM explainers_explainer WHERE slug = %s", (slug,)
        )
        self.primary(query, (marker, slug))
        try:
            yield
        finally:
            self.primary(query, (before, slug))


def page_title(response) -> str:
    assert response.status_code == 200, (response.status_code, response.text[:500])
    return html.unescape(re.search(r"<title>(.*?) ·", response.text).group(1))


def reader():
    import requests

    return requests.Session()


def get(session, cluster, path, **kwargs):
    return session.get(cluster.base + path, timeout=30, allow_redirects=False, **kwargs)


def api_count(cluster) -> int:
    response = get(reader(), cluster, "/api/v1/explainers/", headers={"X-Api-Key": cluster.key})
    assert response.status_code == 200, response.text[:500]
    return len(response.json()["results"])


def log_in(cluster):
    """An editor's browser, logged in through the admin's form (a write: session, last login)."""
    session = reader()
    page = get(session, cluster, "/admin/login/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        cluster.base + "/admin/login/?next=/admin/",
        data={
            "username": "replica-editor",
            "password": PASSWORD,
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        },
        headers={"Referer": cluster.base + "/admin/login/"},
        timeout=30,
        allow_redirects=False,
    )
    assert response.status_code == 302, response.text[:2000]
    return session, response


PREPARE = f"""
from django.contrib.auth import get_user_model
from django.core.management import call_command
from newsroom.models import PartnerKey
call_command("migrate", interactive=False, verbosity=0)
call_command("load_stories", verbosity=0)
get_user_model().objects.create_superuser("replica-editor", "", "{PASSWORD}")
print(PartnerKey.objects.create_key(name="replica-test", partner="Replica test")[1])
"""


def server_env(cluster) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DATABASE_", "DJANGO_", "NEWSROOM_", "GUNICORN_", "REDIS_"))
    }
    return env | {
        "DATABASE_URL": cluster.url(cluster.primary_port),
        "NEWSROOM_VAR_DIR": str(cluster.root / "var"),
        "NEWSROOM_PAGE_CACHE_SECONDS": "0",  # every page read from the database
        "NEWSROOM_API_USAGE_FLUSH_SECONDS": "3600",  # the warm-up writes usage; no test does
        "NEWSROOM_TASKS": "immediate",
        "DJANGO_DEBUG": "0",
    }


@pytest.fixture(scope="module")
def cluster():
    binaries = pg_bin_dir()
    if binaries is None:
        message = "PostgreSQL's server binaries (initdb, pg_ctl, pg_basebackup) are not installed"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    owner = None
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("Running as root, and there is no postgres user to run PostgreSQL as")
        owner = "postgres"
    with contextlib.ExitStack() as cleanup:
        root = Path(tempfile.mkdtemp(prefix="newsroom-replicas-"))
        cleanup.callback(shutil.rmtree, root, ignore_errors=True)
        if owner:
            shutil.chown(root, owner, owner)
        c = Cluster(root=root, bin=binaries, owner=owner)

        # The primary: WAL for a streaming standby; fsync off, as nothing here must survive.
        c.pg(
            "initdb", "-D", str(root / "primary"), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions",
        )  # fmt: skip
        with open(root / "primary" / "postgresql.conf", "a") as conf:
            conf.write(
                f"port = {c.primary_port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{root}'\nwal_level = replica\n"
                "max_wal_senders = 5\nhot_standby = on\nfsync = off\nmax_connections = 40\n"
            )
        c.start("primary")
        cleanup.callback(_quietly, c.stop, "primary", "immediate")
        c.sql(c.primary_port, "CREATE DATABASE newsroom", db="postgres")
        c.primary("CREATE TABLE replica_test_heartbeat (id serial PRIMARY KEY)")
        env = server_env(c)
        prepared = subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", PREPARE],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=180, check=False,
        )  # fmt: skip
        assert prepared.returncode == 0, prepared.stderr[-3000:]
        c.key = prepared.stdout.strip().splitlines()[-1]
        c.slugs = [
            slug
            for (slug,) in c.primary(
                "SELECT slug FROM explainers_explainer WHERE status = 'published' "
                "AND draft_of_id IS NULL ORDER BY id"
            )
        ]
        assert len(c.slugs) >= 2, c.slugs

        # The standby: a base backup with the settings to follow the primary (-R).
        c.pg(
            "pg_basebackup", "-D", str(root / "standby"), "-h", "127.0.0.1",
            "-p", str(c.primary_port), "-U", "postgres", "-R", "-X", "stream",
            "-c", "fast", "--no-sync",
        )  # fmt: skip
        with open(root / "standby" / "postgresql.conf", "a") as conf:
            conf.write(f"port = {c.standby_port}\n")
        c.start("standby")
        cleanup.callback(_quietly, c.stop, "standby", "immediate")

        log = open(root / "server.log", "w")  # noqa: SIM115 - closed by the cleanup
        cleanup.callback(log.close)
        c.server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env
            | {
                "DATABASE_REPLICA_URLS": c.url(c.standby_port),
                "NEWSROOM_REPLICA_MAX_LAG_SECONDS": str(MAX_LAG),
                "NEWSROOM_REPLICA_CHECK_SECONDS": str(CHECK),
                "GUNICORN_BIND": f"127.0.0.1:{c.web_port}",
                # One worker: one process's health answers, its cache, requests in order.
                "WEB_CONCURRENCY": "1",
                "GUNICORN_MAX_REQUESTS": "0",
                "DJANGO_CONN_MAX_AGE": "60",  # kept connections, as in production
            },
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        cleanup.callback(_stop_server, c.server)
        _wait_for_server(c)
        # Warm up: stories rendered by this server's code, the key read and its usage written.
        for slug in c.slugs:
            page_title(get(reader(), c, f"/explainers/{slug}/"))
        api_count(c)
        api_count(c)
        c.caught_up()
        yield c


def _quietly(function, *args):
    with contextlib.suppress(Exception):
        function(*args)


def _stop_server(process):
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _wait_for_server(c):
    import requests

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert c.server.poll() is None, (c.root / "server.log").read_text()[-3000:]
        with contextlib.suppress(requests.ConnectionError):
            if requests.get(c.base + "/healthz/", timeout=5).status_code == 200:
                return
        time.sleep(0.1)
    raise AssertionError("gunicorn did not start: " + (c.root / "server.log").read_text()[-3000:])


@pytest.mark.replica
def test_readers_and_partners_read_the_standby_and_editors_the_primary(cluster):
    first, second = cluster.slugs[:2]
    hide = "UPDATE explainers_explainer SET status = %s WHERE slug = %s"
    with cluster.replay_paused(), cluster.seo_title(first, "Only on the primary"):
        cluster.primary(hide, ("draft", second))
        try:
            assert page_title(get(reader(), cluster, f"/explainers/{first}/")) != (
                "Only on the primary"
            )
            assert api_count(cluster) == 2  # the standby still lists the story taken down
            editor, _ = log_in(cluster)
            assert page_title(get(editor, cluster, f"/explainers/{first}/")) == (
                "Only on the primary"
            )
        finally:
            cluster.primary(hide, ("published", second))


@pytest.mark.replica
def test_after_a_write_the_read_your_writes_cookie_sends_public_pages_to_the_primary(cluster):
    slug = cluster.slugs[0]
    with cluster.replay_paused(), cluster.seo_title(slug, "Just written"):
        editor, login = log_in(cluster)
        cookie = login.cookies.get(replicas.STICKY_COOKIE)
        assert cookie == "1"
        sticky = next(c for c in login.cookies if c.name == replicas.STICKY_COOKIE)
        assert sticky.has_nonstandard_attr("HttpOnly")
        assert sticky.expires - time.time() == pytest.approx(10 * MAX_LAG, abs=5)

        assert page_title(get(editor, cluster, f"/explainers/{slug}/")) == "Just written"
        same_browser_logged_out = reader()
        same_browser_logged_out.cookies.set(replicas.STICKY_COOKIE, cookie)
        assert page_title(get(same_browser_logged_out, cluster, f"/explainers/{slug}/")) == (
            "Just written"
        )
        assert page_title(get(reader(), cluster, f"/explainers/{slug}/")) != "Just written"


@pytest.mark.replica
def test_a_readers_request_writes_to_the_primary_and_renders_from_it(cluster):
    """A reader meets a stale rendering: the page's row comes from the standby, the rendering is
    made inside a transaction on the primary, from the primary's rows, and stored there."""
    import psycopg

    slug = cluster.slugs[0]
    [(pk, title)] = cluster.primary(
        "SELECT id, title FROM explainers_explainer WHERE slug = %s", (slug,)
    )
    stale = "UPDATE explainers_rendering SET stale = true WHERE explainer_id = %s"
    rename = "UPDATE explainers_explainer SET title = %s WHERE id = %s"
    with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
        cluster.standby(stale, (pk,))  # a write sent to the standby would fail
    cluster.primary(stale, (pk,))
    try:
        with cluster.replay_paused():
            cluster.primary(rename, ("Renamed on the primary", pk))
            response = get(reader(), cluster, f"/explainers/{slug}/")
            assert page_title(response) == title  # the row, from the standby
            assert "Renamed on the primary</h1>" in response.text  # rendered from the primary
            [(stored_stale, article)] = cluster.primary(
                "SELECT stale, article FROM explainers_rendering WHERE explainer_id = %s", (pk,)
            )
            assert stored_stale is False
            assert "Renamed on the primary</h1>" in article
    finally:
        cluster.primary(rename, (title, pk))
        cluster.primary(stale, (pk,))
        cluster.caught_up()


@pytest.mark.replica
def test_a_standby_further_behind_than_the_bound_is_skipped(cluster):
    slug = cluster.slugs[0]
    marker = "Written while it lags"
    try:
        with cluster.replay_paused(), cluster.seo_title(slug, marker):
            started = time.monotonic()
            assert page_title(get(reader(), cluster, f"/explainers/{slug}/")) != marker
            while page_title(get(reader(), cluster, f"/explainers/{slug}/")) != marker:
                assert time.monotonic() - started < MAX_LAG + CHECK + 5, "never skipped"
                time.sleep(0.1)
            assert time.monotonic() - started >= MAX_LAG - 0.5  # skipped for its lag
            assert cluster.standby(
                "SELECT seo_title FROM explainers_explainer WHERE slug = %s", (slug,)
            ) != [(marker,)]
    finally:
        time.sleep(CHECK)  # the server's "behind" answer expires: the next test may use it


@pytest.mark.replica
def test_a_stopped_standby_leaves_readers_on_the_primary_without_an_error(cluster):
    slug = cluster.slugs[0]
    with cluster.replay_paused(), cluster.seo_title(slug, "Served by the primary"):
        time.sleep(CHECK)  # the next request checks the standby's health afresh
        assert page_title(get(reader(), cluster, f"/explainers/{slug}/")) != (
            "Served by the primary"
        )
        checked = time.monotonic()
        cluster.stop("standby", "immediate")
        try:
            first = get(reader(), cluster, f"/explainers/{slug}/")
            mid_request = time.monotonic() - checked < CHECK
            assert page_title(first) == "Served by the primary"
            assert api_count(cluster) == 2
            assert page_title(get(reader(), cluster, f"/explainers/{slug}/")) == (
                "Served by the primary"
            )
            log = (cluster.root / "server.log").read_text()
            if mid_request:  # still healthy by its last check: it failed inside the request
                assert "Read replica replica1 failed during" in log
        finally:
            cluster.start("standby")
            time.sleep(CHECK)  # the server's "down" answer expires: the next test may use it


@pytest.mark.replica
def test_a_change_through_the_workflow_is_seen_at_once_though_the_standby_lags(cluster):
    """Unpublished in the admin: readers get the 404 at once, from the primary, not the standby's
    old copy (and no cache can keep the old page under the new tokens)."""
    first, second = cluster.slugs[:2]
    [(pk,)] = cluster.primary("SELECT id FROM explainers_explainer WHERE slug = %s", (second,))
    editor, _ = log_in(cluster)

    def act(action):
        page = get(editor, cluster, "/admin/explainers/explainer/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
        response = editor.post(
            cluster.base + "/admin/explainers/explainer/",
            data={
                "action": action,
                "_selected_action": [str(pk)],
                "index": "0",
                "csrfmiddlewaretoken": token,
            },
            headers={"Referer": cluster.base + "/admin/explainers/explainer/"},
            timeout=30,
            allow_redirects=False,
        )
        assert response.status_code == 302, response.text[:2000]

    try:
        with cluster.replay_paused(), cluster.seo_title(first, "Changed on the primary"):
            assert page_title(get(reader(), cluster, f"/explainers/{first}/")) != (
                "Changed on the primary"
            )
            act("unpublish_selected")
            assert cluster.primary(
                "SELECT status FROM explainers_explainer WHERE id = %s", (pk,)
            ) == [("draft",)]
            assert get(reader(), cluster, f"/explainers/{second}/").status_code == 404
            assert page_title(get(reader(), cluster, f"/explainers/{first}/")) == (
                "Changed on the primary"
            )
            assert cluster.standby(
                "SELECT status FROM explainers_explainer WHERE id = %s", (pk,)
            ) == [("published",)]
    finally:
        act("publish_selected")
        cluster.caught_up()
        time.sleep(math.ceil(MAX_LAG + CHECK))  # the fence this publish set, gone for the next
