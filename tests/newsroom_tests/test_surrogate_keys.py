"""Surrogate keys and exact purges (``newsroom/core/pagecache.py``, ``newsroom/core/purge.py``):
every public page names what it shows, a change purges the keys of what it changed (never the
stories showing it, one by one), nothing readers cannot see is purged, and Django's own page
cache goes stale through the same keys. Against a real Varnish: ``test_varnish.py``."""

import datetime
import http.server
import threading
from decimal import Decimal

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from claims import publishing as facts
from claims.models import Rating
from explainers import publishing, renderings
from explainers.models import Rendering
from newsroom.core import pagecache, purge, workflow
from newsroom.varnish import acl_entry, vcl
from tests.factories import (
    AuthorFactory,
    ClaimFactory,
    ExplainerFactory,
    MediaFactory,
    QuoteFactory,
    SourceFactory,
    StatisticFactory,
    TopicFactory,
    add_section,
)

pytestmark = pytest.mark.django_db

VARNISH = "http://varnish.invalid:6081"


def key(obj) -> str:
    return pagecache.object_key(obj)


@pytest.fixture
def story(db):
    """A published story showing a quote, a statistic and a claim, with a topic, an author and
    a lead image."""
    quote, statistic = QuoteFactory(), StatisticFactory()
    claim = ClaimFactory(evidence=[SourceFactory()])
    shown = ExplainerFactory(
        published=True,
        topics=[TopicFactory()],
        authors=[AuthorFactory()],
        hero=MediaFactory(),
    )
    add_section(shown, f"[[quote:{quote.slug}]]\n\n[[statistic:{statistic.slug}]]")
    add_section(shown, f"[[claim:{claim.slug}]]")
    shown.quote, shown.statistic, shown.claim = quote, statistic, claim
    return shown


def everything_shown(story) -> set[str]:
    quote, statistic, claim = story.quote, story.statistic, story.claim
    return {
        key(story),
        key(story.topics.get()),
        key(story.authors.get()),
        key(story.hero),
        key(quote),
        key(quote.speaker),
        key(quote.source),
        key(statistic),
        key(statistic.source),
        key(claim),
        key(claim.claimant),
        key(claim.rating),
        *(key(source) for source in claim.sources.all()),
    }


def header_keys(response) -> list[str]:
    assert response["xkey"] == response["Surrogate-Key"]
    assert "," not in response["xkey"]
    return response["xkey"].split()


@pytest.fixture
def varnish_urls(settings):
    settings.NEWSROOM_VARNISH_URLS = [VARNISH]
    return settings.NEWSROOM_VARNISH_URLS


def purges() -> list[list[str]]:
    """The keys of each purge task queued, in order."""
    rows = DBTaskResult.objects.filter(task_path__endswith="purge_keys").order_by("enqueued_at")
    return [row.args_kwargs["args"][0] for row in rows]


# --- Every public page names what it shows ------------------------------------------------------


def test_a_story_page_names_the_story_and_everything_it_shows(client, page_cache, story):
    response = client.get(story.get_absolute_url())
    keys = header_keys(response)
    assert set(keys) == {f"explainer:{story.slug}", pagecache.SITE, *everything_shown(story)}
    assert keys[:2] == [f"explainer:{story.slug}", pagecache.SITE]  # route tags, then objects
    assert response["Surrogate-Control"] == "max-age=60"  # no purges configured: as browsers
    cached = client.get(story.get_absolute_url())
    assert cached["X-Page-Cache"] == "hit" and header_keys(cached) == keys


def test_a_story_is_rendered_with_its_keys_stored_beside_it(client, story):
    rendering = renderings.refresh(story.pk)
    assert set(rendering.keys.split()) == everything_shown(story)
    assert rendering.keys.split()[0] == key(story)
    assert Rendering.objects.get(pk=story.pk).keys == rendering.keys


def test_the_api_story_detail_names_what_it_shows_and_lists_their_stories(story):
    from rest_framework.test import APIClient

    from newsroom.models import PartnerKey

    api = APIClient()
    api.credentials(HTTP_X_API_KEY=PartnerKey.objects.create_key(name="a", partner="P")[1])
    detail = api.get(reverse("api:explainer-detail", kwargs={"slug": story.slug}))
    assert set(header_keys(detail)) == {f"explainer:{story.slug}", *everything_shown(story)}
    listed = api.get(reverse("api:explainer-list"))
    assert header_keys(listed) == [pagecache.LISTS, key(story)]
    quote = api.get(reverse("api:quote-detail", kwargs={"slug": story.quote.slug}))
    assert header_keys(quote) == [pagecache.FACTS, key(story.quote)]


def test_fact_pages_and_cards_name_the_fact_its_people_and_sources(client, page_cache, story):
    quote, claim = story.quote, story.claim
    for url in (quote.get_absolute_url(), reverse("claims:embed_quote", args=[quote.slug])):
        assert {key(quote), key(quote.speaker), key(quote.source)} <= set(
            header_keys(client.get(url))
        ), url
    claim_keys = set(header_keys(client.get(claim.get_absolute_url())))
    assert {key(claim), key(claim.claimant), key(claim.rating)} <= claim_keys
    assert {key(source) for source in claim.sources.all()} <= claim_keys
    assert key(story) not in claim_keys  # its stories are purged through its route tag


def test_lists_name_their_route_tags_and_the_stories_listed(client, page_cache, story):
    home = header_keys(client.get("/"))
    assert home == [pagecache.LISTS, pagecache.SITE, key(story)]
    topic = story.topics.get()
    assert header_keys(client.get(topic.get_absolute_url())) == [
        pagecache.LISTS,
        pagecache.SITE,
        key(topic),
        key(story),
    ]
    source = story.quote.source
    assert header_keys(client.get(source.get_absolute_url())) == [
        pagecache.LISTS,
        pagecache.FACTS,
        pagecache.SITE,
        key(source),
    ]
    assert header_keys(client.get(reverse("feeds:latest"))) == [pagecache.LISTS]
    assert header_keys(client.get(reverse("sitemap"))) == [pagecache.LISTS, pagecache.FACTS]


def test_a_page_showing_too_many_objects_names_the_coarse_tags_instead(
    client, page_cache, story, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(pagecache, "MAX_OBJECT_KEYS", 3)
    url = story.get_absolute_url()
    assert header_keys(client.get(url)) == [
        f"explainer:{story.slug}",
        pagecache.SITE,
        key(story),
        pagecache.FACTS,
        pagecache.LISTS,
    ]
    # Every change to something a story shows touches a coarse tag: the page still goes stale.
    with django_capture_on_commit_callbacks(execute=True):
        workflow.save(story.quote.source, by=None)
    assert client.get(url)["X-Page-Cache"] == "miss"


def test_shared_caches_may_keep_pages_longer_when_purges_keep_them_exact(
    client, page_cache, story, varnish_urls, settings
):
    settings.NEWSROOM_VARNISH_TTL = 86400
    assert client.get(story.get_absolute_url())["Surrogate-Control"] == "max-age=86400"
    assert "max-age=60" in client.get(story.get_absolute_url())["Cache-Control"]


def test_no_page_is_kept_in_front_past_a_scheduled_story(client, page_cache, story, varnish_urls):
    ExplainerFactory(
        status="published",
        published_at=datetime.datetime.now(datetime.UTC) + datetime.timedelta(minutes=10),
    )
    age = int(client.get("/")["Surrogate-Control"].removeprefix("max-age="))
    assert 590 <= age <= 601


# --- A change purges the keys of what it changed, once it commits -------------------------------


def test_editing_a_fact_queues_one_purge_of_its_key(
    story, varnish_urls, django_capture_on_commit_callbacks
):
    fact = story.quote
    fact.text = "New words."
    with django_capture_on_commit_callbacks(execute=True):
        facts.save_fact(fact, by=None)
    assert purges() == [sorted([pagecache.FACTS, key(fact)])]


def test_a_source_shown_by_many_stories_is_purged_as_one_key(
    varnish_urls, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    source = SourceFactory()
    statistic = StatisticFactory(source=source)
    for _ in range(30):
        add_section(ExplainerFactory(published=True), f"[[value:{statistic.slug}]]")
    # Found without asking which stories show it: the same few queries for 1 story or 100,000.
    with django_assert_max_num_queries(3):  # is it cited by a public quote, statistic, claim?
        assert pagecache.pages_showing(source) == {pagecache.FACTS, key(source)}
    source.publisher = "Renamed Office"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.save(source, by=None)
    assert purges() == [sorted([pagecache.FACTS, key(source)])]


@pytest.mark.parametrize(
    "change, expected",
    [
        ("person", lambda story: {pagecache.FACTS, key(story.quote.speaker)}),
        ("rating", lambda story: {pagecache.FACTS, key(story.claim.rating)}),
        ("value", lambda story: {pagecache.FACTS, key(story.statistic)}),
        ("topic", lambda story: {pagecache.LISTS, key(story.topics.get())}),
        ("author", lambda story: {pagecache.LISTS, key(story.authors.get())}),
        ("media", lambda story: {pagecache.LISTS, key(story.hero)}),
    ],
)
def test_each_thing_a_story_shows_is_purged_by_its_own_key(
    change, expected, story, varnish_urls, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        if change == "value":
            facts.add_value(
                story.statistic, value=Decimal(7), as_of=datetime.date(2025, 1, 2), by=None
            )
        else:
            thing = {
                "person": story.quote.speaker,
                "rating": story.claim.rating,
                "topic": story.topics.get(),
                "author": story.authors.get(),
                "media": story.hero,
            }[change]
            workflow.save(thing, by=None)
    keys = set().union(*purges())
    assert len(purges()) == 1
    assert expected(story) <= keys
    assert not any(name.startswith("explainer") for name in keys - {key(story)})


def test_publishing_purges_the_story_its_lists_and_its_facts_pages(
    varnish_urls, editor, django_capture_on_commit_callbacks
):
    quote = QuoteFactory()
    story = ExplainerFactory(title="New story")
    add_section(story, f"[[quote:{quote.slug}]]")
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(story, by=editor)
    (keys,) = purges()
    assert {
        pagecache.LISTS,
        pagecache.FACTS,
        key(story),
        f"explainer:{story.slug}",
        f"quote:{quote.slug}",  # its page lists the stories using it
    } <= set(keys)
    assert key(quote) not in keys  # that would purge every other story showing the quote


def test_unpublishing_a_live_story_purges_it(
    story, varnish_urls, editor, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(story, by=editor)
    (keys,) = purges()
    assert {pagecache.LISTS, key(story), f"explainer:{story.slug}"} <= set(keys)


def test_changes_readers_never_see_queue_no_purge(
    story, varnish_urls, editor, django_capture_on_commit_callbacks
):
    draft = ExplainerFactory()
    only_in_draft = QuoteFactory()
    add_section(draft, f"[[quote:{only_in_draft.slug}]]")
    unused = Rating.objects.create(name="Unused", slug="unused", verdict="mixed")
    with django_capture_on_commit_callbacks(execute=True):
        publishing.add_correction(draft, kind="correction", text="Draft only.", by=editor)
        only_in_draft.text = "Draft words."
        facts.save_fact(only_in_draft, by=None)
        workflow.save(only_in_draft.speaker, by=None)
        workflow.save(only_in_draft.source, by=None)
        workflow.save(unused, by=None)
        copy = publishing.working_copy(story, by=editor)
        copy.title = "Unpublished headline"
        copy.save()
        publishing.add_correction(copy, kind="correction", text="On the story.", by=editor)
    # Only the live story's own note (through its working copy) is for readers.
    assert purges() == [
        sorted(
            {pagecache.LISTS, pagecache.FACTS, key(story), f"explainer:{story.slug}"}
            | {f"{kind}:{fact.slug}" for kind, fact in story_facts(story)}
        )
    ]


def story_facts(story):
    return [("quote", story.quote), ("statistic", story.statistic), ("claim", story.claim)]


def test_one_transaction_queues_one_purge(story, varnish_urls, django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        facts.save_fact(story.quote, by=None)
        facts.save_fact(story.claim, by=None)
        workflow.save(story.statistic.source, by=None)
    assert purges() == [
        sorted([pagecache.FACTS, key(story.quote), key(story.claim), key(story.statistic.source)])
    ]


def test_without_varnish_nothing_is_queued(story, settings, django_capture_on_commit_callbacks):
    settings.NEWSROOM_VARNISH_URLS = []
    with django_capture_on_commit_callbacks(execute=True):
        facts.save_fact(story.quote, by=None)
    assert purges() == []


# --- Django's own page cache goes stale through the same keys -----------------------------------


def test_a_cached_page_goes_stale_when_a_source_it_shows_changes(
    client, page_cache, story, django_capture_on_commit_callbacks
):
    source = story.quote.source
    other = ExplainerFactory(published=True)
    add_section(other, "Nothing shared.")
    urls = [story.get_absolute_url(), story.quote.get_absolute_url()]
    for url in [*urls, other.get_absolute_url(), "/"]:
        client.get(url)
    source.publisher = "Renamed Publisher Xyzzy"
    with django_capture_on_commit_callbacks(execute=True):
        workflow.save(source, by=None)
    for url in urls:
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss" and b"Renamed Publisher Xyzzy" in response.content
    assert client.get(other.get_absolute_url())["X-Page-Cache"] == "hit"
    assert client.get("/")["X-Page-Cache"] == "hit"


def test_a_warm_page_naming_many_objects_costs_no_query(
    client, page_cache, django_assert_num_queries
):
    story = ExplainerFactory(published=True)
    for _ in range(20):
        add_section(story, f"[[quote:{QuoteFactory().slug}]]")
    url = story.get_absolute_url()
    assert len(header_keys(client.get(url))) > 40
    with django_assert_num_queries(0):  # page, route tokens, then its objects' tokens: cache only
        assert client.get(url)["X-Page-Cache"] == "hit"


def test_a_page_rendered_while_a_change_commits_is_kept_nowhere(page_cache):
    def view(request):
        from django.http import HttpResponse

        response = HttpResponse("rendered from what was true before")
        pagecache.bump(["quote-1"])  # the change commits while the page is rendered
        response.surrogate_keys = ["quote-1"]
        return response

    cached = pagecache.cache_public_page(lambda request: ["t"])(view)
    first = cached(RequestFactory().get("/a/"))
    assert first["Surrogate-Control"] == "max-age=0"  # nor in Varnish
    assert cached(RequestFactory().get("/a/"))["X-Page-Cache"] == "miss"


# --- Tracking parameters never make a page of their own -----------------------------------------


def test_tracking_parameters_are_dropped_and_the_others_kept_in_order():
    query = "b=2&utm_source=x&a=1&fbclid=y&gclid=z&utm_campaign=c&mc_cid=1&mc_eid=2&_ga=3"
    assert pagecache.without_tracking(query) == "b=2&a=1"
    assert pagecache.without_tracking("utm_source=x") == ""
    assert pagecache.without_tracking("page=2&futm_source=x") == "page=2&futm_source=x"


def test_a_tracked_link_is_served_the_cached_page(client, page_cache, story, settings):
    url = story.get_absolute_url()
    assert client.get(url)["X-Page-Cache"] == "miss"
    tracked = client.get(f"{url}?utm_source=newsletter&fbclid=abc&gclid=d")
    assert tracked["X-Page-Cache"] == "hit"
    topic = story.topics.get().get_absolute_url()
    client.get(f"{topic}?utm_medium=email")
    assert client.get(topic)["X-Page-Cache"] == "hit"


# --- The purge task -----------------------------------------------------------------------------


class FakeVarnish(http.server.BaseHTTPRequestHandler):
    received: list
    status = 200

    def do_PURGE(self):
        self.received.append((self.path, self.headers.get("xkey-purge")))
        self.send_response(self.status)
        self.send_header("X-Purged", "4")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_varnish():
    handler = type("Handler", (FakeVarnish,), {"received": []})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    handler.url = f"http://127.0.0.1:{server.server_port}"
    yield handler
    server.shutdown()
    server.server_close()


def test_the_purge_task_sends_one_purge_with_the_keys_to_each_varnish(
    fake_varnish, settings, run_tasks
):
    settings.NEWSROOM_VARNISH_URLS = [fake_varnish.url, fake_varnish.url]
    purge.purge_keys.enqueue(["facts", "quote-12"])
    assert run_tasks() == 1
    assert fake_varnish.received == [("/", "facts quote-12")] * 2
    assert DBTaskResult.objects.get().return_value == 8


def test_with_no_varnish_the_task_does_nothing(settings, fake_varnish):
    settings.NEWSROOM_VARNISH_URLS = []
    assert purge.purge_keys.call(["facts"]) == 0
    assert fake_varnish.received == []


def test_a_failed_purge_is_logged_and_tried_again_later(fake_varnish, settings, caplog):
    fake_varnish.status = 503
    settings.NEWSROOM_VARNISH_URLS = [fake_varnish.url]
    purge.purge_keys.call(["source-3"])
    assert "503" in caplog.text
    (retry,) = DBTaskResult.objects.filter(task_path__endswith="purge_keys")
    assert retry.args_kwargs["args"] == [["source-3"], [fake_varnish.url], 2]
    assert retry.run_after > datetime.datetime.now(datetime.UTC)
    with pytest.raises(purge.PurgeFailed):  # the last attempt fails the task, loudly
        purge.purge_keys.call(["source-3"], [fake_varnish.url], purge.ATTEMPTS)


def test_long_lists_of_keys_go_in_several_requests():
    keys = [f"explainer-{n}" for n in range(2000)]
    values = purge.batches(keys)
    assert len(values) > 1 and all(len(value) <= purge.MAX_HEADER_LENGTH for value in values)
    assert " ".join(values).split() == keys


# --- The VCL ------------------------------------------------------------------------------------


def test_the_vcl_is_filled_in_with_the_backend_and_the_purgers():
    text = vcl("10.0.0.5:8001", ["10.0.1.0/24", "10.0.2.7", " "])
    assert '.host = "10.0.0.5";' in text and '.port = "8001";' in text
    assert '"10.0.1.0"/24;' in text and '"10.0.2.7";' in text
    assert "import xkey;" in text and "xkey.purge(req.http.xkey-purge)" in text
    assert acl_entry("::1") == '"::1";'
    with pytest.raises(ValueError):
        acl_entry('"; } evil {')
