"""The password rule in the pages: registration (with the chosen council's commune), the
password change in « Mon profil » and the reset link refuse a guessable password in French."""
import html

import pytest
import webtest

from tests.conftest import make_app
from tests.functional.test_login import ask_reset, reset_link
from tests.functional.test_registration import register, user_by_email
from tests.support import PASSWORD, build_site, email_of, signed_in

TOO_EASY = "Ce mot de passe serait trop facile à deviner."


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)
    return wsgi, ids, tmp_path / "mail"


def test_registration_refuses_conseil2026_and_keeps_what_was_typed(site):
    wsgi, _, _ = site
    page = register(webtest.TestApp(wsgi), password="conseil2026")
    assert page.status_int == 400
    text = html.unescape(page.text)
    assert TOO_EASY in text and "un mot du site" in text
    assert page.forms["inscription"]["first_name"].value == "Camille"
    assert user_by_email(wsgi, "camille.durand@exemple.fr") is None


def test_registration_knows_the_commune_of_the_chosen_council(site):
    wsgi, _, _ = site
    # council C is in Saint-Denis: its name is what an attacker would try first
    page = register(webtest.TestApp(wsgi), password="saintdenis2026", council_search="Francs-Moisins")
    assert page.status_int == 400 and "votre commune" in html.unescape(page.text)
    other = register(webtest.TestApp(wsgi), password="saintdenis2026", council_search="Montreynaud")
    assert other.status_int == 303


def test_password_change_refuses_aaaaaaaaaa(site):
    wsgi, _, _ = site
    app = signed_in(wsgi, "membre_a")
    form = app.get("/mon-profil").forms["motdepasse"]
    form["current_password"], form["new_password"] = PASSWORD, "aaaaaaaaaa"
    page = form.submit(status=400)
    text = html.unescape(page.text)
    assert TOO_EASY in text and "répétitions" in text


def test_reset_refuses_a_guessable_password(site):
    wsgi, _, mail_dir = site
    app = webtest.TestApp(wsgi)
    ask_reset(app, email_of("membre_a"))
    form = app.get(reset_link(mail_dir, email_of("membre_a"))).forms["nouveau"]
    form["password"] = "quartier2026!"
    page = form.submit(status=400)
    assert TOO_EASY in html.unescape(page.text)
