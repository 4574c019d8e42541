"""/admin/comptes: animators disable and enable accounts; a disabled account signs in nowhere,
its sessions end, and nothing granted to it counts."""
import html

import pytest
import webtest
from pyramid.authorization import ACLHelper

from conseils_site.accounts import principals_for
from conseils_site.resources.events import ObjectModified, notify
from conseils_site.scripts import open_registry_root
from conseils_site.security.principals import user_principal
from conseils_site.security.roles import grant_role
from tests.conftest import make_app
from tests.functional.test_sessions_end import opens_profile, refused
from tests.support import PASSWORD, attempt_sign_in, build_site, email_of, signed_in


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)
    return wsgi, ids


def change_state(animator, user_id, search, button):
    """Find the account, open its confirmation, confirm; the page shown afterwards."""
    page = animator.get("/admin/comptes", params={"q": search})
    confirm = page.forms[f"compte-{user_id}"].submit()
    assert button in confirm.text and "Annuler" in confirm.text
    return confirm.forms["changer-etat"].submit().follow()


def grant_referent_of_a(wsgi, ids, name):
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        grant_role(council, root.users.get(ids[name]), "referent", {"id": None, "name": "test"},
                   root.audit)
        tm.commit()


def may_validate_a(wsgi, ids, name):
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        user = root.users.get(ids[name])
        return bool(ACLHelper().permits(council, principals_for(root, user), "validate"))


def test_the_accounts_screen_finds_by_name_or_email_and_shows_states(site):
    wsgi, ids = site
    animator = signed_in(wsgi, "animateur")
    index = animator.get("/admin")
    assert "/admin/comptes" in index.text
    page = animator.get("/admin/comptes", params={"q": "desactive"})
    text = html.unescape(page.text)
    assert email_of("desactive_a") in text and "désactivé" in text
    assert "Réactiver" in text
    page = animator.get("/admin/comptes", params={"q": "Membre"})  # by first name
    text = html.unescape(page.text)
    for name in ("membre_a", "membre_b", "membre_c"):
        assert email_of(name) in text
    assert email_of("candidat_a") not in text
    assert page.forms["recherche"]["q"].value == "Membre"  # the search stays typed


def test_disable_then_enable_through_the_screen_with_audit(site):
    wsgi, ids = site
    animator = signed_in(wsgi, "animateur")
    done = change_state(animator, ids["membre_a"], email_of("membre_a"), "Désactiver")
    assert "Le compte de Membre A est désactivé" in html.unescape(done.text)
    app = webtest.TestApp(wsgi)
    page = attempt_sign_in(app, "membre_a")
    assert page.status_int == 400
    assert "Votre compte est désactivé" in html.unescape(page.text)
    assert refused(app, "membre_a")
    with open_registry_root(wsgi.registry) as (root, tm):
        assert root.users.get(ids["membre_a"]).state == "disabled"
        entry = root.audit.newest(1)[0]
        assert entry["action"] == "désactivation de compte"
        assert entry["actor"]["id"] == ids["animateur"] and email_of("membre_a") in entry["detail"]
    done = change_state(animator, ids["membre_a"], email_of("membre_a"), "Réactiver")
    assert "Le compte de Membre A est réactivé" in html.unescape(done.text)
    assert signed_in(wsgi, "membre_a")
    with open_registry_root(wsgi.registry) as (root, tm):
        assert root.users.get(ids["membre_a"]).state == "active"
        assert root.audit.newest(1)[0]["action"] == "réactivation de compte"
    assert "désactivation de compte" in animator.get("/admin/journal").text


def test_the_confirmation_changes_nothing_until_confirmed(site):
    wsgi, ids = site
    animator = signed_in(wsgi, "animateur")
    page = animator.get("/admin/comptes", params={"q": email_of("membre_a")})
    page.forms[f"compte-{ids['membre_a']}"].submit()
    assert signed_in(wsgi, "membre_a")
    form = page.forms[f"compte-{ids['membre_a']}"].submit().forms["changer-etat"]
    form["csrf_token"] = "forgé"
    form.submit(status=400)
    assert signed_in(wsgi, "membre_a")


def test_an_animator_cannot_disable_their_own_account(site):
    wsgi, ids = site
    animator = signed_in(wsgi, "animateur")
    page = animator.get("/admin/comptes", params={"q": email_of("animateur")})
    assert f"compte-{ids['animateur']}" not in page.forms
    confirm = animator.get("/admin/etat-compte", params={"id": ids["animateur"]}, status=400)
    assert "votre propre compte" in html.unescape(confirm.text)
    assert opens_profile(animator, "animateur")


@pytest.mark.parametrize("who", ["membre_a", "membre_c"])
def test_the_screen_is_for_animators_only(site, who):
    wsgi, ids = site
    if who == "membre_c":
        grant_referent_of_a(wsgi, ids, "membre_c")  # a référent is not an animator
    app = signed_in(wsgi, who)
    page = app.get("/admin/comptes", params={"q": "membre"}, status="*")
    assert page.status_int >= 400 and email_of("membre_b") not in page.text
    csrf = app.get("/mon-profil").forms["motdepasse"]["csrf_token"].value
    app.post("/admin/etat-compte", {"csrf_token": csrf, "id": ids["membre_b"],
                                      "action": "desactiver"}, status="*")
    assert signed_in(wsgi, "membre_b")


def test_a_referent_role_stops_counting_while_the_account_is_disabled(site):
    wsgi, ids = site
    grant_referent_of_a(wsgi, ids, "membre_c")
    referent = signed_in(wsgi, "membre_c")
    dashboard = ids["path_A"] + "/@@tableau-de-bord"
    assert "Candidat" in referent.get(dashboard).text
    assert may_validate_a(wsgi, ids, "membre_c")

    animator = signed_in(wsgi, "animateur")
    change_state(animator, ids["membre_c"], "membre.c", "Désactiver")
    assert not may_validate_a(wsgi, ids, "membre_c")
    page = referent.get(dashboard, status="*")
    assert page.status_int >= 400 or "/connexion" in page.headers.get("Location", "")
    assert "Candidat" not in page.text
    refusal = attempt_sign_in(webtest.TestApp(wsgi), "membre_c")
    assert refusal.status_int == 400

    change_state(animator, ids["membre_c"], "membre.c", "Réactiver")
    assert may_validate_a(wsgi, ids, "membre_c")
    assert "Candidat" in signed_in(wsgi, "membre_c").get(dashboard).text


@pytest.mark.parametrize("state", ["unverified", "pending", "refused", "disabled"])
def test_an_inactive_account_holds_nothing_beyond_a_visitor(site, state):
    wsgi, ids = site
    grant_referent_of_a(wsgi, ids, "membre_c")
    with open_registry_root(wsgi.registry) as (root, tm):
        user = root.users.get(ids["membre_c"])
        user.state = state
        notify(ObjectModified(user))
        tm.commit()
    with open_registry_root(wsgi.registry) as (root, tm):
        principals = principals_for(root, root.users.get(ids["membre_c"]))
        assert user_principal(ids["membre_c"]) not in principals
        assert principals == principals_for(root, None)
    assert not may_validate_a(wsgi, ids, "membre_c")
