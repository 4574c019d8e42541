"""A write that still conflicts on its last attempt gives the person their form back.

Every transaction of the request is made to fail with a ConflictError at commit (a data manager
that always votes « conflict »), so pyramid_retry uses all its attempts: the answer is then the
form again with everything typed and a French message (503), never a 500 page, and nothing of
the write is in the database."""
import pytest
import webtest
from pyramid.interfaces import IContextFound
from ZODB.POSException import ConflictError

from conseils_site.resources.forum import Topic
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.support import build_site, signed_in


class AlwaysConflicts:
    """Joins a transaction and makes its commit fail as a write conflict would; the other steps
    of the data-manager protocol have nothing to store or undo, hence their empty bodies."""

    def __init__(self, tm, counter):
        self.transaction_manager, self.counter = tm, counter

    def abort(self, txn):
        pass

    def tpc_begin(self, txn):
        pass

    def commit(self, txn):
        pass

    def tpc_vote(self, txn):
        self.counter.append(1)
        raise ConflictError("conflit provoqué par le test")

    def tpc_finish(self, txn):
        pass

    def tpc_abort(self, txn):
        pass

    def sortKey(self):
        return "zzz-always-conflicts"


@pytest.fixture
def crowded():
    """The small site, where every POST but the sign-in meets a conflict at commit."""
    wsgi = make_app()
    ids = build_site(wsgi)
    votes = []

    def conflict(event):
        request = event.request
        if request.method == "POST" and request.path != "/connexion":
            request.tm.get().join(AlwaysConflicts(request.tm, votes))

    wsgi.registry.registerHandler(conflict, (IContextFound,))
    return wsgi, ids, votes


def test_a_document_that_keeps_conflicting_comes_back_with_what_was_typed(crowded):
    wsgi, ids, votes = crowded
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouveau-document").forms["document"]
    form["title"] = "Compte rendu du conseil de mardi"
    form["description"] = "Nous avons parlé du square et des bancs."
    page = form.submit(status=503)
    assert len(votes) == 3  # retry.attempts: every attempt was made, each met the conflict
    assert "Erreur du serveur" not in page.text
    assert "n'a pas pu être enregistré" in page.text and "envoyez-le à nouveau" in page.text
    again = page.forms["document"]  # the same form, filled as it was sent
    assert again["title"].value == "Compte rendu du conseil de mardi"
    assert "square et des bancs" in again["description"].value
    assert again["csrf_token"].value
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        assert not [d for d in council.values() if getattr(d, "title", "").startswith("Compte rendu du")]
        assert not list(root.catalog.indexes["kind"].applyEq("document"))


def test_a_forum_reply_that_keeps_conflicting_comes_back_with_its_text(crowded):
    wsgi, ids, votes = crowded
    with open_registry_root(wsgi.registry) as (root, tm):
        category = root["forum"].categories()[0]
        topic = Topic("Le square", "<p>Qui vient ?</p>", "Qui vient ?", ids["membre_a"])
        category.add(category.unique_name(topic.title), topic, send_events=False)
        topic.section_id = category.id
        path = f"/forum/{category.__name__}/{topic.__name__}/"
        tm.commit()
    app = signed_in(wsgi, "membre_b")
    form = app.get(path + "@@repondre").forms["reponse"]
    form["text"] = "Je viendrai samedi avec mes voisins."
    page = form.submit(status=503)
    assert "n'a pas pu être enregistré" in page.text
    assert page.forms["reponse"]["text"].value == "Je viendrai samedi avec mes voisins."
    with open_registry_root(wsgi.registry) as (root, tm):
        assert len(root["forum"].categories()[0][topic.__name__]) == 0


def test_a_write_without_a_form_gets_a_page_saying_nothing_was_saved(crowded):
    wsgi, ids, votes = crowded
    with open_registry_root(wsgi.registry) as (root, tm):
        category = root["forum"].categories()[0]
        topic = Topic("Le square", "<p>Qui vient ?</p>", "Qui vient ?", ids["membre_a"])
        category.add(category.unique_name(topic.title), topic, send_events=False)
        topic.section_id = category.id
        path = f"/forum/{category.__name__}/{topic.__name__}/"
        tm.commit()
    app = signed_in(wsgi, "membre_b")
    page = app.get(path)
    token = next(f["csrf_token"].value for f in page.forms.values() if "csrf_token" in f.fields)
    # « Suivre ce sujet » is a button, not a form of the site: nothing to show again but the
    # page says that nothing was saved, and shows the words sent (here, none but the action).
    page = app.post(path + "@@suivre", {"csrf_token": token, "action": "suivre",
                                        "note": "Un texte à ne pas perdre"}, status=503)
    assert "Erreur du serveur" not in page.text
    assert "rien n'a été enregistré" in page.text and "Un texte à ne pas perdre" in page.text
    assert token not in page.text.split('name="csrf_token"')[0]
    with open_registry_root(wsgi.registry) as (root, tm):
        assert ids["membre_b"] not in root["forum"].categories()[0][topic.__name__].followers
