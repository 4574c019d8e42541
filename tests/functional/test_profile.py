"""« Mon profil »: details, password, « Télécharger mes données », deletion."""
import html
import json

import pytest
import webtest

from conseils_site.scripts import open_registry_root
from conseils_site.security import tokens
from conseils_site.security.passwords import check_password
from tests.conftest import make_app
from tests.support import PASSWORD, attempt_sign_in, build_site, email_of, sign_in, signed_in_as

NEW_PASSWORD = "trois pommes vertes au marché"


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)
    return wsgi, ids


@pytest.fixture
def member(site):
    """membre_a, signed in."""
    wsgi, ids = site
    return sign_in(webtest.TestApp(wsgi), "membre_a")


def account(wsgi, user_id):
    with open_registry_root(wsgi.registry) as (root, tm):
        user = root.users.get(user_id)
        return None if user is None else dict(vars(user), tokens=dict(user.tokens))


@pytest.mark.parametrize("path", ["/mon-profil", "/mon-profil/donnees", "/mon-profil/supprimer"])
def test_anonymous_visitor_is_sent_to_sign_in_and_back(site, path):
    wsgi, _ = site
    app = webtest.TestApp(wsgi)
    result = app.get(path)
    assert result.status_int == 303
    assert result.headers["Location"] == ("http://localhost/connexion?came_from="
                                          + path.replace("/", "%2F"))
    signed = attempt_sign_in(app, email_of("membre_a"), came_from=path.replace("/", "%2F"))
    assert signed.headers["Location"] == "http://localhost" + path


def test_profile_shows_the_account_and_edits_details(site, member):
    wsgi, ids = site
    page = member.get("/mon-profil")
    assert email_of("membre_a") in page.text and "Conseil des Tilleuls" in page.text
    form = page.forms["profil"]
    assert form["first_name"].value == "Membre"
    assert form["mobile"].attrs["autocomplete"] == "tel"
    form["first_name"] = "Nadia"
    form["last_name"] = "Benali"
    form["mobile"] = "07 98 76 54 32"
    form["role_in_council"] = "co-présidente"
    form["newsletter"] = True
    form["sms_alerts"] = True
    saved = form.submit()
    assert saved.status_int == 303
    page = saved.follow()
    assert "Votre profil est enregistré." in page.text
    assert page.forms["profil"]["mobile"].value == "07 98 76 54 32"
    user = account(wsgi, ids["membre_a"])
    assert (user["first_name"], user["last_name"], user["mobile"], user["role_in_council"],
            user["newsletter"], user["sms_alerts"]) == (
        "Nadia", "Benali", "+33798765432", "co-présidente", True, True)
    assert signed_in_as(member) == "Nadia Benali"


def test_profile_errors_keep_what_was_typed(site, member):
    wsgi, ids = site
    form = member.get("/mon-profil").forms["profil"]
    form["first_name"] = "Nadia"
    form["mobile"] = "06 12"
    page = form.submit(status=400)
    assert "n'est pas un numéro de mobile valide" in html.unescape(page.text)
    assert page.forms["profil"]["first_name"].value == "Nadia"
    assert page.forms["profil"]["mobile"].value == "06 12"
    assert account(wsgi, ids["membre_a"])["first_name"] == "Membre"


def test_password_change_asks_the_current_one(site, member):
    wsgi, ids = site
    form = member.get("/mon-profil").forms["motdepasse"]
    assert form["current_password"].attrs["autocomplete"] == "current-password"
    assert form["new_password"].attrs["autocomplete"] == "new-password"
    form["current_password"] = "pas le bon"
    form["new_password"] = NEW_PASSWORD
    page = form.submit(status=400)
    assert "Ce n'est pas votre mot de passe actuel" in html.unescape(page.text)
    assert page.forms["motdepasse"]["current_password"].value == ""  # passwords not echoed
    assert check_password(account(wsgi, ids["membre_a"])["password_hash"], PASSWORD)

    form = page.forms["motdepasse"]
    form["current_password"] = PASSWORD
    form["new_password"] = "membre123456"  # contains the first name
    page = form.submit(status=400)
    assert "ne doit pas contenir votre nom" in html.unescape(page.text)

    form = page.forms["motdepasse"]
    form["current_password"] = PASSWORD
    form["new_password"] = NEW_PASSWORD
    assert "Votre nouveau mot de passe est enregistré." in form.submit().follow().text
    assert check_password(account(wsgi, ids["membre_a"])["password_hash"], NEW_PASSWORD)


def test_download_my_data_has_everything_but_secrets(site, member):
    wsgi, ids = site
    with open_registry_root(wsgi.registry) as (root, tm):  # a pending reset link
        user = root.users[ids["membre_a"]]
        tokens.issue_token(wsgi.registry.settings, user, tokens.RESET_PASSWORD)
        user.mobile, user.newsletter = "+33612345678", True
        nonce, password_hash = user.tokens[tokens.RESET_PASSWORD], user.password_hash
        tm.commit()
    page = member.get("/mon-profil")
    assert "Télécharger mes données" in page.text
    download = member.get("/mon-profil/donnees")
    assert download.content_type == "application/json"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "no-store" in download.headers["Cache-Control"]
    data = json.loads(download.body.decode("utf-8"))
    assert data["compte"]["adresse_electronique"] == email_of("membre_a")
    assert data["compte"]["prenom"] == "Membre" and data["compte"]["mobile"] == "+33612345678"
    assert data["preferences"] == {"lettre_d_information": True, "alertes_sms": False}
    assert data["conseils"][0]["nom"] == "Conseil des Tilleuls"
    assert data["conseils"][0]["commune"] == "Saint-Étienne"
    assert data["dates"]["inscription"]
    body = download.body.decode("utf-8")
    for secret in (password_hash, "argon2", "password", nonce, "tokens"):
        assert secret not in body


def test_deletion_asks_the_password_then_signs_out(site, member):
    wsgi, ids = site
    with open_registry_root(wsgi.registry) as (root, tm):  # a reading position in the forum
        root["forum"].read_marks[(ids["membre_a"], "un-sujet")] = 3
        root["forum"].read_marks[(ids["membre_b"], "un-sujet")] = 2
        tm.commit()
    page = member.get("/mon-profil/supprimer")
    assert "ancien membre" in page.text and "définitive" in page.text
    form = page.forms["suppression"]
    form["password"] = "pas le bon"
    page = form.submit(status=400)
    assert "Ce n'est pas votre mot de passe actuel" in html.unescape(page.text)
    assert account(wsgi, ids["membre_a"]) is not None
    form = page.forms["suppression"]
    form["password"] = PASSWORD
    done = form.submit()
    assert done.headers["Location"] == "http://localhost/"
    assert "Votre compte est supprimé." in done.follow().text
    assert account(wsgi, ids["membre_a"]) is None
    assert signed_in_as(member) is None
    with open_registry_root(wsgi.registry) as (root, tm):
        assert root.users.find_by_email(email_of("membre_a")) is None
        assert root.catalog.by_id(ids["membre_a"]) is None
        assert list(root["forum"].read_marks.keys()) == [(ids["membre_b"], "un-sujet")]
    assert attempt_sign_in(webtest.TestApp(wsgi), email_of("membre_a")).status_int == 400


def test_html_in_names_is_never_rendered_raw(site, member):
    wsgi, _ = site
    evil = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    form = member.get("/mon-profil").forms["profil"]
    form["first_name"] = evil
    form["role_in_council"] = "<b>présidente</b>"
    form.submit().follow()
    for path in ("/mon-profil", "/", "/deconnexion"):
        text = member.get(path).text
        assert "<script>alert" not in text and "<img src=x" not in text and "<b>pr" not in text
        assert "&lt;script&gt;" in text
