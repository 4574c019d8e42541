"""« Connexion », « Déconnexion », « Mot de passe oublié »: states, throttling, safe returns."""
import datetime
import html

import pytest
import webtest
from argon2 import PasswordHasher

from conseils_site.notify import clock
from conseils_site.scripts import open_registry_root
from conseils_site.security import throttle, tokens
from conseils_site.security.passwords import check_password, needs_rehash
from tests.conftest import make_app
from tests.support import PASSWORD, attempt_sign_in, build_site, email_of, signed_in_as
from tests.support_mail import link_in, mails_to, queued

NEW_PASSWORD = "trois pommes vertes au marché"


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)
    return wsgi, ids, tmp_path / "mail"


def test_active_account_signs_in_and_goes_to_manage(site):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    form = app.get("/connexion").forms["connexion"]
    assert set(form.fields) >= {"email", "password"}
    assert form["password"].attrs["autocomplete"] == "current-password"
    result = attempt_sign_in(app, email_of("membre_a").upper())
    assert result.status_int == 303
    assert result.headers["Location"] == "http://localhost/gerer"
    page = result.follow().follow()
    assert "Vous êtes connecté·e." in page.text
    assert signed_in_as(app) == "Membre A"


def test_session_is_renewed_on_sign_in(site):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    before = app.get("/connexion").forms["connexion"]["csrf_token"].value
    attempt_sign_in(app, email_of("membre_a"))
    after = app.get("/connexion").forms["connexion"]["csrf_token"].value
    assert before != after


@pytest.mark.parametrize("who, message", [
    ("nouveau_a", "Votre adresse électronique n'est pas encore confirmée"),
    ("candidat_a", "Votre inscription attend la validation d'un animateur ou d'un membre"),
    ("refuse_a", "Votre inscription n'a pas été acceptée"),
    ("desactive_a", "Votre compte est désactivé"),
])
def test_accounts_not_active_are_told_why(site, who, message):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    page = attempt_sign_in(app, email_of(who))
    assert page.status_int == 400
    assert message in html.unescape(page.text)
    assert page.forms["connexion"]["email"].value == email_of(who)
    assert page.forms["connexion"]["password"].value == ""  # never sent back
    assert signed_in_as(app) is None


def test_refusal_shows_the_validators_message(site):
    wsgi, ids, _ = site
    with open_registry_root(wsgi.registry) as (root, tm):
        root.users[ids["refuse_a"]].decision_message = "Nous ne vous connaissons pas."
        tm.commit()
    page = attempt_sign_in(webtest.TestApp(wsgi), email_of("refuse_a"))
    assert "Nous ne vous connaissons pas." in page.text


@pytest.mark.parametrize("email, password", [
    (email_of("membre_a"), "pas le bon mot de passe"),
    ("inconnu@exemple.fr", PASSWORD),
])
def test_wrong_password_or_unknown_address_get_the_same_answer(site, email, password):
    wsgi, _, _ = site
    page = attempt_sign_in(webtest.TestApp(wsgi), email, password)
    assert page.status_int == 400
    assert "Adresse électronique ou mot de passe incorrect" in html.unescape(page.text)


def test_sixth_try_on_one_account_waits_and_says_how_long(site):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    for n in range(5):
        page = attempt_sign_in(app, email_of("membre_a"), f"mauvais essai {n}", address=f"198.51.100.{n}")
        assert "incorrect" in page.text
    page = attempt_sign_in(app, email_of("membre_a"), address="198.51.100.99")  # even the right one
    assert page.status_int == 400
    assert "Trop de tentatives de connexion" in page.text
    assert "attendez 1 minute" in page.text  # then longer at each failure (test_login_throttle)
    assert signed_in_as(app) is None
    # another account is not blocked by this one's failures
    assert attempt_sign_in(app, email_of("membre_b"), address="198.51.100.98").status_int == 303


def test_an_address_past_its_high_ceiling_waits(site, monkeypatch):
    """The ceiling is 100 failures (tests/unit/test_throttle_rules.py); 10 here, for speed."""
    monkeypatch.setitem(throttle.RULES, "address", throttle.RULES["address"]._replace(free=10))
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    for n in range(10):
        attempt_sign_in(app, f"essai{n}@exemple.fr", "n'importe quoi", address="203.0.113.7")
    page = attempt_sign_in(app, email_of("membre_b"), address="203.0.113.7")
    assert "Trop de tentatives de connexion" in page.text and "attendez 1 minute" in page.text
    assert attempt_sign_in(app, email_of("membre_b"), address="203.0.113.8").status_int == 303


def test_old_hashes_are_upgraded_at_sign_in(site):
    wsgi, ids, _ = site
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    with open_registry_root(wsgi.registry) as (root, tm):
        root.users[ids["membre_a"]].password_hash = weak
        tm.commit()
    assert attempt_sign_in(webtest.TestApp(wsgi), email_of("membre_a")).status_int == 303
    with open_registry_root(wsgi.registry) as (root, tm):
        new_hash = root.users[ids["membre_a"]].password_hash
    assert new_hash != weak and not needs_rehash(new_hash) and check_password(new_hash, PASSWORD)


@pytest.mark.parametrize("came_from, expected", [
    ("/mon-profil", "http://localhost/mon-profil"),
    ("/conseils?q=loire", "http://localhost/conseils?q=loire"),
    ("http://localhost/mon-profil", "http://localhost/mon-profil"),
    ("http://ailleurs.example/piege", "http://localhost/gerer"),
    ("//ailleurs.example/piege", "http://localhost/gerer"),
    ("/\\ailleurs.example", "http://localhost/gerer"),
    ("javascript:alert(1)", "http://localhost/gerer"),
    ("/connexion", "http://localhost/gerer"),
])
def test_came_from_stays_on_this_site(site, came_from, expected):
    wsgi, _, _ = site
    from urllib.parse import quote
    result = attempt_sign_in(webtest.TestApp(wsgi), email_of("membre_a"), came_from=quote(came_from))
    assert result.status_int == 303
    assert result.headers["Location"] == expected


def test_sign_out_from_the_top_bar(site):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    attempt_sign_in(app, email_of("membre_a"))
    page = app.get("/")
    logout = next(f for f in page.forms.values() if f.action == "/deconnexion")
    result = logout.submit()
    assert result.status_int == 303
    assert "Vous êtes déconnecté·e." in result.follow().text
    assert signed_in_as(app) is None


def test_sign_out_needs_a_post_with_csrf(site):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    attempt_sign_in(app, email_of("membre_a"))
    confirm = app.get("/deconnexion")
    assert "Voulez-vous vous déconnecter ?" in confirm.text
    assert signed_in_as(app) == "Membre A"  # the GET changed nothing
    app.post("/deconnexion", {"csrf_token": "forgé"}, status=400)
    assert signed_in_as(app) == "Membre A"
    form = next(f for f in confirm.forms.values()
                if f.action == "/deconnexion" and "Me déconnecter" in f.text)
    form.submit()
    assert signed_in_as(app) is None
    assert "Vous n'êtes pas connecté·e." in app.get("/deconnexion").text


def test_anonymous_pages_set_no_cookie_but_forms_do(site):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    for path in ("/", "/conditions", "/confidentialite", "/deconnexion",
                 "/mot-de-passe-oublie?envoye=1", "/inscription?envoye=1"):
        assert "Set-Cookie" not in app.get(path).headers, path
    assert "Set-Cookie" in app.get("/connexion").headers


# --- « Mot de passe oublié » ----------------------------------------------------------------

def ask_reset(app, address):
    form = app.get("/mot-de-passe-oublie").forms["oubli"]
    form["email"] = address
    return form.submit().follow()


def reset_link(mail_dir, address):
    return link_in(mails_to(mail_dir, address)[-1], "/mot-de-passe-oublie/nouveau")


def test_forgotten_password_same_answer_for_unknown_address(site):
    wsgi, _, mail_dir = site
    app = webtest.TestApp(wsgi)
    known = ask_reset(app, email_of("membre_a"))
    unknown = ask_reset(app, "personne@exemple.fr")
    assert known.text == unknown.text
    assert "Si un compte existe pour cette adresse" in known.text
    assert "une heure" in known.text
    assert [m["To"] for m in queued(mail_dir)] == [email_of("membre_a")]
    mail = queued(mail_dir)[0]
    assert mail["Subject"] == "Choisir un nouveau mot de passe"


def test_reset_link_sets_a_checked_password_once_and_signs_nobody_in(site):
    wsgi, _, mail_dir = site
    app = webtest.TestApp(wsgi)
    ask_reset(app, email_of("membre_a"))
    link = reset_link(mail_dir, email_of("membre_a"))
    other = webtest.TestApp(wsgi)
    form = other.get(link).forms["nouveau"]
    assert form["password"].attrs["autocomplete"] == "new-password"
    form["password"] = "azertyuiop"
    page = form.submit(status=400)
    assert "fait partie des plus utilisés" in html.unescape(page.text)
    form = page.forms["nouveau"]
    form["password"] = NEW_PASSWORD
    done = form.submit()
    assert done.headers["Location"] == "http://localhost/connexion"
    assert "Votre nouveau mot de passe est enregistré" in done.follow().text
    assert signed_in_as(other) is None
    again = other.get(link, status=400)
    assert "Ce lien a déjà servi" in again.text
    assert attempt_sign_in(webtest.TestApp(wsgi), email_of("membre_a")).status_int == 400
    assert attempt_sign_in(webtest.TestApp(wsgi), email_of("membre_a"), NEW_PASSWORD).status_int == 303


def test_reset_link_expires_after_one_hour(site, monkeypatch):
    wsgi, _, mail_dir = site
    start = tokens.clock()
    monkeypatch.setattr(tokens, "clock", lambda: start)
    app = webtest.TestApp(wsgi)
    ask_reset(app, email_of("membre_a"))
    link = reset_link(mail_dir, email_of("membre_a"))
    monkeypatch.setattr(tokens, "clock", lambda: start + 3600 + 2)
    page = app.get(link, status=400)
    assert "Ce lien a expiré" in page.text
    assert "/mot-de-passe-oublie" in page.text


def test_forged_or_superseded_reset_links_are_refused(site, monkeypatch):
    wsgi, _, mail_dir = site
    start = clock.now()
    app = webtest.TestApp(wsgi)
    ask_reset(app, email_of("membre_a"))
    first = reset_link(mail_dir, email_of("membre_a"))
    assert "n'est pas valide" in app.get(first[:-5] + "xxxxx", status=400).text
    with open_registry_root(wsgi.registry) as (root, tm):  # a token for another purpose
        user = root.users.find_by_email(email_of("membre_a"))
        other_purpose = tokens.issue_token(wsgi.registry.settings, user, tokens.CONFIRM_EMAIL)
        tm.commit()
    page = app.get("/mot-de-passe-oublie/nouveau", params={"jeton": other_purpose}, status=400)
    assert "n'est pas valide" in page.text
    later = start + datetime.timedelta(minutes=6)  # one reset mail per 5 minutes
    monkeypatch.setattr(clock, "now", lambda: later)
    ask_reset(app, email_of("membre_a"))  # a newer link replaces the first
    assert "Ce lien a déjà servi" in app.get(first, status=400).text
    form = app.get(reset_link(mail_dir, email_of("membre_a"))).forms["nouveau"]
    form["password"] = NEW_PASSWORD
    assert form.submit().status_int == 303
