"""The map journey on a phone: clusters, a département, a marker's popup, the council's page.

Tiles never load here (they point at a closed loopback port and are aborted), which is also what
the map must survive in production when the tile server is down.
"""
import re

import pytest

from tests.browser.conftest import TIMEOUT_MS, new_page

TOTAL_COUNCILS = 1514
# Zoom-out or zoom-in clicks before giving up: France to street level is well under this.
MAX_ZOOM_STEPS = 12

# Sum of the clusters' child counts plus the lone markers drawn, once no animation is running.
DRAWN_MARKERS_JS = """
() => {
  if (document.querySelector(".leaflet-zoom-anim, .leaflet-cluster-anim")) { return -1; }
  let total = 0;
  for (const icon of document.querySelectorAll("#carte .marker-cluster")) {
    total += parseInt(icon.textContent.trim(), 10);
  }
  return total + document.querySelectorAll("#carte .leaflet-marker-icon:not(.marker-cluster)").length;
}
"""
SINGLE_MARKER = "#carte .leaflet-marker-icon:not(.marker-cluster)"
POPUP_LINK = "#carte .leaflet-popup-content a"


def wait_for_markers(page):
    """Wait until carte.js has put the GeoJSON on the map; return how many markers it added."""
    page.wait_for_selector("#carte[data-loaded]")
    page.wait_for_selector("#carte .marker-cluster, " + SINGLE_MARKER)
    return int(page.get_attribute("#carte", "data-loaded"))


def drawn_markers_settle_at(page, expected, timeout):
    """True when the markers drawn add up to `expected` within the timeout."""
    try:
        page.wait_for_function(f"() => ({DRAWN_MARKERS_JS})() === {expected}", timeout=timeout)
        return True
    except Exception:  # Playwright's TimeoutError; the caller decides what a miss means
        return False


def open_a_popup(page):
    """Zoom in until a lone marker shows, open its popup; return the council name it links to."""
    zoom_in = page.locator("#carte .leaflet-control-zoom-in")
    for _ in range(MAX_ZOOM_STEPS):
        if page.locator(SINGLE_MARKER).count():
            break
        zoom_in.click()
        page.wait_for_timeout(400)  # Leaflet's zoom animation is 250 ms
    marker = page.locator(SINGLE_MARKER).first
    marker.wait_for()
    # A Leaflet pane can sit over the icon for the pointer: click it as Leaflet listens for it.
    marker.dispatch_event("click")
    link = page.locator(POPUP_LINK)
    link.wait_for()
    # The popup pans the map to show itself; measure only once that has stopped.
    page.wait_for_function("() => !document.querySelector('.leaflet-pan-anim')")
    name = link.inner_text().strip()
    assert name == marker.get_attribute("alt")
    return name


def inside(inner, outer, slack=1):
    return (inner["x"] >= outer["x"] - slack and inner["y"] >= outer["y"] - slack
            and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + slack
            and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + slack)


def overlap(a, b):
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


def selected_label(page, select):
    return page.locator(f"{select} option:checked").inner_text().strip()


def test_clusters_hold_every_council(page, live_server):
    """All 1,514 councils are on the map, grouped into clusters a phone can display."""
    page.goto(f"{live_server}/carte")
    assert wait_for_markers(page) == TOTAL_COUNCILS

    assert page.locator("#carte .marker-cluster").count() > 0
    # Markers outside the view (overseas départements at the initial zoom) are not drawn:
    # zoom out, as a visitor would, until the whole world is on screen.
    zoom_out = page.locator("#carte .leaflet-control-zoom-out")
    for _ in range(MAX_ZOOM_STEPS):
        # A short wait per step: a miss only costs one more zoom-out click.
        if drawn_markers_settle_at(page, TOTAL_COUNCILS, timeout=800):
            break
        if "leaflet-disabled" in (zoom_out.get_attribute("class") or ""):
            break
        zoom_out.click()
    assert drawn_markers_settle_at(page, TOTAL_COUNCILS, timeout=TIMEOUT_MS), (
        f"zoomed out, the clusters and markers add up to {page.evaluate(DRAWN_MARKERS_JS)}, "
        f"not {TOTAL_COUNCILS}")


@pytest.mark.parametrize("code", ["42", "80"])
def test_from_marker_popup_to_council_page(page, live_server, code):
    """Filter on a département, open a marker's popup and follow it to the council's page.

    Somme (80) lies in the région numbered 32, Hauts-de-France, and 32 is also the Gers
    département's number: the breadcrumb must still name the council's own région.
    """
    page.goto(f"{live_server}/carte?departement={code}")
    region_name = selected_label(page, "#region")
    departement_name = selected_label(page, "#departement").split("—", 1)[1].strip()
    listed = page.locator(".map-list .cards .card").count()
    assert listed > 0, f"the demo directory should have councils in département {code}"
    assert wait_for_markers(page) == listed, "the map and the list below it disagree"

    name = open_a_popup(page)
    popup_text = page.locator("#carte .leaflet-popup-content").inner_text()
    assert f"({code})" in popup_text

    page.locator(POPUP_LINK).click()
    page.wait_for_url(re.compile(r"/territoires/"))
    assert page.locator("h1").inner_text().strip() == name
    crumbs = [a.strip() for a in page.locator("nav.breadcrumb a").all_inner_texts()]
    assert crumbs == ["Territoires", region_name, departement_name], (
        f"breadcrumb {crumbs} for a council of {departement_name} ({code}) in {region_name}")
    assert f"{departement_name} ({code})" in page.locator("dl.facts").inner_text()


def test_popup_fits_on_a_phone(page, live_server):
    """At 360 px a popup must be readable whole: inside the map, its name clear of the controls."""
    page.goto(f"{live_server}/carte?departement=42")
    wait_for_markers(page)
    open_a_popup(page)
    boxes = {name: page.locator(selector).bounding_box() for name, selector in {
        "map": "#carte", "popup": "#carte .leaflet-popup", "link": POPUP_LINK,
        "close": "#carte .leaflet-popup-close-button", "zoom": "#carte .leaflet-control-zoom",
    }.items()}
    assert inside(boxes["popup"], boxes["map"]), (
        f"the popup ({boxes['popup']['width']:.0f}px wide at x={boxes['popup']['x']:.0f}) spills out "
        f"of the map ({boxes['map']['width']:.0f}px wide at x={boxes['map']['x']:.0f}): {boxes}")
    assert inside(boxes["close"], boxes["map"]), f"the popup's close button is cut off: {boxes}"
    assert not overlap(boxes["link"], boxes["zoom"]), f"the zoom buttons cover the council's name: {boxes}"


def test_carte_usable_without_tiles(page, live_server):
    """With every tile failing, the list below the map and the filter form still do their job."""
    failed_tiles = []
    page.on("requestfailed", lambda request: failed_tiles.append(request.url)
            if request.url.endswith(".png") else None)
    # Only the document: nothing here may wait for the map or its tiles.
    page.goto(f"{live_server}/carte", wait_until="domcontentloaded")

    options = page.locator("#departement option").count() - 1  # minus "Tous les départements"
    entries = page.locator(".map-list .counts li")
    assert entries.count() == options > 90
    counts = [int(re.search(r"(\d+) conseil", t).group(1)) for t in entries.all_inner_texts()]
    assert sum(counts) == TOTAL_COUNCILS
    assert page.locator(".map-list .counts a[href='/carte?departement=42']").count() == 1

    page.select_option("#departement", "42")
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(r"departement=42"), wait_until="domcontentloaded")
    heading = page.locator("#liste-titre").inner_text()
    cards = page.locator(".map-list .cards .card")
    assert re.match(r"\d+ conseil\(s\) en Loire \(42\)", heading), heading
    assert cards.count() == int(heading.split()[0]) > 0
    assert selected_label(page, "#region") == "Auvergne-Rhône-Alpes"

    # Prove the scenario: the map did ask for tiles, and they failed.
    page.wait_for_selector("#carte .leaflet-tile", state="attached")
    for _ in range(50):  # events reach Python while Playwright waits
        if failed_tiles:
            break
        page.wait_for_timeout(100)
    assert failed_tiles, "no tile request failed: this test no longer covers a tile outage"


def test_carte_filters_without_javascript(browser, live_server):
    """The filters are a plain form: a browser without JavaScript gets the same list."""
    context, page = new_page(browser, java_script_enabled=False)
    try:
        page.goto(f"{live_server}/carte")
        page.select_option("#departement", "42")
        page.get_by_role("button", name="Filtrer").click()
        page.wait_for_url(re.compile(r"departement=42"))
        assert "Loire (42)" in page.locator("#liste-titre").inner_text()
        first = page.locator(".map-list .cards .card a").first
        name = first.inner_text().strip()
        first.click()
        assert page.locator("h1").inner_text().strip() == name
    finally:
        context.close()


def test_map_pages_run_without_script_errors(page, live_server):
    """The site's CSP and the map scripts agree: no exception and no refused script or style."""
    problems = []
    page.on("pageerror", lambda error: problems.append(f"{page.url}: exception {error}"))
    # Aborted tiles log "Failed to load resource"; anything else logged as an error is a bug.
    page.on("console", lambda message: problems.append(f"{page.url}: {message.text}")
            if message.type == "error" and not message.text.startswith("Failed to load resource")
            else None)
    page.goto(f"{live_server}/")
    wait_for_markers(page)
    page.goto(f"{live_server}/carte?departement=42")
    wait_for_markers(page)
    page.locator(".map-list .cards .card a").first.click()
    page.wait_for_url(re.compile(r"/territoires/"))
    page.wait_for_selector("#carte .leaflet-marker-icon")
    assert not problems, "\n".join(problems)
