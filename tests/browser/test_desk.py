"""The editor's desk in Chromium, as editors use it: two tabs and a publish, unsaved edits and
a workflow button, the browser closed mid-edit, two editors on one story, the live preview.
Screenshots of each go to var/screenshots/ at 1,280 and 375 px."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.test import Client

from explainers.models import Explainer
from tests import factories
from tests.factories import add_section

from .conftest import SCREENSHOTS, WIDTHS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

TYPED = "Words typed in the second tab, which must never be lost."
FAST = "window.NEWSROOM_AUTOSAVE_MS = 1500; window.NEWSROOM_PRESENCE_MS = 1000;"


@pytest.fixture(autouse=True)
def roles():
    """A transactional test that ran before may have flushed the data migrations' rows."""
    if not Group.objects.filter(name="Editor").exists():
        importlib.import_module("newsroom.migrations.0002_roles").create_roles(apps, None)


def person(name, username):
    first, last = name.split()
    user = factories.UserFactory(username=username, first_name=first, last_name=last, is_staff=True)
    user.groups.add(Group.objects.get(name="Editor"))
    return user


class Desk:
    """One person's browser: a context logged in as them, with tabs."""

    def __init__(self, browser, live_server, user):
        client = Client()
        client.force_login(user)
        self.base = live_server.url
        self.closed = False
        self.context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})
        self.context.add_init_script(FAST)
        self.context.add_cookies(
            [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": self.base}]
        )

    def tab(self, path):
        page = self.context.new_page()
        page.set_default_timeout(15_000)
        page.on("dialog", lambda dialog: dialog.accept())
        page.goto(self.base + path)
        return page

    def close(self):
        if not self.closed:
            self.context.close()
            self.closed = True


def shoot(page, name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    for width in WIDTHS.values():
        page.set_viewport_size({"width": width, "height": 900})
        page.screenshot(path=str(SCREENSHOTS / f"desk-{name}-{width}.png"), full_page=True)
    page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})


def change_path(explainer):
    return f"/admin/explainers/explainer/{explainer.pk}/change/"


@pytest.fixture
def desks(browser, live_server):
    """Open a person's browser; every one still open is closed before the database is reset
    (a page left polling the server would hold the database)."""
    opened = []

    def open_desk(user):
        desk = Desk(browser, live_server, user)
        opened.append(desk)
        return desk

    yield open_desk
    for desk in opened:
        desk.close()


@pytest.fixture
def edna(desks):
    return desks(person("Edna Editor", "edna"))


@pytest.fixture
def live_story():
    story = factories.ExplainerFactory(published=True, title="Live headline", slug="live")
    add_section(story, heading="What happened?", body="The published text.")
    return story


def test_publishing_in_one_tab_keeps_the_text_typed_in_another(edna, live_story):
    first = edna.tab(change_path(live_story))
    first.fill("#id_title", "Headline changed in the first tab")
    first.click("button[value='publish']")  # saves it, then publishes it
    first.wait_for_selector(".messagelist")
    copy = Explainer.objects.get(draft_of=live_story)
    second = edna.tab(change_path(copy))
    first.fill("#id_standfirst", "A new standfirst from the first tab.")
    first.click("input[name='_continue']")
    first.wait_for_selector(".messagelist")

    second.fill("#id_sections-0-body", TYPED)
    second.click("input[name='_continue']")

    second.wait_for_selector(".errornote, .errorlist")
    assert "/change/" in second.url  # the same page: not the admin home, not "doesn't exist"
    assert second.input_value("#id_sections-0-body") == TYPED
    assert "Edna Editor saved this explainer" in second.inner_text("#content-main")
    assert Explainer.objects.get(pk=copy.pk)  # the copy is still there
    shoot(second, "two-tabs")


def test_a_workflow_button_publishes_what_is_typed_and_not_yet_saved(edna, client):
    story = factories.ExplainerFactory(title="Saved headline", slug="draft", authors=[])
    add_section(story, heading="Why?", body="Because.")
    factories.AuthorFactory(name="Ann Reporter")
    page = edna.tab(change_path(story))
    page.fill("#id_standfirst", "A standfirst typed and never saved.")
    page.click("#id_authors + .select2")  # the byline: an author picked, not saved
    page.keyboard.type("Ann")
    page.click(".select2-results__option:has-text('Ann Reporter')")

    page.click("button[value='publish']")

    page.wait_for_selector(".messagelist")
    story.refresh_from_db()
    assert story.is_live and story.standfirst == "A standfirst typed and never saved."
    assert story.author_names == "Ann Reporter"
    html = client.get(story.get_absolute_url()).content.decode()
    assert "A standfirst typed and never saved." in html and "Ann Reporter" in html


def test_text_typed_before_the_browser_closed_is_offered_back(desks):
    user = person("Edna Editor", "edna")
    story = factories.ExplainerFactory(title="A draft", slug="draft")
    add_section(story, heading="Why?", body="Saved words.")
    before = desks(user)
    page = before.tab(change_path(story))
    with page.expect_response(
        lambda r: "/admin/desk/autosave/" in r.url and r.request.method == "POST"
    ) as kept:
        page.fill("#id_sections-0-body", "Words typed, then the browser closed.")
    assert kept.value.ok
    before.close()  # no save, no goodbye

    after = desks(user)
    page = after.tab(change_path(story))
    page.wait_for_selector("#desk-restore")
    assert "Restore your unsaved text from" in page.inner_text("#desk-restore")
    shoot(page, "restore")
    page.click("#desk-restore button:has-text('Restore')")
    assert page.input_value("#id_sections-0-body") == "Words typed, then the browser closed."
    page.click("input[name='_continue']")
    page.wait_for_selector(".messagelist")
    assert story.sections.get().body == "Words typed, then the browser closed."


def test_two_editors_on_one_story_see_each_other(edna, desks, live_story):
    nigel = desks(person("Nigel Nightdesk", "nigel"))
    mine = edna.tab(change_path(live_story))
    theirs = nigel.tab(change_path(live_story))

    mine.wait_for_selector("#desk-presence")
    theirs.wait_for_selector("#desk-presence")

    assert "Nigel Nightdesk is also editing this, since" in mine.inner_text("#desk-presence")
    assert "Edna Editor is also editing this, since" in theirs.inner_text("#desk-presence")
    shoot(mine, "presence")
    theirs.close()
    mine.wait_for_selector("#desk-presence", state="detached", timeout=60_000)


def test_the_live_preview_follows_the_typing(edna, live_story):
    quote = factories.QuoteFactory(text="A quote placed while writing.")
    page = edna.tab(change_path(live_story))
    page.click(".desk-preview-toggle")
    frame = page.frame_locator("iframe[name='desk-preview-frame']")
    frame.locator("h1").wait_for()
    assert frame.locator("h1").inner_text() == "Live headline"

    page.fill("#id_title", "A headline being typed")
    page.fill("#id_sections-0-body", f"New words.\n\n[[quote:{quote.slug}]]\n\n[[said:nope]]")

    frame.locator("h1", has_text="A headline being typed").wait_for()
    assert "A quote placed while writing." in frame.locator("main").inner_text()
    assert "there is no quote “nope”" in frame.locator(".preview-error").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator("#id_sections-0-body").scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "desk-live-preview-desktop-1280.png"))
    page.click("text=Phone (375 px)")
    page.screenshot(path=str(SCREENSHOTS / "desk-live-preview-phone-1280.png"))
    # The form beside the preview keeps every field inside its column.
    assert page.evaluate(
        """() => { const form = document.getElementById('explainer_form').getBoundingClientRect();
            const body = document.getElementById('id_sections-0-body').getBoundingClientRect();
            return body.right <= form.right + 1; }"""
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTHS["desktop"]
    assert not Explainer.objects.filter(draft_of=live_story).exists()  # nothing saved


def pick(page, section, term, option):
    """Search the section's block picker and choose ``option`` from what it offers."""
    page.click(f"#sections-{section} .block-picker-wrap .select2-selection")
    page.fill(".select2-container--open .select2-search__field", term)
    # the answer for this search, not the list shown while it was being typed
    page.click(f".select2-results__option[role='option']:has-text('{option} “{term}”')")


def test_a_new_quote_and_a_new_statistic_from_the_picker_without_leaving_the_story(edna):
    story = factories.ExplainerFactory(title="A draft about Rwanda", slug="rwanda")
    add_section(story, heading="What was agreed?", body="The first words.")
    page = edna.tab(change_path(story))
    body = "#id_sections-0-body"
    page.click(body)
    page.keyboard.press("End")

    pick(page, 0, "Rwanda", "New quote")
    dialog = page.locator("dialog.new-fact-dialog")
    dialog.locator("textarea[name='text']").fill("The Rwanda plan is dead and buried.")
    dialog.locator("input[name='new_speaker_name']").fill("Keir Starmer")
    dialog.locator("input[name='new_source_publisher']").fill("Sky News")
    dialog.locator("input[name='new_source_title']").fill("Interview")
    dialog.locator("select[name='new_source_kind']").select_option("broadcast")
    dialog.locator("button[type='submit']").click()
    dialog.wait_for(state="detached")

    pick(page, 0, "crossings", "New statistic")
    dialog = page.locator("dialog.new-fact-dialog")
    assert dialog.locator("input[name='label']").input_value() == "crossings"
    dialog.locator("input[name='label']").fill("Small-boat crossings this year")
    dialog.locator("input[name='value']").fill("abc")
    dialog.locator("button[type='submit']").click()
    dialog.locator(".errorlist", has_text="Write a number").wait_for()  # refused, kept open
    dialog.locator("input[name='value']").fill("20,000")
    dialog.locator("input[name='qualifier']").fill("more than")
    dialog.locator("input[name='new_source_publisher']").fill("Home Office")
    dialog.locator("input[name='new_source_title']").fill("Small-boat data")
    dialog.locator("select[name='new_source_kind']").select_option("official_statistics")
    shoot(page, "new-statistic")
    dialog.locator("button[type='submit']").click()
    dialog.wait_for(state="detached")

    text = page.input_value(body)
    assert text.startswith("The first words.\n\n[[quote:keir-starmer-rwanda-plan-dead-buried]]")
    assert "[[statistic:small-boat-crossings-year]]" in text
    page.click("input[name='_continue']")
    page.wait_for_selector(".messagelist")
    blocks = {b.kind for b in story.sections.get().blocks.all()}
    assert blocks == {"quote", "statistic"}


def test_the_checks_panel_lists_a_figure_typed_by_hand_and_leads_to_it(edna):
    import datetime

    factories.StatisticFactory(
        slug="small-boat-crossings",
        label="Small-boat crossings",
        values=[(50271, datetime.date(2025, 8, 11))],
        checked_by=person("Fay Checker", "fay"),
        checked_on=datetime.date(2026, 11, 30),
    )
    story = factories.ExplainerFactory(title="Crossings", slug="crossings", standfirst="")
    add_section(story, heading="How many crossed?", body="[[value:small-boat-crossings]] crossed.")
    page = edna.tab(change_path(story))
    panel = page.locator("#writing-aids")
    panel.locator("summary", has_text="nothing to check").wait_for()

    body = "#id_sections-0-body"
    page.fill(body, "Last year 50,271 people crossed the Channel in small boats.")
    panel.locator("summary", has_text="1 thing to check").wait_for()
    # 1 word of headline, 3 of heading, 10 typed
    assert panel.locator("summary").inner_text().startswith("14 words · about 1 min to read")
    panel.locator("summary").click()
    item = panel.locator("li[data-check='typed-figure']")
    assert "“50,271” is typed by hand" in item.inner_text()
    assert "[[value:small-boat-crossings]]" in item.inner_text()
    shoot(page, "checks-panel")

    item.locator("a", has_text="Section 1").click()  # to the place, the figure selected
    assert page.evaluate("document.activeElement.id") == "id_sections-0-body"
    selected = page.evaluate(
        "(() => { const f = document.activeElement;"
        " return f.value.slice(f.selectionStart, f.selectionEnd); })()"
    )
    assert selected == "50,271"
