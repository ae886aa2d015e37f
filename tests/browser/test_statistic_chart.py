"""A statistic's chart in a real browser: its page and its card at 1,280 and 375 px."""

import datetime

import pytest
from django.core.management import call_command
from django.urls import reverse

from claims.models import Statistic, StatisticValue
from explainers.models import Explainer
from tests.browser.conftest import WIDTHS
from tests.browser.test_reader_journey import restore_rating_scale
from tests.factories import StatisticFactory, add_section

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

LABEL = "People arriving in the UK in small boats each year"


@pytest.fixture
def statistics(page_cache):
    """The demo stories, and a figure with several years of values (one corrected) that the
    first of them shows."""
    restore_rating_scale()
    call_command("load_stories", verbosity=0)
    story = Explainer.objects.published().order_by("-published_at").first()
    yearly = StatisticFactory(
        slug="small-boat-arrivals-by-year",
        label=LABEL,
        unit="people",
        values=[
            {"value": 28526, "as_of": datetime.date(2021, 12, 31), "period_start": datetime.date(2021, 1, 1), "period_end": datetime.date(2021, 12, 31)},
            {"value": 45755, "as_of": datetime.date(2022, 12, 31), "period_start": datetime.date(2022, 1, 1), "period_end": datetime.date(2022, 12, 31)},
            {"value": 29437, "as_of": datetime.date(2023, 12, 31), "period_start": datetime.date(2023, 1, 1), "period_end": datetime.date(2023, 12, 31)},
            {"value": 36816, "as_of": datetime.date(2024, 12, 31), "period_start": datetime.date(2024, 1, 1), "period_end": datetime.date(2024, 12, 31), "qualifier": "provisional"},
        ],
    )  # fmt: skip
    mistyped = StatisticValue.objects.get(statistic=yearly, value=45755)
    yearly.record_value(
        value=45774,
        as_of=mistyped.as_of,
        period_start=mistyped.period_start,
        period_end=mistyped.period_end,
        revises=mistyped,
        revision_kind="correction",
        correction_note="We transposed two digits.",
    )
    add_section(story, f"[[statistic:{yearly.slug}]]", heading="Arrivals by year")
    return {"yearly": yearly, "single": Statistic.objects.get(slug="uk-net-migration-2024")}


def look_at_the_chart(reader, name, label):
    """At each width: one chart shown, titled, within the page; screenshots and axe."""
    page = reader.page
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        chart = page.locator('svg[role="img"]:visible')
        assert chart.count() == 1, f"one drawing of the chart at {width} px"
        title_id, desc_id = chart.get_attribute("aria-labelledby").split()
        assert page.locator(f"#{title_id}").text_content() == label
        assert "values from 2021 to 2024" in page.locator(f"#{desc_id}").text_content()
        box = chart.bounding_box()
        assert box["width"] <= width and box["height"] > 150
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth"), width
        # the labels stay readable: no smaller than 10 px on the screen
        ratio = page.evaluate(
            "el => el.getBoundingClientRect().width / el.viewBox.baseVal.width",
            chart.element_handle(),
        )
        assert 14 * ratio >= 10, f"labels of {14 * ratio:.1f} px at {width} px"
    reader.check(f"statistic-chart-{name}")


def test_the_chart_is_readable_and_accessible_on_the_page_and_the_card(reader, statistics):
    page = reader.page
    yearly = statistics["yearly"]

    reader.open(yearly.get_absolute_url())
    assert page.get_by_role("heading", level=1).inner_text() == LABEL
    assert page.get_by_role("img", name=LABEL).count() == 1  # the narrow drawing is hidden
    assert page.locator("table.history tbody tr").count() == 5
    look_at_the_chart(reader, "page", LABEL)

    reader.open(reverse("claims:embed_statistic", args=[yearly.slug]))
    assert page.locator(".stat__value").inner_text() == "36,816"
    page.get_by_text("Every value, as a table").click()
    assert page.locator("table.history").is_visible()
    look_at_the_chart(reader, "card", LABEL)

    # A demo figure with one value and no "as of" date: its table, and no chart.
    reader.open(statistics["single"].get_absolute_url())
    assert (
        page.locator("svg.chart__svg").count() == 0 and page.locator("table.history").is_visible()
    )
    reader.check("statistic-chart-undated")

    assert reader.blocking() == []
