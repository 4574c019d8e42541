"""A keyboard-only journey, as someone who cannot use a mouse: register, confirm by the emailed
link, be validated, sign in, reach the council's dashboard and post a document. Every field,
button and link is reached with Tab (never clicked) and used with the keyboard; each page on the
way is checked with axe. The site and its real SMTP server are the account journey's fixture.
"""
import re

import pytest

from tests.browser.conftest import DESKTOP, axe_violations, format_violations, new_page
from tests.browser.test_account_journey import account_site, link_after  # noqa: F401 (fixture)
from tests.support import PASSWORD, email_of

MAX_TABS = 120
PERSON = {"first_name": "Dominique", "last_name": "Clavier", "email": "dominique.clavier@exemple.fr",
          "password": "les tilleuls fleurissent en juin"}
NAME_OF_FOCUS = r"""() => {
  const e = document.activeElement;
  if (!e || e === document.body) return "";
  const label = (e.labels && e.labels.length) ? e.labels[0].innerText : "";
  return (label || e.getAttribute("aria-label") || e.innerText || e.value || "").replace(/\s+/g, " ").trim();
}"""


def tab_to(page, name, backwards=False):
    """Press Tab until the focused element's accessible name starts with `name`."""
    pattern = re.compile(rf"^{re.escape(name)}", re.IGNORECASE)
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Shift+Tab" if backwards else "Tab")
        focused = page.evaluate(NAME_OF_FOCUS)
        if pattern.search(focused):
            return
        seen.append(focused[:40])
    pytest.fail(f"« {name} » cannot be reached with the keyboard on {page.url}; "
                f"focus went through: {seen}")


def type_into(page, name, text):
    tab_to(page, name)
    page.keyboard.type(text)


def press_on(page, name, key="Enter"):
    tab_to(page, name)
    with page.expect_navigation():
        page.keyboard.press(key)


def check_axe(page):
    violations = axe_violations(page)
    assert not violations, f"{page.url}\n{format_violations(violations)}"


def sign_in_by_keyboard(page, base, email, password):
    page.goto(base + "/")
    press_on(page, "Connexion")
    type_into(page, "Adresse électronique", email)
    type_into(page, "Mot de passe", password)
    check_axe(page)
    press_on(page, "Me connecter")


def test_register_and_post_a_document_with_the_keyboard_only(browser, account_site):
    base = account_site.url
    context, page = new_page(browser, DESKTOP)
    try:
        # Register.
        page.goto(base + "/")
        press_on(page, "Inscription")
        type_into(page, "Prénom", PERSON["first_name"])
        type_into(page, "Nom", PERSON["last_name"])
        type_into(page, "Adresse électronique", PERSON["email"])
        type_into(page, "Mot de passe", PERSON["password"])
        type_into(page, "Votre conseil citoyen", "Tilleuls")
        page.wait_for_selector("text=Conseil des Tilleuls")
        tab_to(page, "Conseil des Tilleuls")
        page.keyboard.press("Enter")
        tab_to(page, "J'ai lu et j'accepte")
        page.keyboard.press("Space")
        check_axe(page)
        press_on(page, "Créer mon compte")
        assert "Vérifiez votre boîte" in page.locator("main").inner_text()

        # Confirm with the emailed link (opened from the mailbox), then an animator validates.
        account_site.deliver()
        (message,) = account_site.messages_to(PERSON["email"], "Confirmez votre adresse électronique")
        page.goto(link_after(message, "Confirmer mon adresse"))
        assert "Adresse confirmée" in page.locator("main").inner_text()
        animator_context, animator = new_page(browser, DESKTOP)
        sign_in_by_keyboard(animator, base, email_of("animateur"), PASSWORD)
        animator.goto(base + "/admin/inscriptions")
        check_axe(animator)
        # Each button says whose registration it decides (there is another one in the queue).
        press_on(animator, f"Accepter {PERSON['first_name']}")
        assert "Dominique Clavier est acceptée" in animator.locator("main").inner_text()
        decided = f"Accepter {PERSON['first_name']} {PERSON['last_name']}"
        assert animator.get_by_role("button", name=decided).count() == 0
        animator_context.close()

        # Sign in, reach the dashboard and post a document, all with the keyboard.
        page.context.clear_cookies()
        sign_in_by_keyboard(page, base, PERSON["email"], PERSON["password"])
        press_on(page, "Gérer mon conseil")
        check_axe(page)
        press_on(page, "Créer un document")
        type_into(page, "Titre", "Notes de la réunion du mardi")
        type_into(page, "Description", "Ce que nous avons décidé ensemble.")
        check_axe(page)
        press_on(page, "Publier le document")
        main = page.locator("main").inner_text()
        assert "Notes de la réunion du mardi" in main and "Ce que nous avons décidé ensemble." in main
        check_axe(page)
    finally:
        context.close()
