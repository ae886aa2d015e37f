"""JSON-LD, OpenGraph and canonical URLs: parsed and checked against what Google's article and
fact-check rich results require (schema.org types, required and recommended properties)."""

import datetime
import json
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tests.factories import (
    AuthorFactory,
    ClaimFactory,
    CorrectionFactory,
    ExplainerFactory,
    MediaFactory,
    PersonFactory,
    QuoteFactory,
    SourceFactory,
    TopicFactory,
    UserFactory,
    add_section,
)

pytestmark = pytest.mark.django_db

JSON_LD = re.compile(r'<script type="application/ld\+json">(.*?)</script>', re.S)
META = re.compile(r'<meta (?:property|name)="([^"]+)" content="([^"]*)">')
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z))?$")


def json_ld(html) -> list[dict]:
    """Every node in every JSON-LD script of the page, flattened out of @graph."""
    nodes = []
    for text in JSON_LD.findall(html):
        data = json.loads(text)
        assert data["@context"] == "https://schema.org"
        nodes.extend(data.get("@graph", [data]))
    return nodes


def of_type(nodes, type_) -> list[dict]:
    return [node for node in nodes if node["@type"] == type_]


def meta(html) -> dict:
    return dict(META.findall(html))


def png():
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (1200, 675), "white").save(buffer, "PNG")
    return SimpleUploadedFile("hero.png", buffer.getvalue(), content_type="image/png")


def check_news_article(article):
    """Google's Article rich result: headline ≤ 110, ISO dates, author with name, publisher."""
    assert article["@type"] == "NewsArticle"
    assert 0 < len(article["headline"]) <= 110
    assert ISO.match(article["datePublished"]) and ISO.match(article["dateModified"])
    assert article["dateModified"] >= article["datePublished"]
    assert all(
        author["@type"] in {"Person", "Organization"} and author["name"]
        for author in article["author"]
    )
    assert article["publisher"]["name"] and article["publisher"]["logo"]["url"].startswith("http")
    assert article["mainEntityOfPage"]["@id"] == article["url"]
    assert article["url"].startswith("http://testserver/")


def check_claim_review(review):
    """Google's fact-check rich result: claimReviewed, reviewRating.alternateName, url, author."""
    assert review["@type"] == "ClaimReview"
    assert review["claimReviewed"]
    assert review["url"].startswith("http://testserver/facts/claims/")
    assert review["author"]["name"]
    rating = review["reviewRating"]
    assert rating["@type"] == "Rating" and rating["alternateName"]
    if "ratingValue" in rating:
        assert rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"]
    assert review["itemReviewed"]["@type"] == "Claim"
    assert review["itemReviewed"]["author"]["name"]
    assert ISO.match(review["datePublished"])


def story_with_everything():
    hero = MediaFactory(image=png(), alt_text="Leaders shake hands at the summit.")
    story = ExplainerFactory(
        published=True,
        title="What the migration deal means",
        authors=["Ann Reporter"],
        hero=hero,
        topics=[TopicFactory(name="Migration")],
    )
    checker = UserFactory(first_name="Fay", last_name="Checker")
    quote, claim = (
        QuoteFactory(text="We will stop the boats."),
        ClaimFactory(
            text="Returns are up.",
            checked_by=checker,
            checked_on=datetime.date(2025, 8, 14),
            evidence=[SourceFactory()],
        ),
    )
    add_section(
        story, f"[[quote:{quote.slug}]]\n\n[[claim:{claim.slug}]]\n\nAgain [[said:{quote.slug}]]."
    )
    return story, quote, claim


def test_explainer_page_carries_news_article_claim_review_and_quotation(client):
    story, quote, claim = story_with_everything()
    CorrectionFactory(explainer=story, published_at=timezone.now() + datetime.timedelta(minutes=5))
    nodes = json_ld(client.get(story.get_absolute_url()).content.decode())
    [article] = of_type(nodes, "NewsArticle")
    check_news_article(article)
    assert article["headline"] == story.title
    assert article["author"] == [{"@type": "Person", "name": "Ann Reporter"}]
    assert article["image"][0].startswith("http://testserver/media/images/")
    assert article["articleSection"] == ["Migration"]
    assert article["dateModified"] > article["datePublished"]  # the public note counts
    [review] = of_type(nodes, "ClaimReview")
    check_claim_review(review)
    assert review["claimReviewed"] == "Returns are up."
    assert review["reviewRating"]["alternateName"] == claim.rating.name
    [quotation] = of_type(nodes, "Quotation")
    assert quotation["text"] == "We will stop the boats."
    assert quotation["creator"]["name"] == quote.speaker.name


def test_story_without_byline_or_image_is_still_valid(client):
    story = ExplainerFactory(published=True, authors=[])
    [article] = of_type(
        json_ld(client.get(story.get_absolute_url()).content.decode()), "NewsArticle"
    )
    check_news_article(article)
    assert article["author"][0]["@type"] == "Organization"
    assert "image" not in article


def test_json_ld_cannot_be_broken_out_of(client):
    story = ExplainerFactory(published=True, title="</script><script>alert(1)</script>")
    html = client.get(story.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in html
    [article] = of_type(json_ld(html), "NewsArticle")
    assert article["headline"] == story.title


def test_explainer_page_has_open_graph_twitter_and_canonical(client):
    story, _, _ = story_with_everything()
    html = client.get(story.get_absolute_url()).content.decode()
    tags = meta(html)
    url = f"http://testserver{story.get_absolute_url()}"
    assert f'<link rel="canonical" href="{url}">' in html
    assert tags["og:type"] == "article" and tags["og:url"] == url
    assert tags["og:title"] == story.title and tags["og:description"] == story.standfirst
    assert tags["og:image"].startswith("http://testserver/media/") and tags["og:image:alt"]
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["article:published_time"].startswith(f"{story.published_at:%Y-%m-%d}")


def test_claim_fact_page_carries_claim_review(client):
    _, quote, claim = story_with_everything()
    html = client.get(claim.get_absolute_url()).content.decode()
    [review] = of_type(json_ld(html), "ClaimReview")
    check_claim_review(review)
    assert meta(html)["og:title"] == f"Claim checked: {claim.text}"
    [quotation] = of_type(
        json_ld(client.get(quote.get_absolute_url()).content.decode()), "Quotation"
    )
    assert quotation["spokenByCharacter"]["name"] == quote.speaker.name


def test_preview_carries_no_structured_data(editor_client):
    story, _, _ = story_with_everything()
    from django.urls import reverse

    html = editor_client.get(reverse("explainers:preview", args=[story.pk])).content.decode()
    assert "application/ld+json" not in html and "og:title" not in html


# Who said and who judged: only what we know --------------------------------------------------


def review_on_page(client, claim):
    story = ExplainerFactory(published=True)
    add_section(story, f"[[claim:{claim.slug}]]")
    [review] = of_type(
        json_ld(client.get(story.get_absolute_url()).content.decode()), "ClaimReview"
    )
    return review


def test_an_unchecked_verdict_of_ours_has_no_review_date(client):
    claim = ClaimFactory(checked_on=datetime.date(2025, 8, 14))  # a date, but nobody named

    review = review_on_page(client, claim)

    assert "datePublished" not in review
    assert review["author"]["name"] == "Newsroom"


def test_a_verdict_given_by_another_publisher_is_their_review_not_ours(client):
    article = SourceFactory(publisher="Sky News", url="https://news.sky.com/story/x")
    claim = ClaimFactory(verdict_by="Sky News", verdict_source=article)

    review = review_on_page(client, claim)

    assert review["author"] == {
        "@type": "NewsMediaOrganization",
        "name": "Sky News",
        "url": "https://news.sky.com/story/x",
    }


def test_authors_are_people_or_organisations_as_chosen(client):
    story = ExplainerFactory(
        published=True,
        authors=[
            AuthorFactory(name="Ann Reporter"),
            AuthorFactory(name="Sky News", kind="organisation", url="https://news.sky.com/"),
        ],
    )
    [article] = of_type(
        json_ld(client.get(story.get_absolute_url()).content.decode()), "NewsArticle"
    )
    assert article["author"] == [
        {"@type": "Person", "name": "Ann Reporter"},
        {"@type": "Organization", "name": "Sky News", "url": "https://news.sky.com/"},
    ]


def test_a_syndicated_story_is_based_on_its_original(client):
    story = ExplainerFactory(
        published=True,
        original_publisher="Sky News",
        original_url="https://news.sky.com/story/original",
        licence="Republished with permission.",
    )
    html = client.get(story.get_absolute_url()).content.decode()
    [article] = of_type(json_ld(html), "NewsArticle")
    assert article["isBasedOn"]["url"] == "https://news.sky.com/story/original"
    assert article["isBasedOn"]["publisher"]["name"] == "Sky News"
    assert '<link rel="canonical" href="https://news.sky.com/story/original">' in html


def test_a_quotation_carries_the_role_the_speaker_had_when_they_said_it(client):
    speaker = PersonFactory(name="Keir Starmer", role="Prime Minister")
    then = speaker.roles.create(
        title="Leader of the Labour Party",
        starts_on=datetime.date(2020, 4, 4),
        ends_on=datetime.date(2024, 7, 5),
    )
    speaker.roles.create(title="Prime Minister", starts_on=datetime.date(2024, 7, 5))
    quote = QuoteFactory(speaker=speaker, said_on=datetime.date(2020, 9, 22))
    quote.fill_in_role()
    quote.save()
    add_section(ExplainerFactory(published=True), f"[[quote:{quote.slug}]]")

    [quotation] = of_type(
        json_ld(client.get(quote.get_absolute_url()).content.decode()), "Quotation"
    )

    assert quote.role == then
    assert quotation["spokenByCharacter"]["jobTitle"] == "Leader of the Labour Party"
