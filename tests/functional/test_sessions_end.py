"""Sessions that end: a cookie copied before signing out, a password change or reset, a disabled
account or « Se déconnecter de tous les appareils » no longer opens anything."""
import html

import pytest
import webtest

from conseils_site.scripts import open_registry_root
from conseils_site.security import SESSION_COOKIE
from tests.conftest import make_app
from tests.functional.test_login import ask_reset, reset_link
from tests.support import PASSWORD, build_site, email_of, signed_in

NEW_PASSWORD = "trois pommes vertes au marché"


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)
    return wsgi, ids, tmp_path / "mail"


def opens_profile(app, name):
    """Whether this browser's cookie opens `name`'s profile."""
    page = app.get("/mon-profil", status="*")
    return page.status_int == 200 and email_of(name) in page.text


def replay(wsgi, cookie):
    """Another browser carrying a copied session cookie."""
    thief = webtest.TestApp(wsgi)
    thief.set_cookie(SESSION_COOKIE, cookie)
    return thief


def refused(app, name):
    """The copied cookie opens nothing: /mon-profil sends to « Connexion », no private data."""
    page = app.get("/mon-profil", status="*")
    assert page.status_int == 303 and "/connexion" in page.headers["Location"]
    assert email_of(name) not in page.text
    assert "Connecté : " not in app.get("/").text
    return True


def csrf_of(app, path="/mon-profil"):
    return app.get(path).forms["motdepasse"]["csrf_token"].value


def test_signing_out_ends_the_session_for_good(site):
    wsgi, _, _ = site
    app = signed_in(wsgi, "membre_a")
    copied = app.cookies[SESSION_COOKIE]
    assert opens_profile(replay(wsgi, copied), "membre_a")  # the copy works while signed in
    app.post("/deconnexion", {"csrf_token": csrf_of(app)}, status=303)
    assert refused(app, "membre_a")
    assert refused(replay(wsgi, copied), "membre_a")


def test_password_change_ends_the_other_sessions_and_keeps_this_one(site):
    wsgi, _, _ = site
    phone = signed_in(wsgi, "membre_a")
    laptop = signed_in(wsgi, "membre_a")
    copied = phone.cookies[SESSION_COOKIE]
    form = laptop.get("/mon-profil").forms["motdepasse"]
    form["current_password"], form["new_password"] = PASSWORD, NEW_PASSWORD
    assert "Votre nouveau mot de passe est enregistré." in form.submit().follow().text
    assert opens_profile(laptop, "membre_a")
    assert refused(phone, "membre_a")
    assert refused(replay(wsgi, copied), "membre_a")


def test_password_reset_ends_every_session(site):
    wsgi, _, mail_dir = site
    app = signed_in(wsgi, "membre_a")
    copied = app.cookies[SESSION_COOKIE]
    other = webtest.TestApp(wsgi)
    ask_reset(other, email_of("membre_a"))
    form = other.get(reset_link(mail_dir, email_of("membre_a"))).forms["nouveau"]
    form["password"] = NEW_PASSWORD
    assert form.submit().status_int == 303
    assert refused(app, "membre_a")
    assert refused(replay(wsgi, copied), "membre_a")
    assert signed_in(wsgi, "membre_a", NEW_PASSWORD)


def test_sign_out_everywhere_keeps_this_device_only(site):
    wsgi, _, _ = site
    phone = signed_in(wsgi, "membre_a")
    laptop = signed_in(wsgi, "membre_b")  # another person's session is not touched
    here = signed_in(wsgi, "membre_a")
    page = here.get("/mon-profil")
    assert "Se déconnecter de tous les appareils" in html.unescape(page.text)
    done = page.forms["appareils"].submit()
    assert done.status_int == 303
    assert "Vos autres appareils sont déconnectés" in html.unescape(done.follow().text)
    assert opens_profile(here, "membre_a")
    assert refused(phone, "membre_a")
    assert opens_profile(laptop, "membre_b")


def test_sign_out_everywhere_needs_the_csrf_token(site):
    wsgi, _, _ = site
    phone = signed_in(wsgi, "membre_a")
    here = signed_in(wsgi, "membre_a")
    here.post("/mon-profil/appareils", {"csrf_token": "forgé"}, status=400)
    assert opens_profile(phone, "membre_a")


def test_a_disabled_account_loses_its_sessions(site):
    wsgi, ids, _ = site
    member = signed_in(wsgi, "membre_a")
    copied = member.cookies[SESSION_COOKIE]
    animator = signed_in(wsgi, "animateur")
    page = animator.get("/admin/comptes", params={"q": "membre.a"})
    confirm = page.forms[f"compte-{ids['membre_a']}"].submit()
    assert confirm.forms["changer-etat"].submit().status_int == 303
    assert refused(member, "membre_a")
    assert refused(replay(wsgi, copied), "membre_a")


def test_a_session_of_an_account_made_inactive_another_way_counts_for_nothing(site):
    """Defence in depth: whatever changed the state, only an active account is signed in."""
    wsgi, ids, _ = site
    member = signed_in(wsgi, "membre_a")
    with open_registry_root(wsgi.registry) as (root, tm):
        root.users.get(ids["membre_a"]).state = "refused"
        tm.commit()
    assert refused(member, "membre_a")


def test_sessions_are_kept_per_account(site):
    wsgi, ids, _ = site
    apps = [signed_in(wsgi, "membre_a") for _ in range(3)]
    with open_registry_root(wsgi.registry) as (root, tm):
        assert len(root.users.get(ids["membre_a"]).sessions) == 3
        assert not getattr(root.users.get(ids["membre_b"]), "sessions", None)
    apps[0].post("/deconnexion", {"csrf_token": csrf_of(apps[0])}, status=303)
    with open_registry_root(wsgi.registry) as (root, tm):
        assert len(root.users.get(ids["membre_a"]).sessions) == 2
