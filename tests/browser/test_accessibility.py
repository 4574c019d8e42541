"""Accessibility of the public pages on a phone and on a desktop: axe-core, skip link, reflow.

A serious or critical axe violation fails the test with the rule, its help text and the first
element concerned, so the failure says what to fix.
"""
import pytest

from tests.browser.conftest import DESKTOP, MOBILE, axe_violations, format_violations, new_page

COUNCIL = "council page"  # resolved at run time from the search results
PAGES = ["/", "/carte", "/conseils?q=saint", COUNCIL, "/recherche?q=conseil", "/inscription", "/connexion",
         "/groupes", "/lettre"]


@pytest.fixture(scope="module")
def council_path(browser, live_server):
    """The first council found by searching "saint", as a visitor would reach one."""
    context, page = new_page(browser)
    try:
        page.goto(f"{live_server}/conseils?q=saint")
        link = page.locator("ul.cards .card a").first
        link.wait_for()
        return link.get_attribute("href")
    finally:
        context.close()


def open_settled(page, url):
    """Load a page and wait for its map, if any, so axe and layout checks see the final DOM."""
    page.goto(url)
    carte = page.locator("#carte")
    if carte.count():
        if carte.get_attribute("data-geojson"):
            page.wait_for_selector("#carte[data-loaded]")
        else:
            page.wait_for_selector("#carte .leaflet-marker-icon")


def resolve(path, council_path):
    return council_path if path == COUNCIL else path


@pytest.mark.parametrize("viewport", [MOBILE, DESKTOP], ids=["360px", "1280px"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_axe_violation(browser, live_server, council_path, path, viewport):
    context, page = new_page(browser, viewport)
    try:
        url = f"{live_server}{resolve(path, council_path)}"
        open_settled(page, url)
        violations = axe_violations(page)
    finally:
        context.close()
    if violations:
        pytest.fail(f"axe-core: {len(violations)} serious/critical violation(s) on {url} at "
                    f"{viewport['width']}px:\n{format_violations(violations)}", pytrace=False)


@pytest.mark.parametrize("path", PAGES)
def test_no_horizontal_scroll_on_a_phone(page, live_server, council_path, path):
    """WCAG reflow: at 360 px nothing may force sideways scrolling."""
    open_settled(page, f"{live_server}{resolve(path, council_path)}")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > MOBILE["width"]:
        culprits = page.evaluate("""(limit) => [...document.querySelectorAll("body *")]
            .filter(e => e.getBoundingClientRect().right > limit + 0.5)
            .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? "." + e.className : ""))""",
                                 MOBILE["width"])
        pytest.fail(f"page is {width}px wide at {MOBILE['width']}px; overflowing: {culprits}")


def test_skip_link_is_first_and_works(page, live_server):
    """Keyboard users reach the content with one Tab and Enter, past the header and the menu."""
    page.goto(f"{live_server}/")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => ({text: document.activeElement.textContent.trim(),
                                      href: document.activeElement.getAttribute("href")})""")
    assert focused["text"] == "Aller au contenu"
    box = page.locator(":focus").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= MOBILE["width"], (
        f"the focused skip link is not on screen: {box}")

    page.keyboard.press("Enter")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'contenu'")
    assert page.evaluate("document.activeElement.tagName") == "MAIN"
