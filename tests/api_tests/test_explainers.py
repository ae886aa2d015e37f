import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.http import parse_http_date

from claims.models import Source, StatisticValue
from explainers import renderings
from explainers.models import Explainer
from newsroom.models import PartnerKey
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

LIST = "/api/v1/explainers/"


def detail(slug):
    return f"/api/v1/explainers/{slug}/"


def slugs(response):
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def full_story(n_sections=1, **kwargs):
    """A published story whose every section holds one block of each kind."""
    explainer = ExplainerFactory(published=True, **kwargs)
    for _ in range(n_sections):
        statistic = StatisticFactory()
        pinned = StatisticFactory(
            values=[(100, datetime.date(2025, 1, 1)), (120, datetime.date(2025, 6, 1))]
        )
        quote, claim, media = QuoteFactory(), ClaimFactory(), MediaFactory()
        claim.sources.add(statistic.source)
        add_section(
            explainer,
            f"Data shows [[value:{statistic.slug}]] people, [[said:{quote.slug}]] she said.\n\n"
            f"[[statistic:{pinned.slug}@2025-03-01]]\n\n[[quote:{quote.slug}]]\n\n"
            f"[[claim:{claim.slug}]]\n\n[[media:{media.slug}]]",
            heading=f"Question {explainer.sections.count() + 1}?",
        )
    return explainer


def test_list_shows_published_explainers_only(api_client):
    shown = ExplainerFactory(published=True)
    ExplainerFactory()
    ExplainerFactory(scheduled=True)
    ExplainerFactory(archived=True)
    ExplainerFactory(in_review=True)
    assert slugs(api_client.get(LIST)) == [shown.slug]


def test_list_item_has_site_and_api_urls_and_utc_times(api_client):
    explainer = ExplainerFactory(published=True, topics=[TopicFactory(slug="ukraine")])
    item = api_client.get(LIST).json()["results"][0]
    assert item["site_url"] == f"http://testserver/explainers/{explainer.slug}/"
    assert item["api_url"] == f"http://testserver/api/v1/explainers/{explainer.slug}/"
    assert item["topics"][0]["api_url"] == "http://testserver/api/v1/topics/ukraine/"
    assert item["published_at"].endswith("Z") and item["updated_at"].endswith("Z")


def test_detail_resolves_each_fact_with_its_value_date_and_source(api_client, statistic):
    desk = AuthorFactory(name="Home affairs desk", kind="organisation")
    explainer = ExplainerFactory(published=True, authors=[desk])
    add_section(explainer, "Opening words.")
    add_section(
        explainer, f"Home Office data shows [[value:{statistic.slug}]] people.", heading="How many?"
    )
    data = api_client.get(detail(explainer.slug)).json()
    assert [s["heading"] for s in data["sections"]] == ["", "How many?"]
    assert data["byline"] == "Home affairs desk"
    assert data["authors"] == [{"name": "Home affairs desk", "kind": "organisation", "url": ""}]
    assert data["canonical_url"] == f"http://testserver/explainers/{explainer.slug}/"
    body = data["sections"][1]["body"]
    assert [piece["type"] for piece in body] == ["html", "value", "html"]
    value = body[1]
    assert value["value"]["display"] == "50,271"
    assert value["value"]["value"] == "50271"
    assert value["value"]["as_of"] == "2025-08-11"
    assert value["statistic"]["source"]["publisher"] == statistic.source.publisher
    assert value["statistic"]["api_url"].endswith(f"/api/v1/statistics/{statistic.slug}/")
    assert "50,271" in data["sections"][1]["html"]
    assert 'href="http://testserver/facts/statistics/' in data["sections"][1]["html"]
    assert data["sources"][0]["slug"] == statistic.source.slug


def test_pinned_figure_keeps_its_value_and_points_to_the_newer_one(api_client):
    explainer = full_story()
    pinned = api_client.get(detail(explainer.slug)).json()["sections"][0]["body"]
    card = next(piece for piece in pinned if piece["type"] == "statistic")
    assert card["pinned"] is True
    assert card["value"]["display"] == "100"
    assert card["newer_value"]["display"] == "120"


def test_detail_has_a_place_for_corrections(api_client):
    explainer = ExplainerFactory(published=True)
    assert api_client.get(detail(explainer.slug)).json()["corrections"] == []


@pytest.mark.parametrize("trait", ["scheduled", "archived", "in_review"])
def test_unpublished_explainer_detail_is_a_json_404(api_client, trait):
    explainer = ExplainerFactory(**{trait: True})
    response = api_client.get(detail(explainer.slug))
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_unknown_api_path_is_a_json_404(api_client):
    response = api_client.get("/api/v1/nothing-here/")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_topic_filter_lists_that_topics_stories(api_client):
    ukraine = TopicFactory(slug="ukraine")
    shown = ExplainerFactory(published=True, topics=[ukraine])
    ExplainerFactory(published=True)
    assert slugs(api_client.get(LIST, {"topic": "ukraine"})) == [shown.slug]


def test_topic_of_drafts_only_is_refused_like_an_unknown_one(api_client):
    ExplainerFactory(topics=[TopicFactory(slug="secret-plans")])
    response = api_client.get(LIST, {"topic": "secret-plans"})
    assert response.status_code == 400
    assert "topic" in response.json()["errors"]


def test_kind_filter(api_client):
    analysis = ExplainerFactory(published=True, kind=Explainer.Kind.ANALYSIS)
    ExplainerFactory(published=True)
    assert slugs(api_client.get(LIST, {"kind": "analysis"})) == [analysis.slug]


def test_published_between_two_dates(api_client):
    now = timezone.now()
    old = ExplainerFactory(published=True, published_at=now - datetime.timedelta(days=40))
    ExplainerFactory(published=True, published_at=now - datetime.timedelta(days=2))
    start = (now - datetime.timedelta(days=41)).date().isoformat()
    end = (now - datetime.timedelta(days=39)).date().isoformat()
    assert slugs(api_client.get(LIST, {"published_after": start, "published_before": end})) == [
        old.slug
    ]


def test_q_finds_words_in_headline_and_section_text(api_client):
    headline = ExplainerFactory(published=True, title="Why the boats keep coming")
    text = ExplainerFactory(published=True)
    add_section(text, "The Channel crossings went up.")
    ExplainerFactory(published=True, title="Something else")
    assert set(slugs(api_client.get(LIST, {"q": "boats"}))) == {headline.slug}
    assert set(slugs(api_client.get(LIST, {"q": "channel CROSSINGS"}))) == {text.slug}


def test_updated_since_includes_stories_whose_facts_changed(api_client, statistic):
    long_ago = timezone.now() - datetime.timedelta(days=10)
    edited = ExplainerFactory(published=True)
    uses_fact = ExplainerFactory(published=True)
    add_section(uses_fact, f"[[value:{statistic.slug}]]")
    untouched = ExplainerFactory(published=True)
    Explainer.objects.filter(pk__in=[edited.pk, uses_fact.pk, untouched.pk]).update(
        updated_at=long_ago
    )
    type(statistic).objects.filter(pk=statistic.pk).update(updated_at=long_ago)
    type(statistic.source).objects.filter(pk=statistic.source_id).update(updated_at=long_ago)
    StatisticValue.objects.filter(statistic=statistic).update(recorded_at=long_ago)
    since = timezone.now() - datetime.timedelta(days=1)
    Explainer.objects.filter(pk=edited.pk).update(updated_at=timezone.now())
    assert slugs(api_client.get(LIST, {"updated_since": since.isoformat()})) == [edited.slug]
    StatisticValue.objects.create(
        statistic=statistic, value=Decimal(51000), as_of=datetime.date(2025, 9, 1)
    )
    assert set(slugs(api_client.get(LIST, {"updated_since": since.isoformat()}))) == {
        edited.slug,
        uses_fact.slug,
    }


@pytest.mark.parametrize(
    ("params", "parameter"),
    [
        ({"kind": "opinion"}, "kind"),
        ({"topic": "no-such-topic"}, "topic"),
        ({"updated_since": "yesterday"}, "updated_since"),
        ({"updated_since": "0001-01-01T00:00:00+05:00"}, "updated_since"),  # before year 1 in UTC
        ({"published_after": "2025-13-45"}, "published_after"),
        ({"ordering": "title"}, "ordering"),
        ({"page_size": "1000"}, "page_size"),
        ({"page_size": "many"}, "page_size"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"status": "draft"}, "status"),  # never a filter: only published stories exist here
        ({"topics": "ukraine"}, "topics"),  # a typo is not silently ignored
        # empty: not "no filter", silently (found by schemathesis)
        ({"updated_since": ""}, "updated_since"),
        ({"published_after": ""}, "published_after"),
        ({"cursor": ""}, "cursor"),
        ({"q": ""}, "q"),
    ],
)
def test_invalid_parameter_gets_400_naming_it(api_client, params, parameter):
    ExplainerFactory(published=True)
    response = api_client.get(LIST, params)
    assert response.status_code == 400
    data = response.json()
    assert parameter in data["errors"]
    assert f"“{parameter}”" in data["detail"]


def test_updated_since_with_any_valid_zone_offset_works(api_client):
    """Found by schemathesis: PostgreSQL refuses offsets beyond ±15:59, so times go as UTC."""
    shown = ExplainerFactory(published=True)
    response = api_client.get(LIST, {"updated_since": "1289-01-20T16:51:10+22:17"})
    assert slugs(response) == [shown.slug]


def test_detail_takes_no_query_parameters(api_client):
    explainer = ExplainerFactory(published=True)
    assert api_client.get(detail(explainer.slug), {"topic": "x"}).status_code == 400


def test_ordering_by_updated_time(api_client):
    first, second = ExplainerFactory(published=True), ExplainerFactory(published=True)
    Explainer.objects.filter(pk=first.pk).update(
        updated_at=timezone.now() + datetime.timedelta(minutes=1)
    )
    assert slugs(api_client.get(LIST, {"ordering": "-updated_at"})) == [first.slug, second.slug]
    assert slugs(api_client.get(LIST, {"ordering": "updated_at"})) == [second.slug, first.slug]


def test_cursor_pages_are_stable_while_stories_are_published(api_client):
    now = timezone.now()
    stories = [
        ExplainerFactory(published=True, published_at=now - datetime.timedelta(hours=n + 1))
        for n in range(5)
    ]
    first = api_client.get(LIST, {"page_size": 2}).json()
    assert [s["slug"] for s in first["results"]] == [stories[0].slug, stories[1].slug]
    ExplainerFactory(published=True, published_at=now - datetime.timedelta(minutes=1))  # new on top
    seen = [s["slug"] for s in first["results"]]
    url = first["next"]
    while url:
        page = api_client.get(url).json()
        seen += [s["slug"] for s in page["results"]]
        url = page["next"]
    assert seen == [story.slug for story in stories]


def test_etag_gives_304_until_something_changes(api_client):
    explainer = ExplainerFactory(published=True)
    for url in (LIST, detail(explainer.slug)):
        response = api_client.get(url)
        etag = response["ETag"]
        assert response["Last-Modified"]
        assert api_client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 304
    etag = api_client.get(detail(explainer.slug))["ETag"]
    explainer.title = "A new headline"
    explainer.save()
    assert api_client.get(detail(explainer.slug), HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_last_modified_gives_304_on_detail_until_a_fact_changes(api_client, statistic):
    from claims import publishing as facts

    explainer = ExplainerFactory(published=True)
    add_section(explainer, f"[[value:{statistic.slug}]]")
    # Written a minute ago, so the new figure's time is a later second (HTTP dates have whole
    # seconds); moving the story row makes its stored rendering out of date, as any save does.
    earlier = timezone.now() - datetime.timedelta(minutes=1)
    Explainer.objects.filter(pk=explainer.pk).update(updated_at=earlier)
    type(statistic).objects.filter(pk=statistic.pk).update(updated_at=earlier)
    StatisticValue.objects.filter(statistic=statistic).update(recorded_at=earlier)
    Source.objects.update(updated_at=earlier)
    last_modified = api_client.get(detail(explainer.slug))["Last-Modified"]
    assert (
        api_client.get(detail(explainer.slug), HTTP_IF_MODIFIED_SINCE=last_modified).status_code
        == 304
    )
    facts.add_value(statistic, value=1, as_of=datetime.date(2025, 9, 1), by=None)
    assert (
        api_client.get(detail(explainer.slug), HTTP_IF_MODIFIED_SINCE=last_modified).status_code
        == 200
    )


def test_list_queries_do_not_grow_with_the_page(warm_client, django_assert_num_queries):
    """A page of stories is one query for the rows with their stored renderings, however many
    (``explainers.renderings``); the first request to meet a story renders and stores it."""
    topic = TopicFactory(slug="ukraine")
    ExplainerFactory(published=True, topics=[topic], hero=MediaFactory())
    warm_client.get(LIST)  # renders and stores it
    with django_assert_num_queries(1):  # the key is in the cache
        assert len(slugs(warm_client.get(LIST))) == 1
    for _ in range(59):
        ExplainerFactory(published=True, topics=[topic, TopicFactory()], hero=MediaFactory())
    warm_client.get(LIST, {"page_size": 60})
    with django_assert_num_queries(1):
        assert len(slugs(warm_client.get(LIST, {"page_size": 60}))) == 60
    # the topic filter's check that "ukraine" is public, then the page
    with django_assert_num_queries(2):
        assert len(slugs(warm_client.get(LIST, {"topic": "ukraine", "page_size": 100}))) == 60


def test_detail_queries_do_not_grow_with_the_story(warm_client, django_assert_num_queries):
    small = full_story(n_sections=1)
    big = full_story(n_sections=12)
    # The first request renders and stores each: one query per level of the story, so the same
    # number for both (explainer, topics, authors, notes, sections, blocks with their facts,
    # values, claim sources, notes on its facts; the rendering's lock and write).
    with CaptureQueriesContext(connection) as first_small:
        assert warm_client.get(detail(small.slug)).status_code == 200
    with CaptureQueriesContext(connection) as first_big:
        assert warm_client.get(detail(big.slug)).status_code == 200
    assert len(first_small) == len(first_big)
    # Then one: the story row with its stored rendering (the key is in the cache).
    with django_assert_num_queries(1):
        assert warm_client.get(detail(small.slug)).status_code == 200
    with django_assert_num_queries(1):
        response = warm_client.get(detail(big.slug))
    assert len(response.json()["sections"]) == 12
    assert len(response.json()["sections"][11]["body"]) >= 6


def test_detail_stays_within_budget_when_usage_is_written(
    api_client, django_assert_max_num_queries
):
    """A request that reads the key or writes usage still takes at most 2 queries."""
    explainer = full_story(n_sections=3)
    renderings.refresh(explainer.pk)  # stored when it was published
    # key (not yet cached), then the story with its rendering; the usage write waits for a
    # request whose key came from the cache
    with django_assert_max_num_queries(2):
        assert api_client.get(detail(explainer.slug)).status_code == 200
    from django.core.cache import cache

    cache.delete_many(
        [f"api:usage:{p}:flushed" for p in PartnerKey.objects.values_list("prefix", flat=True)]
    )
    # usage UPDATE, then the story with its rendering
    with django_assert_max_num_queries(2):
        assert api_client.get(detail(explainer.slug)).status_code == 200


def test_detail_carries_public_notes_oldest_first(warm_client):
    from explainers import publishing

    explainer = full_story(n_sections=1)
    publishing.add_correction(
        explainer, kind="correction", text="We misspelt OECD.", by=None, automatic=True
    )
    publishing.add_correction(
        explainer, kind="update", text="Figure updated.", by=None, automatic=True
    )
    notes = warm_client.get(detail(explainer.slug)).json()["corrections"]
    assert [(n["kind"], n["text"]) for n in notes] == [
        ("correction", "We misspelt OECD."),
        ("update", "Figure updated."),
    ]
    assert notes[0]["published_at"].endswith("Z")


@pytest.mark.parametrize(
    "changed",
    ["quote speaker", "quote source", "statistic source", "claim claimant", "claim source"],
)
def test_updated_since_agrees_with_last_modified_on_every_fact_a_story_shows(api_client, changed):
    """A speaker's or a source's change moves a story's Last-Modified; a partner syncing with
    ?updated_since= must get the story too, or it never sees the change."""
    long_ago = timezone.now() - datetime.timedelta(days=10)
    quote, statistic, claim = QuoteFactory(), StatisticFactory(), ClaimFactory()
    claim.sources.add(SourceFactory())
    story = ExplainerFactory(published=True)
    add_section(
        story, f"[[quote:{quote.slug}]]\n\n[[statistic:{statistic.slug}]]\n\n[[claim:{claim.slug}]]"
    )
    shown = {
        "quote speaker": quote.speaker,
        "quote source": quote.source,
        "statistic source": statistic.source,
        "claim claimant": claim.claimant,
        "claim source": claim.sources.get(),
    }
    for model in {type(obj) for obj in [story, quote, statistic, claim, *shown.values()]}:
        model.objects.update(updated_at=long_ago)
    StatisticValue.objects.update(recorded_at=long_ago)
    since = timezone.now() - datetime.timedelta(days=1)
    assert slugs(api_client.get(LIST, {"updated_since": since.isoformat()})) == []

    type(shown[changed]).objects.filter(pk=shown[changed].pk).update(updated_at=timezone.now())

    detail_response = api_client.get(detail(story.slug))
    assert parse_http_date(detail_response["Last-Modified"]) >= since.timestamp() - 1
    assert slugs(api_client.get(LIST, {"updated_since": since.isoformat()})) == [story.slug]
