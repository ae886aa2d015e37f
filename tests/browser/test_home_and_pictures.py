"""The demo in a real browser: the home page at a phone's and a laptop's width, the Ukraine
story's first screen, and every public page at 320 px without sideways scrolling."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from claims.models import Claim, Quote, Source, Statistic
from explainers.models import Explainer
from tests.browser.conftest import SCREENSHOTS
from tests.browser.test_reader_journey import restore_rating_scale

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

UKRAINE = "coalition-of-the-willing-ukraine-peace-plan"


@pytest.fixture
def demo(page_cache):
    """The two demo stories, served through the page cache as in production."""
    restore_rating_scale()
    call_command("load_stories", verbosity=0)
    stories = list(Explainer.objects.published().order_by("-published_at"))
    assert len(stories) == 2
    return stories


@pytest.fixture
def console_errors(reader):
    errors = []
    reader.page.on(
        "console", lambda message: message.type == "error" and errors.append(message.text)
    )
    return errors


def public_pages(stories) -> dict[str, str]:
    topic = stories[0].topics.order_by("name").first()
    return {
        "home": reverse("home"),
        **{f"story {story.slug}": story.get_absolute_url() for story in stories},
        "topic": topic.get_absolute_url(),
        "source": Source.objects.order_by("slug").first().get_absolute_url(),
        "quote": Quote.objects.order_by("slug").first().get_absolute_url(),
        "statistic": Statistic.objects.order_by("slug").first().get_absolute_url(),
        "claim": Claim.objects.order_by("slug").first().get_absolute_url(),
        "search": reverse("search") + "?q=Starmer",
    }


def test_the_home_page_leads_with_one_story_and_fills_the_width(reader, demo, console_errors):
    page = reader.page
    reader.open("/")
    reader.check("home")  # var/screenshots/home-1280.png and home-375.png, axe at both

    lead = page.locator(".teaser--lead").bounding_box()
    rail = page.locator(".home__rail").bounding_box()
    content = page.locator(".home").bounding_box()
    assert page.locator(".teaser--lead h2 a").inner_text() == demo[0].title
    assert rail["x"] > lead["x"] + lead["width"]  # beside the lead, not under it
    assert rail["x"] + rail["width"] >= content["x"] + content["width"] - 24  # to the edge
    nav = page.get_by_role("navigation", name="Topics")
    assert nav.get_by_role("link").count() == 3

    page.set_viewport_size({"width": 375, "height": 900})
    lead, rail = (
        page.locator(".teaser--lead").bounding_box(),
        page.locator(".home__rail").bounding_box(),
    )
    assert rail["y"] > lead["y"] + lead["height"] - 1  # one column on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    assert not reader.blocking(), reader.blocking()
    assert not console_errors, console_errors


def test_the_ukraine_story_opens_without_placeholder_boxes(reader, demo, console_errors):
    page = reader.page
    story = next(story for story in demo if story.slug == UKRAINE)
    for width in (375, 1280):
        page.set_viewport_size({"width": width, "height": 900})
        reader.open(story.get_absolute_url())
        page.screenshot(path=str(SCREENSHOTS / f"ukraine-first-screen-{width}.png"))
        text = page.locator("main").inner_text()
        assert "not available online" not in text
        assert page.locator(".media__frame, .media__play, video, iframe").count() == 0
        video = page.locator(".media-note--video")
        assert "Britain must ‘lead from the front’" in video.inner_text()
        assert "4:01" in video.inner_text()
        assert page.locator(".media-note--image").first.inner_text().startswith("PHOTO")
    reader.axe("ukraine story")
    assert not reader.blocking(), reader.blocking()
    assert not console_errors, console_errors


def test_no_public_page_scrolls_sideways_at_320_px(reader, demo, console_errors):
    page = reader.page
    page.set_viewport_size({"width": 320, "height": 800})
    too_wide = {}
    for name, path in public_pages(demo).items():
        reader.open(path)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[name] = (path, width)
        reader.axe(f"{name} at 320 px")
    page.screenshot(path=str(SCREENSHOTS / "search-320.png"), full_page=True)

    assert not too_wide, too_wide
    assert not reader.blocking(), reader.blocking()
    assert not console_errors, console_errors  # the favicon among them, before it existed


def test_the_browser_finds_the_favicon_and_the_manifest(reader, demo):
    page = reader.page
    reader.open("/")
    for selector in ('link[rel="icon"]', 'link[rel="manifest"]', 'link[rel="apple-touch-icon"]'):
        href = page.locator(selector).first.get_attribute("href")
        assert page.request.get(reader.base_url + href).status == 200, selector
    favicon = page.request.get(reader.base_url + "/favicon.ico")
    assert favicon.status == 200 and favicon.headers["content-type"] in {
        "image/x-icon",
        "image/vnd.microsoft.icon",
    }
