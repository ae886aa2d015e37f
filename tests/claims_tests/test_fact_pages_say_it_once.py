"""A fact page says each thing once: its heading, its source, who said it, when and where."""

import datetime

import pytest

from tests.factories import (
    ClaimFactory,
    ExplainerFactory,
    PersonFactory,
    QuoteFactory,
    SourceFactory,
    StatisticFactory,
    add_section,
)

pytestmark = pytest.mark.django_db


def fact_part(client, fact) -> str:
    """The page from below its heading to the list of stories using the fact (which, like the
    embed code after it, names the fact again on purpose)."""
    add_section(ExplainerFactory(published=True), f"[[{fact.token_kind}:{fact.slug}]]")
    html = client.get(fact.get_absolute_url()).content.decode()
    return html[html.index("</h1>") : html.index('<section class="used-in"')]


def test_a_quote_page_names_speaker_date_context_and_source_once(client):
    quote = QuoteFactory(
        speaker=PersonFactory(name="Jacqui Smith"),
        said_on=datetime.date(2025, 8, 11),
        context="on the BBC's Today programme",
        source=SourceFactory(publisher="BBC Radio 4"),
        is_partial=True,
    )
    part = fact_part(client, quote)
    assert part.count("Jacqui Smith") == 1
    assert part.count('datetime="2025-08-11"') == 1
    assert part.count("Today programme") == 1
    assert part.count("BBC Radio 4") == 1 and part.count("Source:") == 1
    assert part.count("artial quote") == 1  # nothing is dropped
    assert quote.text in part


def test_a_quote_without_a_source_says_so_once(client):
    part = fact_part(client, QuoteFactory(source=None, said_on=None))
    assert part.count("not given</span>") == 2  # the date and the source
    assert "Source: <span" in part


def test_a_statistic_page_names_the_figure_and_its_source_once(client):
    statistic = StatisticFactory(
        label="Small-boat crossings", source=SourceFactory(publisher="Home Office")
    )
    part = fact_part(client, statistic)
    card = part[: part.index("</figure>")]
    assert "Small-boat crossings" not in card and "Source" not in card
    assert "50,271" in card and "As of" in card
    above_the_history = part[: part.index("History of this figure")]
    assert above_the_history.count("Source:") == 1
    assert above_the_history.count("Home Office") == 1


def test_a_claim_page_names_the_claimant_the_date_and_the_verdict_s_giver_once(client):
    article = SourceFactory(publisher="Sky News", title="The milestone")
    claim = ClaimFactory(
        text="Returns are higher than ever",
        claimant=PersonFactory(name="Keir Starmer"),
        claimed_on=datetime.date(2025, 8, 11),
        verdict_by="Sky News",
        verdict_source=article,
        evidence=[article],
    )
    part = fact_part(client, claim)
    assert "Returns are higher than ever" not in part  # the heading
    assert part.count("Keir Starmer") == 1 and part.count('datetime="2025-08-11"') == 1
    assert part.count("The milestone") == 1  # in the evidence, marked as the verdict's place
    assert "(where the verdict was given)" in part
    assert part.count("Verdict by Sky News, not by our fact-checkers") == 1
    assert "their judgement, which we report" in part
