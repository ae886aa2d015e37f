"""Fact cards and inline facts (claims.cards): the markup every page shows them with."""

import datetime

import pytest

from claims import cards
from tests.factories import ClaimFactory, PersonFactory, QuoteFactory, StatisticFactory

pytestmark = pytest.mark.django_db
PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
SHORT = "<script>x</script>"  # for fields of 30 characters


def test_every_text_is_escaped_and_quotes_keep_their_paragraphs():
    speaker = PersonFactory(name=PAYLOAD, role=PAYLOAD)
    quote = QuoteFactory(text=f"{PAYLOAD}\n\nSecond paragraph", context=PAYLOAD, speaker=speaker)
    html = cards.quote_card(quote) + cards.said_inline(quote)
    claim = ClaimFactory(text=PAYLOAD, explanation=PAYLOAD)
    statistic = StatisticFactory(
        label=PAYLOAD,
        unit=SHORT,
        values=[{"value": 1, "as_of": datetime.date(2025, 8, 11), "qualifier": SHORT}],
    )
    html += cards.claim_card(claim) + cards.statistic_card(statistic, statistic.current)
    html += cards.value_inline(statistic, statistic.current)
    assert "<script>" not in html and "<img" not in html
    assert html.count("&lt;script&gt;") >= 9
    assert "<p>&lt;script&gt;" in html and "<p>Second paragraph</p>" in html


def test_fact_pages_leave_out_the_link_to_themselves_and_the_repeated_claim():
    quote, claim = QuoteFactory(), ClaimFactory(text="Arrivals have halved")
    statistic = StatisticFactory()
    assert "About this quote" in cards.quote_card(quote)
    assert "About this quote" not in cards.quote_card(quote, on_fact_page=True)
    assert "Arrivals have halved" in cards.claim_card(claim)
    assert "Arrivals have halved" not in cards.claim_card(claim, on_fact_page=True)
    assert "About this figure" not in cards.statistic_card(
        statistic, statistic.current, on_fact_page=True
    )


def test_a_pinned_figure_points_to_the_newer_one():
    statistic = StatisticFactory(
        values=[(48000, datetime.date(2025, 7, 1)), (50271, datetime.date(2025, 8, 11))]
    )
    old, new = statistic.value_on(datetime.date(2025, 7, 15)), statistic.current
    card = cards.statistic_card(statistic, old, newer=new)
    assert "This figure is as it stood when the story was published" in card
    assert 'As of <time datetime="2025-07-01">1 July 2025</time>' in card
    assert "A newer figure is available" in card and "50,271 (as of 11 August 2025)" in card
    inline = cards.value_inline(statistic, old, newer=new)
    assert ">48,000</a>" in inline and "newer figure</a></sup>" in inline
    assert "newer figure" not in cards.value_inline(statistic, new)


def test_a_statistic_without_a_value_still_renders():
    statistic = StatisticFactory(values=[])
    assert 'class="stat__value"></span>' in cards.statistic_card(statistic, None)
