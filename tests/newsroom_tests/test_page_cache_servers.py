"""Two app servers sharing Redis: a publish on one is seen at once on the other.

Starts two real `manage.py runserver` processes on free ports, sharing a file SQLite database and
a Redis database (REDIS_URL, by default redis://127.0.0.1:6379/5, under a key prefix of its
own that is deleted afterwards). The story is published through the admin of server B; server A,
whose cache is warm with the old version, must serve the new one on the very next request.
"""

import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = os.environ.get("NEWSROOM_TEST_REDIS_URL", "redis://127.0.0.1:6379/5")
PASSWORD = "correct-horse-battery"
HOST = "newsroom.test"

SETUP = """
from explainers import publishing
from tests.factories import ExplainerFactory, UserFactory, add_section
story = ExplainerFactory(published=True, title="Version one of the story", slug="two-servers")
add_section(story, "The first text.", heading="What happened?")
copy = publishing.working_copy(story, by=None)
copy.title = "Version two of the story"
copy.save()
UserFactory(username="boss", is_staff=True, is_superuser=True)
print("COPY", copy.pk)
"""


def redis_client():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"Redis is not reachable at {REDIS_URL}")
    return client


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run(env, *args, timeout=60) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


class Server:
    def __init__(self, env, log_path):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = open(log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def wait_until_up(self, seconds=30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, "server exited; see its log"
            try:
                urllib.request.urlopen(self.base + "/healthz/", timeout=2).close()
                return
            except OSError:
                time.sleep(0.2)
        raise AssertionError(f"server on {self.base} did not start")

    def request(self, path, data=None):
        # Behind a load balancer every server sees the site's own host name.
        return urllib.request.Request(self.base + path, data=data, headers={"Host": HOST})

    def get(self, path):
        """An anonymous reader's request: no cookies."""
        with urllib.request.build_opener().open(self.request(path), timeout=10) as r:
            return r.headers.get("X-Page-Cache"), r.read().decode()

    def post(self, path, data):
        body = urllib.parse.urlencode(data).encode()
        with self.opener.open(self.request(path, data=body), timeout=10) as r:
            return r.read().decode()

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.log.close()


def csrf_token(server) -> str:
    jar = next(
        h for h in server.opener.handlers if isinstance(h, urllib.request.HTTPCookieProcessor)
    ).cookiejar
    return next(cookie.value for cookie in jar if cookie.name == "csrftoken")


def test_two_servers_sharing_redis_never_serve_a_stale_story(tmp_path):
    redis = redis_client()
    prefix = f"newsroom-test-{uuid.uuid4().hex[:12]}"
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env.update(
        NEWSROOM_VAR_DIR=str(tmp_path / "var"),
        DJANGO_MEDIA_ROOT=str(tmp_path / "media"),
        REDIS_URL=REDIS_URL,
        DJANGO_CACHE_PREFIX=prefix,
        DJANGO_DEBUG="0",
        DJANGO_ALLOWED_HOSTS=f"127.0.0.1,{HOST}",
        NEWSROOM_PAGE_CACHE_SECONDS="600",
        PYTHONUNBUFFERED="1",
    )
    run(env, "migrate", "--noinput", "-v", "0")
    copy_pk = re.search(r"COPY (\d+)", run(env, "shell", "-c", SETUP)).group(1)
    servers = []
    try:
        a = Server(env, tmp_path / "a.log")
        servers.append(a)
        b = Server(env, tmp_path / "b.log")
        servers.append(b)
        a.wait_until_up()
        b.wait_until_up()
        story, home = "/explainers/two-servers/", "/"

        # A renders and caches; B is served A's page from Redis without rendering.
        state, first = a.get(story)
        assert state == "miss" and "Version one of the story" in first
        state, html = b.get(story)
        assert state == "hit" and "Version one of the story" in html
        a.get(home)
        assert b.get(home)[0] == "hit"

        # An editor publishes the unpublished changes through B's admin.
        b.opener.open(b.request("/admin/login/"), timeout=10).read()
        b.post(
            "/admin/login/?next=/admin/",
            {
                "username": "boss",
                "password": PASSWORD,
                "csrfmiddlewaretoken": csrf_token(b),
                "next": "/admin/",
            },
        )
        page = b.post(
            f"/admin/explainers/explainer/{copy_pk}/workflow/publish/",
            {"csrfmiddlewaretoken": csrf_token(b)},
        )
        assert "Published" in page

        # The very next request to A shows the new version, on the story and on the home page.
        state, html = a.get(story)
        assert state == "miss" and "Version two of the story" in html
        assert "Version one of the story" not in html
        assert "Version two of the story" in a.get(home)[1]
        assert b.get(story) == ("hit", html)
    finally:
        for server in servers:
            server.stop()
        keys = list(redis.scan_iter(match=f"{prefix}:*", count=500))
        if keys:
            redis.delete(*keys)
