import datetime
import xml.etree.ElementTree as ET

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import (
    ClaimFactory,
    CorrectionFactory,
    ExplainerFactory,
    QuoteFactory,
    StatisticFactory,
    TopicFactory,
    add_section,
)

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def get_xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    return response, ET.fromstring(response.content)


def test_latest_feed_is_atom_with_published_stories_newest_first(client):
    older = ExplainerFactory(published=True, title="Older", authors=["Ann Reporter"])
    older.published_at -= datetime.timedelta(days=2)
    older.save()
    newer = ExplainerFactory(published=True, title="Newer", topics=[TopicFactory(name="Migration")])
    ExplainerFactory(title="Draft")
    response, feed = get_xml(client, reverse("feeds:latest"))
    assert response["Content-Type"].startswith("application/atom+xml")
    titles = [entry.find(f"{ATOM}title").text for entry in feed.findall(f"{ATOM}entry")]
    assert titles == ["Newer", "Older"]
    first = feed.find(f"{ATOM}entry")
    assert first.find(f"{ATOM}link").get("href").endswith(newer.get_absolute_url())
    assert first.find(f"{ATOM}category").get("term") == "Migration"
    assert first.find(f"{ATOM}summary").text == newer.standfirst
    assert feed.findall(f"{ATOM}entry")[1].find(f"{ATOM}author/{ATOM}name").text == "Ann Reporter"


def test_feed_entry_is_updated_by_a_public_note(client):
    story = ExplainerFactory(published=True)
    note = CorrectionFactory(explainer=story, published_at=timezone.now())
    _, feed = get_xml(client, reverse("feeds:latest"))
    updated = feed.find(f"{ATOM}entry/{ATOM}updated").text
    assert updated.startswith(note.published_at.strftime("%Y-%m-%dT%H:%M"))


def test_topic_feed_lists_only_that_topics_published_stories(client):
    topic, other = TopicFactory(), TopicFactory()
    mine = ExplainerFactory(published=True, topics=[topic])
    ExplainerFactory(published=True, topics=[other])
    ExplainerFactory(topics=[topic], title="Draft in topic")
    _, feed = get_xml(client, reverse("feeds:topic", args=[topic.slug]))
    assert [e.find(f"{ATOM}title").text for e in feed.findall(f"{ATOM}entry")] == [mine.title]


def test_topic_feed_of_a_topic_with_nothing_published_is_not_found(client):
    topic = TopicFactory()
    ExplainerFactory(topics=[topic])
    assert client.get(reverse("feeds:topic", args=[topic.slug])).status_code == 404


def test_feed_query_count_is_fixed(client):
    topic = TopicFactory()
    ExplainerFactory.create_batch(2, published=True, topics=[topic])
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("feeds:latest"))
        client.get(reverse("feeds:topic", args=[topic.slug]))
    for explainer in ExplainerFactory.create_batch(
        25, published=True, topics=[topic, TopicFactory()]
    ):
        CorrectionFactory(explainer=explainer)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("feeds:latest"))  # explainers+hero, topics, authors, notes
        # topic, explainers, topics, authors, notes
        client.get(reverse("feeds:topic", args=[topic.slug]))
    assert len(few) == len(many) == 9


def build_site():
    topic = TopicFactory()
    quote, claim, statistic = QuoteFactory(), ClaimFactory(), StatisticFactory()
    story = ExplainerFactory(published=True, topics=[topic])
    add_section(
        story, f"[[quote:{quote.slug}]]\n\n[[claim:{claim.slug}]]\n\n[[statistic:{statistic.slug}]]"
    )
    return story, topic, quote, claim, statistic


def test_sitemap_lists_public_pages_with_last_modified_dates(client):
    story, topic, quote, claim, statistic = build_site()
    draft = ExplainerFactory(topics=[TopicFactory()])
    hidden_quote = QuoteFactory()
    add_section(draft, f"[[quote:{hidden_quote.slug}]]")
    _response, urlset = get_xml(client, reverse("sitemap"))
    entries = {
        url.find(f"{SITEMAP}loc").text.removeprefix("http://testserver"): url.find(
            f"{SITEMAP}lastmod"
        )
        for url in urlset.findall(f"{SITEMAP}url")
    }
    for obj in (story, topic, quote, claim, statistic):
        assert obj.get_absolute_url() in entries
        assert entries[obj.get_absolute_url()] is not None
    assert "/" in entries
    assert draft.get_absolute_url() not in entries
    assert hidden_quote.get_absolute_url() not in entries
    assert draft.topics.get().get_absolute_url() not in entries
    assert entries[story.get_absolute_url()].text.startswith(f"{story.published_at:%Y-%m-%d}")


def test_sitemap_query_count_is_fixed(client):
    build_site()
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("sitemap"))
    for _ in range(10):
        build_site()
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("sitemap"))
    # per sitemap, a count and a page: explainers (+notes), topics, quotes, statistics, claims
    assert len(few) == len(many) <= 11


def test_robots_txt_points_at_the_sitemap_and_keeps_crawlers_out_of_the_admin(client):
    response = client.get("/robots.txt")
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in text
    assert "Disallow: /admin/" in text and "Disallow: /preview/" in text


def test_pages_advertise_the_feeds(client):
    topic = TopicFactory()
    ExplainerFactory(published=True, topics=[topic])
    assert 'type="application/atom+xml"' in client.get("/").content.decode()
    html = client.get(topic.get_absolute_url()).content.decode()
    assert reverse("feeds:topic", args=[topic.slug]) in html
