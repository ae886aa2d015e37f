"""Stories rendered once, when they change (``explainers.renderings``): what readers and partners
get after a change commits is never the rendering from before it, with the page cache off and
on, whether the story is rendered again at once or left stale for the next request."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from claims import publishing as facts
from claims.models import Person, StatisticValue
from explainers import publishing, renderings
from explainers.models import Rendering
from newsroom.core import workflow
from tests.factories import (
    AuthorFactory,
    ExplainerFactory,
    PersonFactory,
    QuoteFactory,
    StatisticFactory,
    TopicFactory,
    add_section,
)

PINNED_ON = datetime.date(2025, 1, 15)


@pytest.fixture
def api_client(db):
    from django.core.cache import cache
    from rest_framework.test import APIClient

    from newsroom.models import PartnerKey

    cache.clear()  # keys are found by prefix in the cache: no key of an earlier test
    client = APIClient()
    client.credentials(HTTP_X_API_KEY=PartnerKey.objects.create_key(name="app", partner="P")[1])
    return client


@pytest.fixture(params=["page cache off", "page cache on"])
def cache_mode(request, settings):
    settings.NEWSROOM_PAGE_CACHE_SECONDS = 600 if request.param == "page cache on" else 0
    return request.param


@pytest.fixture(params=["rendered at once", "left stale"])
def render_mode(request, settings):
    """After a change, its stories are rendered on commit, or (past the bound) left stale for
    the first request that meets them."""
    settings.NEWSROOM_RENDER_AT_ONCE = 20 if request.param == "rendered at once" else 0
    return request.param


@pytest.fixture
def story(db):
    """A published story showing a live statistic card, a figure pinned to a date, and a quote
    by a named person, in a topic, by an author."""
    live = StatisticFactory(
        slug="crossings",
        label="Small-boat crossings",
        values=[(50271, datetime.date(2025, 8, 11))],
    )
    pinned = StatisticFactory(
        slug="returns",
        label="Returns",
        values=[(1000, datetime.date(2025, 1, 1)), (2000, datetime.date(2025, 2, 1))],
    )
    speaker = PersonFactory(name="Yvette Cooper", slug="yvette-cooper")
    QuoteFactory(slug="summer", text="Smuggling gangs are exploiting people.", speaker=speaker)
    story = ExplainerFactory(
        published=True,
        slug="channel",
        title="Channel crossings",
        topics=[TopicFactory(name="Migration", slug="migration")],
        authors=[AuthorFactory(name="Ada Reporter", slug="ada-reporter")],
    )
    add_section(
        story,
        "[[statistic:crossings]]\n\nReturns stood at [[value:returns@2025-01-15]].\n\n"
        "[[quote:summer]]",
    )
    assert live and pinned
    return story


def text(html: str) -> str:
    """What a reader reads: tags dropped, spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def page(client, story) -> str:
    response = client.get(story.get_absolute_url())
    assert response.status_code == 200
    return response.content.decode()


def api(client, story) -> str:
    response = client.get(reverse("api:explainer-detail", kwargs={"slug": story.slug}))
    assert response.status_code == 200
    return response.content.decode()


def rendering_of(story) -> Rendering:
    return Rendering.objects.get(pk=story.pk)


# --- Rendered once -------------------------------------------------------------------------------


def test_a_story_is_rendered_by_its_first_request_and_then_served_as_stored(client, story):
    first = page(client, story)
    assert rendering_of(story).render_count == 1
    assert page(client, story) == first
    assert "Channel crossings" in first and "50,271" in first
    assert rendering_of(story).render_count == 1  # served from storage, not rendered again


def test_the_stored_page_is_the_page_a_preview_renders_live(client, admin_client, story):
    """The stored article and a live rendering of the same story are the same HTML."""
    stored = page(client, story)
    preview = admin_client.get(reverse("explainers:preview", args=[story.pk])).content.decode()
    article = stored[stored.index("<article") : stored.index("</article>")]
    assert article == preview[preview.index("<article") : preview.index("</article>")]


def test_absolute_urls_are_on_the_host_asked(client, api_client, story, settings):
    settings.ALLOWED_HOSTS = ["news.example", "partner.example", "testserver"]
    html = client.get(story.get_absolute_url(), HTTP_HOST="news.example").content.decode()
    assert f'<link rel="canonical" href="http://news.example{story.get_absolute_url()}">' in html
    assert renderings.ORIGIN_HOST not in html
    body = api_client.get(
        reverse("api:explainer-detail", kwargs={"slug": "channel"}), HTTP_HOST="partner.example"
    ).json()
    assert body["site_url"] == f"http://partner.example{story.get_absolute_url()}"
    assert renderings.ORIGIN_HOST not in str(body)


# --- Never stale after a change commits ----------------------------------------------------------


def add_live_value(story):
    facts.add_value(
        story.sections.get().blocks.get(kind="statistic").statistic,
        value=Decimal(61000),
        as_of=datetime.date(2025, 9, 1),
        by=None,
    )
    return "61,000 people Small-boat crossings", "50,271 people Small-boat crossings"


def correct_pinned_value(story):
    block = story.sections.get().blocks.get(kind="value")
    wrong = block.pinned_value
    facts.add_value(
        block.statistic,
        value=Decimal(1500),
        as_of=wrong.as_of,
        revises=wrong,
        revision_kind=StatisticValue.Revision.CORRECTION,
        correction_note="We had it wrong.",
        by=None,
    )
    return "Returns stood at 1,500", "Returns stood at 1,000"


def rename_person(story):
    person = Person.objects.get(slug="yvette-cooper")
    person.name = "Shabana Mahmood"
    workflow.save(person, by=None)
    return "Shabana Mahmood", "Yvette Cooper"


def edit_quote(story):
    quote = story.sections.get().blocks.get(kind="quote").quote
    quote.text = "Gangs are exploiting desperate people."
    facts.save_fact(quote, by=None)
    return "Gangs are exploiting desperate people.", "Smuggling gangs are exploiting people."


def add_note_on_fact(story):
    quote = story.sections.get().blocks.get(kind="quote").quote
    publishing.add_fact_note(quote, kind="clarification", text="Said on 11 August.", by=None)
    return "Said on 11 August.", None


def rename_topic(story):
    topic = story.topics.get()
    topic.name = "Asylum"
    workflow.save(topic, by=None)
    return "Asylum", "Migration"


def rename_author(story):
    author = story.authors.get()
    author.name = "Bea Reporter"
    workflow.save(author, by=None)
    return "By Bea Reporter", "Ada Reporter"


def republish_edit(story):
    copy = publishing.working_copy(story, by=None)
    copy.title = "Channel crossings, explained"
    copy.save()
    publishing.publish(copy, by=None)
    return "Channel crossings, explained", None


CHANGES = [
    add_live_value,
    correct_pinned_value,
    rename_person,
    edit_quote,
    add_note_on_fact,
    rename_topic,
    rename_author,
    republish_edit,
]


@pytest.mark.parametrize("change", CHANGES, ids=lambda change: change.__name__)
def test_a_change_is_on_the_page_and_in_the_api_once_it_commits(
    change, cache_mode, render_mode, client, api_client, story, django_capture_on_commit_callbacks
):
    before_page, before_api = text(page(client, story)), api(api_client, story)
    with django_capture_on_commit_callbacks(execute=True):
        new, old = change(story)
    after_page, after_api = text(page(client, story)), api(api_client, story)
    assert new in after_page and new not in before_page
    if old is not None:
        assert old in before_page and old not in after_page
        assert old.removeprefix("By ") not in text(after_api)
    assert before_api != after_api


def test_a_change_is_not_shown_before_it_commits(client, story):
    """Rolled back: nothing changes, and the stored rendering is current again at once."""
    before = page(client, story)
    with pytest.raises(RuntimeError), connection.cursor():
        from django.db import transaction

        with transaction.atomic():
            add_live_value(story)
            raise RuntimeError
    assert page(client, story) == before
    assert not rendering_of(story).stale


def test_taking_a_story_down_removes_it_at_once(
    cache_mode, client, api_client, story, django_capture_on_commit_callbacks
):
    page(client, story), api(api_client, story)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(story, by=None)
    assert client.get(story.get_absolute_url()).status_code == 404
    detail = reverse("api:explainer-detail", kwargs={"slug": story.slug})
    assert api_client.get(detail).status_code == 404
    assert story.slug not in api_client.get(reverse("api:explainer-list")).content.decode()


def test_deleting_a_story_or_a_note_removes_it(
    cache_mode, client, story, django_capture_on_commit_callbacks
):
    note = publishing.add_correction(story, kind="correction", text="We misspelt it.", by=None)
    assert "We misspelt it." in page(client, story)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.delete_correction(note, by=None)
    assert "We misspelt it." not in page(client, story)
    with django_capture_on_commit_callbacks(execute=True):
        publishing.delete(story, by=None)
    assert client.get(story.get_absolute_url()).status_code == 404
    assert not Rendering.objects.filter(pk=story.pk).exists()


def test_a_draft_is_never_rendered_for_readers(client, story):
    draft = ExplainerFactory(slug="draft", title="Secret draft")
    add_section(draft, "[[statistic:crossings]]")
    assert client.get("/stories/draft/").status_code == 404
    assert renderings.refresh(draft.pk) is None
    assert not Rendering.objects.filter(pk=draft.pk).exclude(version="").exists()


def test_editing_a_working_copy_leaves_readers_version_alone(
    client, story, django_capture_on_commit_callbacks
):
    before = page(client, story)
    with django_capture_on_commit_callbacks(execute=True):
        copy = publishing.working_copy(story, by=None)
        copy.title = "Unpublished headline"
        copy.save()
    after = page(client, story)
    assert "Unpublished headline" not in after
    assert after == before


# --- Exactly the stories a change touches ---------------------------------------------------------


def test_a_fact_change_renders_again_exactly_the_stories_showing_it(
    client, story, django_capture_on_commit_callbacks
):
    other = ExplainerFactory(published=True, slug="other")
    add_section(other, "[[quote:summer]]")
    unrelated = ExplainerFactory(published=True, slug="unrelated")
    add_section(unrelated, "Nothing shared.")
    draft = ExplainerFactory(slug="draft-showing")
    add_section(draft, "[[statistic:crossings]]")
    for shown in (story, other, unrelated):
        page(client, shown)
    with django_capture_on_commit_callbacks(execute=True):
        add_live_value(story)
    counts = dict(Rendering.objects.values_list("explainer__slug", "render_count"))
    assert counts["channel"] == 2  # shows the statistic: rendered again on commit
    assert counts["other"] == 1  # shows only the quote
    assert counts["unrelated"] == 1
    assert not Rendering.objects.filter(stale=False, explainer__slug="draft-showing").exists()
    assert Rendering.objects.get(explainer__slug="draft-showing").stale  # marked, never rendered


def test_past_the_bound_the_rest_wait_stale_for_their_first_request(
    db, client, settings, django_capture_on_commit_callbacks
):
    settings.NEWSROOM_RENDER_AT_ONCE = 2
    StatisticFactory(slug="shared", values=[(10, datetime.date(2025, 8, 1))])
    stories = []
    for n in range(5):
        shown = ExplainerFactory(published=True, slug=f"s{n}")
        add_section(shown, "[[statistic:shared]]")
        page(client, shown)
        stories.append(shown)
    with django_capture_on_commit_callbacks(execute=True):
        facts.add_value(
            stories[0].sections.get().blocks.get().statistic,
            value=Decimal(77),
            as_of=datetime.date(2025, 9, 1),
            by=None,
        )
    assert Rendering.objects.filter(stale=True).count() == 3
    for shown in stories:
        assert "77 people" in text(page(client, shown))
    assert Rendering.objects.filter(stale=True).count() == 0
    assert renderings.render_stale() == 0


@pytest.mark.django_db
def test_rendering_a_story_costs_the_same_queries_whatever_its_size():
    from tests.explainers_tests.test_public_pages import build_story

    costs = []
    for size in (2, 20):
        shown = build_story(sections=size, facts_per_section=3)
        with CaptureQueriesContext(connection) as queries:
            assert renderings.refresh(shown.pk) is not None
        costs.append(len(queries))
    assert costs[0] == costs[1] <= 16, costs


@pytest.mark.django_db
def test_marking_a_fact_change_costs_the_same_queries_however_many_stories_show_it():
    from django.db import transaction

    statistic = StatisticFactory(slug="wide", values=[(1, None)])
    costs = []
    for count in (1, 30):
        for _ in range(count):
            shown = ExplainerFactory(published=True)
            add_section(shown, "[[statistic:wide]]")
        with CaptureQueriesContext(connection) as queries, transaction.atomic():
            renderings.mark_stale((statistic,))
        costs.append(len(queries))
    assert costs[0] == costs[1], costs


def test_render_stories_command_renders_what_is_stale(story, client):
    from django.core.management import call_command

    call_command("render_stories")
    assert rendering_of(story).render_count == 1
    call_command("render_stories")  # nothing stale: nothing rendered
    assert rendering_of(story).render_count == 1
    call_command("render_stories", "--all")  # e.g. after a deploy
    assert rendering_of(story).render_count == 2


def test_a_rendering_made_by_other_code_is_rendered_again(client, story):
    page(client, story)
    Rendering.objects.filter(pk=story.pk).update(renderer="0123456789abcdef")
    page(client, story)
    assert rendering_of(story).render_count == 2


def test_a_story_taken_down_while_a_list_is_read_is_left_out_not_a_404(api_client, db):
    """Between the list's query and the check of each rendering, a story can be taken down:
    the page leaves it out rather than answering 404 for the whole list."""
    kept = ExplainerFactory(published=True, slug="kept")
    gone = ExplainerFactory(published=True, slug="gone")
    real_refresh = renderings.refresh

    def taken_down_meanwhile(pk, **kwargs):
        return None if pk == gone.pk else real_refresh(pk, **kwargs)

    from unittest import mock

    with mock.patch.object(renderings, "refresh", taken_down_meanwhile):
        response = api_client.get(reverse("api:explainer-list"))
    assert response.status_code == 200
    assert [item["slug"] for item in response.json()["results"]] == [kept.slug]
