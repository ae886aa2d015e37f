"""The API docs pages (Swagger UI and Redoc) under the site's Content Security Policy: no inline
script or style, nothing from another host, and a policy no looser than the rest of the site's.
That they work in a browser is tests/browser/test_api_docs.py; the docs page's assets are also
checked in tests/api_tests/test_schema.py."""

import re

import pytest
import yaml
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

PAGES = ["/api/v1/docs/", "/api/v1/redoc/"]


def get(path):
    response = APIClient().get(path)
    assert response.status_code == 200
    return response


def directives(response) -> dict[str, list[str]]:
    policy = response["Content-Security-Policy"]
    return {
        name: values
        for name, *values in (part.split() for part in policy.split(";") if part.strip())
    }


@pytest.mark.parametrize("path", PAGES)
def test_docs_page_has_no_inline_script_or_style(path):
    html = get(path).content.decode()
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, flags=re.S)
    assert scripts
    assert all("src=" in attrs and not body.strip() for attrs, body in scripts), scripts
    assert "<style" not in html
    assert not re.search(r"\sstyle=", html)
    assert not re.search(r"\son[a-z]+=", html)  # no inline event handlers either


def test_redoc_page_loads_only_same_origin_static_files():
    """As test_docs_page_works_offline (tests/api_tests/test_schema.py) does for Swagger UI."""
    html = get("/api/v1/redoc/").content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets
    assert all(asset.startswith("/static/") for asset in assets), assets
    for asset in assets:
        assert APIClient().get(asset).status_code == 200, asset
    assert "googleapis" not in html and "gstatic" not in html


@pytest.mark.parametrize("path", PAGES)
def test_docs_page_policy_allows_no_inline_code_and_no_other_host(path):
    policy = directives(get(path))
    assert "'unsafe-inline'" not in get(path)["Content-Security-Policy"]
    assert "'unsafe-eval'" not in get(path)["Content-Security-Policy"]
    assert policy["script-src"] == ["'self'"]
    for name in ["default-src", "style-src", "img-src", "font-src", "connect-src"]:
        assert all(
            value == "'self'" or value == "data:" or value.startswith(("'nonce-", "'sha256-"))
            for value in policy[name]
        ), (name, policy[name])


def test_swagger_page_keeps_the_site_policy_exactly():
    """Swagger UI needs nothing beyond 'self': no nonce, no hash, no worker."""
    assert directives(get("/api/v1/docs/")) == directives(get("/"))


def test_redoc_page_allows_nonced_styles_and_blob_workers_only_there():
    """Redoc builds its CSS in the browser (nonced <style>) and runs search in a blob: worker."""
    response = get("/api/v1/redoc/")
    policy = directives(response)
    nonce = re.search(r'data-nonce="([^"]+)"', response.content.decode()).group(1)
    assert f"'nonce-{nonce}'" in policy["style-src"]
    assert policy["worker-src"] == ["'self'", "blob:"]
    assert "worker-src" not in directives(get("/api/v1/docs/"))
    assert "nonce-" not in get("/")["Content-Security-Policy"]


def test_redoc_nonce_is_new_on_every_request():
    first, second = (get("/api/v1/redoc/")["Content-Security-Policy"] for _ in range(2))
    assert first != second


@pytest.mark.parametrize("path", PAGES)
def test_docs_pages_keep_the_site_opener_policy(path):
    """drf-spectacular relaxes it for OAuth pop-ups; partner keys need none."""
    assert get(path)["Cross-Origin-Opener-Policy"] == "same-origin"


def test_docs_pages_are_not_in_the_schema():
    schema = yaml.safe_load(get("/api/v1/schema/").content)
    assert not [p for p in schema["paths"] if p.endswith(("/docs/", "/redoc/"))]


def test_swagger_page_asks_for_no_validator_badge():
    """Swagger UI would otherwise show a badge loaded from validator.swagger.io."""
    html = get("/api/v1/docs/").content.decode()
    assert "&quot;validatorUrl&quot;: null" in html


def test_redoc_uses_system_fonts():
    html = get("/api/v1/redoc/").content.decode()
    assert "Montserrat" not in html and "system-ui" in html


def test_schema_lets_swagger_authorize_with_a_partner_key():
    """Swagger's "Authorize" offers the schemes the schema declares and operations require."""
    schema = yaml.safe_load(get("/api/v1/schema/").content)
    scheme = schema["components"]["securitySchemes"]["PartnerKey"]
    assert scheme == {**scheme, "type": "apiKey", "in": "header", "name": "X-Api-Key"}
    operation = schema["paths"]["/api/v1/explainers/"]["get"]
    assert {"PartnerKey": []} in operation["security"]
