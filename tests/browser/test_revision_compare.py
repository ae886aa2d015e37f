"""Two revisions compared in Chromium, under the site's real content security policy: two
columns that fit a 1,280 px window, stacked on a phone, the changed word highlighted.
Screenshots go to var/screenshots/ at 1,280 and 375 px."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from explainers import publishing
from explainers.models import Revision
from tests import factories

from .conftest import SCREENSHOTS, WIDTHS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

OPENING = (
    "Crossings of the Channel in small boats rose through the summer as calm weather held and "
    "the boats grew larger, carrying more people on each trip than before. The figures are at "
    "https://www.gov.uk/government/statistical-data-sets/irregular-migration-detailed-dataset-"
    "and-summary-tables-with-a-very-long-address-that-must-wrap"
)
SECTIONS = [
    ("What happened?", OPENING + "\n\n[[statistic:small-boat-crossings]]"),
    (
        "Who is crossing?",
        "Mostly **young men** from Afghanistan, Iran and Eritrea.\n\n- Alone\n- In groups",
    ),
    ("Why now?", "Calm weather and larger boats made more crossings possible this year."),
    ("What next?", "The government promises new [returns agreements](https://example.org)."),
]


@pytest.fixture(autouse=True)
def roles():
    """A transactional test that ran before may have flushed the data migrations' rows."""
    if not Group.objects.filter(name="Editor").exists():
        importlib.import_module("newsroom.migrations.0002_roles").create_roles(apps, None)


@pytest.fixture
def edna():
    user = factories.UserFactory(
        username="edna", first_name="Edna", last_name="Editor", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editor"))
    return user


@pytest.fixture
def story(edna):
    factories.StatisticFactory(slug="small-boat-crossings", label="Small-boat crossings")
    story = factories.ExplainerFactory(title="Small boats", slug="small-boats")
    old = publishing.snapshot(story)
    old["sections"] = [{"heading": h, "body": b} for h, b in SECTIONS]
    new = {**old, "seo_title": "Small boats crossing the Channel, explained"}
    moved = [SECTIONS[0], SECTIONS[2], SECTIONS[3], SECTIONS[1]]
    new["sections"] = [{"heading": h, "body": b} for h, b in moved]
    new["sections"][0]["body"] = new["sections"][0]["body"].replace("summer", "autumn")
    for number, content in ((1, old), (2, new)):
        Revision.objects.create(
            explainer=story, number=number, action="edited", created_by=edna, content=content
        )
    return story


@pytest.fixture
def page(browser, live_server, edna):
    """Edna's browser, with the policy enforced (no ``bypass_csp``): the styles must load."""
    client = Client()
    client.force_login(edna)
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


def box(page, selector):
    return page.locator(selector).first.bounding_box()


def test_two_revisions_side_by_side_fit_1280_and_stack_on_a_phone(page, live_server, story):
    url = reverse("admin:explainers_explainer_revisions", args=[story.pk])
    page.goto(f"{live_server.url}{url}?a=1&b=2")

    old, new = page.locator(".rc-cell--old").first, page.locator(".rc-cell--new").first
    assert old.is_visible() and new.is_visible()
    left, right = box(page, ".rc-cell--old"), box(page, ".rc-cell--new")
    assert left["x"] + left["width"] <= right["x"]  # two columns, the older on the left
    assert abs(left["y"] - right["y"]) < 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.locator(".rc-cell--new ins", has_text="autumn").count() == 1
    assert page.locator(".rc-cell--old del", has_text="summer").count() == 1
    assert page.locator(".rc-row__note", has_text="Moved from section 2 to section 4").count()
    assert page.locator(".rc-row__label", has_text="SEO title").count() == 1
    assert page.locator("text=[Statistic: Small-boat crossings]").count() == 2
    assert "Revision 2 · Edited" in page.inner_text(".rc-columns")

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"revision-compare-{width}.png"), full_page=True)
        assert page.evaluate(
            "[...document.querySelectorAll('.rc-row')].every(r => r.scrollWidth <= r.clientWidth)"
        )

    # On a phone (375 px, as last set) the columns stack, each saying which revision it is.
    left, right = box(page, ".rc-cell--old"), box(page, ".rc-cell--new")
    assert right["y"] >= left["y"] + left["height"]
    assert page.locator(".rc-cell--old .rc-cell__who").first.is_visible()
