"""A real Varnish in front of the app: pages are served from it, and a change purges exactly the
pages showing what changed (surrogate keys, the xkey vmod), nothing for what readers never see.

Starts ``varnishd`` (Debian's ``varnish`` and ``varnish-modules``) on a free port with
``newsroom/varnish/newsroom.vcl``, its backend the test's live server; the page cache is on, and
``NEWSROOM_VARNISH_URLS`` names that Varnish, so each change's commit queues one purge task, run
here by ``run_tasks`` as a worker would. ``make varnish-test``; skipped without varnishd.
"""

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

import pytest
from django_tasks_db.models import DBTaskResult

from claims import publishing as facts
from explainers import publishing
from newsroom.core import workflow
from newsroom.varnish import vcl
from tests.factories import ExplainerFactory, QuoteFactory, add_section

pytestmark = [pytest.mark.varnish, pytest.mark.django_db(transaction=True)]

HOST = "localhost"  # the live server allows it


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Answer:
    status: int
    cache: str  # X-Cache: HIT, MISS or PASS, as the VCL says
    varnish_ids: int  # X-Varnish: a hit names this request and the one that stored the object
    body: str


class Varnish:
    def __init__(self, binary, backend_port, workdir):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = workdir / "newsroom.vcl"
        config.write_text(vcl(f"127.0.0.1:{backend_port}"))
        self.log_path = workdir / "varnishd.log"
        self.log = open(self.log_path, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            # -F: in the foreground, stopped with the test; -j none: no separate user, so it
            # may read the test's own directory; -T none: no management port.
            [binary, "-F", "-j", "none", "-T", "none", "-n", str(workdir / "varnish")]
            + ["-a", f"127.0.0.1:{self.port}", "-f", str(config), "-s", "malloc,32m"],
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def wait_until_up(self, seconds=20):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"varnishd exited:\n{self.log_path.read_text()[-3000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"varnishd did not start:\n{self.log_path.read_text()[-3000:]}")

    def get(self, path) -> Answer:
        request = urllib.request.Request(self.url + path, headers={"Host": HOST})
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy
        try:
            with opener.open(request, timeout=10) as response:
                return Answer(
                    response.status,
                    response.headers.get("X-Cache", ""),
                    len(response.headers.get("X-Varnish", "").split()),
                    response.read().decode(),
                )
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.headers.get("X-Cache", ""), 0, "")

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        self.log.close()


@pytest.fixture
def varnish(live_server, settings, tmp_path):
    binary = shutil.which("varnishd") or shutil.which("varnishd", path="/usr/sbin:/usr/local/sbin")
    if binary is None:
        if os.environ.get("CI"):  # .ci/run installs it: a missing one is a broken CI, not a skip
            raise AssertionError("varnishd is not installed")
        pytest.skip("varnishd is not installed: apt-get install varnish varnish-modules")
    server = Varnish(binary, live_server.thread.port, tmp_path)
    try:
        try:
            server.wait_until_up()
        except AssertionError as error:
            if "Could not find VMOD xkey" in str(error) and not os.environ.get("CI"):
                pytest.skip("the xkey vmod is not installed: apt-get install varnish-modules")
            raise
        settings.NEWSROOM_PAGE_CACHE_SECONDS = 600
        settings.NEWSROOM_VARNISH_URLS = [server.url]
        yield server
    finally:
        server.stop()


def purges_queued() -> list:
    return list(
        DBTaskResult.objects.filter(task_path__endswith="purge_keys").values_list(
            "args_kwargs", flat=True
        )
    )


def warm(varnish, paths) -> None:
    """Each page fetched, then served by Varnish."""
    for path in paths:
        assert varnish.get(path).status == 200, path
    for path in paths:
        again = varnish.get(path)
        assert again.cache == "HIT", (path, again.cache)


def test_editing_a_fact_purges_exactly_the_pages_showing_it(varnish, run_tasks):
    fact = QuoteFactory(text="The first words.")
    stories = []
    for n in range(3):
        story = ExplainerFactory(published=True, title=f"Story {n}")
        add_section(story, f"[[quote:{fact.slug}]]" if n < 2 else "Nothing shared.")
        stories.append(story)
    showing = [stories[0].get_absolute_url(), stories[1].get_absolute_url()]
    fact_page = fact.get_absolute_url()
    others = [stories[2].get_absolute_url(), "/"]
    warm(varnish, [*showing, fact_page, *others])
    assert varnish.get(showing[0]).varnish_ids == 2  # this request's id and the stored object's

    # Tracking parameters are dropped before the object is looked up: the same object.
    tracked = varnish.get(f"{showing[0]}?utm_source=x&fbclid=y")
    assert tracked.cache == "HIT" and "The first words." in tracked.body

    fact.text = "The corrected words."
    facts.save_fact(fact, by=None)  # commits: the purge is queued on commit
    assert len(purges_queued()) == 1
    assert run_tasks() == 1
    result = DBTaskResult.objects.get(task_path__endswith="purge_keys")
    assert result.return_value == 3  # the two stories' pages and the fact's own

    for path in [*showing, fact_page]:
        fresh = varnish.get(path)
        assert fresh.cache == "MISS" and "The corrected words." in fresh.body, path
    for path in others:
        assert varnish.get(path).cache == "HIT", path


def test_changes_readers_never_see_purge_nothing_and_a_take_down_purges_its_pages(
    varnish, run_tasks
):
    live = ExplainerFactory(published=True, title="Live story")
    shared = QuoteFactory()
    add_section(live, f"[[quote:{shared.slug}]]")
    draft = ExplainerFactory(title="Draft story")
    only_in_draft = QuoteFactory()
    add_section(draft, f"[[quote:{only_in_draft.slug}]]")
    pages = [live.get_absolute_url(), shared.get_absolute_url(), "/"]
    warm(varnish, pages)
    assert varnish.get(draft.get_absolute_url()).status == 404

    # A draft story's note, a fact only the draft uses, and its speaker: no purge at all.
    publishing.add_correction(draft, kind="correction", text="Not public.", by=None)
    only_in_draft.text = "Still a draft's."
    facts.save_fact(only_in_draft, by=None)
    speaker = only_in_draft.speaker
    speaker.name = "Nobody Public"
    workflow.save(speaker, by=None)
    assert purges_queued() == []
    for path in pages:
        assert varnish.get(path).cache == "HIT", path

    # Taking the live story down purges its page, its fact's page and the lists.
    publishing.unpublish(live, by=None)
    assert len(purges_queued()) == 1
    run_tasks()
    assert varnish.get(live.get_absolute_url()).status == 404
    assert varnish.get(shared.get_absolute_url()).status == 404
    home = varnish.get("/")
    assert home.cache == "MISS" and "Live story" not in home.body
