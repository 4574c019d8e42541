"""Collaborative documents over HTTP: the sync endpoint, who may use it, bad input, presence,
history and restore, and what readers and search get."""
import base64
import datetime

import pytest
import webtest

from conseils_site.collab.client import Replica
from conseils_site.resources.content import Document
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.functional.test_content import add_item, site, submit  # noqa: F401 (fixture)
from tests.support import build_site, csrf, signed_in


def collaborative(ids, visibility="conseil", body="<p>Premier jet</p>", title="Charte du conseil"):
    return lambda council: Document(title, council.id, author_id=ids["membre_a"], visibility=visibility,
                                    mode="collaboratif", body=body)


def poster(app, path):
    token = csrf(app)  # anonymous visitors have a session once they saw a form

    def post(body):
        response = app.post_json(path + "/@@sync", body, headers={"X-CSRF-Token": token},
                                 expect_errors=True)
        return response.status_int, (response.json if response.content_type == "application/json"
                                     else None)
    return post


def replica_for(wsgi, who, path, client_id=None):
    return Replica(poster(signed_in(wsgi, who), path), client_id=client_id)


def stored(wsgi, path):
    with open_registry_root(wsgi.registry) as (root, tm):
        doc = root.territoires.council_by_code("A")[path.rsplit("/", 1)[1]]
        return doc.shared.state, doc.body


def test_two_members_write_and_a_third_reads_it_later(site):
    wsgi, ids = site
    path = add_item(wsgi, ids, collaborative(ids))
    alice = replica_for(wsgi, "membre_a", path)
    other = replica_for(wsgi, "autre_a", path)
    assert alice.round() == 200 and other.round() == 200
    assert alice.text() == other.text() == "Premier jet"
    alice.type(" de la charte")
    other.type("Article 1. ", at=0)
    for replica in (alice, other, alice, other):
        assert replica.round() == 200
    assert alice.text() == other.text()
    assert "de la charte" in alice.text() and "Article 1." in alice.text()
    later = replica_for(wsgi, "animateur", path)
    assert later.round() == 200 and later.text() == alice.text()
    _, body = stored(wsgi, path)
    assert "de la charte" in body and "Article 1." in body


def test_the_page_gives_editors_the_editor_and_readers_the_rendered_text(site):
    wsgi, ids = site
    path = add_item(wsgi, ids, collaborative(ids, visibility="public", body="<p>Texte <strong>lu</strong></p>"))
    editor_page = signed_in(wsgi, "membre_a").get(path)
    assert 'id="collab"' in editor_page.text and "vendor/collab/collab.js" in editor_page.text
    assert "@@sync" in editor_page.text and "Historique des versions" in editor_page.text
    for who in (None, "membre_b", "membre_c"):
        page = signed_in(wsgi, who).get(path)
        assert "<p>Texte <strong>lu</strong></p>" in page.text
        assert 'id="collab"' not in page.text and "@@sync" not in page.text
        assert "collab.js" not in page.text


LEVELS = ("conseil", "groupes", "membres", "public")
ALLOWED = {"membre_a", "autre_a", "animateur"}


@pytest.mark.parametrize("who", [None, "membre_b", "membre_c", "membre_a", "autre_a",
                                 "animateur"])
def test_only_people_allowed_to_edit_may_sync_whatever_the_level(site, who):
    wsgi, ids = site
    app = signed_in(wsgi, who)
    post = poster(app, "")
    for level in LEVELS:
        path = add_item(wsgi, ids, collaborative(ids, visibility=level, title=f"Texte {level}"))
        before, _ = stored(wsgi, path)
        replica = Replica(poster(app, path))
        replica.type("intrus")
        status = replica.round()
        after, body = stored(wsgi, path)
        if who in ALLOWED:
            assert status == 200 and "intrus" in body
        else:
            # Refused: 403 to those who may read it, or the 404 of a page one may not see.
            assert status >= 400, (level, who)
            assert after == before and "intrus" not in body
            if status == 403:
                assert "membres du conseil" in replica.last["error"]
        history = app.get(path + "/@@historique", expect_errors=True)
        assert (history.status_int == 200) == (who in ALLOWED)
        if who not in ALLOWED:
            assert "Version" not in history.text and "Texte " + level not in history.text
    assert post  # the poster helper itself needs a session only for signed-in people


def test_classic_documents_have_no_sync(site):
    wsgi, ids = site
    path = add_item(wsgi, ids, collaborative(ids))
    with open_registry_root(wsgi.registry) as (root, tm):
        root.territoires.council_by_code("A")[path.rsplit("/", 1)[1]].set_mode("classique")
        tm.commit()
    app = signed_in(wsgi, "membre_a")
    assert Replica(poster(app, path)).round() == 404


@pytest.mark.parametrize("body, message", [
    ({"client": 1, "sv": "", "update": base64.b64encode(b"\x01\x02\x03").decode()}, "Modification illisible"),
    ({"client": 1, "sv": "", "update": "pas du base64 !"}, "Modification illisible"),
    ({"client": 1, "sv": base64.b64encode(b"garbage").decode()}, "Vecteur d'état illisible"),
    ({"client": "un", "sv": ""}, "Identifiant de client"),
    ({"client": -4, "sv": ""}, "Identifiant de client"),
    ({"client": 2**60, "sv": ""}, "Identifiant de client"),
    ([1, 2, 3], "Requête illisible"),
])
def test_malformed_requests_get_400_and_change_nothing(site, body, message):
    wsgi, ids = site
    path = add_item(wsgi, ids, collaborative(ids))
    before, _ = stored(wsgi, path)
    app = signed_in(wsgi, "membre_a")
    response = app.post_json(path + "/@@sync", body, headers={"X-CSRF-Token": csrf(app)},
                             expect_errors=True)
    assert response.status_int == 400 and message in response.json["error"]
    assert stored(wsgi, path)[0] == before


def test_a_bad_state_vector_with_a_good_update_stores_nothing(site):
    """The state vector is checked before anything changes: the request commits nothing."""
    wsgi, ids = site
    path = add_item(wsgi, ids, collaborative(ids))
    replica = replica_for(wsgi, "membre_a", path)
    replica.round()
    replica.type(" perdu ?")
    _, body = replica.body()
    body["sv"] = base64.b64encode(b"garbage").decode()
    status, answer = replica.post(body)
    assert status == 400 and "perdu" not in stored(wsgi, path)[1]
    assert replica.round() == 200 and "perdu ?" in stored(wsgi, path)[1]  # sent again, kept


def test_not_json_and_forged_csrf_are_refused(site):
    wsgi, ids = site
    path = add_item(wsgi, ids, collaborative(ids))
    app = signed_in(wsgi, "membre_a")
    response = app.post(path + "/@@sync", "pas du json", content_type="application/json",
                        headers={"X-CSRF-Token": csrf(app)}, expect_errors=True)
    assert response.status_int == 400
    replica = Replica(lambda body: (lambda r: (r.status_int, None))(
        app.post_json(path + "/@@sync", body, headers={"X-CSRF-Token": "forgé"}, expect_errors=True)))
    replica.type("forgé")
    assert replica.round() == 400
    assert "forgé" not in stored(wsgi, path)[1]


@pytest.fixture
def small_site(tmp_path):
    wsgi = make_app(**{"zodbconn.uri": f"fsblobs://{tmp_path}/Data.fs?blobstorage_dir={tmp_path}/blobs",
                       "mail.queue_path": str(tmp_path / "mail"),
                       "collab.max_bytes": "3000", "collab.max_update_bytes": "1500",
                       "collab.max_snapshots": "4"})
    yield wsgi, build_site(wsgi)
    wsgi.registry._zodb_databases[""].close()


def test_oversized_updates_and_documents_are_refused_and_the_text_kept(small_site):
    wsgi, ids = small_site
    path = add_item(wsgi, ids, collaborative(ids))
    replica = replica_for(wsgi, "membre_a", path)
    replica.round()
    replica.type("x" * 2000)
    assert replica.round() == 400 and "trop grande" in replica.last["error"]
    fresh = replica_for(wsgi, "membre_a", path)
    fresh.round()
    for _ in range(6):
        fresh.type("y" * 700)
        status = fresh.round()
        if status != 200:
            break
    assert status == 400 and "taille maximale" in fresh.last["error"]
    state, body = stored(wsgi, path)
    assert len(state) <= 3000 and body.startswith("<p>Premier jet")


def test_an_unknown_state_vector_gets_everything_it_lacks(site):
    """A replica claiming changes the server never saw (say, after a restore of the database)
    still gets the server's whole text, and its own changes are merged when it sends them."""
    wsgi, ids = site
    path = add_item(wsgi, ids, collaborative(ids))
    stranger = replica_for(wsgi, "membre_a", path, client_id=424242)
    stranger.type("Écrit hors ligne", paragraph=1)
    status, answer = stranger.post({"client": 424242,
                                    "sv": base64.b64encode(stranger.doc.get_state()).decode()})
    assert status == 200
    stranger.doc.apply_update(base64.b64decode(answer["update"]))
    assert "Premier jet" in stranger.text()
    stranger.server_sv = base64.b64decode(answer["sv"])
    assert stranger.round() == 200
    assert "Écrit hors ligne" in stored(wsgi, path)[1] and "Premier jet" in stored(wsgi, path)[1]


def test_presence_names_colours_and_cursors_come_from_the_server(site):
    from conseils_site.collab.presence import decode_awareness, encode_awareness

    wsgi, ids = site
    path = add_item(wsgi, ids, collaborative(ids))
    alice = replica_for(wsgi, "membre_a", path, client_id=11)
    other = replica_for(wsgi, "autre_a", path, client_id=22)
    lie = encode_awareness([(11, 1, {"user": {"name": "Le Président"}, "cursor": {"anchor": 3}})])
    assert alice.round(awareness=lie) == 200
    assert other.round() == 200
    editors = other.last["editors"]
    assert [(e["name"], e["me"]) for e in editors] == [("Autre A", True), ("Membre A", False)]
    assert other.last["clients"] == [11]
    (_, _, state), = decode_awareness(base64.b64decode(other.last["awareness"][0]))
    assert state["user"]["name"] == "Membre A" and state["cursor"] == {"anchor": 3}
    assert 0 <= state["user"]["slot"] < 8
    # Autre A cannot speak for Membre A's client id.
    impostor = replica_for(wsgi, "autre_a", path, client_id=11)
    impostor.round(awareness=encode_awareness([(11, 2, {"user": {}, "cursor": None})]))
    alice.round()
    other.round()
    (_, _, state), = decode_awareness(base64.b64decode(other.last["awareness"][0]))
    assert state["cursor"] == {"anchor": 3}
    assert alice.round(leave=True) == 200
    other.round()
    assert [e["name"] for e in other.last["editors"]] == ["Autre A"]


def age_changes(wsgi, path, minutes):
    with open_registry_root(wsgi.registry) as (root, tm):
        shared = root.territoires.council_by_code("A")[path.rsplit("/", 1)[1]].shared
        shared.last_change -= datetime.timedelta(minutes=minutes)
        tm.commit()


def test_history_snapshots_bursts_compare_and_restore(site):
    wsgi, ids = site
    path = add_item(wsgi, ids, collaborative(ids, body="<p>Un deux trois</p>"))
    alice = replica_for(wsgi, "membre_a", path)
    other = replica_for(wsgi, "autre_a", path)
    alice.round(), other.round()
    alice.type(" quatre")
    alice.round()
    other.round()
    other.type(" cinq")
    other.round()
    age_changes(wsgi, path, 5)  # the burst is over
    alice.round()
    alice.type(" six")  # a new burst: the previous one becomes version 1
    alice.round()
    app = signed_in(wsgi, "membre_a")
    page = app.get(path + "/@@historique")
    assert "Version 1" in page.text and "Membre A, Autre A" in page.text
    assert "Des modifications sont en cours" in page.text
    assert other.round(leave=True) == 200 and alice.round(leave=True) == 200  # the last one leaves
    page = app.get(path + "/@@historique")
    assert "Version 2" in page.text and "Des modifications sont en cours" not in page.text
    compared = app.get(path + "/@@historique?de=1&a=2")
    assert "<ins>six</ins>" in compared.text
    assert "Un deux trois quatre cinq six" in app.get(path).text
    # Restore version 1: a new change, received by an editor still connected.
    watcher = replica_for(wsgi, "autre_a", path)
    watcher.round()
    restore = next(f for f in page.forms.values() if f.fields.get("version", [None])[0] is not None
                   and f["version"].value == "1")
    restore.submit(status=303)
    watcher.round()
    assert watcher.text() == "Un deux trois quatre cinq"
    page = app.get(path + "/@@historique")
    assert "Version 1 restaurée" in page.text and "Version 3" in page.text
    assert "Un deux trois quatre cinq" in stored(wsgi, path)[1] and "six" not in stored(wsgi, path)[1]


def test_the_history_keeps_a_bounded_number_of_snapshots(small_site):
    wsgi, ids = small_site
    path = add_item(wsgi, ids, collaborative(ids))
    alice = replica_for(wsgi, "membre_a", path)
    alice.round()
    for n in range(7):
        alice.type(f" {n}")
        alice.round(leave=True)
    with open_registry_root(wsgi.registry) as (root, tm):
        history = root.territoires.council_by_code("A")[path.rsplit("/", 1)[1]].history
        numbers = [s.number for s in history.newest_first()]
    assert len(numbers) == 4 and numbers[0] == 7 and numbers[-1] == 1


def test_search_finds_the_text_of_the_last_version(site):
    wsgi, ids = site
    path = add_item(wsgi, ids, collaborative(ids))
    alice = replica_for(wsgi, "membre_a", path)
    alice.round()
    alice.type(" avec le mot zanzibar")
    alice.round(leave=True)
    app = signed_in(wsgi, "membre_a")
    assert "Charte du conseil" in app.get("/recherche", {"q": "zanzibar"}).text
    assert "Charte du conseil" not in signed_in(wsgi, "membre_c").get("/recherche", {"q": "zanzibar"}).text
    assert "Charte du conseil" not in webtest.TestApp(wsgi).get("/recherche", {"q": "zanzibar"}).text


def test_a_collaborative_document_is_created_from_the_form_and_its_edit_form_leaves_the_text_alone(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouveau-document").forms["document"]
    item = submit(app, form, title="Charte", mode="collaboratif", body="Article 1 : on écrit.",
                  status=303).follow()
    assert "Article 1 : on écrit." in item.text and 'id="collab"' in item.text
    path = ids["path_A"] + "/charte"
    other = signed_in(wsgi, "referent_a")  # the author, référents and animators edit it
    edit = other.get(path + "/@@modifier")
    assert "body" not in edit.forms["document"].fields
    assert "se modifie directement sur sa page" in edit.text
    submit(other, edit.forms["document"], title="Charte du conseil", status=303)
    assert "Article 1 : on écrit." in stored(wsgi, path)[1]
    # Back to classic: the shared text becomes the body, and the form shows it again.
    edit = app.get(path + "/@@modifier").forms["document"]
    submit(app, edit, mode="classique", status=303)
    edit = app.get(path + "/@@modifier").forms["document"]
    assert edit["body"].value == "Article 1 : on écrit."
