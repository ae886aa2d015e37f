"""A statistic's history as a chart (claims.charts): on its page, on its card, in stories."""

import datetime
import itertools
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from claims import cards, charts
from claims import publishing as claims_publishing
from claims.models import Statistic
from tests.factories import (
    ExplainerFactory,
    SourceFactory,
    StatisticFactory,
    add_section,
)

pytestmark = pytest.mark.django_db
PAYLOAD = '<script>alert(1)</script>"><img src=x onerror=alert(1)>'
SHORT = "<script>x</script>"  # for fields of 30 characters
YEAR_ENDS = [
    (29437, datetime.date(2023, 12, 31)),
    (36816, datetime.date(2024, 12, 31)),
    (41472, datetime.date(2025, 12, 31)),
]


def loaded(statistic) -> Statistic:
    """The statistic as public pages read it: its values and their sources prefetched."""
    return Statistic.objects.for_cards().get(pk=statistic.pk)


def chart_of(statistic) -> str:
    return str(charts.history_chart(loaded(statistic)))


def wide(html: str) -> str:
    """The wide drawing alone (the narrow one repeats it)."""
    return re.search(r'<svg class="chart__svg chart__svg--wide".*?</svg>', html, re.S).group()


def published(statistic):
    story = ExplainerFactory(published=True)
    add_section(story, f"[[statistic:{statistic.slug}]]")
    return story


def test_every_label_is_escaped():
    statistic = StatisticFactory(
        label=PAYLOAD,
        unit=SHORT,
        source=SourceFactory(publisher=PAYLOAD),
        values=[
            {"value": 1, "as_of": datetime.date(2024, 1, 1), "qualifier": SHORT},
            {"value": 2, "as_of": datetime.date(2025, 1, 1), "note": PAYLOAD},
        ],
    )
    html = chart_of(statistic) + cards.statistic_card(loaded(statistic), loaded(statistic).current)
    assert "<script>" not in html and "<img" not in html
    assert html.count("&lt;script&gt;") >= 8  # title, desc, unit, labels and tooltips, twice


def test_each_dated_value_is_a_point_and_the_current_ones_are_joined_oldest_first():
    html = wide(chart_of(StatisticFactory(values=YEAR_ENDS)))
    assert html.count('<g class="chart__point">') == 3
    points = re.search(r'<polyline class="chart__line" points="([^"]+)"', html).group(1)
    xs = [float(pair.split(",")[0]) for pair in points.split()]
    assert len(xs) == 3 and xs == sorted(xs)
    # each point says what it is, when, and where it comes from
    assert (
        "<title>29,437 people, as of 31 December 2023. Source: Office for Figures.</title>" in html
    )
    assert 'role="img"' in html and 'viewBox="0 0 600 280" width="100%"' in html


def test_replaced_values_are_hollow_and_crossed_and_the_key_says_so(editor):
    statistic = StatisticFactory(values=YEAR_ENDS)
    mistake = statistic.history[0]
    claims_publishing.add_value(
        statistic,
        value=41500,
        as_of=mistake.as_of,
        revises=mistake,
        revision_kind="correction",
        correction_note="We mistyped the figure.",
        by=editor,
    )
    html = chart_of(statistic)
    drawing = wide(html)
    replaced = re.search(r'<g class="chart__point chart__point--replaced">.*?</g>', drawing).group()
    assert 'fill="#ffffff"' in replaced and "<path" in replaced  # hollow, crossed
    assert "41,472 people" in replaced and "Replaced by 41,500 people." in replaced
    corrected = re.search(r'<g class="chart__point chart__point--revision">.*?</g>', drawing)
    assert "Corrects our mistake. We mistyped the figure." in corrected.group()
    # the line runs through the current values only
    line = re.search(r'<polyline class="chart__line" points="([^"]+)"', drawing).group(1)
    replaced_y = re.search(r'<circle cx="[\d.]+" cy="([\d.]+)"', replaced).group(1)
    assert len(line.split()) == 3 and f",{replaced_y}" not in line
    assert '<ul class="chart__key">' in html
    for words in ("Current value", "Corrected or revised value", "Replaced value"):
        assert words in html


def test_the_text_alternative_lists_the_values():
    statistic = StatisticFactory(label="Small-boat crossings", values=YEAR_ENDS)
    html = chart_of(statistic)
    title = re.search(r'<title id="([^"]+)">Small-boat crossings</title>', html).group(1)
    desc = re.search(r'<desc id="([^"]+)">([^<]+)</desc>', html)
    assert f'aria-labelledby="{title} {desc.group(1)}"' in html
    assert desc.group(2) == (
        "3 values from 2023 to 2025: 29,437 people as of 31 December 2023; "
        "36,816 people as of 31 December 2024; 41,472 people as of 31 December 2025."
    )


def test_a_value_without_a_date_is_listed_but_never_drawn_or_given_a_date(client):
    statistic = StatisticFactory(values=[*YEAR_ENDS[:2], {"value": 77777}])
    html = chart_of(statistic)
    drawing = wide(html)
    assert "77,777" not in drawing and drawing.count("<g class=") == 2
    dates = re.findall(r'text-anchor="middle"[^>]*>([^<]+)</text>', drawing)
    assert dates == ["31 Dec 2023", "31 Dec 2024"]  # not the day it was recorded
    assert "1 value has no date given, so it is not drawn; it is listed in the table." in html
    published(statistic)
    page = client.get(statistic.get_absolute_url()).content.decode()
    table = page[page.index('<table class="history">') :]
    assert "77,777" in table and '<span class="unknown">Not given</span>' in table


def test_without_a_dated_value_there_is_only_the_table(client):
    statistic = StatisticFactory(values=[{"value": 19}, {"value": 21, "note": "Later"}])
    assert chart_of(statistic) == ""
    published(statistic)
    page = client.get(statistic.get_absolute_url()).content.decode()
    assert "<svg" not in page and '<table class="history">' in page


def test_a_single_value_is_one_marked_point_with_its_label():
    html = wide(chart_of(StatisticFactory()))  # 50,271 as of 11 August 2025
    assert html.count("<g class=") == 1 and "<polyline" not in html
    x1, x2 = re.search(r'<line class="chart__grid[^"]*" x1="([\d.]+)" x2="([\d.]+)"', html).groups()
    cx = re.search(r'<circle cx="([\d.]+)"', html).group(1)
    assert float(cx) == pytest.approx((float(x1) + float(x2)) / 2, abs=0.1)  # midway
    assert ">50,271</text>" in html and ">11 Aug 2025</text>" in html


def test_the_value_axis_starts_at_zero_with_three_to_five_round_ticks():
    for low, high in [(29437, 41472), (1, 1), (0.2, 0.9), (1.6e9, 1.6e9), (95, 100)]:
        ticks = charts.nice_ticks(low, high)
        assert ticks[0] == 0 and ticks[-1] >= Decimal(repr(high)) and 3 <= len(ticks) <= 5
    negative = charts.nice_ticks(-12, 30)
    assert negative[0] <= -12 and 0 in negative and len(negative) <= 5


def test_percentages_and_compact_figures_are_labelled_in_their_unit():
    percent = StatisticFactory(
        display="percent",
        unit="",
        values=[(Decimal("12.5"), datetime.date(2024, 6, 30)), (14, datetime.date(2025, 6, 30))],
    )
    html = wide(chart_of(percent))
    assert ">0%</text>" in html and ">15%</text>" in html and ">14%</text>" in html
    assert 'class="chart__unit"' not in html  # the ticks carry the unit
    money = StatisticFactory(
        display="compact",
        prefix="£",
        unit="a year",
        values=[
            (1_600_000_000, datetime.date(2024, 1, 1)),
            (2_100_000_000, datetime.date(2025, 1, 1)),
        ],
    )
    html = wide(chart_of(money))
    assert ">£0</text>" in html and ">£1bn</text>" in html and ">£2.1bn</text>" in html
    assert (
        '<text class="chart__unit" x="0" y="14" font-size="14" fill="#4a4f59">a year</text>' in html
    )


def test_dates_on_the_axis_do_not_overlap():
    monthly = [(1000 + n, datetime.date(2022 + n // 12, n % 12 + 1, 1)) for n in range(36)]
    html = chart_of(StatisticFactory(values=monthly))
    for frame in (charts.WIDE, charts.NARROW):
        drawing = re.search(rf'chart__svg--{frame.name}".*?</svg>', html, re.S).group()
        labels = re.findall(
            r'<text class="chart__tick" x="([\d.]+)" y="[\d.]+" text-anchor="middle"[^>]*>([^<]+)<',
            drawing,
        )
        assert 2 <= len(labels) <= frame.max_dates
        spans = [
            (float(x) - len(text) * frame.font * 0.3, float(x) + len(text) * frame.font * 0.3)
            for x, text in labels
        ]
        assert all(a[1] < b[0] for a, b in itertools.pairwise(spans)), labels
        assert spans[0][0] >= 0 and spans[-1][1] <= frame.width


def test_the_story_card_draws_a_sparkline_only_from_two_dated_values():
    two = loaded(StatisticFactory(values=YEAR_ENDS[:2]))
    card = cards.statistic_card(two, two.current)
    spark = re.search(r'<svg class="stat__sparkline".*?</svg>', card).group()
    assert 'aria-hidden="true"' in spark
    assert len(re.search(r'points="([^"]+)"', spark).group(1).split()) == 2
    one = loaded(StatisticFactory())
    assert "<svg" not in cards.statistic_card(one, one.current)
    undated = loaded(StatisticFactory(values=[{"value": 1}, {"value": 2}]))
    assert "<svg" not in cards.statistic_card(undated, undated.current)


def test_a_pinned_figure_s_sparkline_ends_at_the_figure_shown():
    statistic = loaded(StatisticFactory(values=YEAR_ENDS))
    pinned = statistic.value_on(datetime.date(2024, 12, 31))
    spark = str(charts.sparkline(statistic, upto=pinned))
    points = re.search(r'points="([^"]+)"', spark).group(1).split()
    assert len(points) == 2 and points[-1].startswith("93")  # 2023 and 2024, not 2025


def test_the_page_and_the_card_show_the_chart_above_the_table(client):
    statistic = StatisticFactory(values=YEAR_ENDS)
    published(statistic)
    for url in (
        statistic.get_absolute_url(),
        reverse("claims:embed_statistic", args=[statistic.slug]),
    ):
        html = client.get(url).content.decode()
        assert '<svg class="chart__svg chart__svg--wide"' in html
        assert html.index('<figure class="chart"') < html.index('<table class="history">')
        assert html.count("<tr") == 4  # a row per value and the header
    card = client.get(reverse("claims:embed_statistic", args=[statistic.slug])).content.decode()
    assert "stat__sparkline" not in card  # the chart below says it all


@pytest.mark.parametrize("values", [1, 20])
def test_the_chart_costs_no_query(client, values, django_assert_num_queries):
    statistic = StatisticFactory(values=[(n, datetime.date(2000 + n, 1, 1)) for n in range(values)])
    published(statistic)
    # the statistic with its source and checker, its values with their sources, its public
    # notes, the count of stories using it and the page of them; the masthead's topics
    with django_assert_num_queries(6):
        page = client.get(statistic.get_absolute_url())
    # the statistic with its source and checker, its values with their sources
    with django_assert_num_queries(2):
        card = client.get(reverse("claims:embed_statistic", args=[statistic.slug]))
    assert b"chart__svg" in page.content and b"chart__svg" in card.content


def test_a_value_added_reaches_the_cached_chart_at_once(
    client, page_cache, editor, django_capture_on_commit_callbacks
):
    statistic = StatisticFactory(values=YEAR_ENDS[:2])
    published(statistic)
    urls = [statistic.get_absolute_url(), reverse("claims:embed_statistic", args=[statistic.slug])]
    for url in urls:
        assert client.get(url)["X-Page-Cache"] == "miss"
        assert client.get(url)["X-Page-Cache"] == "hit"
    with django_capture_on_commit_callbacks(execute=True):
        claims_publishing.add_value(
            statistic, value=41472, as_of=datetime.date(2025, 12, 31), by=editor
        )
    for url in urls:
        chart = wide(client.get(url).content.decode())
        assert chart.count('<g class="chart__point">') == 3
        assert "<title>41,472 people, as of 31 December 2025." in chart
        assert ">31 Dec 2025</text>" in chart


def test_a_year_s_figure_is_labelled_with_its_year_where_it_stands():
    statistic = StatisticFactory(
        values=[
            {
                "value": 1000 + year,
                "as_of": datetime.date(year, 12, 31),
                "period_start": datetime.date(year, 1, 1),
                "period_end": datetime.date(year, 12, 31),
            }
            for year in range(2015, 2025)
        ]
    )
    html = chart_of(statistic)
    for frame in (charts.WIDE, charts.NARROW):
        drawing = re.search(rf'chart__svg--{frame.name}".*?</svg>', html, re.S).group()
        ticks = re.findall(r'<line class="chart__axis" x1="([\d.]+)"', drawing)
        points = re.findall(r'<circle cx="([\d.]+)"', drawing)
        labels = re.findall(r'text-anchor="middle" font-size="14" fill="#4a4f59">(\d{4})<', drawing)
        assert set(ticks) <= set(points)  # each year's label under that year's point
        assert labels[-1] == "2024" and len(labels) >= 2
