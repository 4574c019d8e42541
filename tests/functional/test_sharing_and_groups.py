"""@@partage, the audit log, and the working groups' administration."""
import pytest
import webtest

from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.support import build_site, email_of, sign_in


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    return wsgi, build_site(wsgi)


def test_sharing_page_explains_and_grants_a_referent_role(site):
    wsgi, ids = site
    app = webtest.TestApp(wsgi)
    sign_in(app, "animateur")
    page = app.get(ids["path_A"] + "/@@partage")
    assert "Qui peut voir" in page.text and "tout le monde, visiteurs non inscrits compris" in page.text
    assert "Qui peut modifier" in page.text and "les membres du conseil « Conseil des Tilleuls »" in page.text
    form = next(f for f in page.forms.values() if f.get("action", default=None) is not None
                and f["action"].value == "attribuer")
    form["email"] = email_of("membre_c")
    form["role"] = "referent"
    after = form.submit().follow()
    assert "a maintenant le rôle référent" in after.text
    assert "rôle référent attribué ici" in after.text
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        assert council.local_roles[ids["membre_c"]] == ("referent",)
        entry = root.audit.newest(1)[0]
        assert entry["action"] == "attribution" and entry["actor"]["id"] == ids["animateur"]
    # The new référent now validates council A's registrations.
    referent = webtest.TestApp(wsgi)
    sign_in(referent, "membre_c")
    assert "Candidat" in referent.get(ids["path_A"] + "/@@tableau-de-bord").text
    journal = app.get("/admin/journal")
    assert "attribution" in journal.text and "référent" in journal.text


def test_sharing_keeps_the_typed_email_on_error_and_revokes(site):
    wsgi, ids = site
    app = webtest.TestApp(wsgi)
    sign_in(app, "animateur")
    page = app.get(ids["path_A"] + "/@@partage")
    form = next(f for f in page.forms.values() if f.get("action", default=None) is not None
                and f["action"].value == "attribuer")
    form["email"] = "personne@<b>exemple</b>.fr"
    result = form.submit(status=400)
    assert "Aucun compte n'utilise l'adresse" in result.text
    assert 'value="personne@&lt;b&gt;exemple&lt;/b&gt;.fr"' in result.text
    form = next(f for f in result.forms.values() if f.get("action", default=None) is not None
                and f["action"].value == "attribuer")
    form["email"] = email_of("candidat_a")
    assert "n'est pas validé" in form.submit(status=400).text
    form["email"] = email_of("membre_b")
    page = form.submit().follow()
    revoke = next(f for f in page.forms.values() if f.get("action", default=None) is not None
                  and f["action"].value == "retirer")
    assert "est retiré" in revoke.submit().follow().text
    with open_registry_root(wsgi.registry) as (root, tm):
        assert not root.territoires.council_by_code("A").local_roles
        assert [e["action"] for e in root.audit.newest(2)] == ["retrait", "attribution"]


@pytest.mark.parametrize("who", [None, "membre_a", "membre_c"])
def test_sharing_and_admin_are_for_animators_only(site, who):
    wsgi, ids = site
    app = webtest.TestApp(wsgi)
    if who:
        sign_in(app, who)
    for path in (ids["path_A"] + "/@@partage", "/@@partage"):  # pages they may see: refused
        app.get(path, status=403)
    for path in ("/admin", "/admin/journal", "/admin/groupes", "/admin/inscriptions"):
        page = app.get(path, status=404)  # the admin area is hidden: as missing (#14.4)
        assert "Page introuvable" in page.text and "Journal" not in page.text


def test_animator_creates_a_group_from_a_territory(site):
    wsgi, ids = site
    app = webtest.TestApp(wsgi)
    sign_in(app, "animateur")
    page = app.get("/admin/groupes")
    form = page.forms["groupe"]
    form["title"] = "Saint-Étienne ensemble"
    form["scale"] = "commune"
    form["territory_code"] = "42218"
    form["add_territory"] = True
    form["council_codes"] = "C"
    group_page = form.submit().follow()
    assert "Saint-Étienne ensemble" in group_page.text and "Les 3 conseil(s) du groupe" in group_page.text
    directory = webtest.TestApp(wsgi).get("/groupes")  # public list
    assert "Saint-Étienne ensemble" in directory.text


def test_group_form_errors_keep_typed_values(site):
    wsgi, ids = site
    app = webtest.TestApp(wsgi)
    sign_in(app, "animateur")
    form = app.get("/admin/groupes").forms["groupe"]
    form["title"] = "Groupe <script>alert(1)</script>"
    form["scale"] = "epci"
    form["territory_code"] = "12345"
    form["council_codes"] = "A\nZZZ"
    result = form.submit(status=400)
    assert "Ce code ne correspond à aucun territoire" in result.text
    assert "<script>alert(1)</script>" not in result.text
    assert result.forms["groupe"]["title"].value == "Groupe <script>alert(1)</script>"
    assert result.forms["groupe"]["council_codes"].value == "A\nZZZ"


def test_members_join_a_group_principal_at_their_next_request(site):
    wsgi, ids = site
    app = webtest.TestApp(wsgi)
    sign_in(app, "animateur")
    page = app.get("/groupes/loire/@@modifier")
    form = next(f for f in page.forms.values() if "add" in f.fields)
    form["add"] = "C"
    form.submit().follow()
    with open_registry_root(wsgi.registry) as (root, tm):
        from conseils_site.security.principals import compute_principals
        user = root.users[ids["membre_c"]]
        assert f"groupmate:{ids['council_A']}" in compute_principals(user, root.catalog)


def test_councillor_requests_a_group(site):
    wsgi, ids = site
    app = webtest.TestApp(wsgi)
    webtest.TestApp(wsgi).get("/groupes/@@demande", status=403)
    sign_in(app, "membre_a")
    form = app.get("/groupes/@@demande").forms["demande"]
    form["title"] = "Loire Sud"
    form["councils_text"] = ""
    result = form.submit(status=400)
    assert result.forms["demande"]["title"].value == "Loire Sud"
    form = result.forms["demande"]
    form["councils_text"] = "Tilleuls, Montreynaud"
    assert "Votre demande est envoyée" in form.submit().follow().text
    admin = webtest.TestApp(wsgi)
    sign_in(admin, "animateur")
    queue = admin.get("/admin/groupes")
    assert "Loire Sud" in queue.text and "Tilleuls, Montreynaud" in queue.text
