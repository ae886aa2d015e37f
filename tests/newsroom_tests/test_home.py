"""The home page: a lead story, the rest beside and below it, the topics, the latest
corrections; and what every browser asks for (favicon, web app manifest)."""

import datetime
import io
import json
import re

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from explainers.models import Explainer
from tests.factories import CorrectionFactory, ExplainerFactory, MediaFactory, TopicFactory

pytestmark = pytest.mark.django_db


def stories(count, **fields):
    """``count`` published stories, newest first."""
    now = timezone.now()
    made = [
        ExplainerFactory(
            published=True,
            published_at=now - datetime.timedelta(hours=index + 1),
            title=f"Story number {index}",
            **fields,
        )
        for index in range(count)
    ]
    return made


def home(client) -> str:
    return client.get(reverse("home")).content.decode()


def region(html, css_class) -> str:
    """From the element with ``css_class`` to the next part of the page (or the page's end)."""
    start = html.find(f'class="{css_class}"')
    if start == -1:
        return ""
    marks = ('class="home__corrections"', 'class="home__more"', "</main>")
    ends = [html.find(mark, start + 1) for mark in marks]
    return html[start : min(end for end in ends if end != -1)]


def titles_in(html, css_class) -> list[str]:
    return re.findall(r">(Story number \d+)</a>", region(html, css_class))


def test_the_newest_story_leads_and_the_next_sit_beside_it(client):
    stories(3)

    html = home(client)

    lead = re.search(r'<article class="teaser teaser--lead.*?</article>', html, re.S).group(0)
    assert "Story number 0" in lead and "<h2" in lead
    assert titles_in(html, "home__rail") == ["Story number 1", "Story number 2"]
    assert 'class="home__top home__top--rail"' in html
    assert "home__more" not in html


def test_many_stories_fill_a_grid_under_the_lead(client):
    stories(10)

    html = home(client)

    assert titles_in(html, "home__rail") == [f"Story number {n}" for n in (1, 2, 3)]
    assert titles_in(html, "teasers teasers--grid") == [f"Story number {n}" for n in range(4, 10)]


def test_a_short_last_row_joins_the_stories_beside_the_lead(client):
    """Five stories: a grid of one would leave two thirds of the width empty."""
    stories(5)

    html = home(client)

    assert titles_in(html, "home__rail") == [f"Story number {n}" for n in (1, 2, 3, 4)]
    assert "home__more" not in html


def test_a_lead_without_a_picture_is_set_in_type_not_a_placeholder(client):
    stories(1)

    html = home(client)

    assert "teaser--lead" in html and "teaser--pictured" not in html
    assert "<img" not in html and "not available" not in html
    assert 'class="home__top"' in html  # no empty column beside it


def test_a_lead_with_a_picture_shows_it_cropped_wide_and_teasers_cropped_smaller(client):
    def picture():
        media = MediaFactory(alt_text="A harbour at dawn", focal_x=20, focal_y=70)
        out = io.BytesIO()
        Image.new("RGB", (1600, 900), "navy").save(out, "PNG")
        media.image.save("harbour.png", ContentFile(out.getvalue()), save=True)
        return media

    stories(8, hero=picture())

    html = home(client)

    lead = re.search(r'<article class="teaser teaser--lead.*?</article>', html, re.S).group(0)
    assert 'class="crop crop--wide focal-x20 focal-y70"' in lead
    grid = region(html, "teasers teasers--grid")
    assert grid.count('class="crop crop--teaser focal-x20 focal-y70"') == 4
    assert grid.count('loading="lazy"') == 4 and 'srcset="' in grid
    rail = region(html, "home__rail")
    assert "<img" not in rail  # headlines only beside the lead


def test_drafts_never_appear_on_the_home_page(client):
    stories(2)
    ExplainerFactory(title="Draft headline")
    ExplainerFactory(
        title="Scheduled headline",
        status=Explainer.Status.PUBLISHED,
        published_at=timezone.now() + datetime.timedelta(days=1),
    )

    html = home(client)

    assert "Draft headline" not in html and "Scheduled headline" not in html


# --- Topics in the masthead ---------------------------------------------------------------------


def test_the_masthead_lists_topics_with_published_stories_only(client):
    shown, private, empty = (
        TopicFactory(name="Ukraine"),
        TopicFactory(name="Secret"),
        TopicFactory(),
    )
    ExplainerFactory(published=True, topics=[shown])
    ExplainerFactory(topics=[private])  # a draft's topic

    html = home(client)

    nav = re.search(r'<nav class="topics-nav" aria-label="Topics">.*?</nav>', html, re.S).group(0)
    assert f'href="{shown.get_absolute_url()}"' in nav
    assert "Secret" not in html and empty.name not in nav


def test_every_page_has_the_masthead_topics_and_a_take_down_clears_them_everywhere(
    client, editor, page_cache, django_capture_on_commit_callbacks
):
    from explainers import publishing

    staying, going = TopicFactory(name="Migration"), TopicFactory(name="Ukraine")
    reader_story = ExplainerFactory(published=True, topics=[staying])
    only_in_ukraine = ExplainerFactory(published=True, topics=[going])
    url = reader_story.get_absolute_url()
    assert 'href="/topics/' in client.get(url).content.decode()
    page = client.get(url)
    assert page["X-Page-Cache"] == "hit" and "Ukraine</a>" in page.content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(only_in_ukraine, by=editor)

    # Another story's cached page no longer names the topic no reader can open now.
    page = client.get(url)
    assert page["X-Page-Cache"] == "miss"
    assert "Ukraine</a>" not in page.content.decode()
    assert "Migration</a>" in page.content.decode()


def test_a_page_rendered_between_a_take_down_and_its_refresh_leaves_no_stale_topic(
    client, editor, page_cache, django_capture_on_commit_callbacks
):
    from explainers import publishing

    staying, going = TopicFactory(name="Migration"), TopicFactory(name="Ukraine")
    first = ExplainerFactory(published=True, topics=[staying])
    second = ExplainerFactory(published=True, topics=[staying])
    only_in_ukraine = ExplainerFactory(published=True, topics=[going])
    assert "Ukraine</a>" in client.get(first.get_absolute_url()).content.decode()

    with django_capture_on_commit_callbacks(execute=False) as refreshes:
        publishing.unpublish(only_in_ukraine, by=editor)
    client.get(second.get_absolute_url())  # committed, not yet refreshed
    for refresh in refreshes:
        refresh()

    for story in (first, second):
        assert "Ukraine</a>" not in client.get(story.get_absolute_url()).content.decode()


def test_a_masthead_change_leaves_pages_without_a_masthead_cached(
    client, editor, page_cache, django_capture_on_commit_callbacks
):
    from explainers import publishing
    from tests.factories import QuoteFactory, add_section

    quote = QuoteFactory()
    story = ExplainerFactory(published=True, topics=[TopicFactory(name="Migration")])
    add_section(story, f"[[quote:{quote.slug}]]")
    only_in_ukraine = ExplainerFactory(published=True, topics=[TopicFactory(name="Ukraine")])
    embed = reverse("claims:embed_quote", args=[quote.slug])
    for url in (embed, story.get_absolute_url()):
        client.get(url)

    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(only_in_ukraine, by=editor)

    assert client.get(embed)["X-Page-Cache"] == "hit"  # partners' iframes keep their card
    assert client.get(story.get_absolute_url())["X-Page-Cache"] == "miss"  # its masthead changed


def test_a_change_that_leaves_the_masthead_alone_leaves_other_pages_cached(
    client, editor, page_cache, django_capture_on_commit_callbacks
):
    from explainers import publishing

    topic = TopicFactory(name="Migration")
    first = ExplainerFactory(published=True, topics=[topic])
    second = ExplainerFactory(published=True, topics=[topic])
    client.get(first.get_absolute_url())

    with django_capture_on_commit_callbacks(execute=True):
        publishing.unpublish(second, by=editor)  # Migration keeps a public story

    assert client.get(first.get_absolute_url())["X-Page-Cache"] == "hit"


def test_the_topic_page_marks_its_own_topic_in_the_masthead(client):
    topic, other = TopicFactory(name="Migration"), TopicFactory(name="Ukraine")
    ExplainerFactory(published=True, topics=[topic, other])

    html = client.get(topic.get_absolute_url()).content.decode()

    assert f'<a href="{topic.get_absolute_url()}" aria-current="page">Migration</a>' in html
    assert f'<a href="{other.get_absolute_url()}">Ukraine</a>' in html


def test_the_topics_cost_one_query_that_does_not_grow(client, django_assert_max_num_queries):
    ExplainerFactory(published=True, topics=[TopicFactory()])
    with CaptureQueriesContext(connection) as few:
        home(client)
    for _ in range(12):
        ExplainerFactory(published=True, topics=[TopicFactory(), TopicFactory()])
        CorrectionFactory(explainer=Explainer.objects.published().last())
    with CaptureQueriesContext(connection) as many:
        html = home(client)
    assert len(few) == len(many)
    assert html.count('<li><a href="/topics/') == 10  # the most covered ten
    # explainers, their topics, their authors, the latest corrections, the masthead's topics
    with django_assert_max_num_queries(5):
        home(client)


# --- Corrections --------------------------------------------------------------------------------


def test_the_latest_corrections_link_to_their_stories(client):
    story = ExplainerFactory(published=True, title="The summit story")
    CorrectionFactory(explainer=story, text="We misnamed the venue.")
    CorrectionFactory(explainer=story, kind="update", text="Talks continue tomorrow.")

    html = home(client)

    notes = re.search(r'<section class="home__corrections".*?</section>', html, re.S).group(0)
    assert f'href="{story.get_absolute_url()}#notes">The summit story</a>' in notes
    assert "We misnamed the venue." in notes
    assert "Talks continue tomorrow." not in notes  # an update is not a correction


@pytest.mark.parametrize(
    "state",
    [
        {"status": Explainer.Status.DRAFT},
        {"status": Explainer.Status.IN_REVIEW},
        {"status": Explainer.Status.ARCHIVED, "published_at": timezone.now()},
        {
            "status": Explainer.Status.PUBLISHED,
            "published_at": timezone.now() + datetime.timedelta(days=1),
        },
    ],
    ids=["draft", "in-review", "archived", "scheduled"],
)
def test_a_hidden_storys_correction_is_never_shown(client, state):
    stories(1)
    hidden = ExplainerFactory(title="HIDDEN-HEADLINE", **state)
    CorrectionFactory(explainer=hidden, text="HIDDEN-NOTE")

    html = home(client)

    assert "HIDDEN-NOTE" not in html and "HIDDEN-HEADLINE" not in html
    assert "home__corrections" not in html


def test_a_working_copys_correction_is_never_shown(client):
    story = ExplainerFactory(published=True)
    copy = ExplainerFactory(draft_of=story, slug=story.slug, title="HIDDEN-HEADLINE")
    CorrectionFactory(explainer=copy, text="HIDDEN-NOTE")

    html = home(client)

    assert "HIDDEN-NOTE" not in html and "HIDDEN-HEADLINE" not in html


# --- Favicon and web app manifest ---------------------------------------------------------------


def test_favicon_ico_answers(client):
    response = client.get("/favicon.ico")

    assert response.status_code == 302
    icon = client.get(response["Location"])
    assert icon.status_code == 200
    assert b"".join(icon.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file


def test_the_web_app_manifest_names_the_site_and_its_icons(client):
    response = client.get("/manifest.webmanifest")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/manifest+json"
    manifest = json.loads(response.content)
    assert manifest["name"] == "Newsroom" and manifest["start_url"] == "/"
    assert manifest["theme_color"] == "#a4161a"
    assert {icon["sizes"] for icon in manifest["icons"]} == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200


def test_every_page_links_its_icons_and_manifest(client):
    html = home(client)

    assert '<link rel="manifest" href="/manifest.webmanifest">' in html
    assert 'rel="icon"' in html and 'rel="apple-touch-icon"' in html
    assert '<meta name="theme-color" content="#a4161a">' in html
