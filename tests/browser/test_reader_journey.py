"""A reader's visit in a real browser: home, both stories, contents, a fact, a card, search."""

import re

import pytest
from django.core.management import call_command

from explainers.models import Explainer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def restore_rating_scale():
    """A transactional test that ran before may have flushed the data migrations' rows."""
    import importlib

    from django.apps import apps

    from claims.models import Rating

    if not Rating.objects.exists():
        migration = importlib.import_module("claims.migrations.0002_default_rating_scale")
        migration.add_scale(apps, None)


@pytest.fixture
def stories(page_cache):
    """The two demo stories, served through the page cache as in production."""
    restore_rating_scale()
    call_command("load_stories", verbosity=0)
    stories = list(Explainer.objects.published().order_by("-published_at"))
    assert len(stories) == 2
    return stories


def test_a_reader_finds_reads_checks_embeds_and_searches(reader, stories):
    page = reader.page

    reader.open("/")
    assert page.title().startswith("Newsroom")
    for story in stories:
        assert page.get_by_role("link", name=story.title).is_visible()
    reader.check("home")

    for index, story in enumerate(stories, start=1):
        reader.open("/")
        page.get_by_role("link", name=story.title).click()
        page.wait_for_url(f"**{story.get_absolute_url()}")
        assert page.get_by_role("heading", level=1).inner_text() == story.title
        toc = page.get_by_role("navigation", name=re.compile("In this"))
        links = toc.get_by_role("link")
        assert links.count() >= 2
        last = links.nth(links.count() - 1)
        target = last.get_attribute("href")
        last.click()
        page.wait_for_url(f"**{target}")
        assert page.locator(f"{target}-title").is_visible()
        assert page.locator(target).bounding_box()["y"] < 200  # scrolled to the section
        page.evaluate("window.scrollTo(0, 0)")
        reader.check(f"story-{index}")

    # A statistic's fact page, from its card in the first story, with the code to embed it.
    reader.open(stories[0].get_absolute_url())
    page.locator("a.card__more", has_text="About this figure").first.click()
    page.wait_for_url("**/facts/statistics/**")
    assert page.get_by_role("heading", name="Embed this card on your site").is_visible()
    code = page.get_by_label("Embed code").input_value()
    assert code.startswith("<iframe src=") and "/embed/statistics/" in code
    reader.check("fact-statistic")

    page.get_by_role("link", name="See the card on its own").click()
    page.wait_for_url("**/embed/statistics/**")
    assert page.locator(".stat__value").inner_text()
    assert "Source" in page.locator(".card__meta").inner_text()
    reader.check("embed-statistic")

    # The card inside another site's iframe.
    embed_url = page.url
    page.set_content(
        f'<!doctype html><html lang="en"><title>Partner</title><main><h1>Partner site</h1>'
        f"{code.replace(code.split(chr(34))[1], embed_url)}</main></html>"
    )
    frame = page.frame_locator("iframe")
    assert frame.locator(".stat__value").inner_text()

    # Search from the masthead.
    reader.open("/")
    page.get_by_role("searchbox", name="Search the site").fill("small boats")
    page.get_by_role("searchbox", name="Search the site").press("Enter")
    page.wait_for_url("**/search/?q=small+boats")
    assert page.locator(".search-result").count() >= 1
    assert page.locator(".search-result mark").count() >= 1
    reader.check("search")

    assert reader.blocking() == [], reader.blocking()


def test_every_other_public_page_passes_the_accessibility_check(reader, stories):
    from claims.models import Claim, Quote, Source, Statistic

    quote = Quote.objects.public().first()
    claim = Claim.objects.public().first()
    pages = {
        "topic": stories[0].topics.first().get_absolute_url(),
        "fact-quote": quote.get_absolute_url(),
        "fact-claim": claim.get_absolute_url(),
        "source": Source.objects.public().first().get_absolute_url(),
        "embed-quote": f"/embed/quotes/{quote.slug}/",
        "embed-claim": f"/embed/claims/{claim.slug}/",
        "search-empty": "/search/?q=",
        "search-nothing": "/search/?q=zebra+crossing+quantum",
        "not-found": "/explainers/no-such-story/",
    }
    assert Statistic.objects.public().exists()
    for name, path in pages.items():
        reader.open(path)
        reader.check(name)
    assert reader.blocking() == [], reader.blocking()
