"""Full-page caching: warm pages need no database, and every change readers should see is
served at once (the workflow and the admin invalidate precisely, on commit)."""

import datetime
import time

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from claims import publishing as claims_publishing
from claims import views as claim_views
from explainers import caching, publishing
from explainers import views as explainer_views
from explainers.models import Explainer
from newsroom.core import pagecache
from tests import factories
from tests.factories import (
    ClaimFactory,
    ExplainerFactory,
    QuoteFactory,
    StatisticFactory,
    TopicFactory,
    add_section,
    admin_form_data,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    topic = TopicFactory()
    statistic, quote, claim = StatisticFactory(), QuoteFactory(), ClaimFactory()
    story = ExplainerFactory(published=True, title="Version one", topics=[topic])
    add_section(
        story,
        f"Text [[value:{statistic.slug}]].\n\n[[quote:{quote.slug}]]\n\n[[claim:{claim.slug}]]",
        heading="What?",
    )
    other = ExplainerFactory(published=True, title="Another story", topics=[topic])
    add_section(other, "Nothing shared.")
    return dict(
        story=story, other=other, topic=topic, statistic=statistic, quote=quote, claim=claim
    )


def public_urls(site):
    statistic, quote, claim = site["statistic"], site["quote"], site["claim"]
    return [
        reverse("home"),
        site["story"].get_absolute_url(),
        site["topic"].get_absolute_url(),
        statistic.get_absolute_url(),
        quote.get_absolute_url(),
        claim.get_absolute_url(),
        statistic.source.get_absolute_url(),
        reverse("search") + "?q=version",
        reverse("feeds:latest"),
        reverse("feeds:topic", args=[site["topic"].slug]),
        reverse("sitemap"),
        reverse("claims:embed_statistic", args=[statistic.slug]),
        reverse("claims:embed_quote", args=[quote.slug]),
        reverse("claims:embed_claim", args=[claim.slug]),
        reverse("claims:oembed") + f"?url=http://testserver{statistic.get_absolute_url()}",
    ]


def test_warm_public_pages_are_served_without_touching_the_database(
    client, page_cache, site, django_assert_num_queries
):
    for url in public_urls(site):
        first = client.get(url)
        assert first.status_code == 200, url
        assert first["X-Page-Cache"] == "miss"
        with django_assert_num_queries(0):  # tokens and page from the cache, no session
            second = client.get(url)
        assert second["X-Page-Cache"] == "hit", url
        assert second.content == first.content
        assert second["Content-Type"] == first["Content-Type"]


def test_cached_card_may_still_be_framed_and_pages_still_may_not(client, page_cache, site):
    card = reverse("claims:embed_statistic", args=[site["statistic"].slug])
    for _ in range(2):
        assert "X-Frame-Options" not in client.get(card)
        assert client.get("/")["X-Frame-Options"] == "DENY"


def test_headers_let_a_cdn_cache_and_revalidate(
    client, page_cache, site, django_assert_num_queries
):
    url = site["story"].get_absolute_url()
    response = client.get(url)
    assert "public" in response["Cache-Control"] and "max-age=60" in response["Cache-Control"]
    etag, last_modified = response["ETag"], response["Last-Modified"]
    assert etag.startswith('"') and last_modified.endswith("GMT")
    with django_assert_num_queries(0):
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
        assert client.get(url, HTTP_IF_MODIFIED_SINCE=last_modified).status_code == 304
    assert client.get(url)["ETag"] == etag


def test_publishing_changes_is_seen_at_once(
    client, page_cache, site, editor, django_capture_on_commit_callbacks
):
    story = site["story"]
    assert b"Version one" in client.get(story.get_absolute_url()).content
    client.get("/")
    copy = publishing.working_copy(story, by=editor)
    copy.title = "Version two"
    copy.save()
    # Unpublished changes are not for readers: the cached page is still right.
    assert client.get(story.get_absolute_url())["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(copy, by=editor)
    page = client.get(story.get_absolute_url())
    assert page["X-Page-Cache"] == "miss" and b"Version two" in page.content
    assert b"Version two" in client.get("/").content


def test_a_publish_leaves_unrelated_pages_cached(
    client, page_cache, site, editor, django_capture_on_commit_callbacks
):
    other_url = site["other"].get_absolute_url()
    unused = StatisticFactory()
    elsewhere = ExplainerFactory(published=True)
    add_section(elsewhere, f"[[statistic:{unused.slug}]]")
    unused_url = unused.get_absolute_url()
    for url in (other_url, unused_url):
        client.get(url)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.add_correction(site["story"], kind="correction", text="Fixed.", by=editor)
    assert client.get(other_url)["X-Page-Cache"] == "hit"
    assert client.get(unused_url)["X-Page-Cache"] == "hit"
    assert b"Fixed." in client.get(site["story"].get_absolute_url()).content


def test_unpublishing_removes_the_story_and_its_facts_at_once(
    client, page_cache, site, editor, django_capture_on_commit_callbacks
):
    story, quote = site["story"], site["quote"]
    card = reverse("claims:embed_quote", args=[quote.slug])
    for url in (story.get_absolute_url(), quote.get_absolute_url(), card, "/"):
        assert client.get(url).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(story, by=editor)
    assert client.get(story.get_absolute_url()).status_code == 404
    assert client.get(quote.get_absolute_url()).status_code == 404
    assert client.get(card).status_code == 404
    assert b"Version one" not in client.get("/").content


def test_a_fact_edited_in_the_admin_refreshes_every_story_and_card_using_it(
    client, client_for, editor, page_cache, site, django_capture_on_commit_callbacks
):
    statistic = site["statistic"]
    urls = [
        site["story"].get_absolute_url(),
        statistic.get_absolute_url(),
        reverse("claims:embed_statistic", args=[statistic.slug]),
    ]
    for url in urls:
        client.get(url)
    admin = client_for(editor)
    change = reverse("admin:claims_statistic_change", args=[statistic.pk])
    data = admin_form_data(admin.get(change), label="Renamed figure")
    with django_capture_on_commit_callbacks(execute=True):
        assert admin.post(change, data).status_code == 302
    for url in urls:
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss" and b"Renamed figure" in response.content, url
    assert client.get(site["other"].get_absolute_url())["X-Page-Cache"] == "miss"  # first visit
    assert client.get(site["other"].get_absolute_url())["X-Page-Cache"] == "hit"


def test_a_new_figure_reaches_the_card_at_once(
    client, page_cache, site, editor, django_capture_on_commit_callbacks
):
    statistic = site["statistic"]
    card = reverse("claims:embed_statistic", args=[statistic.slug])
    assert b"50,271" in client.get(card).content
    with django_capture_on_commit_callbacks(execute=True):
        claims_publishing.add_value(
            statistic, value=61000, as_of=datetime.date(2025, 12, 31), by=editor
        )
    assert b"61,000" in client.get(card).content
    assert b"61,000" in client.get(site["story"].get_absolute_url()).content


def test_staff_and_previews_are_never_cached(client_for, editor, page_cache, site):
    from django.test import Client

    client, editor_client = Client(), client_for(editor)
    url = site["story"].get_absolute_url()
    response = editor_client.get(url)
    assert "X-Page-Cache" not in response and "private" in response["Cache-Control"]
    preview = editor_client.get(reverse("explainers:preview", args=[site["story"].pk]))
    assert "X-Page-Cache" not in preview and "no-cache" in preview["Cache-Control"]
    assert client.get(url)["X-Page-Cache"] == "miss"


def test_not_found_is_not_cached(client, page_cache):
    assert "X-Page-Cache" not in client.get("/explainers/nothing-here/")


def test_a_scheduled_story_appears_at_its_time_without_any_job(client, page_cache, site):
    soon = ExplainerFactory(
        title="Scheduled story",
        status=Explainer.Status.PUBLISHED,
        published_at=timezone.now() + datetime.timedelta(seconds=1),
    )
    assert b"Scheduled story" not in client.get("/").content
    assert caching.seconds_until_next_story(600) <= 2
    time.sleep(max(0.0, (soon.published_at - timezone.now()).total_seconds()) + 1.1)
    assert b"Scheduled story" in client.get("/").content


def test_the_benchmark_bypass_header_works_only_with_the_benchmark_setting(
    client, page_cache, site, settings
):
    url, bypass = site["story"].get_absolute_url(), {"HTTP_X_BENCH_PAGE_CACHE": "off"}
    assert client.get(url)["X-Page-Cache"] == "miss"
    settings.NEWSROOM_BENCHMARK_VIEWS = False  # production: the header is just ignored
    assert client.get(url, **bypass)["X-Page-Cache"] == "hit"
    settings.NEWSROOM_BENCHMARK_VIEWS = True  # scripts/loadtest: rendered afresh every time
    response = client.get(url, **bypass)
    assert response.status_code == 200 and "X-Page-Cache" not in response
    assert b"Version one" in response.content


@pytest.mark.parametrize(
    "kind, shown_on",
    [
        ("person", ["story", "quote"]),  # the quote card's speaker
        ("source", ["story", "quote"]),  # the source line of the quote card
        ("rating", ["story", "claim"]),  # the claim card's rating
        ("topic", ["story", "topic"]),  # the story's kicker and the topic page
        ("media", ["story"]),  # the story's lead image caption
    ],
)
def test_editing_what_stories_show_refreshes_every_page_showing_it(
    kind, shown_on, client, client_for, editor, page_cache, site, django_capture_on_commit_callbacks
):
    from tests.factories import MediaFactory

    story, quote, claim = site["story"], site["quote"], site["claim"]
    story.hero = MediaFactory(caption="Old caption")
    story.save()
    item, field, admin_name = {
        "person": (quote.speaker, "name", "claims_person"),
        "source": (quote.source, "publisher", "claims_source"),
        "rating": (claim.rating, "name", "claims_rating"),
        "topic": (site["topic"], "name", "explainers_topic"),
        "media": (story.hero, "caption", "explainers_media"),
    }[kind]
    urls = {
        "story": story.get_absolute_url(),
        "quote": quote.get_absolute_url(),
        "claim": claim.get_absolute_url(),
        "topic": site["topic"].get_absolute_url(),
    }
    for name in shown_on:
        assert client.get(urls[name]).status_code == 200
    other = site["other"].get_absolute_url()
    client.get(other)
    admin = client_for(editor)
    change = reverse(f"admin:{admin_name}_change", args=[item.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(
            change, admin_form_data(admin.get(change), **{field: "Renamed Xyzzy"})
        )
        assert response.status_code == 302, response.content[:2000]
    for name in shown_on:
        response = client.get(urls[name])
        assert response["X-Page-Cache"] == "miss" and b"Renamed Xyzzy" in response.content, name
    if kind in ("person", "rating", "media"):  # the other story shows none of them: still cached
        assert client.get(other)["X-Page-Cache"] == "hit"


# Long lists come in pages (?page=N): the full path is the key, the list's tags invalidate them.


def test_each_page_of_a_topic_is_cached_on_its_own(
    client, page_cache, site, monkeypatch, django_assert_num_queries
):
    monkeypatch.setattr(explainer_views, "TOPIC_PAGE_SIZE", 1)  # the site's two stories: two pages
    url = site["topic"].get_absolute_url()
    first, second = client.get(url), client.get(url + "?page=2")
    assert first["X-Page-Cache"] == second["X-Page-Cache"] == "miss"
    assert b"Another story" in first.content and b"Version one" in second.content
    with django_assert_num_queries(0):
        assert client.get(url + "?page=2").content == second.content
        assert client.get(url).content == first.content
    assert "X-Page-Cache" not in client.get(url + "?page=3")  # not found is not cached


def test_publishing_a_story_refreshes_every_page_of_its_topic(
    client, page_cache, site, editor, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(explainer_views, "TOPIC_PAGE_SIZE", 1)
    url = site["topic"].get_absolute_url()
    for page in ("", "?page=2"):
        client.get(url + page)
    newest = ExplainerFactory(title="Newest story", topics=[site["topic"]])
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(newest, by=editor)
    first, second = client.get(url), client.get(url + "?page=2")
    assert first["X-Page-Cache"] == second["X-Page-Cache"] == "miss"
    assert b"Newest story" in first.content and b"Another story" in second.content
    assert b"Version one" in client.get(url + "?page=3").content


def test_each_page_of_a_fact_pages_stories_is_cached_and_refreshed_with_the_fact(
    client, page_cache, site, editor, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(claim_views, "STORIES_LISTED", 1)
    statistic = site["statistic"]
    url = statistic.get_absolute_url()
    newer = ExplainerFactory(published=True, title="Newer story")
    add_section(newer, f"[[statistic:{statistic.slug}]]")  # as saved, before the cache filled
    for page in ("", "?page=2"):
        assert client.get(url + page)["X-Page-Cache"] == "miss"
        assert client.get(url + page)["X-Page-Cache"] == "hit"
    newest = ExplainerFactory(title="Newest story")
    add_section(newest, f"[[value:{statistic.slug}]]")
    with django_capture_on_commit_callbacks(execute=True):
        publishing.publish(newest, by=editor)
    first, second = client.get(url), client.get(url + "?page=2")
    assert first["X-Page-Cache"] == second["X-Page-Cache"] == "miss"
    assert b"Used in 3 stories" in second.content
    assert b"Newest story" in first.content and b"Newer story" in second.content
    assert b"Version one" in client.get(url + "?page=3").content


def test_editing_a_public_note_in_the_admin_is_seen_at_once(
    client, client_for, role_editor, page_cache, site, django_capture_on_commit_callbacks
):
    story = site["story"]
    note = publishing.add_correction(
        story, kind="correction", text="We misspelt a name.", by=role_editor
    )
    assert b"We misspelt a name." in client.get(story.get_absolute_url()).content
    desk = client_for(role_editor)
    url = reverse("admin:explainers_correction_change", args=[note.pk])

    with django_capture_on_commit_callbacks(execute=True):
        response = desk.post(url, admin_form_data(desk.get(url), text="We misspelt a surname."))

    assert response.status_code == 302
    page = client.get(story.get_absolute_url())
    assert page["X-Page-Cache"] == "miss"
    assert b"We misspelt a surname." in page.content


def test_a_miss_costs_only_the_views_own_queries(
    client, page_cache, site, settings, django_assert_num_queries
):
    """Storing a page used to ask the database when the next scheduled story appears, after
    the view had rendered: a query per miss that the query-count tests (cache off) never saw.
    The answer is now kept in the cache until the schedule changes."""
    url = site["story"].get_absolute_url()
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 0
    assert client.get(url).status_code == 200  # its first request renders and stores the story
    with CaptureQueriesContext(connection) as uncached:
        assert client.get(url).status_code == 200
    view_queries = len(uncached)  # read now: the next request clears the log
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 600
    assert client.get(url)["X-Page-Cache"] == "miss"  # learns the schedule, once
    pagecache.bump([caching.story_tag(site["story"].slug)])  # the story changed

    # the view's own queries, less the masthead's topics, which the cache now keeps
    with django_assert_num_queries(view_queries - 1):
        response = client.get(url)

    assert response["X-Page-Cache"] == "miss"


def test_deleting_a_story_in_the_admin_clears_its_cached_pages(
    client, client_for, page_cache, site, django_capture_on_commit_callbacks
):
    story = site["story"]
    urls = [story.get_absolute_url(), reverse("home"), reverse("feeds:latest")]
    for url in urls:
        assert b"Version one" in client.get(url).content
        assert client.get(url)["X-Page-Cache"] == "hit"
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)

    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(admin).post(
            reverse("admin:explainers_explainer_delete", args=[story.pk]), {"post": "yes"}
        )

    assert response.status_code == 302
    assert client.get(story.get_absolute_url()).status_code == 404
    for url in urls[1:]:
        assert b"Version one" not in client.get(url).content, url
