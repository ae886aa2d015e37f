import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
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


def build_story(sections: int, facts_per_section: int, topic=None):
    """A published story with sections full of quote, statistic, claim, value and media blocks."""
    explainer = ExplainerFactory(published=True, topics=[topic or TopicFactory()])
    kinds = ["quote", "statistic", "value", "claim", "said", "pinned", "media"]
    for s in range(sections):
        lines = [f"Paragraph {s} with some **text**."]
        for f in range(facts_per_section):
            kind = kinds[(s * facts_per_section + f) % len(kinds)]
            if kind in ("quote", "said"):
                token = f"[[{kind}:{QuoteFactory().slug}]]"
            elif kind == "claim":
                token = f"[[claim:{ClaimFactory().slug}]]"
            elif kind == "media":
                token = f"[[media:{MediaFactory().slug}]]"
            elif kind == "pinned":
                stat = StatisticFactory(
                    values=[(1, datetime.date(2025, 1, 1)), (2, datetime.date(2025, 2, 1))]
                )
                token = f"[[statistic:{stat.slug}@2025-01-15]]"
            else:
                token = f"[[{kind}:{StatisticFactory().slug}]]"
            lines.append(token if kind not in ("value", "said") else f"Inline {token} here.")
        add_section(explainer, "\n\n".join(lines), heading=f"Question {s}?")
    return explainer


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_explainer_page_shows_structure_and_facts(client):
    explainer = build_story(sections=3, facts_per_section=3)
    html = client.get(explainer.get_absolute_url()).content.decode()
    assert explainer.title in html and explainer.standfirst in html
    assert 'class="toc"' in html and 'href="#question-0"' in html and 'id="question-0"' in html
    assert html.count('class="card card--quote"') >= 1
    assert html.count('class="stat-inline"') >= 1
    assert 'class="card card--claim"' in html
    assert "<strong>text</strong>" in html
    assert '<main id="main"' in html and 'role="banner"' in html and 'role="contentinfo"' in html


def test_explainer_page_query_count_does_not_grow_with_sections_and_facts(
    client, django_assert_max_num_queries
):
    small = build_story(sections=2, facts_per_section=2)  # 2 sections, 4 blocks
    large = build_story(sections=30, facts_per_section=2)  # 30 sections, 60 blocks
    # The first request renders and stores each (explainers/renderings.py): a fixed number of
    # queries, one per level of the story, whatever its size.
    assert count_queries(client, small.get_absolute_url()) == count_queries(
        client, large.get_absolute_url()
    )
    # Then: the story row with its stored rendering, and the masthead's topics.
    for story in (small, large):
        with django_assert_max_num_queries(2):
            assert client.get(story.get_absolute_url()).status_code == 200


def test_home_page_lists_published_stories_newest_first(client):
    older = ExplainerFactory(published=True, title="Older story")
    newer = ExplainerFactory(published=True, title="Newer story")
    older.published_at = newer.published_at - datetime.timedelta(days=1)
    older.save()
    ExplainerFactory(title="Draft story")
    html = client.get(reverse("home")).content.decode()
    assert html.index("Newer story") < html.index("Older story")
    assert "Draft story" not in html


def test_home_and_topic_query_counts_are_fixed(client, django_assert_max_num_queries):
    topic = TopicFactory()
    ExplainerFactory.create_batch(2, published=True, topics=[topic])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("home"))
        client.get(topic.get_absolute_url())
    ExplainerFactory.create_batch(25, published=True, topics=[topic, TopicFactory()])
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("home"))
        client.get(topic.get_absolute_url())
    assert len(few) == len(many)
    # explainers, their topics, their authors, the latest corrections, the masthead's topics
    with django_assert_max_num_queries(5):
        client.get(reverse("home"))
    # topic, explainers, their topics, their authors, the masthead's topics
    with django_assert_max_num_queries(5):
        client.get(topic.get_absolute_url())


def test_topic_page_lists_its_published_stories(client):
    topic, other = TopicFactory(name="Migration"), TopicFactory()
    mine = ExplainerFactory(published=True, topics=[topic])
    theirs = ExplainerFactory(published=True, topics=[other])
    html = client.get(topic.get_absolute_url()).content.decode()
    assert mine.title in html and theirs.title not in html
    assert "<h1" in html and "Migration" in html


def test_fact_page_links_back_to_every_published_story(client, statistic):
    first, second = ExplainerFactory(published=True), ExplainerFactory(published=True)
    add_section(first, f"[[statistic:{statistic.slug}]]")
    add_section(second, f"Some [[value:{statistic.slug}]] people.")
    html = client.get(statistic.get_absolute_url()).content.decode()
    assert "Used in 2 stories" in html
    assert first.get_absolute_url() in html and second.get_absolute_url() in html
    assert statistic.source.get_absolute_url() in html
    assert "50,271" in html


@pytest.mark.parametrize("kind", ["quote", "statistic", "claim"])
def test_fact_page_query_count_does_not_grow_with_usage(client, kind):
    factory = {"quote": QuoteFactory, "statistic": StatisticFactory, "claim": ClaimFactory}[kind]
    fact = factory()
    if kind == "claim":
        fact.sources.add(SourceFactory())
    add_section(ExplainerFactory(published=True), f"[[{kind}:{fact.slug}]]")
    few = count_queries(client, fact.get_absolute_url())
    for _ in range(15):
        add_section(ExplainerFactory(published=True), f"[[{kind}:{fact.slug}]]")
    assert count_queries(client, fact.get_absolute_url()) == few
    # the block with its relations, its values or sources, a claim's rating history, its public
    # notes, its published uses
    assert few <= (7 if kind == "claim" else 6)  # with the masthead's topics


def test_source_page_lists_its_public_facts(client, django_assert_max_num_queries):
    stat = StatisticFactory()
    quote = QuoteFactory(source=stat.source)
    unused = QuoteFactory(source=stat.source, text="Never published words")
    add_section(
        ExplainerFactory(published=True), f"[[statistic:{stat.slug}]]\n\n[[quote:{quote.slug}]]"
    )
    # source, statistics, their values, quotes, claims; the masthead's topics
    with django_assert_max_num_queries(6):
        response = client.get(stat.source.get_absolute_url())
    html = response.content.decode()
    assert stat.label in html and quote.get_absolute_url() in html
    assert unused.text not in html


def test_pinned_figure_tells_readers_a_newer_one_exists(client):
    stat = StatisticFactory(values=[(50271, datetime.date(2025, 8, 11))])
    explainer = ExplainerFactory(published=True)
    add_section(explainer, f"[[statistic:{stat.slug}@2025-08-11]]\n\nLive: [[value:{stat.slug}]].")
    stat.values.create(value=51113, as_of=datetime.date(2025, 8, 18))
    html = client.get(explainer.get_absolute_url()).content.decode()
    assert "50,271" in html  # the pinned card keeps its value
    assert "A newer figure is available" in html and "51,113" in html
    assert html.count("51,113") >= 2  # the live value shows the new figure


def test_media_caption_and_credit_are_shown(client):
    media = MediaFactory(caption="Leaders in London.", credit="PA")
    video = MediaFactory(
        kind="video", title="Britain must lead", duration=datetime.timedelta(seconds=241)
    )
    explainer = ExplainerFactory(published=True)
    add_section(explainer, f"[[media:{media.slug}]]\n\n[[media:{video.slug}]]")
    html = client.get(explainer.get_absolute_url()).content.decode()
    assert "Leaders in London." in html and "Picture: PA" in html
    assert "Britain must lead" in html and "4:01" in html


def test_unknown_pages_are_404(client):
    assert client.get("/explainers/nope/").status_code == 404
    assert client.get("/facts/quotes/nope/").status_code == 404


def test_health_check_reports_the_database(client):
    response = client.get(reverse("health"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
