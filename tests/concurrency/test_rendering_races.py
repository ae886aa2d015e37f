"""Stored renderings under real concurrency, on PostgreSQL, against a running server
(``explainers.renderings``): readers asking for a story at the moment it is first rendered, and
readers asking while its facts change.

- Concurrent first requests for a story render and store it once: the others wait on the
  rendering's row lock, then find it current. Every reader gets the same page.
- Once a change's transaction has committed, no request that starts afterwards gets the
  rendering from before it: with the page cache off and on, with the story rendered again on
  commit or left stale for the next request, for a live figure, a pinned figure corrected, and
  a person's name.
"""

import datetime
import re
import threading
import time
from decimal import Decimal

import pytest
import requests
from django.db import connection

from claims import publishing as facts
from claims.models import Person, StatisticValue
from explainers.models import Rendering
from newsroom.core import workflow
from newsroom.models import PartnerKey
from tests.factories import (
    ExplainerFactory,
    PersonFactory,
    QuoteFactory,
    StatisticFactory,
    add_section,
)

from .test_races import at_once, pool  # noqa: F401 (the thread pool fixture)

pytestmark = [pytest.mark.concurrency, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("Row locks are PostgreSQL's; SQLite serialises every write.")


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def published_story(slug: str):
    StatisticFactory(
        slug=f"{slug}-live",
        label="Crossings counted",
        unit="people",
        values=[(1000, datetime.date(2025, 1, 1))],
    )
    StatisticFactory(
        slug=f"{slug}-pinned",
        label="Returns counted",
        unit="people",
        values=[(500, datetime.date(2025, 1, 1))],
    )
    speaker = PersonFactory(name="Speaker Zero", slug=f"{slug}-speaker")
    QuoteFactory(slug=f"{slug}-quote", speaker=speaker, text="Words on the record.")
    story = ExplainerFactory(published=True, slug=slug)
    add_section(
        story,
        f"[[statistic:{slug}-live]]\n\nReturns stood at [[value:{slug}-pinned@2025-01-15]].\n\n"
        f"[[quote:{slug}-quote]]",
    )
    return story


def test_concurrent_first_requests_render_and_store_a_story_once(live_server, pool, settings):  # noqa: F811
    settings.NEWSROOM_RENDER_AT_ONCE = 0

    def fetch(url, headers=None):
        return lambda: requests.get(url, headers=headers, timeout=60)

    for n in range(5):
        story = published_story(f"first-{n}")
        page = live_server.url + story.get_absolute_url()
        api = f"{live_server.url}/api/v1/explainers/{story.slug}/"
        key = {"X-Api-Key": PartnerKey.objects.create_key(name=f"k{n}", partner="Race")[1]}
        calls = [fetch(page) for _ in range(12)]
        calls += [fetch(api, key) for _ in range(4)]
        responses = at_once(pool, *calls)
        assert {response.status_code for response in responses} == {200}
        articles = {
            re.search(r"<article.*</article>", r.text, re.S).group(0) for r in responses[:12]
        }
        assert len(articles) == 1  # every reader got the same page
        assert len({r.headers["ETag"] for r in responses[12:]}) == 1  # and the same version
        rendering = Rendering.objects.get(pk=story.pk)
        assert rendering.render_count == 1, f"rendered {rendering.render_count} times"
        assert not rendering.stale
        assert rendering.version in responses[12].headers["ETag"]

        # Marked stale by a change (past the bound, so not rendered on commit): the readers
        # meeting it at once render it once more, not once each.
        person_name(story, n + 1)
        assert Rendering.objects.get(pk=story.pk).stale
        responses = at_once(pool, *calls)
        assert {response.status_code for response in responses} == {200}
        assert all(f"Speaker {n + 1}" in r.text for r in responses)
        rendering = Rendering.objects.get(pk=story.pk)
        assert rendering.render_count == 2, f"rendered {rendering.render_count} times"


# --- No stale rendering after a change commits ----------------------------------------------------


def live_figure(story, step):
    statistic = story.sections.get().blocks.get(kind="statistic").statistic
    facts.add_value(
        statistic, value=Decimal(1000 + step), as_of=datetime.date(2025, 2, step), by=None
    )
    return f"{1000 + step:,} people Crossings counted"


def pinned_correction(story, step):
    block = story.sections.get().blocks.get(kind="value")
    statistic = block.statistic
    wrong = statistic.values.get(pk=block.pinned_value_id)
    latest = StatisticValue.objects.filter(statistic=statistic).order_by("-pk").first()
    facts.add_value(
        statistic,
        value=Decimal(500 + step),
        as_of=wrong.as_of,
        revises=latest,
        revision_kind=StatisticValue.Revision.CORRECTION,
        correction_note="Corrected.",
        by=None,
    )
    return f"Returns stood at {500 + step:,}"


def person_name(story, step):
    person = Person.objects.get(slug=f"{story.slug}-speaker")
    person.name = f"Speaker {step}"
    workflow.save(person, by=None)
    return f"Words on the record. Speaker {step}"


@pytest.mark.parametrize("change", [live_figure, pinned_correction, person_name])
@pytest.mark.parametrize("page_cache", [0, 600], ids=["page cache off", "page cache on"])
@pytest.mark.parametrize("at_once_bound", [20, 0], ids=["rendered on commit", "left stale"])
def test_no_request_after_a_commit_gets_the_rendering_from_before_it(
    live_server, settings, change, page_cache, at_once_bound
):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = page_cache
    settings.NEWSROOM_RENDER_AT_ONCE = at_once_bound
    story = published_story(f"race-{change.__name__}".replace("_", "-"))
    url = live_server.url + story.get_absolute_url()
    assert requests.get(url, timeout=60).status_code == 200

    committed = []  # (time the change's commit returned, what readers must see from then on)
    seen = []  # (time the request started, page text)
    stop = threading.Event()

    def reader():
        with requests.Session() as session:
            while not stop.is_set():
                started = time.monotonic()
                response = session.get(url, timeout=60)
                assert response.status_code == 200
                seen.append((started, text(response.text)))

    readers = [threading.Thread(target=reader) for _ in range(6)]
    for thread in readers:
        thread.start()
    try:
        for step in range(1, 9):
            time.sleep(0.05)
            expected = change(story, step)  # its own transaction, committed on return
            committed.append((time.monotonic(), expected))
        time.sleep(0.2)
    finally:
        stop.set()
        for thread in readers:
            thread.join(timeout=60)

    late = []
    for started, page in seen:
        due = sum(1 for at, _ in committed if at <= started)  # changes committed before it
        shown = max(
            (step for step, (_, expected) in enumerate(committed, 1) if expected in page),
            default=0,
        )
        if shown < due:
            late.append((started, due, shown))
    assert len(seen) > 50, "too few requests to race"
    assert not late, f"{len(late)} of {len(seen)} requests got a rendering older than a commit"
