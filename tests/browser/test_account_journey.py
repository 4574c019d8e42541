"""The whole account path on a phone: register, confirm by the emailed link, be validated by a
peer of the council, sign in, use the top bar, sign out.

A fresh site is served for this module (councils A « Tilleuls », B and C and the accounts of
tests/support.py), never the shared demo one, since the journey adds an account. Its mail queue
is delivered by the production code (`deliver_queue`) to a real SMTP server on loopback, and the
links are taken from the messages that arrived, as a person would take them from their mailbox.
"""
import re
import threading
from pathlib import Path

import pytest

from conseils_site.notify.mail import deliver_queue
from tests.browser.conftest import MOBILE, axe_violations, format_violations, new_page
from tests.conftest import make_app
from tests.mailserver import MailServer
from tests.support import PASSWORD, build_site, email_of

SHOTS = Path("/tmp/shots")

APPLICANT = {
    "first_name": "Camille",
    "last_name": "Durand",
    "email": "camille.durand@exemple.fr",
    # A short sentence, as the form's help suggests: long, not common, no name or address in it.
    "password": "le marché du jeudi sent la fraise",
}
COUNCIL_SEARCH = "Tilleuls"
COUNCIL_TITLE = "Conseil des Tilleuls"
# Saint-Étienne (INSEE 42218) holds both A and B: a search on it offers a choice.
AMBIGUOUS_SEARCH = "Saint-Étienne"

MAILBOX_TITLE = "Vérifiez votre boîte aux lettres électronique"
CONFIRMED_TITLE = "Adresse confirmée, merci !"
CONFIRM_SUBJECT = "Confirmez votre adresse électronique"
ACCEPTED_SUBJECT = "Votre inscription est validée"
VALIDATION_SUBJECT_PREFIX = "Inscription à valider"
TOP_BAR_LINKS = ["Gérer mon conseil", "Forum", "Mon profil"]


# --- the fresh site, its mail server and its queue -----------------------------------------

class AccountSite:
    """The served site: its address, settings (for `deliver_queue`), mail server and ids."""

    def __init__(self, url, settings, mail, ids):
        self.url, self.settings, self.mail, self.ids = url, settings, mail, ids

    def deliver(self):
        """Run the production delivery once, as `conseils-mail` would; every message must go."""
        report = deliver_queue(self.settings)
        assert not report.problems and not report.retried and not report.dead, (
            f"mail delivery failed: {report}; {report.problems}")
        return report.sent

    def messages_to(self, address, subject=None):
        return [m for m in self.mail.messages
                if address in m.envelope_to and (subject is None or m["Subject"] == subject)]

    @property
    def dashboard_path(self):
        return f"{self.ids['path_A']}/@@tableau-de-bord"


@pytest.fixture(scope="module")
def account_site(tmp_path_factory):
    """A fresh app on waitress (127.0.0.1, kernel-chosen port) whose mail goes to aiosmtpd."""
    import waitress

    mail = MailServer().start()
    queue = tmp_path_factory.mktemp("account-journey-mail")
    app = make_app(**{"mail.queue_path": str(queue), **mail.settings})
    ids = build_site(app)
    server = waitress.create_server(app, host="127.0.0.1", port=0, threads=4)
    # The mailed links lead to the public address: here, the server under test.
    app.registry.settings["conseils.public_url"] = f"http://127.0.0.1:{server.effective_port}"
    thread = threading.Thread(target=server.run, name="waitress-account-journey", daemon=True)
    thread.start()
    try:
        yield AccountSite(f"http://127.0.0.1:{server.effective_port}", app.registry.settings,
                          mail, ids)
    finally:
        server.close()
        thread.join(timeout=5)
        mail.stop()


# --- what a person does ----------------------------------------------------------------------

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


def choose_council(page, search, title):
    """Type the search; take the script's suggestion when it offers one. True if it did."""
    box = field(page, "Votre conseil citoyen")
    box.click()
    box.press_sequentially(search, delay=40)
    suggestions = page.locator(".council-suggestions")
    if not suggestions.count():
        return False  # no script: the server searches when the form is sent
    suggestions.get_by_role("button", name=re.compile(re.escape(title))).click()
    status = page.get_by_role("status").filter(has_text="Conseil choisi")
    assert title in status.inner_text()
    return True


def pick_offered_choice(page, title):
    """Without the script, a search matching several councils comes back with radio choices."""
    choices = page.get_by_role("radio", name=re.compile(re.escape(title)))
    if not choices.count():
        return False
    choices.check()
    return True


def fill_registration(page, person, search, council_title):
    field(page, "Prénom").fill(person["first_name"])
    field(page, "Nom").fill(person["last_name"])
    field(page, "Adresse électronique").fill(person["email"])
    field(page, "Mot de passe").fill(person["password"])
    suggested = choose_council(page, search, council_title)
    page.get_by_role("checkbox", name=re.compile("J'ai lu et j'accepte")).check()
    return suggested


def submit_registration(page, council_title):
    """Send the form; if the server asks which council, choose it and send again."""
    with page.expect_navigation():
        page.get_by_role("button", name="Créer mon compte").click()
    if page.locator("h1").inner_text().strip() != MAILBOX_TITLE:
        assert pick_offered_choice(page, council_title), (
            "the registration was refused without a council choice to make:\n"
            + page.locator("main").inner_text())
        # The form comes back with everything typed (password included) and the box ticked.
        page.get_by_role("button", name="Créer mon compte").click()
    page.get_by_role("heading", name=MAILBOX_TITLE).wait_for()


def link_after(message, label):
    """The address printed under « label : » in the text part of a message."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(rf"{re.escape(label)} :\n(\S+)", text)
    assert found, f"no « {label} » link in the message:\n{text}"
    return found.group(1)


# --- layout checks ---------------------------------------------------------------------------

OVERFLOW_JS = """(limit) => [...document.querySelectorAll("body *")]
    .filter(e => e.getBoundingClientRect().right > limit + 0.5)
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


# --- the journey -----------------------------------------------------------------------------

def test_register_confirm_validate_sign_in(browser, account_site):
    site, person = account_site, APPLICANT
    peer = email_of("membre_a")
    applicant_ctx, page = new_page(browser, MOBILE)
    peer_ctx, peer_page = new_page(browser, MOBILE)
    try:
        # 1. Register from the home page.
        page.goto(f"{site.url}/")
        page.get_by_role("navigation", name="Mon compte").get_by_role(
            "link", name="Inscription").click()
        page.wait_for_url(re.compile(r"/inscription$"))
        suggested = fill_registration(page, person, COUNCIL_SEARCH, COUNCIL_TITLE)
        assert suggested, "with JavaScript on, typing « Tilleuls » should suggest the council"
        screenshot(page, "inscription-remplie-360.png")
        submit_registration(page, COUNCIL_TITLE)
        assert person["email"] in page.locator("main").inner_text()

        # 2. The confirmation mail arrives; its link confirms the address.
        assert site.deliver() >= 1
        confirmations = site.messages_to(person["email"], CONFIRM_SUBJECT)
        assert len(confirmations) == 1, [m["Subject"] for m in site.mail.messages]
        message = confirmations[0]
        assert message["To"] == person["email"]
        link = link_after(message, "Confirmer mon adresse")
        assert link.startswith(f"{site.url}/inscription/confirmer?jeton="), link
        page.goto(link)
        page.get_by_role("heading", name=CONFIRMED_TITLE).wait_for()
        assert "attend maintenant la validation" in page.locator("main").inner_text()

        # The council's validators (membre_a) are asked to decide.
        site.deliver()
        asks = [m for m in site.messages_to(peer)
                if m["Subject"].startswith(VALIDATION_SUBJECT_PREFIX)]
        assert len(asks) == 1 and "Camille" in asks[0]["Subject"], (
            [(m["To"], m["Subject"]) for m in site.mail.messages])

        # 3. A peer of the council accepts the request from « Gérer mon conseil ».
        sign_in(peer_page, site.url, peer)
        peer_page.get_by_role("navigation", name="Espace conseiller").get_by_role(
            "link", name="Gérer mon conseil").click()
        peer_page.wait_for_url(re.compile(re.escape(site.dashboard_path) + "$"))
        queue = peer_page.get_by_role("region", name="Inscriptions à valider")
        row = queue.get_by_role("row").filter(has_text=person["email"])
        assert row.count() == 1, queue.inner_text()
        row.get_by_role("button", name="Accepter").click()
        peer_page.locator(".flash").filter(has_text="acceptée").wait_for()
        assert not peer_page.get_by_role("row").filter(has_text=person["email"]).count()

        # 4. The applicant is told by mail.
        site.deliver()
        accepted = site.messages_to(person["email"], ACCEPTED_SUBJECT)
        assert len(accepted) == 1, [(m["To"], m["Subject"]) for m in site.mail.messages]
        assert accepted[0]["To"] == person["email"]
        assert accepted[0]["Subject"] == ACCEPTED_SUBJECT

        # 5. The applicant signs in and finds the top bar.
        sign_in(page, site.url, person["email"], person["password"])
        bar = page.get_by_role("navigation", name="Espace conseiller")
        for name in TOP_BAR_LINKS:
            assert bar.get_by_role("link", name=name).is_visible(), f"no visible « {name} »"
        logout = bar.get_by_role("button", name="Déconnexion")
        assert logout.is_visible()
        assert not bar.get_by_role("link", name="Administration").count()
        assert person["first_name"] in bar.inner_text()
        assert not page.get_by_role("navigation", name="Mon compte").count()

        bar.get_by_role("link", name="Gérer mon conseil").click()
        page.wait_for_url(re.compile(re.escape(site.dashboard_path) + "$"))
        assert page.locator("h1").inner_text().strip() == COUNCIL_TITLE
        screenshot(page, "tableau-de-bord-360.png")

        # 6. « Déconnexion » signs out: « Connexion » is back.
        page.get_by_role("navigation", name="Espace conseiller").get_by_role(
            "button", name="Déconnexion").click()
        page.get_by_role("navigation", name="Mon compte").get_by_role(
            "link", name="Connexion").wait_for()
        assert not page.get_by_role("navigation", name="Espace conseiller").count()
        assert "déconnecté" in page.locator(".flash").inner_text()
    finally:
        peer_ctx.close()
        applicant_ctx.close()


def test_register_without_javascript_chooses_among_councils(browser, account_site):
    """Without the script, a search matching two councils comes back with a choice to make."""
    person = dict(APPLICANT, first_name="Dominique", last_name="Martin",
                  email="dominique.martin@exemple.fr")
    context, page = new_page(browser, MOBILE, java_script_enabled=False)
    try:
        page.goto(f"{account_site.url}/inscription")
        assert not fill_registration(page, person, AMBIGUOUS_SEARCH, COUNCIL_TITLE)
        with page.expect_navigation():
            page.get_by_role("button", name="Créer mon compte").click()
        assert page.get_by_role("radio").count() >= 2, page.locator("main").inner_text()
        assert pick_offered_choice(page, COUNCIL_TITLE)
        page.get_by_role("button", name="Créer mon compte").click()
        page.get_by_role("heading", name=MAILBOX_TITLE).wait_for()
        assert person["email"] in page.locator("main").inner_text()
    finally:
        context.close()


# --- accessibility and reflow of the account pages at 360 px ---------------------------------

def _failed_registration(page, site):
    page.goto(f"{site.url}/inscription")
    field(page, "Prénom").fill("Alex")
    field(page, "Adresse électronique").fill("pas-une-adresse")
    field(page, "Mot de passe").fill("court")
    field(page, "Votre conseil citoyen").fill("Zzzz introuvable")
    page.get_by_role("button", name="Créer mon compte").click()
    page.get_by_role("alert").filter(has_text="n'a pas été enregistré").wait_for()
    screenshot(page, "inscription-erreurs-360.png")


PAGES = {
    "inscription": (None, lambda page, site: page.goto(f"{site.url}/inscription")),
    "inscription-erreurs": (None, _failed_registration),
    "connexion": (None, lambda page, site: page.goto(f"{site.url}/connexion")),
    "mon-profil": ("membre_a", lambda page, site: page.goto(f"{site.url}/mon-profil")),
    "tableau-de-bord": ("membre_a", lambda page, site: page.goto(site.url + site.dashboard_path)),
    "admin-inscriptions": ("animateur",
                           lambda page, site: page.goto(f"{site.url}/admin/inscriptions")),
}


@pytest.mark.parametrize("name", list(PAGES))
def test_account_pages_on_a_phone(browser, account_site, name):
    """No serious or critical axe violation and no sideways scrolling at 360 px."""
    who, open_page = PAGES[name]
    context, page = new_page(browser, MOBILE)
    try:
        if who:
            sign_in(page, account_site.url, email_of(who))
        open_page(page, account_site)
        assert page.locator("h1").count() == 1
        if name == "inscription":
            screenshot(page, "inscription-vide-360.png")
        problems = layout_problems(page, name)
    finally:
        context.close()
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
