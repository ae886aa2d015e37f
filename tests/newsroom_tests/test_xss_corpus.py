"""Every XSS payload in the corpus, saved through the admin and the loader, renders inert."""

import pytest

from tests.newsroom_tests import xss

pytestmark = pytest.mark.django_db


def test_the_corpus_has_at_least_200_distinct_payloads():
    assert len(set(xss.payloads())) >= 200


def test_no_page_shows_a_payload_as_markup(editor_client, tmp_path):
    xss.build_hostile_site(editor_client, tmp_path)
    hostile = [p for p in xss.payloads() if "<" in p]
    urls = xss.hostile_urls()
    assert len(urls) > 100
    failures = []
    for url in urls:
        response = editor_client.get(url, follow=True)
        assert response.status_code == 200, url
        html = response.content.decode()
        failures += [f"{url}: {problem}" for problem in xss.unsafe_markup(html)]
        failures += [f"{url}: verbatim {p!r}" for p in hostile if p in html]
    assert failures == []
    # Escaped, not dropped: readers see what the editor typed in a headline.
    story = xss.Explainer.objects.stories().get(slug="xss-story-0")
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;"
        in editor_client.get(story.get_absolute_url()).content.decode()
    )


@pytest.mark.parametrize(
    "markup",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        '<a href=" jav&#x09;ascript:alert(1)">x</a>',
        "<iframe srcdoc=x></iframe>",
        '<img src="//xss.test/x.png">',
        '<svg><animate onbegin="alert(1)"></svg>',
        '<meta http-equiv="refresh" content="0;url=//xss.test/">',
    ],
)
def test_the_checker_notices_executable_markup(markup):
    assert xss.unsafe_markup(f"<p>{markup}</p>")
