import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    ClaimFactory,
    ExplainerFactory,
    QuoteFactory,
    StatisticFactory,
    add_section,
)

pytestmark = pytest.mark.django_db


def used(*facts, published=True):
    story = ExplainerFactory(published=published)
    add_section(story, "\n\n".join(f"[[{fact.token_kind}:{fact.slug}]]" for fact in facts))
    return story


def embed_url(fact):
    return reverse(f"claims:embed_{fact.token_kind}", args=[fact.slug])


def oembed(client, url, **params):
    return client.get(reverse("claims:oembed"), {"url": url, **params})


def test_statistic_card_shows_current_value_and_source(client, statistic):
    used(statistic)
    statistic.record_value(value=Decimal(61000), as_of=datetime.date(2025, 12, 31))
    response = client.get(embed_url(statistic))
    html = response.content.decode()
    assert response.status_code == 200
    card = html[html.index('<figure class="card') : html.index("</figure>")]
    assert "61,000" in card and "50,271" not in card  # the earlier value is in its history
    assert statistic.source.publisher in html and statistic.source.get_absolute_url() in html
    assert statistic.get_absolute_url() in html
    assert '<meta name="robots" content="noindex">' in html and '<base target="_blank">' in html


@pytest.mark.parametrize("kind", ["quote", "claim"])
def test_quote_and_claim_cards_render(client, kind, quote, claim):
    fact = {"quote": quote, "claim": claim}[kind]
    used(fact)
    html = client.get(embed_url(fact)).content.decode()
    assert fact.text in html
    assert "claims/embed.css" in html and "newsroom/site.css" not in html


def test_only_cards_may_be_framed(client, statistic):
    story = used(statistic)
    card = client.get(embed_url(statistic))
    assert "X-Frame-Options" not in card
    policy = dict(
        (part.split(" ", 1) + [""])[:2] for part in card["Content-Security-Policy"].split("; ")
    )
    assert policy["frame-ancestors"] == "*"
    assert policy["script-src"] == "'self'"  # the rest of the site's policy still applies
    for url in ("/", story.get_absolute_url(), statistic.get_absolute_url(), reverse("search")):
        assert client.get(url)["X-Frame-Options"] == "DENY"


def test_card_of_a_fact_no_published_story_uses_is_not_found(client, statistic):
    used(statistic, published=False)
    assert client.get(embed_url(statistic)).status_code == 404


def test_oembed_returns_a_rich_iframe_for_a_fact_page(client, statistic):
    used(statistic)
    page = f"http://testserver{statistic.get_absolute_url()}"
    response = oembed(client, page, maxwidth=400)
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    data = response.json()
    assert data["version"] == "1.0" and data["type"] == "rich"
    assert data["width"] == 400 and data["height"] > 0
    assert f'src="http://testserver{embed_url(statistic)}"' in data["html"]
    assert data["title"] == statistic.label and data["provider_name"]
    assert oembed(client, f"http://testserver{embed_url(statistic)}").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "http://testserver/",
        "http://elsewhere.example/facts/statistics/small-boat-crossings/",
        "",
        "javascript:alert(1)",
        "http://testserver/facts/statistics/nope/",
    ],
)
def test_oembed_refuses_what_is_not_a_public_fact_here(client, statistic, url):
    used(statistic)
    assert oembed(client, url).status_code == 404


def test_oembed_of_a_hidden_fact_is_not_found_and_xml_is_not_implemented(client, quote):
    used(quote, published=False)
    assert oembed(client, f"http://testserver{quote.get_absolute_url()}").status_code == 404
    assert (
        oembed(client, f"http://testserver{quote.get_absolute_url()}", format="xml").status_code
        == 501
    )


def test_fact_page_shows_embed_code_and_advertises_oembed(client, statistic):
    used(statistic)
    html = client.get(statistic.get_absolute_url()).content.decode()
    assert "Embed this card" in html
    assert f"&lt;iframe src=&quot;http://testserver{embed_url(statistic)}&quot;" in html
    assert 'type="application/json+oembed"' in html


@pytest.mark.parametrize("kind", ["quote", "statistic", "claim"])
def test_card_and_oembed_query_counts_do_not_grow_with_usage(client, kind):
    factory = {"quote": QuoteFactory, "statistic": StatisticFactory, "claim": ClaimFactory}[kind]
    fact = factory()
    used(fact)
    urls = [
        embed_url(fact),
        reverse("claims:oembed") + f"?url=http://testserver{fact.get_absolute_url()}",
    ]
    with CaptureQueriesContext(connection) as few:
        for url in urls:
            assert client.get(url).status_code == 200
    for _ in range(15):
        used(fact)
    with CaptureQueriesContext(connection) as many:
        for url in urls:
            client.get(url)
    # card: the fact with its speaker/source/rating (+ a statistic's values); oEmbed: the fact
    assert len(few) == len(many) <= 4


@pytest.mark.parametrize(
    "url", ["http://[::1", "http://[zz]/facts/", "http://testserver:99999/", "\x00", "//" * 3000]
)
def test_oembed_of_a_url_that_cannot_be_parsed_is_not_found(client, url):
    response = oembed(client, url)

    assert response.status_code == 404
