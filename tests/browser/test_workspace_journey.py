"""A councillor's workspace on a phone: fill the council's *fiche* (with an image), post an event
for every councillor (« membres ») and a document for the council only (« conseil »); then check
who sees what: an anonymous visitor sees neither, a councillor of another council sees the event
only.

A fresh site is served for this module (councils A « Tilleuls », B and C and the accounts of
tests/support.py) on a FileStorage with blobs, since the image and the PDF are stored as blobs.
"""
import datetime
import io
import re
import threading
from pathlib import Path

import pytest
from PIL import Image

from conseils_site.resources.content import PARIS
from tests.browser.conftest import MOBILE, axe_violations, format_violations, new_page
from tests.conftest import make_app
from tests.support import PASSWORD, build_site, email_of

SHOTS = Path("/tmp/shots")
COUNCIL_TITLE = "Conseil des Tilleuls"

FICHE = {
    "description": "Le conseil citoyen des Tilleuls se réunit chaque premier mardi du mois.",
    "email": "conseil.tilleuls@exemple.fr",
    "image_alt": "Le square des Tilleuls au printemps, avec ses bancs verts.",
}
EVENT = {
    "title": "Réunion publique sur le square des Tilleuls",
    "place": "Maison de quartier, 12 rue des Lilas",
}
DOCUMENT = {
    "title": "Compte rendu interne du bureau",
    "description": "Notes de la dernière réunion du bureau du conseil.",
}
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
ERROR_TITLES = {403: "Accès réservé", 404: "Page introuvable"}


# --- the fresh site ----------------------------------------------------------------------------

class WorkspaceSite:
    def __init__(self, url, ids):
        self.url, self.ids = url, ids

    @property
    def council_url(self):
        return self.url + self.ids["path_A"]

    def council_view(self, name):
        return f"{self.council_url}/@@{name}"


@pytest.fixture(scope="module")
def workspace_site(tmp_path_factory):
    """A fresh app on a FileStorage with blobs, served by waitress on 127.0.0.1 (port 0)."""
    import waitress

    tmp = tmp_path_factory.mktemp("workspace-journey")
    app = make_app(**{
        "zodbconn.uri": f"fsblobs://{tmp}/Data.fs?blobstorage_dir={tmp}/blobs",
        "mail.queue_path": str(tmp / "mail"),
        "conseils.upload_path": str(tmp / "uploads"),
    })
    ids = build_site(app)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, name="waitress-workspace-journey", daemon=True)
    thread.start()
    try:
        yield WorkspaceSite(f"http://127.0.0.1:{server.effective_port}", ids)
    finally:
        server.close()
        thread.join(timeout=5)
        app.registry._zodb_databases[""].close()


@pytest.fixture(scope="module")
def picture(tmp_path_factory):
    """A small PNG of the neighbourhood, as a phone would offer it."""
    path = tmp_path_factory.mktemp("workspace-files") / "square-des-tilleuls.png"
    out = io.BytesIO()
    image = Image.new("RGB", (120, 80), "seagreen")
    image.paste(Image.new("RGB", (40, 30), "gold"), (10, 10))
    image.save(out, "PNG")
    path.write_bytes(out.getvalue())
    return path


# --- what a person does --------------------------------------------------------------------------

def field(page, label):
    """A form field by the start of its visible label (labels end in « (obligatoire) »)."""
    return page.get_by_label(re.compile(rf"^{re.escape(label)}\b"))


def sign_in(page, base_url, email, password=PASSWORD):
    """From the home page, through the header's « Connexion », as a person would."""
    page.goto(f"{base_url}/")
    page.get_by_role("navigation", name="Mon compte").get_by_role("link", name="Connexion").click()
    page.wait_for_url(re.compile(r"/connexion"))
    field(page, "Adresse électronique").fill(email)
    field(page, "Mot de passe").fill(password)
    with page.expect_navigation():
        page.get_by_role("button", name="Me connecter").click()
    assert page.get_by_role("navigation", name="Espace conseiller").count(), (
        f"{email} could not sign in:\n" + page.locator("main").inner_text())


def choose_level(page, value, label):
    """Tick a « Qui pourra voir ceci ? » choice by touching its label, as a person does; return
    a problem line when assistive technologies do not get the choice's own label as its name
    (the label's sentence may follow it, nothing may precede it)."""
    page.locator(".choices label").filter(has_text=re.compile(rf"^{re.escape(label)}")).click()
    radio = page.locator(f"input[type=radio][name=visibility][value={value}]")
    assert radio.is_checked(), f"touching « {label} » did not choose it"
    named = page.get_by_role("radio", name=re.compile(rf"^{re.escape(label)}\b"))
    if named.count() == 1:
        return []
    return [f"the radio « {label} » ({page.url}) is announced as "
            f"« {radio.evaluate(ACCESSIBLE_NAME_JS)} »: the field's own <label for> "
            "points at the first choice too"]


# The label text a screen reader reads for an input (every <label> naming it, in order).
ACCESSIBLE_NAME_JS = """(input) => [...input.labels].map(l => l.innerText.trim()
    .replace(/\\s+/g, " ")).join(" ")"""


def flash_text(page):
    return " ".join(page.locator(".flash").all_inner_texts())


def main_text(page):
    return page.locator("main").inner_text()


def assert_refused(page, url, who):
    """The item's address answers the French 403 or 404 page, not the item."""
    response = page.goto(url)
    status = response.status
    assert status in ERROR_TITLES, f"{who} got HTTP {status} at {url}:\n{main_text(page)}"
    assert page.locator("h1").inner_text().strip() == ERROR_TITLES[status], main_text(page)
    assert f"Code d'erreur : {status}" in main_text(page)


# --- layout checks -------------------------------------------------------------------------------

OVERFLOW_JS = """(limit) => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > limit + 0.5 && !e.closest(".leaflet-container"))
    .slice(0, 5)
    .map(e => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
              + (typeof e.className === "string" && e.className ? "." + e.className : ""))"""


def layout_problems(page, what):
    """Serious/critical axe violations and horizontal overflow at 360 px, as report lines."""
    problems = []
    violations = axe_violations(page)
    if violations:
        problems.append(f"axe-core on {what} ({page.url}):\n{format_violations(violations)}")
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > MOBILE["width"]:
        problems.append(f"{what} is {width}px wide at {MOBILE['width']}px; overflowing: "
                        f"{page.evaluate(OVERFLOW_JS, MOBILE['width'])}")
    return problems


def screenshot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / name), full_page=True)


def event_moment(days=21):
    """A day three weeks ahead, 18:30 to 20:00 (Paris time), as the date and time inputs want."""
    day = (datetime.datetime.now(PARIS) + datetime.timedelta(days=days)).date()
    return day.isoformat(), "18:30", "20:00"


# --- the journey ---------------------------------------------------------------------------------

def test_fiche_event_and_document_seen_by_the_right_people(browser, workspace_site, picture):
    site = workspace_site
    problems = []  # accessibility and reflow, reported together at the end
    author_ctx, page = new_page(browser, MOBILE)
    anonymous_ctx, anonymous = new_page(browser, MOBILE)
    other_ctx, other = new_page(browser, MOBILE)
    try:
        # 1. membre_a signs in and opens « Gérer mon conseil ».
        sign_in(page, site.url, email_of("membre_a"))
        page.get_by_role("navigation", name="Espace conseiller").get_by_role(
            "link", name="Gérer mon conseil").click()
        page.wait_for_url(re.compile(re.escape(site.council_view("tableau-de-bord")) + "$"))
        assert page.locator("h1").inner_text().strip() == COUNCIL_TITLE
        problems += layout_problems(page, "the dashboard")

        # 2. « Modifier la fiche »: description, email, an image and its description.
        page.get_by_role("link", name="Modifier la fiche").click()
        page.wait_for_url(re.compile(re.escape(site.council_view("modifier")) + "$"))
        assert page.locator("h1").inner_text().strip() == "Modifier la fiche"
        problems += layout_problems(page, "the fiche form")
        field(page, "Présentation du conseil").fill(FICHE["description"])
        field(page, "Adresse électronique du conseil").fill(FICHE["email"])
        field(page, "Image du quartier").set_input_files(str(picture))
        field(page, "Description de l'image").fill(FICHE["image_alt"])
        screenshot(page, "fiche-formulaire-360.png")
        with page.expect_navigation():
            page.get_by_role("button", name="Enregistrer la fiche").click()
        assert page.url.rstrip("/") == site.council_url, (
            f"the fiche was not saved ({page.url}):\n{main_text(page)}")
        assert "La fiche est enregistrée." in flash_text(page), main_text(page)
        assert FICHE["description"] in main_text(page)
        assert FICHE["email"] in main_text(page)
        image = page.locator("figure.fiche-image img")
        assert image.count() == 1, "no image on the public page of the council"
        assert image.get_attribute("alt") == FICHE["image_alt"]
        image.scroll_into_view_if_needed()
        page.wait_for_function("(img) => img.complete", arg=image.element_handle())
        assert image.evaluate("img => img.naturalWidth") == 120, "the image did not load"

        # 3. An event for every councillor (« Tous les conseillers »).
        page.goto(site.council_view("tableau-de-bord"))
        page.get_by_role("link", name="Créer un nouvel événement").click()
        page.wait_for_url(re.compile(re.escape(site.council_view("nouvel-evenement")) + "$"))
        problems += layout_problems(page, "the event form")
        day, start, end = event_moment()
        field(page, "Titre").fill(EVENT["title"])
        page.locator("input[type=date][name=start]").fill(day)
        page.locator("input[type=time][name=start]").fill(start)
        page.locator("input[type=time][name=end]").fill(end)
        field(page, "Lieu").fill(EVENT["place"])
        problems += choose_level(page, "membres", "Tous les conseillers")
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("Enregistrer|Publier|Créer")).click()
        assert page.locator("h1").inner_text().strip() == EVENT["title"], (
            f"the event was not created ({page.url}):\n{main_text(page)}")
        event_url = page.url
        assert event_url.startswith(site.council_url + "/"), event_url
        assert EVENT["place"] in main_text(page)
        problems += layout_problems(page, "the event page")
        screenshot(page, "evenement-360.png")

        # 4. A document for the council only (« Mon conseil »), with a PDF.
        page.goto(site.council_view("tableau-de-bord"))
        page.get_by_role("link", name="Créer un document").click()
        page.wait_for_url(re.compile(re.escape(site.council_view("nouveau-document")) + "$"))
        field(page, "Titre").fill(DOCUMENT["title"])
        field(page, "Description").fill(DOCUMENT["description"])
        page.locator("input[type=file][name=files]").set_input_files(files=[{
            "name": "compte-rendu-bureau.pdf", "mimeType": "application/pdf", "buffer": PDF}])
        problems += choose_level(page, "conseil", "Mon conseil")
        with page.expect_navigation():
            page.get_by_role("button", name=re.compile("Enregistrer|Publier|Créer")).click()
        assert page.locator("h1").inner_text().strip() == DOCUMENT["title"], (
            f"the document was not created ({page.url}):\n{main_text(page)}")
        document_url = page.url
        assert document_url.startswith(site.council_url + "/"), document_url
        assert "compte-rendu-bureau.pdf" in main_text(page)
        # The author sees both in the council's listings.
        page.goto(site.council_view("evenements"))
        assert EVENT["title"] in main_text(page)
        page.goto(site.council_view("documents"))
        assert DOCUMENT["title"] in main_text(page)

        # 5. An anonymous visitor sees neither.
        for view in ("", "@@evenements", "@@documents"):
            url = f"{site.council_url}/{view}" if view else site.council_url
            response = anonymous.goto(url)
            assert response.status == 200, f"{url}: HTTP {response.status}"
            text = main_text(anonymous)
            for title in (EVENT["title"], DOCUMENT["title"]):
                assert title not in text, f"an anonymous visitor sees « {title} » at {url}"
        anonymous.goto(site.council_url)
        assert FICHE["description"] in main_text(anonymous), "the fiche should be public"
        assert_refused(anonymous, event_url, "an anonymous visitor")
        assert_refused(anonymous, document_url, "an anonymous visitor")

        # 6. membre_c (council C) sees the event, not the document.
        sign_in(other, site.url, email_of("membre_c"))
        response = other.goto(event_url)
        assert response.status == 200, f"membre_c cannot open the event: HTTP {response.status}"
        assert other.locator("h1").inner_text().strip() == EVENT["title"]
        other.goto(site.council_view("evenements"))
        assert EVENT["title"] in main_text(other), "membre_c does not see the event in the listing"
        other.goto(site.council_view("documents"))
        assert DOCUMENT["title"] not in main_text(other), "membre_c sees the council-only document"
        assert_refused(other, document_url, "membre_c")
    finally:
        other_ctx.close()
        anonymous_ctx.close()
        author_ctx.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
