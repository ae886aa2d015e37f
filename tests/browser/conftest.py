"""End-to-end tests in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

They run when Chromium, Playwright and axe-core are there and are skipped otherwise;
`make browser-test` installs axe-core and requires all three (NEWSROOM_REQUIRE_BROWSER=1).
Screenshots and the accessibility report go to var/screenshots/ (gitignored).
"""

import json
import os
import shutil
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("NEWSROOM_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
AXE = Path(os.environ.get("NEWSROOM_AXE", ROOT / "var/node/node_modules/axe-core/axe.min.js"))
SCREENSHOTS = Path(os.environ.get("NEWSROOM_SCREENSHOTS", ROOT / "var/screenshots"))
WIDTHS = {"desktop": 1280, "mobile": 375}
BLOCKING = {"serious", "critical"}

# Playwright's sync API runs an event loop in this thread; the ORM calls are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _missing() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"Chromium not found at {CHROMIUM}"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed"
    if not AXE.exists():
        return f"axe-core not found at {AXE} (make browser-test installs it)"
    return None


@pytest.fixture(scope="session")
def browser():
    reason = _missing()
    if reason:
        if os.environ.get("NEWSROOM_REQUIRE_BROWSER") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        yield browser
        browser.close()


@pytest.fixture(autouse=True)
def _server_finishes_before_the_reset(request):
    """With a live server, the database is reset only once the server has finished what the
    test's closed tabs sent: a request still writing while the reset truncates every table
    deadlocks with it on PostgreSQL (the request holds one table and waits for another)."""
    if "live_server" not in request.fixturenames:
        yield
        return
    request.getfixturevalue("live_server")  # set up first, so this is torn down before it
    yield
    wait_for_the_servers_requests()


def wait_for_the_servers_requests(timeout: float = 20) -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    time.sleep(0.3)  # requests already sent reach the database
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid() AND backend_type = 'client backend' "
                "AND state <> 'idle'"
            )
            if cursor.fetchone()[0] == 0:
                return
            time.sleep(0.05)


@pytest.fixture
def page(browser):
    # bypass_csp lets the harness inject axe-core into pages whose policy forbids inline
    # scripts; the policy itself is tested in tests/newsroom_tests/test_xss_browser.py.
    context = browser.new_context(
        viewport={"width": WIDTHS["desktop"], "height": 900}, bypass_csp=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


class Reader:
    """What a test does on a page: look at it at both widths, and check its accessibility."""

    def __init__(self, page, base_url):
        self.page = page
        self.base_url = base_url
        self.findings = []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def open(self, path):
        self.page.goto(self.base_url + path)

    def check(self, name):
        """Screenshots at 1280 and 375 px, and axe-core on the page at both widths."""
        for label, width in WIDTHS.items():
            self.page.set_viewport_size({"width": width, "height": 900})
            self.page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
            self.axe(f"{name} ({label})")
        self.page.set_viewport_size({"width": WIDTHS["desktop"], "height": 900})

    def axe(self, name):
        if not self.page.evaluate("() => typeof window.axe !== 'undefined'"):
            self.page.add_script_tag(path=str(AXE))
        violations = self.page.evaluate(
            """async () => {
                const result = await axe.run(document, {resultTypes: ["violations"]});
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, help: v.help,
                    nodes: v.nodes.slice(0, 5).map(n => n.target.join(" ")),
                }));
            }"""
        )
        self.findings.append({"page": name, "url": self.page.url, "violations": violations})
        return violations

    def blocking(self):
        return [
            (finding["page"], violation["id"], violation["help"], violation["nodes"])
            for finding in self.findings
            for violation in finding["violations"]
            if violation["impact"] in BLOCKING
        ]

    def save_report(self, name):
        (SCREENSHOTS / f"axe-{name}.json").write_text(json.dumps(self.findings, indent=2))


@pytest.fixture
def reader(request, page, live_server):
    reader = Reader(page, live_server.url)
    yield reader
    reader.save_report(request.node.name)
