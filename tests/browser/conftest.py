"""Browser fixtures: the demo site served on loopback, driven by Debian's Chromium via Playwright.

Every test under tests/browser is marked ``browser`` (tests/conftest.py). Nothing here may reach an outside host:
the server listens on 127.0.0.1 on a port chosen by the kernel, and each browser context aborts
any request to another host (map tiles point at a closed loopback port anyway).
"""
import os
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import make_app

CHROMIUM = "/usr/bin/chromium"
REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_JS = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
# Flags that keep Chromium from phoning home (updates, sync, QUIC probes) on a machine without network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
MOBILE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}
# Playwright's waits are in milliseconds; generous enough for a loaded CI machine.
TIMEOUT_MS = 15_000
# axe impacts that fail a test.
BLOCKING_IMPACTS = ("serious", "critical")


@pytest.fixture(scope="session")
def live_server():
    """Base URL of the demo site (1,514 councils) served by waitress from a daemon thread."""
    import waitress

    app = make_app(**{"conseils.load_demo": "true"})
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    port = server.effective_port
    app.registry.settings["conseils.public_url"] = f"http://127.0.0.1:{port}"  # the map's links
    thread = threading.Thread(target=server.run, name="waitress-browser-tests", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()
        thread.join(timeout=5)


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the whole session; a missing browser is a failure, as CI installs it."""
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"{CHROMIUM} is missing: the browser tests need Debian's Chromium "
            "(apt-get install chromium, or `make browser-deps` as root).",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    try:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
    finally:
        playwright.stop()


def _only_loopback(route):
    """Let requests to the test server through; abort the rest (tiles, fonts, anything outside)."""
    if urlsplit(route.request.url).hostname == "127.0.0.1" and not _is_dead_tile(route.request.url):
        route.continue_()
    else:
        route.abort()


def _is_dead_tile(url):
    """Tiles point at the closed port 9: abort them at once instead of waiting for a refusal."""
    return urlsplit(url).port == 9


def new_page(browser, viewport=MOBILE, **options):
    """A page in a fresh context (no shared cookies or cache) that cannot leave loopback."""
    context = browser.new_context(viewport=viewport, locale="fr-FR", **options)
    context.set_default_timeout(TIMEOUT_MS)
    context.route("**/*", _only_loopback)
    return context, context.new_page()


@pytest.fixture
def page(browser):
    """A fresh phone-sized page (360 × 740, fr-FR)."""
    context, page = new_page(browser, MOBILE)
    yield page
    context.close()


_AXE_SUMMARY = """
async (impacts) => {
  const results = await axe.run(document, { resultTypes: ["violations"] });
  return results.violations
    .filter(v => impacts.includes(v.impact))
    .map(v => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      url: v.helpUrl,
      nodes: v.nodes.length,
      target: v.nodes.length ? v.nodes[0].target.join(" ") : "",
      html: v.nodes.length ? v.nodes[0].html.slice(0, 200) : "",
    }));
}
"""


def axe_violations(page):
    """Serious and critical axe-core violations of the page as loaded, as short dicts."""
    if not AXE_JS.exists():
        pytest.fail(f"{AXE_JS} is missing: run `npm ci` (axe-core is a devDependency).", pytrace=False)
    # The site's CSP (script-src 'self') forbids an inline copy: serve axe as if from the site.
    parts = urlsplit(page.url)
    axe_url = f"{parts.scheme}://{parts.netloc}/__tests__/axe.min.js"
    page.route(axe_url, lambda route: route.fulfill(
        path=str(AXE_JS), content_type="text/javascript; charset=utf-8"))
    page.add_script_tag(url=axe_url)
    return page.evaluate(_AXE_SUMMARY, list(BLOCKING_IMPACTS))


def format_violations(violations):
    """One line per violation, saying what to fix and where."""
    return "\n".join(
        f"  [{v['impact']}] {v['id']}: {v['help']} ({v['url']})\n"
        f"      {v['nodes']} node(s), first: {v['target']}  {v['html']}"
        for v in violations
    )
