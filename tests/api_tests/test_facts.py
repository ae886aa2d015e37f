import datetime

import pytest

from tests.factories import (
    ClaimFactory,
    ExplainerFactory,
    PersonFactory,
    QuoteFactory,
    SourceFactory,
    StatisticFactory,
    TopicFactory,
    add_section,
)

pytestmark = pytest.mark.django_db


def publish_with(*facts, **kwargs):
    explainer = ExplainerFactory(published=True, **kwargs)
    tokens = {"Quote": "quote", "Statistic": "statistic", "Claim": "claim"}
    add_section(explainer, "\n\n".join(f"[[{tokens[type(f).__name__]}:{f.slug}]]" for f in facts))
    return explainer


def slugs(response):
    assert response.status_code == 200, response.content
    return [item["slug"] for item in response.json()["results"]]


def test_page_through_all_quotes_by_one_speaker(api_client):
    speaker = PersonFactory(slug="keir-starmer")
    theirs = [QuoteFactory(speaker=speaker) for _ in range(5)]
    others = QuoteFactory()
    publish_with(*theirs, others)
    seen, url = [], "/api/v1/quotes/?speaker=keir-starmer&page_size=2"
    while url:
        page = api_client.get(url).json()
        assert len(page["results"]) <= 2
        seen += [quote["slug"] for quote in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(q.slug for q in theirs)


def test_quote_lists_only_the_published_stories_that_use_it(api_client, quote):
    story = publish_with(quote)
    for trait in ("scheduled", "archived", "in_review"):
        add_section(ExplainerFactory(**{trait: True}), f"[[quote:{quote.slug}]]")
    add_section(ExplainerFactory(), f"[[quote:{quote.slug}]]")
    data = api_client.get(f"/api/v1/quotes/{quote.slug}/").json()
    assert [use["slug"] for use in data["used_in"]] == [story.slug]
    assert data["used_in"][0]["api_url"].endswith(f"/api/v1/explainers/{story.slug}/")
    assert data["site_url"] == f"http://testserver/facts/quotes/{quote.slug}/"


def test_fact_used_only_by_a_draft_is_not_found(api_client):
    quote, statistic, claim = QuoteFactory(), StatisticFactory(), ClaimFactory()
    add_section(
        ExplainerFactory(),
        f"[[quote:{quote.slug}]]\n\n[[statistic:{statistic.slug}]]\n\n[[claim:{claim.slug}]]",
    )
    for path in (f"quotes/{quote.slug}", f"statistics/{statistic.slug}", f"claims/{claim.slug}"):
        assert api_client.get(f"/api/v1/{path}/").status_code == 404
    for path in ("quotes", "statistics", "claims", "sources", "people", "topics"):
        assert slugs(api_client.get(f"/api/v1/{path}/")) == []


def test_statistic_has_its_history_newest_first(api_client):
    statistic = StatisticFactory(
        values=[(50271, datetime.date(2025, 8, 11)), (48000, datetime.date(2025, 7, 1))]
    )
    publish_with(statistic)
    data = api_client.get(f"/api/v1/statistics/{statistic.slug}/").json()
    assert [v["display"] for v in data["history"]] == ["50,271", "48,000"]
    assert data["current"]["as_of"] == "2025-08-11"
    assert data["source"]["slug"] == statistic.source.slug


def test_claim_has_its_rating_and_sources(api_client, claim):
    source = SourceFactory()
    claim.sources.add(source)
    publish_with(claim)
    data = api_client.get(f"/api/v1/claims/{claim.slug}/").json()
    assert data["rating"]["slug"] == "misleading"
    assert data["rating"]["verdict"]
    assert [s["slug"] for s in data["sources"]] == [source.slug]
    assert slugs(api_client.get("/api/v1/claims/", {"rating": "misleading"})) == [claim.slug]


def test_source_and_publisher_filters(api_client):
    home_office = SourceFactory(publisher="Home Office")
    ours, theirs = StatisticFactory(source=home_office), StatisticFactory()
    publish_with(ours, theirs)
    assert slugs(api_client.get("/api/v1/statistics/", {"publisher": "home office"})) == [ours.slug]
    assert slugs(api_client.get("/api/v1/statistics/", {"source": home_office.slug})) == [ours.slug]
    assert slugs(api_client.get("/api/v1/sources/", {"publisher": "Home Office"})) == [
        home_office.slug
    ]


def test_people_are_those_quoted_or_claiming_in_public(api_client):
    quote, claim = QuoteFactory(), ClaimFactory()
    hidden = QuoteFactory()
    publish_with(quote, claim)
    add_section(ExplainerFactory(), f"[[quote:{hidden.slug}]]")
    listed = set(slugs(api_client.get("/api/v1/people/")))
    assert listed == {quote.speaker.slug, claim.claimant.slug}
    assert api_client.get(f"/api/v1/people/{hidden.speaker.slug}/").status_code == 404


def test_topic_counts_published_explainers_only(api_client):
    topic = TopicFactory(slug="ukraine")
    ExplainerFactory(published=True, topics=[topic])
    for trait in ("scheduled", "archived", "in_review"):
        ExplainerFactory(topics=[topic], **{trait: True})
    data = api_client.get("/api/v1/topics/ukraine/").json()
    assert data["explainer_count"] == 1
    assert data["site_url"] == "http://testserver/topics/ukraine/"


@pytest.mark.parametrize(
    ("path", "params", "parameter"),
    [
        ("quotes", {"speaker": "nobody"}, "speaker"),
        ("quotes", {"said_after": "soon"}, "said_after"),
        ("claims", {"verdict": "true-ish"}, "verdict"),
        ("sources", {"kind": "rumour"}, "kind"),
        ("statistics", {"updated_since": "2025-02-30"}, "updated_since"),
        ("people", {"ordering": "age"}, "ordering"),
    ],
)
def test_invalid_fact_filter_gets_400_naming_it(api_client, path, params, parameter):
    response = api_client.get(f"/api/v1/{path}/", params)
    assert response.status_code == 400
    assert parameter in response.json()["errors"]


def build_facts(n):
    """n of each fact block, all used by one published story."""
    facts = []
    for _ in range(n):
        claim = ClaimFactory()
        claim.sources.add(SourceFactory(), SourceFactory())
        facts += [
            QuoteFactory(),
            StatisticFactory(
                values=[(1, datetime.date(2025, 1, 1)), (2, datetime.date(2025, 2, 1))]
            ),
            claim,
        ]
    publish_with(*facts)
    publish_with(*facts[:3])


# The endpoint's own queries; the warm client's key comes from the shared cache.
# Lists give each block a link to its stories; a block's own page also lists and counts them.
ENDPOINTS = [
    (
        "quotes",
        1,
        2,
    ),  # quotes + speaker + source; detail: + story count, newest published uses + explainers
    (
        "statistics",
        2,
        3,
    ),  # statistics + source, values; detail: + story count, newest published uses
    (
        "claims",
        2,
        3,
    ),  # claims + rating + claimant, sources; detail: + story count, newest published uses
    ("sources", 1, 1),  # sources
    ("people", 1, 1),  # people
    ("topics", 1, 1),  # topics with counts
]


@pytest.mark.parametrize(
    ("path", "queries", "detail_queries"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS]
)
def test_list_and_detail_queries_do_not_grow_with_the_data(
    warm_client, django_assert_num_queries, path, queries, detail_queries
):
    build_facts(1)
    ExplainerFactory(published=True, topics=[TopicFactory()])
    with django_assert_num_queries(queries):
        small = warm_client.get(f"/api/v1/{path}/", {"page_size": 100})
    build_facts(30)
    ExplainerFactory(published=True, topics=[TopicFactory() for _ in range(30)])
    with django_assert_num_queries(queries):
        large = warm_client.get(f"/api/v1/{path}/", {"page_size": 100})
    assert len(large.json()["results"]) > len(small.json()["results"]) >= 1
    slug = large.json()["results"][0]["slug"]
    with django_assert_num_queries(detail_queries):
        assert warm_client.get(f"/api/v1/{path}/{slug}/").status_code == 200


@pytest.mark.parametrize("kind", ["quote", "statistic", "claim"])
def test_a_much_used_fact_lists_its_newest_stories_counts_them_all_and_links_to_them(
    api_client, monkeypatch, kind
):
    import claims.models

    monkeypatch.setattr(claims.models, "STORIES_LISTED", 3)
    fact = {"quote": QuoteFactory, "statistic": StatisticFactory, "claim": ClaimFactory}[kind]()
    now = datetime.datetime(2025, 9, 1, tzinfo=datetime.UTC)
    stories = [publish_with(fact, published_at=now - datetime.timedelta(days=n)) for n in range(5)]
    add_section(stories[0], f"[[{kind}:{fact.slug}]]", position=2)  # used twice: one story
    for trait in ("scheduled", "archived", "in_review"):
        add_section(ExplainerFactory(**{trait: True}), f"[[{kind}:{fact.slug}]]")
    other = publish_with(
        {"quote": QuoteFactory, "statistic": StatisticFactory, "claim": ClaimFactory}[kind]()
    )

    data = api_client.get(f"/api/v1/{kind}s/{fact.slug}/").json()
    assert [use["slug"] for use in data["used_in"]] == [s.slug for s in stories[:3]]
    assert data["used_in_count"] == 5
    assert data["used_in_url"] == f"http://testserver/api/v1/explainers/?{kind}={fact.slug}"
    in_list = next(
        item
        for item in api_client.get(f"/api/v1/{kind}s/").json()["results"]
        if item["slug"] == fact.slug
    )
    assert in_list["used_in_url"] == data["used_in_url"] and "used_in" not in in_list
    listed = slugs(api_client.get(data["used_in_url"]))
    assert sorted(listed) == sorted(s.slug for s in stories) and other.slug not in listed


def test_the_explainers_list_by_an_unknown_fact_is_empty_not_everything(api_client, quote):
    publish_with(quote)
    assert slugs(api_client.get("/api/v1/explainers/?quote=no-such-quote")) == []
    assert len(slugs(api_client.get(f"/api/v1/explainers/?quote={quote.slug}"))) == 1


@pytest.mark.parametrize(
    ("path", "parameter"),
    [
        ("claims", "claimed_before"),
        ("claims", "updated_since"),
        ("quotes", "said_after"),
        ("sources", "published_before"),
        ("people", "q"),
    ],
)
def test_an_empty_parameter_is_refused_not_ignored(api_client, path, parameter):
    response = api_client.get(f"/api/v1/{path}/", {parameter: ""})

    assert response.status_code == 400
    assert response.json()["errors"] == {parameter: ["Give a value, or leave the parameter out."]}
