import re

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


def test_schema_is_public_and_valid_openapi(tmp_path):
    response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/explainers/{slug}/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["PartnerKey"]["name"] == "X-Api-Key"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


def test_schema_documents_every_filter_and_no_status_filter():
    schema = yaml.safe_load(APIClient().get("/api/v1/schema/").content)
    names = {p["name"] for p in schema["paths"]["/api/v1/explainers/"]["get"]["parameters"]}
    assert {"topic", "kind", "q", "updated_since", "published_after", "published_before",
            "ordering", "cursor", "page_size"} <= names  # fmt: skip
    assert "status" not in names


def test_docs_page_works_offline():
    response = APIClient().get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(not a.startswith(("http:", "https:", "//")) for a in assets), assets
    for asset in assets:
        if asset.startswith("/static/"):
            assert APIClient().get(asset).status_code == 200, asset
