"""Browsers report Content Security Policy violations to us; administrators read them."""

import json

import pytest
from django.urls import reverse

from newsroom.models import CspReport
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/csp-report/"

LEGACY = {
    "csp-report": {
        "document-uri": "https://news.example.org/explainers/boats/?token=secret",
        "referrer": "",
        "violated-directive": "script-src-elem",
        "effective-directive": "script-src-elem",
        "original-policy": "default-src 'self'",
        "disposition": "enforce",
        "blocked-uri": "inline",
        "line-number": 12,
        "source-file": "https://news.example.org/explainers/boats/",
        "script-sample": "alert(1)",
        "status-code": 200,
    }
}

REPORTING_API = [
    {
        "type": "csp-violation",
        "age": 10,
        "url": "https://news.example.org/",
        "body": {
            "documentURL": "https://news.example.org/",
            "effectiveDirective": "img-src",
            "blockedURL": "https://tracker.example.com/pixel.gif",
            "disposition": "enforce",
            "lineNumber": 0,
        },
    }
]


def post(client, data, content_type="application/csp-report", **extra):
    body = data if isinstance(data, bytes | str) else json.dumps(data)
    return client.post(URL, body, content_type=content_type, **extra)


def test_the_policy_tells_browsers_where_to_report(client):
    response = client.get(reverse("home"))

    policy = response["Content-Security-Policy"]
    assert "report-uri /csp-report/" in policy
    assert "report-to csp" in policy
    assert response["Reporting-Endpoints"] == 'csp="http://testserver/csp-report/"'


def test_a_report_is_kept_without_its_query_string_and_the_same_one_counts_up(client):
    assert post(client, LEGACY).status_code == 204
    assert post(client, LEGACY).status_code == 204

    report = CspReport.objects.get()
    assert (report.directive, report.blocked_uri, report.count) == ("script-src-elem", "inline", 2)
    assert report.document_uri == "https://news.example.org/explainers/boats/"  # no token kept
    assert (report.line, report.sample) == (12, "alert(1)")


def test_a_reporting_api_report_is_kept(client):
    response = post(client, REPORTING_API, content_type="application/reports+json")

    assert response.status_code == 204
    report = CspReport.objects.get()
    assert (report.directive, report.blocked_uri) == (
        "img-src",
        "https://tracker.example.com/pixel.gif",
    )


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        ("not json", "application/csp-report", 400),
        ({"something": "else"}, "application/csp-report", 400),
        ([{"type": "deprecation", "body": {}}], "application/reports+json", 400),
        (LEGACY, "text/plain", 415),
        (b"\xff\xfe", "application/csp-report", 400),
        ({"csp-report": {"blocked-uri": "x" * 20000}}, "application/csp-report", 413),
    ],
)
def test_what_is_not_a_report_is_refused_and_nothing_is_kept(client, body, content_type, status):
    assert post(client, body, content_type=content_type).status_code == status
    assert not CspReport.objects.exists()


def test_one_address_is_limited_per_minute(client, settings):
    settings.NEWSROOM_CSP_REPORTS_PER_MINUTE = 3
    statuses = [post(client, LEGACY).status_code for _ in range(5)]

    assert statuses == [204, 204, 204, 429, 429]
    assert CspReport.objects.get().count == 3


def test_long_fields_are_cut_to_what_is_shown(client):
    report = {
        "csp-report": {**LEGACY["csp-report"], "script-sample": "y" * 5000, "line-number": -5}
    }
    post(client, report)

    stored = CspReport.objects.get()
    assert len(stored.sample) == 300 and stored.line is None


def test_reading_them_is_for_administrators(client, client_for, role_editor):
    post(client, LEGACY)
    admin = factories.UserFactory(username="root", is_staff=True, is_superuser=True)
    url = reverse("admin:newsroom_cspreport_changelist")

    assert "script-src-elem" in client_for(admin).get(url).content.decode()
    assert client_for(role_editor).get(url).status_code == 403
    assert client.get(URL).status_code == 405  # reports are posted, never read here
