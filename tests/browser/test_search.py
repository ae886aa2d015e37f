"""Search in a real browser: the passage that matched, marked, at both widths."""

import pytest
from django.core.management import call_command

from explainers.models import Explainer
from tests.browser.test_reader_journey import restore_rating_scale

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def stories(page_cache):
    restore_rating_scale()
    call_command("load_stories", verbosity=0)
    return list(Explainer.objects.published())


def test_a_word_inside_a_quote_shows_the_quotes_passage_marked(reader, stories):
    """ "strangers" is only in the words of a quote card one demo story places."""
    page = reader.page
    reader.open("/")
    page.get_by_role("searchbox", name="Search the site").fill("strangers")
    page.get_by_role("searchbox", name="Search the site").press("Enter")
    page.wait_for_url("**/search/?q=strangers")

    story_results = page.locator('section[aria-labelledby="results-explainers"] .search-result')
    assert story_results.count() == 1
    snippet = story_results.first.locator(".search-result__snippet")
    assert "island of strangers" in snippet.inner_text()
    assert snippet.locator("mark").all_inner_texts() == ["strangers"]
    assert "[[" not in snippet.inner_text()
    kicker = story_results.first.locator(".kicker").inner_text()
    assert kicker.split(" · ")[0].lower() in {"explainer", "analysis", "news"}
    assert story_results.first.locator("time").inner_text()

    quote_results = page.locator('section[aria-labelledby="results-quotes"] .search-result')
    assert quote_results.count() == 1
    assert quote_results.first.locator("mark").all_inner_texts() == ["strangers"]

    reader.check("search-quote")
    assert reader.blocking() == []


def test_nothing_found_suggests_topics(reader, stories):
    reader.open("/search/?q=zebra+quantum")
    topics = reader.page.locator("#results-topics + ul a")
    assert topics.count() >= 1
    reader.check("search-no-results")
    assert reader.blocking() == []
