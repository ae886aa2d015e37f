"""Past one sitemap's worth of URLs, /sitemap.xml is an index of each section's pages."""

import math
import xml.etree.ElementTree as ET
from urllib.parse import urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from explainers.models import Explainer
from newsroom import sitemaps
from newsroom.core.sitemaps import Sitemap
from tests.factories import (
    ClaimFactory,
    ExplainerFactory,
    QuoteFactory,
    StatisticFactory,
    TopicFactory,
    add_section,
)
from tests.newsroom_tests.test_visibility import HIDDEN_STATES, build_world, hidden_urls

pytestmark = pytest.mark.django_db

NS = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
PAGE_SIZE = 2


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(Sitemap, "limit", PAGE_SIZE)


@pytest.fixture
def one_per_page(monkeypatch):
    """Even a one-story site is an index, of one URL per page."""
    monkeypatch.setattr(Sitemap, "limit", 1)
    monkeypatch.setattr(sitemaps, "MAX_URLS", 1)


def get_xml(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.content[:300])
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)


def path_of(loc: str) -> str:
    parts = urlsplit(loc)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def index_locations(client) -> list[str]:
    root = get_xml(client, reverse("sitemap"))
    assert root.tag == f"{NS}sitemapindex"
    return [path_of(loc.text) for loc in root.iter(f"{NS}loc")]


def page_urls(client, path) -> list[str]:
    root = get_xml(client, path)
    assert root.tag == f"{NS}urlset"
    return [path_of(loc.text) for loc in root.iter(f"{NS}loc")]


def every_listed_url(client) -> list[str]:
    return [url for page in index_locations(client) for url in page_urls(client, page)]


def build_site(stories: int) -> dict:
    """``stories`` published stories, each with a topic and a quote, statistic and claim of its
    own; and a draft with blocks of its own."""
    public = {"explainers": [], "topics": [], "quotes": [], "statistics": [], "claims": []}
    for _ in range(stories):
        topic = TopicFactory()
        facts = {
            "quotes": QuoteFactory(),
            "statistics": StatisticFactory(),
            "claims": ClaimFactory(),
        }
        story = ExplainerFactory(published=True, topics=[topic])
        add_section(story, "\n\n".join(f"[[{f.token_kind}:{f.slug}]]" for f in facts.values()))
        public["explainers"].append(story)
        public["topics"].append(topic)
        for name, fact in facts.items():
            public[name].append(fact)
    draft = ExplainerFactory(topics=[TopicFactory()])
    add_section(draft, f"[[quote:{QuoteFactory().slug}]]\n\n[[claim:{ClaimFactory().slug}]]")
    return public


def section_path(name: str, page: int = 1) -> str:
    path = reverse("sitemap_section", kwargs={"section": name})
    return path if page == 1 else f"{path}?p={page}"


def test_a_site_that_fits_keeps_one_sitemap_at_the_old_address(client):
    public = build_site(3)
    urls = page_urls(client, reverse("sitemap"))
    assert "/" in urls
    for objects in public.values():
        assert {obj.get_absolute_url() for obj in objects} <= set(urls)


def test_past_a_page_the_sitemap_is_an_index_of_every_sections_pages(client, small_pages):
    public = build_site(3)

    expected = ["home", *public]
    pages = {
        name: 1 if name == "home" else math.ceil(len(public[name]) / PAGE_SIZE) for name in expected
    }
    assert index_locations(client) == [
        section_path(name, page) for name in expected for page in range(1, pages[name] + 1)
    ]


def test_every_page_is_a_sitemap_of_public_pages_only(client, small_pages):
    public = build_site(3)

    listed = every_listed_url(client)

    wanted = {"/", *(obj.get_absolute_url() for objects in public.values() for obj in objects)}
    assert sorted(listed) == sorted(wanted)  # each once, nothing else: no draft, no draft's block
    for page in index_locations(client):
        assert len(page_urls(client, page)) <= PAGE_SIZE


def test_a_page_past_the_last_and_an_unknown_section_are_not_found(client, small_pages):
    build_site(3)
    assert client.get(section_path("quotes", 3)).status_code == 404
    assert client.get(section_path("quotes") + "?p=x").status_code == 404
    assert client.get(section_path("drafts")).status_code == 404


def test_too_many_urls_in_all_make_an_index_even_when_each_section_fits(client, monkeypatch):
    monkeypatch.setattr(sitemaps, "MAX_URLS", 5)
    build_site(2)  # home, 2 stories, 2 topics, 2 of each fact: 11 URLs, each section one page
    assert index_locations(client) == [section_path(name) for name in sitemaps.SITEMAPS]


@pytest.mark.parametrize("state", HIDDEN_STATES.values(), ids=HIDDEN_STATES.keys())
def test_no_sitemap_page_links_to_an_unpublished_story_or_its_blocks(client, one_per_page, state):
    world = build_world(state)
    listed = every_listed_url(client)
    assert world.published.get_absolute_url() in listed
    assert [url for url in hidden_urls(world) if url in listed] == []
    assert world.own_topic.get_absolute_url() not in listed


def test_the_index_check_would_catch_a_leak(client, one_per_page):
    world = build_world(HIDDEN_STATES["draft"])
    world.hidden.status = Explainer.Status.PUBLISHED
    world.hidden.published_at = timezone.now()
    world.hidden.save()
    assert set(hidden_urls(world)) <= set(every_listed_url(client))


def queries_of(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(path).status_code == 200
    return len(queries)


def test_the_index_and_each_page_cost_the_same_queries_as_the_archive_grows(client, small_pages):
    build_site(3)
    pages = ["/sitemap.xml", *(section_path(name) for name in sitemaps.SITEMAPS)]
    pages += [section_path(name, 2) for name in ("explainers", "quotes", "statistics", "claims")]
    few = {page: queries_of(client, page) for page in pages}
    build_site(12)
    many = {page: queries_of(client, page) for page in pages}

    assert many == few
    # the index counts each section once: explainers, topics, quotes, statistics, claims
    assert few["/sitemap.xml"] == 5
    # a count and a page (a story's newest note and a statistic's newest value in its row)
    assert few[section_path("quotes")] == 2
    assert few[section_path("explainers", 2)] == 2
    assert few[section_path("statistics", 2)] == 2
