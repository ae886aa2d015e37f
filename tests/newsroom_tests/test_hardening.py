"""Security headers, error pages, login lockout and uploaded images."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, RequestFactory
from PIL import Image

from explainers.models import Media
from explainers.validators import GeneratedImageName, validate_image
from newsroom.middleware import ContentSecurityPolicyMiddleware
from tests import factories

pytestmark = pytest.mark.django_db


def directives(header: str) -> dict[str, list[str]]:
    policy = {}
    for part in header.split(";"):
        name, *values = part.split()
        policy[name] = values
    return policy


@pytest.fixture
def story():
    return factories.ExplainerFactory(published=True, slug="small-boats")


# --- Headers --------------------------------------------------------------------------------


def test_public_pages_forbid_inline_script_and_framing(client, story):
    response = client.get(story.get_absolute_url())
    policy = directives(response["Content-Security-Policy"])
    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_admin_allows_inline_styles_but_never_inline_script(editor_client):
    response = editor_client.get("/admin/explainers/explainer/add/")
    policy = directives(response["Content-Security-Policy"])
    assert "'unsafe-inline'" in policy["style-src"]
    assert policy["script-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]


def test_embeds_may_be_framed_by_any_site():
    # /embed/ views come from another branch; the policy is decided by the path.
    request = RequestFactory().get("/embed/statistics/small-boat-crossings/")
    middleware = ContentSecurityPolicyMiddleware(lambda request: HttpResponse("card"))
    response = middleware(request)
    policy = directives(response["Content-Security-Policy"])
    assert policy["frame-ancestors"] == ["*"]
    assert policy["script-src"] == ["'self'"]


def test_benchmark_floors_are_not_routed_unless_switched_on(client):
    assert client.get("/_bench/ok/").status_code == 404
    assert client.get("/_bench/static/").status_code == 404


# --- Error pages ----------------------------------------------------------------------------


def test_not_found_page_does_not_echo_the_path_or_the_reason(client):
    response = client.get("/explainers/no-such-story-xyzzy/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "xyzzy" not in body
    assert "No Explainer matches" not in body
    assert "We can’t find that page" in body


def test_server_error_page_leaks_nothing_about_the_failure(settings):
    settings.ROOT_URLCONF = "tests.newsroom_tests.urls_failing"
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong on our side" in body
    for leak in ["hunter2", "RuntimeError", "Traceback", "urls_failing", "boom"]:
        assert leak not in body


def test_an_unreachable_database_gives_a_503_to_retry_not_a_500(settings):
    settings.ROOT_URLCONF = "tests.newsroom_tests.urls_failing"
    client = Client(raise_request_exception=False)
    page = client.get("/db-down/")
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert "Back in a moment" in page.content.decode() and "no-cache" in page["Cache-Control"]
    api = client.get("/api/v1/db-down/")
    assert api.status_code == 503 and api["Retry-After"] == "5"
    assert api.json()["code"] == "unavailable"
    for body in (page.content.decode(), api.content.decode()):
        assert "hunter2" not in body and "OperationalError" not in body


# --- Admin login lockout --------------------------------------------------------------------


def test_admin_login_locks_out_after_repeated_failures_but_readers_are_unaffected(settings, story):
    factories.UserFactory(username="desk", is_staff=True, password="the-right-password")
    attacker = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        response = attacker.post("/admin/login/", {"username": "desk", "password": "wrong"})
        assert response.status_code == 200  # the form again, with its error
    response = attacker.post("/admin/login/", {"username": "desk", "password": "wrong"})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()
    response = attacker.post(
        "/admin/login/", {"username": "desk", "password": "the-right-password"}
    )
    assert response.status_code == 429
    assert "_auth_user_id" not in attacker.session
    assert attacker.get(story.get_absolute_url()).status_code == 200


def test_a_successful_login_resets_the_failure_count(settings):
    factories.UserFactory(username="desk", is_staff=True, password="the-right-password")
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post("/admin/login/", {"username": "desk", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "desk", "password": "the-right-password"})
    assert response.status_code == 302
    client.logout()
    client.post("/admin/login/", {"username": "desk", "password": "wrong"})
    response = client.post("/admin/login/", {"username": "desk", "password": "the-right-password"})
    assert response.status_code == 302


# --- Uploaded images ------------------------------------------------------------------------


def image_file(name="photo.png", image_format="PNG", size=(40, 30)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, "teal").save(buffer, format=image_format)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "WEBP", "GIF"])
def test_real_images_are_accepted(image_format):
    validate_image(image_file(image_format=image_format))


def test_svg_is_refused_even_with_an_image_name():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'
    with pytest.raises(ValidationError) as error:
        validate_image(SimpleUploadedFile("chart.png", svg, content_type="image/png"))
    assert error.value.code == "invalid_image"


def test_an_html_file_named_as_an_image_is_refused():
    with pytest.raises(ValidationError):
        validate_image(SimpleUploadedFile("photo.jpg", b"<script>alert(1)</script>"))


def test_a_truncated_image_is_refused():
    data = image_file().read()
    with pytest.raises(ValidationError):
        validate_image(SimpleUploadedFile("photo.png", data[: len(data) // 2]))


def test_other_raster_formats_are_refused():
    with pytest.raises(ValidationError) as error:
        validate_image(image_file("photo.bmp", image_format="BMP"))
    assert error.value.code == "invalid_image_format"


def test_images_larger_than_the_limit_in_pixels_are_refused(settings):
    settings.NEWSROOM_MAX_IMAGE_PIXELS = 100
    with pytest.raises(ValidationError) as error:
        validate_image(image_file(size=(101, 10)))
    assert error.value.code == "image_too_large"


def test_images_larger_than_the_limit_in_bytes_are_refused(settings):
    settings.NEWSROOM_MAX_IMAGE_BYTES = 50
    with pytest.raises(ValidationError) as error:
        validate_image(image_file())
    assert error.value.code == "file_too_large"


def test_uploads_are_stored_under_generated_names():
    name = GeneratedImageName("images")(None, "../../Secret plan <b>.JPEG")
    assert name.startswith("images/") and name.endswith(".jpg")
    assert "Secret" not in name and ".." not in name


def test_admin_upload_stores_a_valid_image_under_a_generated_name(editor_client):
    response = editor_client.post(
        "/admin/explainers/media/add/",
        {
            "kind": "image",
            "slug": "summit",
            "caption": "Leaders at the summit",
            "alt_text": "Leaders shaking hands",
            "image": image_file("Leaked memo.png"),
        },
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    media = Media.objects.get(slug="summit")
    assert "Leaked" not in media.image.name and media.image.name.endswith(".png")


def test_admin_refuses_an_svg_upload(editor_client):
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    response = editor_client.post(
        "/admin/explainers/media/add/",
        {
            "kind": "image",
            "slug": "chart",
            "alt_text": "A chart",
            "image": SimpleUploadedFile("chart.svg", svg, content_type="image/svg+xml"),
        },
    )
    assert response.status_code == 200
    assert "image" in response.context["adminform"].form.errors
    assert not Media.objects.exists()
