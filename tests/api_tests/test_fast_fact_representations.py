"""The fact endpoints build their JSON directly (``claims/representations.py``) and take their
ETags from the versions of the rows shown: the JSON must be exactly what the generic DRF
serializers give, the queries must not grow with a page, and an ETag must change whenever
anything shown changes, and only then."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from claims import representations
from claims.models import PersonRole, Rating, StatisticValue
from tests.factories import (
    ClaimFactory,
    ExplainerFactory,
    PersonFactory,
    QuoteFactory,
    SourceFactory,
    StatisticFactory,
    UserFactory,
    add_section,
)

pytestmark = pytest.mark.django_db

KINDS = {"Quote": "quote", "Statistic": "statistic", "Claim": "claim"}


def publish_with(*facts, **kwargs):
    explainer = ExplainerFactory(published=True, **kwargs)
    add_section(explainer, "\n\n".join(f"[[{KINDS[type(f).__name__]}:{f.slug}]]" for f in facts))
    return explainer


@pytest.fixture
def generic(monkeypatch):
    """Within it, every serializer takes DRF's generic path: the reference output."""

    class Switch:
        def __enter__(self):
            monkeypatch.setattr(representations.Links, "of", classmethod(lambda cls, ctx: None))

        def __exit__(self, *exc):
            monkeypatch.undo()

    return Switch()


def every_variant():
    """Facts with every optional field given, and with each left out."""
    checker = UserFactory(first_name="Fay", last_name="Checker")
    speaker = PersonFactory(name="Keir Starmer", affiliation="Labour")
    role = PersonRole.objects.create(
        person=speaker, title="Prime Minister", name_as_used="Sir Keir Starmer",
        starts_on=datetime.date(2024, 7, 5),
    )  # fmt: skip
    full_source = SourceFactory(
        url="https://example.org/report", archive_url="https://web.archive.org/x",
        author="A. Writer", published_on=datetime.date(2025, 1, 2),
        accessed_on=datetime.date(2025, 1, 3), notes="Table 4",
    )  # fmt: skip
    quotes = [
        QuoteFactory(
            speaker=speaker,
            role=role,
            source=full_source,
            url="https://example.org/video",
            medium="speech",
            context="At the dispatch box",
            is_partial=True,
            checked_on=datetime.date(2025, 8, 12),
            checked_by=checker,
        ),
        QuoteFactory(source=None, said_on=None, said_on_precision="year"),
        QuoteFactory(said_on=datetime.date(2025, 5, 1), said_on_precision="month"),
    ]
    statistics = [
        StatisticFactory(
            prefix="£",
            display="compact",
            methodology="Counted by hand",
            checked_on=datetime.date(2025, 8, 12),
            checked_by=checker,
            values=[
                {
                    "value": 1_600_000_000,
                    "as_of": datetime.date(2025, 8, 11),
                    "qualifier": "about",
                    "note": "Provisional",
                },
                {
                    "value": "48000.5",
                    "as_of": datetime.date(2025, 7, 1),
                    "period_start": datetime.date(2025, 1, 1),
                    "period_end": datetime.date(2025, 6, 30),
                    "source": full_source,
                },
            ],
        ),
        StatisticFactory(display="percent", values=[(Decimal("12.50"), None)]),
    ]
    revised = statistics[0].values.get(as_of=datetime.date(2025, 7, 1))
    StatisticValue.objects.create(
        statistic=statistics[0], value=Decimal(48100), as_of=revised.as_of, revises=revised,
        revision_kind="correction", correction_note="We misread the table",
    )  # fmt: skip
    claims = [
        ClaimFactory(
            made_in=full_source,
            medium="interview",
            claimed_on=datetime.date(2025, 3, 1),
            verdict_by="Sky News",
            verdict_source=SourceFactory(),
            evidence=[SourceFactory(), full_source],
            checked_on=datetime.date(2025, 8, 12),
            checked_by=checker,
        ),
        ClaimFactory(claimant=None, claimant_name="The government"),
    ]
    facts = [*quotes, *statistics, *claims]
    publish_with(*facts)
    return facts


ENDPOINTS = ["quotes", "statistics", "claims", "people", "sources"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_lists_and_details_are_exactly_what_the_generic_serializers_give(api_client, generic, path):
    every_variant()
    urls = [f"/api/v1/{path}/", f"/api/v1/{path}/?page_size=2"]
    fast = [api_client.get(url) for url in urls]
    items = fast[0].json()["results"]
    assert len(items) >= 2
    urls += [f"/api/v1/{path}/{item['slug']}/" for item in items]
    fast += [api_client.get(url) for url in urls[2:]]
    with generic:
        reference = [api_client.get(url) for url in urls]
    for url, mine, theirs in zip(urls, fast, reference, strict=True):
        assert mine.status_code == theirs.status_code == 200, url
        assert mine.content == theirs.content, url


def test_every_optional_field_is_shown_both_present_and_absent(api_client):
    every_variant()
    quotes = {q["slug"]: q for q in api_client.get("/api/v1/quotes/").json()["results"]}
    assert {q["role"] is None for q in quotes.values()} == {True, False}
    assert {q["source"] is None for q in quotes.values()} == {True, False}
    assert {q["checked_by"] for q in quotes.values()} == {None, "Fay Checker"}
    statistics = api_client.get("/api/v1/statistics/").json()["results"]
    claims = api_client.get("/api/v1/claims/").json()["results"]
    assert {c["claimant"] is None for c in claims} == {True, False}
    assert {c["verdict_source"] is None for c in claims} == {True, False}
    corrected = next(s for s in statistics if s["prefix"] == "£")
    history = api_client.get(f"/api/v1/statistics/{corrected['slug']}/").json()["history"]
    assert [value["superseded"] for value in history] == [False, False, True]
    assert [value["revises"] is None for value in history] == [True, False, True]
    assert {value["source"]["document_url"] is None for value in history} == {True, False}
    assert {value["period_start"] is None for value in history} == {True, False}


def test_urls_are_absolute_and_point_at_the_right_places(api_client):
    quote = QuoteFactory(slug="island-of-strangers")
    publish_with(quote)
    item = api_client.get("/api/v1/quotes/").json()["results"][0]
    assert item["site_url"] == "http://testserver/facts/quotes/island-of-strangers/"
    assert item["api_url"] == "http://testserver/api/v1/quotes/island-of-strangers/"
    assert item["used_in_url"] == "http://testserver/api/v1/explainers/?quote=island-of-strangers"
    assert item["speaker"]["api_url"] == f"http://testserver/api/v1/people/{quote.speaker.slug}/"
    assert item["source"]["site_url"] == f"http://testserver/sources/{quote.source.slug}/"
    https = api_client.get("/api/v1/quotes/", secure=True).json()["results"][0]
    assert https["api_url"] == "https://testserver/api/v1/quotes/island-of-strangers/"


@pytest.mark.parametrize("path", ENDPOINTS)
def test_list_queries_do_not_grow_with_the_page(warm_client, path):
    def queries(n):
        for _ in range(n):
            claim = ClaimFactory(evidence=[SourceFactory(), SourceFactory()])
            publish_with(QuoteFactory(), StatisticFactory(), claim)
        with CaptureQueriesContext(connection) as captured:
            response = warm_client.get(f"/api/v1/{path}/", {"page_size": 100})
        assert response.status_code == 200
        return len(captured), len(response.json()["results"])

    few, shown_few = queries(1)
    many, shown_many = queries(25)
    assert shown_many > shown_few
    assert many == few <= 2


# --- ETags ---------------------------------------------------------------------------------


def etag(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response["ETag"]


def test_an_etag_stays_the_same_while_nothing_changes_and_gives_304(api_client):
    quote = QuoteFactory()
    publish_with(quote, StatisticFactory(), ClaimFactory())
    for url in [
        "/api/v1/quotes/", f"/api/v1/quotes/{quote.slug}/", "/api/v1/statistics/",
        "/api/v1/claims/", "/api/v1/people/", "/api/v1/sources/",
    ]:  # fmt: skip
        tag = etag(api_client, url)
        assert etag(api_client, url) == tag
        assert api_client.get(url, HTTP_IF_NONE_MATCH=tag).status_code == 304


def test_etags_differ_between_pages_and_query_strings(api_client):
    publish_with(*[QuoteFactory() for _ in range(3)])
    tags = {
        etag(api_client, "/api/v1/quotes/"),
        etag(api_client, "/api/v1/quotes/?page_size=2"),
        etag(api_client, "/api/v1/quotes/?page_size=1"),
    }
    assert len(tags) == 3


def changes_etag(client, urls, change):
    before = {url: etag(client, url) for url in urls}
    change()
    after = {url: etag(client, url) for url in urls}
    return [url for url in urls if before[url] == after[url]]


def test_the_etag_changes_when_the_speakers_name_changes(api_client):
    quote = QuoteFactory()
    publish_with(quote)
    urls = ["/api/v1/quotes/", f"/api/v1/quotes/{quote.slug}/", "/api/v1/people/"]

    def rename():
        quote.speaker.name = "Someone Else"
        quote.speaker.save()

    assert changes_etag(api_client, urls, rename) == []


def test_the_etag_changes_when_the_source_changes(api_client):
    quote, statistic = QuoteFactory(), StatisticFactory()
    claim = ClaimFactory(evidence=[SourceFactory()])
    publish_with(quote, statistic, claim)
    cited = claim.sources.get()
    urls = [
        "/api/v1/quotes/", f"/api/v1/quotes/{quote.slug}/", "/api/v1/statistics/",
        f"/api/v1/statistics/{statistic.slug}/", "/api/v1/claims/", "/api/v1/sources/",
    ]  # fmt: skip

    def edit_sources():
        for source in (quote.source, statistic.source, cited):
            source.title = "A new title"
            source.save()

    assert changes_etag(api_client, urls, edit_sources) == []

    other = SourceFactory()
    urls = ["/api/v1/quotes/", f"/api/v1/quotes/{quote.slug}/"]

    def another_source():
        quote.source = other
        quote.save()

    assert changes_etag(api_client, urls, another_source) == []


def test_the_etag_changes_when_a_statistic_gets_a_value_even_without_a_save(api_client):
    statistic = StatisticFactory()
    publish_with(statistic)
    urls = ["/api/v1/statistics/", f"/api/v1/statistics/{statistic.slug}/"]

    def add_value():  # the value alone: the statistic's row is not saved
        StatisticValue.objects.create(
            statistic=statistic, value=Decimal(60000), as_of=datetime.date(2025, 9, 1)
        )

    assert changes_etag(api_client, urls, add_value) == []

    def edit_value():
        StatisticValue.objects.filter(statistic=statistic).update(note="Provisional")

    assert changes_etag(api_client, urls, edit_value) == []


def test_the_etag_changes_when_the_facts_text_changes(api_client):
    quote, claim = QuoteFactory(), ClaimFactory()
    publish_with(quote, claim)
    urls = ["/api/v1/quotes/", f"/api/v1/quotes/{quote.slug}/", "/api/v1/claims/"]

    def edit():
        quote.text = "Different words"
        quote.save()
        claim.text = "A different claim"
        claim.save()

    assert changes_etag(api_client, urls, edit) == []


def test_the_etag_changes_with_what_carries_no_version(api_client):
    """A role, a rating and the checker's name have no change time of their own."""
    checker = UserFactory(first_name="Fay", last_name="Checker")
    speaker = PersonFactory()
    role = PersonRole.objects.create(person=speaker, title="Chancellor")
    quote = QuoteFactory(
        speaker=speaker, role=role, checked_on=datetime.date(2025, 8, 1), checked_by=checker
    )
    claim = ClaimFactory()
    publish_with(quote, claim)
    urls = ["/api/v1/quotes/", f"/api/v1/quotes/{quote.slug}/"]

    def retitle():
        PersonRole.objects.filter(pk=role.pk).update(title="Home Secretary")

    assert changes_etag(api_client, urls, retitle) == []

    def rename_checker():
        checker.last_name = "Married"
        checker.save()

    assert changes_etag(api_client, urls, rename_checker) == []
    urls = ["/api/v1/claims/", f"/api/v1/claims/{claim.slug}/"]

    def rename_rating():
        Rating.objects.filter(pk=claim.rating_id).update(name="Quite misleading")

    assert changes_etag(api_client, urls, rename_rating) == []


def test_a_facts_etag_changes_when_a_story_starts_using_it(api_client):
    quote = QuoteFactory()
    publish_with(quote)
    url = f"/api/v1/quotes/{quote.slug}/"
    assert changes_etag(api_client, [url], lambda: publish_with(quote)) == []


def test_a_list_etag_changes_when_a_fact_becomes_public_after_the_page(api_client):
    """The page's rows are the same, but now there is a next page."""
    quotes = [QuoteFactory() for _ in range(3)]
    publish_with(*quotes[:2])
    url = "/api/v1/quotes/?page_size=2&ordering=-created_at"
    assert changes_etag(api_client, [url], lambda: publish_with(quotes[2])) == []
