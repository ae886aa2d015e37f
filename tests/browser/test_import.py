"""Importing a text in Chromium, as an editor does it: “Import text” from the stories' list, a
pasted article, the review screen (at 1,280 and 375 px, checked with axe-core), some proposals
accepted and one left as text, then the draft opened with every token placed."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client

from claims.models import Quote, Statistic
from explainers.models import Explainer, FurniturePattern, SectionBlock
from tests import factories

from .conftest import AXE, BLOCKING, SCREENSHOTS, WIDTHS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TEXT = """Harbour ferry fares to rise by a fifth from April
Fares on the Eastmere harbour ferry will rise by 20% in April, the operator has announced.
Eastmere Ferries said a single adult ticket would cost £3.60, up from £3.00, and that around 1,800 people use the service every weekday.
Please use Chrome browser for a more accessible video player
Why are fares going up?
Ruth Adeyemi, the company’s managing director, said: “Fuel and repair costs have doubled in two years. We have held fares for as long as we could.”
Commuters said the rise was “another tax on people who cannot drive”.
Image: The ferry leaving Eastmere quay. Pic: Eastmere Gazette
"""


@pytest.fixture(autouse=True)
def roles_and_patterns():
    """A transactional test that ran before may have flushed the data migrations' rows."""
    if not Group.objects.filter(name="Editor").exists():
        importlib.import_module("newsroom.migrations.0002_roles").create_roles(apps, None)
    if not FurniturePattern.objects.exists():
        importlib.import_module(
            "explainers.migrations.0015_default_furniture_patterns"
        ).add_defaults(apps, None)


@pytest.fixture
def editor_page(browser, live_server):
    user = factories.UserFactory(
        username="ines", first_name="Ines", last_name="Importer", is_staff=True
    )
    user.groups.add(Group.objects.get(name="Editor"))
    client = Client()
    client.force_login(user)
    # bypass_csp lets the test inject axe-core; the pages themselves carry no inline script
    context = browser.new_context(
        viewport={"width": WIDTHS["desktop"], "height": 900}, bypass_csp=True
    )
    context.add_cookies(
        [
            {
                "name": "sessionid",
                "value": client.cookies["sessionid"].value,
                "url": live_server.url,
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.base = live_server.url
    yield page
    context.close()


def check_page(page, name):
    """Screenshots at both widths; no sideways scrolling; no serious axe-core finding."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = []
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"import-{name}-{width}.png"), full_page=True)
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > width:
            problems.append(f"{name} at {label}: {scroll} px wide")
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.add_script_tag(path=str(AXE))
        found = page.evaluate(
            """async () => (await axe.run(document, {resultTypes: ["violations"]})).violations
                .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}))"""
        )
        problems += [f"{name} at {label}: {v}" for v in found if v["impact"] in BLOCKING]
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})
    return problems


def test_an_editor_pastes_a_text_reviews_it_and_opens_the_draft(editor_page):
    page = editor_page
    page.goto(page.base + "/admin/explainers/explainer/")
    page.click("text=Import text")
    page.fill("#id_text", TEXT)
    problems = check_page(page, "form")
    page.click("button[name='_review']")
    page.wait_for_selector("#import-quotes")
    assert "Read in" in page.inner_text(".import__intro")
    assert page.is_visible("text=Please use Chrome browser for a more accessible video player")
    problems += check_page(page, "review")
    assert not problems, problems

    # the commuters' words name no one: proposed, but left as text unless someone is named
    commuters = page.locator("fieldset.import__proposal", has_text="another tax on people")
    assert commuters.locator("input[value='text']").is_checked()
    # keep the director's quote, leave the 1,800 figure as text, rename the headline
    director = page.locator("fieldset.import__proposal", has_text="Fuel and repair costs")
    assert director.locator("input[value='new']").is_checked()
    assert "Managing director" in director.inner_text()
    riders = page.locator("fieldset.import__proposal:has(legend:has-text('around 1,800'))")
    riders.locator("input[value='text']").check()
    page.fill("#id_headline", "Ferry fares to rise by a fifth")
    page.click("button[name='_confirm']")

    page.wait_for_selector(".messagelist")
    assert "Draft “Ferry fares to rise by a fifth” created" in page.inner_text(".messagelist")
    story = Explainer.objects.get(title="Ferry fares to rise by a fifth")
    assert story.status == Explainer.Status.DRAFT
    bodies = page.eval_on_selector_all(
        "textarea.section-body", "areas => areas.map(a => a.value).join('\\n')"
    )
    quote = Quote.objects.get(speaker__name="Ruth Adeyemi")
    assert f"[[quote:{quote.slug}]]" in bodies
    assert "around 1,800 people" in bodies  # left as text, as chosen
    assert Statistic.objects.filter(values__value="3.60", prefix="£").exists()
    placed = SectionBlock.objects.filter(section__explainer=story)
    assert placed.filter(kind="quote").count() == 1 and placed.filter(kind="media").count() == 1

    # the draft opens in the preview with every block in place and no token refused
    page.goto(page.base + f"/preview/{story.pk}/")
    assert page.locator(".token-error").count() == 0
    assert page.is_visible("text=Fuel and repair costs have doubled in two years.")
    page.screenshot(path=str(SCREENSHOTS / "import-draft-preview-1280.png"), full_page=True)
