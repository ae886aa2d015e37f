"""The partner API's docs in a real browser, under the site's own Content Security Policy (no
bypass_csp): Swagger UI lists the operations and runs one with a partner key; Redoc lists them
and searches them; neither page breaks the policy, logs an error or asks another host for
anything. Screenshots go to var/screenshots/api-docs-*.png and api-redoc-*.png."""

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect

from newsroom.models import PartnerKey
from tests import factories
from tests.browser.conftest import AXE, WIDTHS, Reader

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

# Swagger UI's own markup, which no stylesheet can fix (its colours are fixed in
# newsroom/static/newsroom/api/docs.css). Only these nodes are excused, for only these rules.
SWAGGER_UI_MARKUP = {
    # The Authorize dialog's close button is an icon with no accessible name.
    "button-name": [".modal-ux .close-modal"],
    # The dialog's "Authorize" and "Logout" buttons are labelled "Apply credentials" and
    # "Remove authorization", so their accessible names do not contain their visible text.
    "label-content-name-mismatch": [".auth-btn-wrapper button"],
    # A parameter with a list of values (kind, ordering) is a <select> with no label.
    "select-name": [".parameters-col_description select"],
    # Example values are a scrolling <pre> that cannot take focus.
    "scrollable-region-focusable": [".highlight-code .microlight"],
}


class DocsReader(Reader):
    """A Reader whose axe-core run leaves out nodes of a third-party viewer known not to pass
    (``known``: rule id -> CSS selectors), and keeps every other node, not only the first five."""

    def __init__(self, page, base_url, known=None):
        super().__init__(page, base_url)
        self.known = known or {}

    def axe(self, name):
        violations = self.page.evaluate(
            """async (known) => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                const excused = (id, node) => (known[id] || []).some(
                    (selector) => document.querySelector(node.target[0])?.matches(selector));
                return result.violations
                    .map(v => ({
                        id: v.id, impact: v.impact, help: v.help,
                        nodes: v.nodes.filter(n => !excused(v.id, n)).map(n => n.target.join(" ")),
                    }))
                    .filter(v => v.nodes.length);
            }""",
            self.known,
        )
        self.findings.append({"page": name, "url": self.page.url, "violations": violations})
        return violations


class Watch:
    """What a page does that it should not: console errors, uncaught exceptions, policy
    violations, and requests to anywhere but the live server."""

    def __init__(self, page, base_url):
        self.origin = urlsplit(base_url).netloc
        self.problems = []
        self.requests = []
        page.on("console", self.console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("request", self.request)

    def console(self, message):
        if message.type == "error":
            self.problems.append(f"console: {message.text}")

    def request(self, request):
        self.requests.append(request)
        url = request.url.removeprefix("blob:")  # Redoc's search worker: blob:http://host/…
        if url.startswith("data:"):
            return
        if urlsplit(url).netloc != self.origin:
            self.problems.append(f"request to another host: {request.url}")
        elif urlsplit(url).path == "/csp-report/":
            self.problems.append(f"CSP violation report: {request.post_data}")


@pytest.fixture
def strict_page(browser):
    """A page under the policy the site sends. axe-core comes in as an init script, which
    Playwright runs outside the page's policy (the Reader's script tag would be blocked)."""
    context = browser.new_context(viewport={"width": WIDTHS["desktop"], "height": 900})
    context.add_init_script(path=str(AXE))
    # The browser's own record of each violation, alongside its console message.
    context.add_init_script(
        """document.addEventListener("securitypolicyviolation", (e) =>
            console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));"""
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def watch(strict_page, live_server):
    return Watch(strict_page, live_server.url)


def test_swagger_ui_lists_operations_and_runs_one_with_a_partner_key(
    request, strict_page, watch, live_server
):
    story = factories.ExplainerFactory(published=True)
    _, key = PartnerKey.objects.create_key(name="docs", partner="Partner News")
    page = strict_page
    reader = DocsReader(page, live_server.url, known=SWAGGER_UI_MARKUP)

    reader.open("/api/v1/docs/")
    operation = page.locator("#operations-explainers-explainers_list")
    expect(operation.get_by_text("List published explainers")).to_be_visible()
    # list and one, for 7 resources and the partner's own webhook endpoints
    expect(page.locator(".opblock")).to_have_count(16)
    reader.check("api-docs")

    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    expect(dialog.get_by_text("X-Api-Key", exact=True)).to_be_visible()
    dialog.get_by_label("Value:").fill(key)
    dialog.get_by_role("button", name="Apply credentials").click()
    expect(dialog.get_by_role("button", name="Remove authorization")).to_be_visible()
    dialog.get_by_role("button", name="Close").click()

    operation.locator(".opblock-summary-control").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status")
    expect(status).to_have_text("200")
    body = operation.locator(".live-responses-table .response-col_description pre").first
    assert story.slug in body.inner_text()
    sent = [r for r in watch.requests if urlsplit(r.url).path == "/api/v1/explainers/"]
    assert [r.headers.get("x-api-key") for r in sent] == [key]
    reader.check("api-docs-try-it-out")
    reader.save_report(request.node.name)

    assert reader.blocking() == []
    assert watch.problems == []


def test_redoc_lists_and_searches_operations_offline(request, strict_page, watch, live_server):
    page = strict_page
    reader = DocsReader(page, live_server.url)

    reader.open("/api/v1/redoc/")
    heading = page.get_by_role("heading", name="List published explainers")
    expect(heading).to_be_visible()
    assert "Something went wrong" not in page.inner_text("body")
    # Search runs in a worker from a blob: URL, which this page's policy allows.
    page.get_by_placeholder("Search...").fill("statistic")
    results = page.locator('[data-role="search:results"]')
    expect(results.get_by_role("menuitem", name="One statistic")).to_be_visible()
    page.get_by_placeholder("Search...").fill("")
    # System fonts only: nothing was fetched from a font host (checked by watch) and the
    # theme names none of Redoc's web fonts.
    assert "Montserrat" not in heading.evaluate("(h) => getComputedStyle(h).fontFamily")
    reader.check("api-redoc")
    reader.save_report(request.node.name)

    assert reader.blocking() == []
    assert watch.problems == []
