"""Co-writing and editing are two permissions (issue #14, item 3).

Every member of the council writes a collaborative document's text (sync, history, restore);
only its author, the council's référents and animators change its title, visibility, files or
mode, or delete it. « autre_a » is a member of council A who is neither author nor référent."""
import webtest

from conseils_site.scripts import open_registry_root
from tests.functional.test_collab import collaborative, replica_for, stored
from tests.functional.test_content import (  # noqa: F401 (the fixture)
    PDF,
    add_item,
    site,
    submit,
)
from tests.support import csrf, signed_in


def document(wsgi, path):
    with open_registry_root(wsgi.registry) as (root, tm):
        doc = root.territoires.council_by_code("A")[path.rsplit("/", 1)[1]]
        return {"title": doc.title, "visibility": doc.visibility, "mode": doc.mode,
                "files": sorted(a.__name__ for a in doc.attachments())}


def member(wsgi):
    """« autre_a », signed in: the page shows who is connected."""
    app = signed_in(wsgi, "autre_a")
    assert "Connecté : Autre A" in app.get("/").text
    return app


def shared_document(wsgi, ids):
    return add_item(wsgi, ids, collaborative(ids, body="<p>Texte commun</p>"),
                    files=[("plan.pdf", PDF, "pdf")])


def test_a_member_cannot_open_or_post_the_metadata_form_of_a_collaborative_document(site):
    wsgi, ids = site
    path = shared_document(wsgi, ids)
    before = document(wsgi, path)
    app = member(wsgi)
    page = app.get(path + "/@@modifier", status="*")
    assert page.status_int == 403 and 'name="visibility"' not in page.text
    for changes in ({"visibility": "public"}, {"title": "Pirate"}, {"mode": "classique"},
                    {"remove": "plan.pdf"}):
        fields = {"csrf_token": csrf(app), "__formid__": "document", "title": before["title"],
                  "visibility": before["visibility"], "mode": before["mode"], "description": "",
                  **changes}
        app.post(path + "/@@modifier", fields, status=403)
    assert document(wsgi, path) == before
    anonymous = webtest.TestApp(wsgi).get(path, status="*")
    assert anonymous.status_int >= 400 and "Texte commun" not in anonymous.text


def test_a_member_cannot_delete_a_collaborative_document(site):
    wsgi, ids = site
    path = shared_document(wsgi, ids)
    app = member(wsgi)
    app.get(path + "/@@supprimer", status=403)
    app.post(path + "/@@supprimer", {"csrf_token": csrf(app)}, status=403)
    assert document(wsgi, path)["title"] == "Charte du conseil"


def test_a_member_still_writes_the_text_and_uses_the_history(site):
    wsgi, ids = site
    path = shared_document(wsgi, ids)
    replica = replica_for(wsgi, "autre_a", path)
    assert replica.round() == 200
    replica.type(" et la suite")
    assert replica.round(leave=True) == 200  # the last editor leaves: version 1
    replica.type(" puis la fin")
    assert replica.round(leave=True) == 200  # version 2
    assert "et la suite puis la fin" in stored(wsgi, path)[1]
    app = member(wsgi)
    page = app.get(path)
    assert 'id="collab"' in page.text and "@@sync" in page.text  # the editor
    assert "@@modifier" not in page.text and "@@supprimer" not in page.text  # no metadata links
    assert "ne changent que par son auteur, les référents du conseil et les animateurs" in page.text
    history = app.get(path + "/@@historique")
    restore = next(f for f in history.forms.values() if "version" in f.fields)
    assert restore["version"].value == "1"
    restore.submit(status=303)
    assert "et la suite" in stored(wsgi, path)[1] and "puis la fin" not in stored(wsgi, path)[1]


def test_author_referent_and_animator_change_the_metadata(site):
    wsgi, ids = site
    path = shared_document(wsgi, ids)
    for who, level in (("membre_a", "groupes"), ("referent_a", "membres"), ("animateur", "public")):
        app = signed_in(wsgi, who)
        page = app.get(path)
        assert "@@modifier" in page.text and 'id="collab"' in page.text, who
        assert "ne changent que par son auteur" not in page.text, who
        form = app.get(path + "/@@modifier").forms["document"]
        submit(app, form, visibility=level, status=303)
        assert document(wsgi, path)["visibility"] == level, who


def test_the_sharing_page_says_who_writes_the_text_and_who_changes_the_document(site):
    wsgi, ids = site
    path = shared_document(wsgi, ids)
    animator = signed_in(wsgi, "animateur")
    page = animator.get(path + "/@@partage")
    editing = page.html.select_one("#modifier").find_parent("section").get_text()
    writing = page.html.select_one("#ecrire").find_parent("section").get_text()
    assert "les membres du conseil" not in editing and "auteur de ce contenu" in editing
    assert "les membres du conseil « Conseil des Tilleuls »" in writing
    assert "document collaboratif" in writing
