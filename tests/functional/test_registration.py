"""« Inscription »: the form, its French messages, the emailed confirmation, the legal pages."""
import email
import email.policy
import html
import re

import pytest
import webtest

from conseils_site.notify.mail import deliver_queue
from conseils_site.scripts import open_registry_root
from conseils_site.security import tokens
from tests.conftest import make_app
from tests.mailserver import MailServer
from tests.support import build_site, email_of
from tests.support_mail import link_in, mails_to, queued, text_of

GOOD_PASSWORD = "le chat dort sur le toit"
GOOD = {
    "first_name": "Camille", "last_name": "Durand", "email": "camille.durand@exemple.fr",
    "password": GOOD_PASSWORD, "council_search": "Francs-Moisins",
    "role_in_council": "habitante", "mobile": "", "terms": True,
}


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)
    return wsgi, ids, tmp_path / "mail"


# --- helpers shared with the other account tests (the mail queue's: tests/support_mail.py) -

def registration_form(app, **values):
    page = app.get("/inscription")
    form = page.forms["inscription"]
    for name, value in {**GOOD, **values}.items():
        form[name] = value
    return form


def register(app, **values):
    return registration_form(app, **values).submit(status="*")


def user_by_email(wsgi, address):
    """A few plain facts about an account, read in a transaction of its own."""
    with open_registry_root(wsgi.registry) as (root, tm):
        user = root.users.find_by_email(address)
        if user is None:
            return None
        return {"state": user.state, "mobile": user.mobile, "council_ids": user.council_ids,
                "first_name": user.first_name, "newsletter": user.newsletter,
                "role_in_council": user.role_in_council, "tokens": dict(user.tokens),
                "password_hash": user.password_hash, "id": user.id}


# --- the good path ---------------------------------------------------------------------------

def test_registration_confirmation_link_then_pending_through_smtp(site):
    wsgi, ids, mail_dir = site
    app = webtest.TestApp(wsgi)
    sent = register(app, newsletter=True)
    assert sent.status_int == 303
    page = sent.follow()
    assert "Vérifiez votre boîte aux lettres" in page.text
    assert "camille.durand@exemple.fr" in page.text
    user = user_by_email(wsgi, "camille.durand@exemple.fr")
    assert user["state"] == "unverified" and user["council_ids"] == (ids["council_C"],)
    assert user["newsletter"] is True and user["role_in_council"] == "habitante"
    assert user["password_hash"].startswith("$argon2id$")

    with MailServer() as server:
        report = deliver_queue({**wsgi.registry.settings, **server.settings})
        assert report.sent == 1
        [received] = server.wait_for(1)
    assert received.envelope_to == ["camille.durand@exemple.fr"]
    assert received["Subject"] == "Confirmez votre adresse électronique"
    assert "48 heures" in text_of(received)
    assert "Confirmer mon adresse" in received.get_body(("html",)).get_content()
    link = link_in(received, "/inscription/confirmer")

    fresh = webtest.TestApp(wsgi)  # the link opened on the phone: no session there
    confirmed = fresh.get(link)
    assert "Adresse confirmée" in confirmed.text
    assert "validation d'un animateur ou d'un membre de votre conseil" in confirmed.text
    assert "48 heures" in confirmed.text
    assert "Set-Cookie" not in confirmed.headers
    assert user_by_email(wsgi, "camille.durand@exemple.fr")["state"] == "pending"
    # council C's only active member is asked to validate
    [request_mail] = mails_to(mail_dir, email_of("membre_c"))
    assert "Camille Durand" in request_mail["Subject"]
    assert "@@tableau-de-bord" in text_of(request_mail)


def test_council_without_members_asks_the_animators(site):
    wsgi, ids, mail_dir = site
    with open_registry_root(wsgi.registry) as (root, tm):
        root.users.find_by_email(email_of("membre_c")).state = "disabled"
        from conseils_site.resources.events import ObjectModified, notify
        notify(ObjectModified(root.users.find_by_email(email_of("membre_c"))))
        tm.commit()
    app = webtest.TestApp(wsgi)
    register(app)
    app.get(link_in(mails_to(mail_dir, GOOD["email"])[0], "/inscription/confirmer"))
    [request_mail] = mails_to(mail_dir, email_of("animateur"))
    assert "/admin/inscriptions" in text_of(request_mail)


def test_french_mobile_is_stored_in_international_form(site):
    wsgi, _, _ = site
    register(webtest.TestApp(wsgi), mobile="06 12 34 56 78", sms_alerts=True)
    assert user_by_email(wsgi, GOOD["email"])["mobile"] == "+33612345678"


# --- every bad input: a French message, the typed values kept --------------------------------

BAD_INPUTS = [
    ({"password": "court"}, "au moins 10 caractères"),
    ({"password": "azertyuiop"}, "fait partie des plus utilisés"),
    ({"password": "camille.durand@exemple.fr!"}, "ne doit pas contenir votre adresse"),
    ({"email": "camille.exemple.fr"}, "Cette adresse électronique n'est pas valide"),
    ({"mobile": "12 34"}, "n'est pas un numéro de mobile valide"),
    ({"mobile": "01 45 67 89 10"}, "n'est pas un numéro de mobile"),
    ({"terms": False}, "cochez cette case"),
    ({"council_search": "Atlantide"}, "Aucun conseil ne correspond à « Atlantide »"),
    ({"first_name": "   "}, "Indiquez votre prénom."),
    ({"sms_alerts": True}, "indiquez votre numéro de mobile"),
]


@pytest.mark.parametrize("values, message", BAD_INPUTS)
def test_bad_input_keeps_typed_values_and_says_why(site, values, message):
    wsgi, _, mail_dir = site
    app = webtest.TestApp(wsgi)
    page = register(app, **values)
    assert page.status_int == 400
    text = html.unescape(page.text)
    assert message in text
    assert "Le formulaire n'a pas été enregistré" in text
    form = page.forms["inscription"]
    for name in ("first_name", "last_name", "email", "council_search", "role_in_council",
                 "mobile"):
        expected = values.get(name, GOOD[name])
        if name != "first_name" or expected.strip():
            assert form[name].value == expected, name
    # the password is typed again by nobody: it comes back in its field
    assert form["password"].value == values.get("password", GOOD_PASSWORD)
    assert form["terms"].checked is (values.get("terms", True) is True)
    assert user_by_email(wsgi, values.get("email", GOOD["email"])) is None \
        or values.get("email") == "MEMBRE.A@exemple.fr"
    assert not mails_to(mail_dir, GOOD["email"])


def test_several_problems_are_shown_together(site):
    wsgi, _, _ = site
    page = register(webtest.TestApp(wsgi), password="court", email="pas-une-adresse",
                    terms=False, council_search="Atlantide")
    text = html.unescape(page.text)
    for message in ("au moins 10 caractères", "n'est pas valide", "cochez cette case",
                    "Aucun conseil ne correspond"):
        assert message in text


def test_several_councils_match_then_the_chosen_one_is_taken(site):
    wsgi, ids, _ = site
    app = webtest.TestApp(wsgi)
    page = register(app, council_search="Saint-Étienne", first_name="Lina")
    assert page.status_int == 400
    assert "2 conseils correspondent à « Saint-Étienne » : choisissez le vôtre" in page.text
    assert "Conseil des Tilleuls — Saint-Étienne (42)" in page.text
    assert "Conseil de Montreynaud — Saint-Étienne (42)" in page.text
    form = page.forms["inscription"]
    assert form["first_name"].value == "Lina" and form["password"].value == GOOD_PASSWORD
    assert "Conseil des Francs-Moisins" not in page.text
    form["council"] = "B"
    assert form.submit(status="*").status_int == 303
    assert user_by_email(wsgi, GOOD["email"])["council_ids"] == (ids["council_B"],)


def test_a_choice_no_longer_matching_a_new_search_is_ignored(site):
    wsgi, ids, _ = site
    app = webtest.TestApp(wsgi)
    form = register(app, council_search="Saint-Étienne").forms["inscription"]
    form["council"] = "B"
    form["council_search"] = "Francs-Moisins"  # changed their mind: the search wins
    assert form.submit(status="*").status_int == 303
    assert user_by_email(wsgi, GOOD["email"])["council_ids"] == (ids["council_C"],)


def test_email_is_unique_whatever_its_case(site):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    assert register(app).status_int == 303
    again = register(webtest.TestApp(wsgi), email="  Camille.DURAND@Exemple.fr ")
    assert again.status_int == 303  # the same answer as for a new address (no oracle)
    with open_registry_root(wsgi.registry) as (root, tm):
        assert len([u for u in root.users.values() if "camille" in u.email]) == 1


def test_forged_csrf_token_gets_french_400_and_creates_nothing(site):
    wsgi, _, mail_dir = site
    app = webtest.TestApp(wsgi)
    form = registration_form(app)
    form["csrf_token"] = "forgé"
    page = form.submit(status=400)
    assert "Formulaire expiré" in page.text
    assert user_by_email(wsgi, GOOD["email"]) is None
    assert queued(mail_dir) == []


def test_html_typed_in_fields_is_shown_as_text(site):
    wsgi, _, _ = site
    evil = '<script>alert("x")</script>'
    page = register(webtest.TestApp(wsgi), first_name=evil, role_in_council="<b>gras</b>",
                    terms=False)
    assert evil not in page.text and "<b>gras</b>" not in page.text
    assert "&lt;script&gt;" in page.text


# --- the link: single use, signed, 48 hours -------------------------------------------------

def test_confirmation_link_works_once(site):
    wsgi, _, mail_dir = site
    app = webtest.TestApp(wsgi)
    register(app)
    link = link_in(mails_to(mail_dir, GOOD["email"])[0], "/inscription/confirmer")
    app.get(link)
    again = app.get(link, status=400)
    assert "Ce lien a déjà servi" in again.text
    assert "déjà confirmée" in again.text
    assert "/inscription/renvoyer" in again.text


def test_forged_confirmation_link_is_refused(site):
    wsgi, _, mail_dir = site
    app = webtest.TestApp(wsgi)
    register(app)
    link = link_in(mails_to(mail_dir, GOOD["email"])[0], "/inscription/confirmer")
    page = app.get(link[:-4] + "AAAA", status=400)
    assert "Ce lien n'est pas valide" in page.text
    app.get("/inscription/confirmer", status=400)
    assert user_by_email(wsgi, GOOD["email"])["state"] == "unverified"


def test_confirmation_link_expires_after_48_hours(site, monkeypatch):
    wsgi, _, mail_dir = site
    start = tokens.clock()
    monkeypatch.setattr(tokens, "clock", lambda: start)
    app = webtest.TestApp(wsgi)
    register(app)
    link = link_in(mails_to(mail_dir, GOOD["email"])[0], "/inscription/confirmer")
    monkeypatch.setattr(tokens, "clock", lambda: start + 48 * 3600 + 2)
    page = app.get(link, status=400)
    assert "Ce lien a expiré" in page.text
    assert user_by_email(wsgi, GOOD["email"])["state"] == "unverified"


def test_resend_gives_the_same_answer_and_replaces_the_link(site):
    wsgi, _, mail_dir = site
    app = webtest.TestApp(wsgi)
    register(app)
    first_link = link_in(mails_to(mail_dir, GOOD["email"])[0], "/inscription/confirmer")
    answers = []
    for address in (GOOD["email"], "personne@exemple.fr", email_of("membre_a")):
        form = app.get("/inscription/renvoyer").forms["renvoyer"]
        form["email"] = address
        answers.append(form.submit().follow().text)
    assert answers[0] == answers[1] == answers[2]
    assert "Si une inscription en attente de confirmation correspond" in answers[0]
    assert len(mails_to(mail_dir, GOOD["email"])) == 2
    assert not mails_to(mail_dir, "personne@exemple.fr")
    assert not mails_to(mail_dir, email_of("membre_a"))  # already active: nothing to confirm
    assert "Ce lien a déjà servi" in app.get(first_link, status=400).text
    new_link = link_in(mails_to(mail_dir, GOOD["email"])[1], "/inscription/confirmer")
    assert "Adresse confirmée" in app.get(new_link).text


# --- the council search endpoint and the pages the form links to ----------------------------

def test_council_search_json_lists_public_councils(site):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    result = app.get("/conseils.json", params={"q": "saint etienne"})
    assert sorted(c["code"] for c in result.json) == ["A", "B"]
    assert set(result.json[0]) == {"code", "nom", "commune", "departement"}
    assert result.json[0]["commune"] == "Saint-Étienne" and result.json[0]["departement"] == "42"
    assert app.get("/conseils.json", params={"q": "x"}).json == []
    assert "Set-Cookie" not in result.headers


@pytest.mark.parametrize("path, words", [
    ("/conditions", ["nominative", "ancien membre", "confidentialit"]),
    ("/confidentialite", ["RGPD", "CNIL", "Combien de temps", "Télécharger mes données",
                          "animateur@example.org"]),
])
def test_terms_and_privacy_pages_exist_without_cookie(empty, path, words):
    page = empty.get(path)
    for word in words:
        assert word in page.text
    assert "Set-Cookie" not in page.headers


def test_registration_form_links_the_terms_and_has_autocomplete(empty):
    page = empty.get("/inscription")
    assert 'href="/conditions"' in page.text and 'href="/confidentialite"' in page.text
    for hint in ("given-name", "family-name", "email", "new-password", "tel"):
        assert f'autocomplete="{hint}"' in page.text
    assert page.forms["inscription"]["password"].attrs["type"] == "password"
