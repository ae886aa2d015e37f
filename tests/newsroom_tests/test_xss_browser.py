"""The XSS corpus in headless Chromium: no dialog opens and nothing asks the marker host.

Needs /usr/bin/chromium (Debian's package; .ci/run installs it) and Playwright for Python. Without
them the test is skipped, unless NEWSROOM_REQUIRE_BROWSER=1 (CI) makes that a failure.
"""

import os
import shutil

import pytest

from tests.newsroom_tests import xss

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHROMIUM = os.environ.get("NEWSROOM_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
def chromium():
    missing = not shutil.which(CHROMIUM)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = True
    if missing:
        if os.environ.get("NEWSROOM_REQUIRE_BROWSER") == "1":
            pytest.fail(f"Chromium or Playwright is missing ({CHROMIUM}).")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    # Playwright's sync API runs an event loop in this thread; the ORM calls around it are plain
    # synchronous test code.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


def test_no_payload_runs_in_chromium(chromium, live_server, editor, client, tmp_path):
    client.force_login(editor)
    xss.build_hostile_site(client, tmp_path)
    urls = xss.hostile_urls()

    context = chromium.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    incidents = []
    page.on(
        "dialog", lambda dialog: (incidents.append(f"dialog: {dialog.message}"), dialog.dismiss())
    )
    page.on(
        "request",
        lambda request: (
            xss.MARKER_HOST in request.url
            and incidents.append(f"request to the marker host: {request.url}")
        ),
    )
    page.on("pageerror", lambda error: None)
    failed_loads = []
    for url in urls:
        response = page.goto(live_server.url + url, wait_until="load")
        if response is None or response.status != 200:
            failed_loads.append(url)
        # Hover and focus what a reader would, so on* handlers that survived would fire.
        page.mouse.move(200, 300)
        page.keyboard.press("Tab")
        incidents += [f"{url}: {problem}" for problem in _dom_problems(page)]
    context.close()
    assert failed_loads == []
    assert incidents == []


def _dom_problems(page) -> list[str]:
    """What a sanitiser miss would leave in the live DOM: handlers and script-like URLs."""
    return page.evaluate(
        """() => {
        const problems = [];
        for (const el of document.querySelectorAll('*')) {
          for (const attr of el.attributes) {
            const value = attr.value.replace(/[\\u0000-\\u0020]/g, '').toLowerCase();
            if (attr.name.startsWith('on')) problems.push(`${el.tagName} ${attr.name}`);
            if (['href', 'src', 'action', 'formaction', 'xlink:href', 'data'].includes(attr.name)
                && /^(javascript|vbscript|data:text\\/html)/.test(value))
              problems.push(`${el.tagName} ${attr.name}=${attr.value}`);
          }
        }
        return problems;
      }"""
    )


def test_the_admin_works_under_the_content_security_policy(chromium, live_server, editor, client):
    """No CSP violation on the story form, and its scripts run (the block picker is built)."""
    from tests import factories

    story = factories.ExplainerFactory(slug="small-boats")
    factories.add_section(story, body="Opening text.")
    client.force_login(editor)
    context = chromium.new_context()
    context.add_cookies(
        [{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}]
    )
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda message: (
            "Content Security Policy" in message.text and violations.append(message.text)
        ),
    )
    for url in [
        f"/admin/explainers/explainer/{story.pk}/change/",
        "/admin/",
        "/admin/claims/quote/add/",
    ]:
        page.goto(live_server.url + url, wait_until="load")
    page.goto(
        live_server.url + f"/admin/explainers/explainer/{story.pk}/change/", wait_until="load"
    )
    page.wait_for_selector(".select2-container", timeout=10_000)
    context.close()
    assert violations == []
