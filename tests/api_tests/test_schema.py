import re

import pytest
import yaml
from django.core.management import call_command
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    """The OpenAPI schema, generated once for this module's tests (it does not depend on data)."""
    with django_db_blocker.unblock():
        response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_public_and_valid_openapi(tmp_path):
    response = APIClient().get("/api/v1/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/explainers/{slug}/" in schema["paths"]
    assert schema["components"]["securitySchemes"]["PartnerKey"]["name"] == "X-Api-Key"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "s.yaml"))


def test_schema_documents_every_filter_and_no_status_filter(schema):
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


@pytest.mark.parametrize("kind", ["quotes", "statistics", "claims"])
def test_schema_says_lists_link_to_a_facts_stories_and_its_own_endpoint_lists_them(kind, schema):
    components = schema["components"]["schemas"]

    def item(path):
        ref = schema["paths"][path]["get"]["responses"]["200"]["content"]["application/json"][
            "schema"
        ]["$ref"]
        body = components[ref.rsplit("/", 1)[1]]
        if "results" in body["properties"]:
            ref = body["properties"]["results"]["items"]["$ref"]
            body = components[ref.rsplit("/", 1)[1]]
        return body

    listed, own = item(f"/api/v1/{kind}/"), item(f"/api/v1/{kind}/{{slug}}/")
    assert "used_in_url" in listed["required"] and "used_in" not in listed["properties"]
    assert {"used_in", "used_in_count", "used_in_url"} <= set(own["required"])
    names = {p["name"] for p in schema["paths"]["/api/v1/explainers/"]["get"]["parameters"]}
    assert {"quote", "statistic", "claim"} <= names


def test_schema_says_every_query_parameter_takes_a_value_and_the_cursor_is_opaque(schema):
    parameters = [
        parameter
        for operations in schema["paths"].values()
        for operation in operations.values()
        for parameter in operation.get("parameters", [])
        if parameter["in"] == "query"
    ]
    strings = [p for p in parameters if p["schema"].get("type") == "string"]
    assert len(strings) > 20
    assert all(p["schema"].get("minLength") == 1 for p in strings), [
        p["name"] for p in strings if p["schema"].get("minLength") != 1
    ]
    cursor = next(p for p in parameters if p["name"] == "cursor")
    assert "opaque" in cursor["description"] and "400" in cursor["description"]
    assert "/api/v1/schema/" not in schema["paths"]
