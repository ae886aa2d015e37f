"""Pictures and videos as readers see them: renditions for srcset, crops around a focal point,
and a plain line (never an empty frame) for what we cannot show."""

import datetime
import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.urls import reverse
from PIL import Image

from explainers import images
from explainers.models import Media
from tests.factories import ExplainerFactory, MediaFactory, add_section, admin_form_data

pytestmark = pytest.mark.django_db


def png(width, height) -> ContentFile:
    image = Image.new("RGB", (width, height), (40, 90, 160))
    out = io.BytesIO()
    image.save(out, "PNG")
    return ContentFile(out.getvalue(), name="upload.png")


def photo(width=1000, height=500, **fields) -> Media:
    media = MediaFactory(alt_text="Leaders on the steps of Lancaster House", **fields)
    media.image.save("upload.png", png(width, height), save=True)
    return media


def story_page(client, *bodies, **story_fields) -> str:
    story = ExplainerFactory(published=True, **story_fields)
    for body in bodies:
        add_section(story, body)
    return client.get(story.get_absolute_url()).content.decode()


def img_tags(html) -> list[str]:
    return re.findall(r"<img [^>]*>", html)


# --- Renditions ---------------------------------------------------------------------------------


def test_an_uploaded_picture_gets_webp_renditions_never_wider_than_the_original(client):
    media = photo(1000, 500)

    (img,) = img_tags(story_page(client, f"[[media:{media.slug}]]"))

    assert 'width="1000" height="500"' in img  # the original's shape: nothing moves as it loads
    assert 'sizes="' in img and 'alt="Leaders on the steps of Lancaster House"' in img
    srcset = re.search(r'srcset="([^"]*)"', img).group(1)
    assert [candidate.split()[1] for candidate in srcset.split(", ")] == ["480w", "800w", "1000w"]
    for width in (480, 800, 1000):
        name = images.rendition_name(media.image.name, width)
        assert f"/media/{name} {width}w" in srcset
        with default_storage.open(name) as stored, Image.open(stored) as rendition:
            assert rendition.format == "WEBP" and rendition.size == (width, width // 2)
    assert not default_storage.exists(images.rendition_name(media.image.name, 1200))


def test_a_large_original_is_never_sent_in_the_srcset(client):
    media = photo(2400, 1200)

    (img,) = img_tags(story_page(client, f"[[media:{media.slug}]]"))

    assert "480w" in img and "1600w" in img and "2400w" not in img
    assert media.image.url not in img
    assert 'width="2400" height="1200"' in img


def test_renditions_are_made_once_and_kept_under_their_deterministic_names(client):
    media = photo(900, 600)
    first = images.picture(media.image)
    name = images.rendition_name(media.image.name, 480)
    made_at = default_storage.get_modified_time(name)

    again = images.picture(Media.objects.get(pk=media.pk).image)

    assert again == first
    assert default_storage.get_modified_time(name) == made_at
    assert name == media.image.name.replace("images/", "renditions/images/", 1).replace(
        ".png", "-480w.webp"
    )


def test_a_picture_whose_file_is_missing_shows_its_caption_not_a_broken_image(client):
    media = MediaFactory(
        caption="Sir Keir hosting leaders in London.", alt_text="Leaders", image="images/gone.png"
    )

    html = story_page(client, f"[[media:{media.slug}]]")

    assert not img_tags(html)
    assert "Sir Keir hosting leaders in London." in html and "Picture: PA" in html


# --- Without a file: a line, never a frame -------------------------------------------------------


def test_a_picture_without_a_file_is_a_caption_and_credit_line(client):
    media = MediaFactory(caption="Sir Keir hosting leaders in London.", credit="PA")

    html = story_page(client, f"[[media:{media.slug}]]")

    line = re.search(r'<p class="media-note media-note--image">.*?</p>', html).group(0)
    assert "Photo" in line and "Sir Keir hosting leaders in London." in line
    assert "Picture: PA" in line
    assert "not available" not in html and "media__frame" not in html and not img_tags(html)


def test_a_picture_with_only_a_credit_is_left_out(client):
    media = MediaFactory(caption="", credit="AP")

    html = story_page(client, f"Before.\n\n[[media:{media.slug}]]\n\nAfter.")

    assert "AP" not in html and "media-note" not in html and "not available" not in html


def test_a_video_without_a_source_shows_its_title_length_and_credit_and_no_player(client):
    video = MediaFactory(
        kind="video",
        title="Britain must ‘lead from the front’",
        duration=datetime.timedelta(minutes=4, seconds=1),
        caption="",
        credit="Sky News",
    )

    html = story_page(client, f"[[media:{video.slug}]]")

    line = re.search(r'<p class="media-note media-note--video">.*?</p>', html).group(0)
    assert "Britain must ‘lead from the front’" in line and "4:01" in line
    assert "Video: Sky News" in line
    assert "<a" not in line  # nothing to click that would play nothing
    assert "media__frame" not in html and "media__play" not in html


def test_a_video_with_a_source_links_its_title_there(client):
    video = MediaFactory(
        kind="video", title="Britain must lead", video_url="https://news.example/video/1"
    )

    html = story_page(client, f"[[media:{video.slug}]]")

    assert '<a class="media__title" href="https://news.example/video/1"' in html
    assert ">Britain must lead</a>" in html


# --- The focal point ----------------------------------------------------------------------------


def test_cropped_pictures_keep_the_focal_point_in_view(client):
    hero = photo(1200, 800, focal_x=78, focal_y=22)
    ExplainerFactory(published=True, hero=hero)

    (img,) = img_tags(client.get(reverse("home")).content.decode())

    assert 'class="crop crop--wide focal-x80 focal-y20"' in img
    assert 'width="1200" height="800"' in img and 'fetchpriority="high"' in img


def test_the_focal_point_defaults_to_the_centre_and_rounds_to_ten_per_cent():
    assert MediaFactory().focal_class == "focal-x50 focal-y50"
    assert MediaFactory(focal_x=0, focal_y=100).focal_class == "focal-x0 focal-y100"
    assert MediaFactory(focal_x=44, focal_y=45).focal_class == "focal-x40 focal-y50"


def test_every_focal_class_has_its_rule_in_the_stylesheet():
    from django.contrib.staticfiles import finders

    css = Path(finders.find("newsroom/site.css")).read_text()
    for step in range(0, 101, 10):
        assert f".focal-x{step} {{ --focal-x: {step}%; }}" in css
        assert f".focal-y{step} {{ --focal-y: {step}%; }}" in css


def test_a_focal_point_outside_the_picture_is_refused():
    media = MediaFactory.build(focal_x=101)
    with pytest.raises(ValidationError) as refused:
        media.full_clean()
    assert "focal_x" in refused.value.message_dict
    saved = MediaFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Media.objects.filter(pk=saved.pk).update(focal_y=140)


def test_the_media_admin_sets_the_focal_point_and_explains_it(editor_client):
    media = MediaFactory()
    url = reverse("admin:explainers_media_change", args=[media.pk])
    page = editor_client.get(url)
    html = page.content.decode()
    assert 'name="focal_x"' in html and 'name="focal_y"' in html
    assert "Where the subject is" in html and "Focal point" in html

    response = editor_client.post(url, admin_form_data(page, focal_x="30", focal_y=""))

    assert response.status_code == 302
    media.refresh_from_db()
    assert (media.focal_x, media.focal_y) == (30, 50)  # left empty: the centre
