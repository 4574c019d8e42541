"""The sync endpoint's bounds: presence size and count, the answer's size, nesting, whose client
ids an editor may write with, how fast, and which links. Every refusal commits nothing."""
import base64
import time

import pytest
from pycrdt import XmlElement, XmlText, merge_updates

from conseils_site.collab.client import Replica
from conseils_site.collab.presence import Presence, encode_awareness
from conseils_site.resources.users import User
from conseils_site.scripts import open_registry_root
from conseils_site.security.passwords import hash_password
from tests.conftest import make_app
from tests.functional.test_collab import collaborative, stored
from tests.functional.test_content import add_item
from tests.support import PASSWORD, build_site, csrf, signed_in


@pytest.fixture
def limited(tmp_path, request):
    """The site with the collab settings a test passes as its parameter."""
    settings = {"zodbconn.uri": f"fsblobs://{tmp_path}/Data.fs?blobstorage_dir={tmp_path}/blobs",
                "mail.queue_path": str(tmp_path / "mail")}
    settings.update({f"collab.{k}": str(v) for k, v in getattr(request, "param", {}).items()})
    wsgi = make_app(**settings)
    ids = build_site(wsgi)
    with open_registry_root(wsgi.registry) as (root, tm):  # a second member of council A
        council = root.territoires.council_by_code("A")
        user = User("autre.a@exemple.fr", "Autre", "A", hash_password(PASSWORD), state="active",
                    council_ids=[council.id])
        root.users.add_user(user)
        ids["autre_a"] = user.id
        tm.commit()
    yield wsgi, ids
    wsgi.registry._zodb_databases[""].close()


class Editor(Replica):
    """A signed-in editor's replica; `response` is the last HTTP answer (headers included)."""

    def __init__(self, wsgi, who, path, client_id=None, app=None):
        self.app = app or signed_in(wsgi, who)  # a browser's tabs share its session
        token = csrf(self.app)

        def post(body):
            self.response = self.app.post_json(path + "/@@sync", body, expect_errors=True,
                                               headers={"X-CSRF-Token": token})
            json = self.response.json if self.response.content_type == "application/json" else None
            return self.response.status_int, json

        super().__init__(post, client_id=client_id)
        assert self.round() == 200, self.response  # signed in, allowed to write


def cursor(client_id, size):
    return encode_awareness([(client_id, 1, {"user": {}, "cursor": {"anchor": 1},
                                             "bourrage": "x" * size})])


def test_an_oversized_presence_is_refused_with_413_and_kept_nowhere(limited):
    wsgi, ids = limited
    path = add_item(wsgi, ids, collaborative(ids))
    before, _ = stored(wsgi, path)
    alice = Editor(wsgi, "membre_a", path, client_id=11)
    other = Editor(wsgi, "autre_a", path, client_id=22)
    alice.type(" perdu ?")
    assert alice.round(awareness=cursor(11, 5000)) == 413
    assert "Présence trop volumineuse" in alice.last["error"]
    assert stored(wsgi, path)[0] == before  # the update sent with it is not stored either
    assert other.round() == 200
    assert "bourrage" not in other.response.text
    entry = wsgi.registry.collab_presence.documents.get(next(iter(
        wsgi.registry.collab_presence.documents)), {}).get(11)
    assert entry is None or entry["awareness"] is None or b"bourrage" not in entry["awareness"]
    assert alice.round(awareness=cursor(11, 1000)) == 200  # a normal cursor goes through
    assert "perdu ?" in stored(wsgi, path)[1]


@pytest.mark.parametrize("limited", [dict(max_presences=3)], indirect=True)
def test_a_document_keeps_a_bounded_number_of_presences(limited):
    wsgi, ids = limited
    path = add_item(wsgi, ids, collaborative(ids))
    browser = signed_in(wsgi, "membre_a")
    tabs = [Editor(wsgi, "membre_a", path, client_id=100 + n, app=browser) for n in range(6)]
    for tab in tabs:
        assert tab.round(awareness=cursor(tab.client_id, 10)) == 200
    (clients,) = wsgi.registry.collab_presence.documents.values()
    assert len(clients) == 3
    assert tabs[0].round() == 200 and len(tabs[0].last["clients"]) == 2  # the two others
    tabs[-1].type(" écrit sans être affiché")
    assert tabs[-1].round() == 200 and "sans être affiché" in stored(wsgi, path)[1]


def test_quiet_presences_are_swept_from_every_document():
    now = [100.0]
    presence = Presence(ttl=15, clock=lambda: now[0])
    for n in range(50):
        presence.announce(f"document-{n}", 7, "u", "Alice", cursor(7, 10))
    now[0] += 20
    presence.announce("autre", 8, "u", "Alice")  # any call after the delay sweeps
    assert list(presence.documents) == ["autre"]


@pytest.mark.parametrize("limited", [dict(max_bytes=3000, max_answer_bytes=80_000)], indirect=True)
def test_an_answer_never_exceeds_its_bound(limited):
    wsgi, ids = limited
    path = add_item(wsgi, ids, collaborative(ids))
    browser = signed_in(wsgi, "membre_a")
    tabs = [Editor(wsgi, "membre_a", path, client_id=200 + n, app=browser) for n in range(30)]
    for tab in tabs:
        assert tab.round(awareness=cursor(tab.client_id, 3500)) == 200
    reader = tabs[0]
    reader.type(" et la suite")
    assert reader.round() == 200
    assert len(reader.response.body) <= 80_000
    assert 0 < len(reader.last["awareness"]) < 29  # some cursors wait for a later round
    fresh = Editor(wsgi, "autre_a", path)
    assert "Premier jet et la suite" in fresh.text()  # the text itself always comes whole
    assert len(fresh.response.body) <= 80_000


def nest(replica, depth):
    top = replica.fragment.children.append(XmlElement("blockquote"))
    node = top
    for _ in range(depth - 1):
        node = node.children.append(XmlElement("blockquote"))
    node.children.append(XmlElement("paragraph", None, [XmlText("tout au fond")]))
    replica.unsent += 1


def test_deep_nesting_is_refused_with_400_not_a_crash(limited):
    wsgi, ids = limited
    path = add_item(wsgi, ids, collaborative(ids, visibility="public"))
    before, _ = stored(wsgi, path)
    alice = Editor(wsgi, "membre_a", path)
    nest(alice, 900)
    assert alice.round() == 400
    assert "imbriqués" in alice.last["error"]
    assert stored(wsgi, path)[0] == before
    assert "Premier jet" in signed_in(wsgi, None).get(path).text
    sane = Editor(wsgi, "autre_a", path)
    nest(sane, 10)  # quotes in quotes, as people write them
    assert sane.round() == 200 and "tout au fond" in stored(wsgi, path)[1]


def test_an_editor_cannot_write_with_another_editors_client_id(limited):
    wsgi, ids = limited
    path = add_item(wsgi, ids, collaborative(ids))
    alice = Editor(wsgi, "membre_a", path, client_id=11)
    alice.type(" signé Alice")
    assert alice.round() == 200
    before, _ = stored(wsgi, path)
    # Another member takes Alice's client id: his structs would take her next clocks.
    forger = Editor(wsgi, "autre_a", path, client_id=11)
    forger.type("X" * 50, at=0)
    assert forger.round() == 403
    assert "autre rédacteur" in forger.last["error"]
    assert stored(wsgi, path)[0] == before
    # And under his own client id, structs carrying hers are refused the same way.
    thief = Editor(wsgi, "autre_a", path, client_id=33)
    _, body = forger.body()
    body["client"] = thief.client_id
    status, answer = thief.post(body)
    assert status == 403 and stored(wsgi, path)[0] == before
    # Nor can he slip structs under her id that wait for her next clocks, inside a change of
    # his own: once she typed up to them, they would take the place of her words.
    ahead = Replica(lambda body: None, client_id=11)
    ahead.doc.apply_update(alice.doc.get_update())
    ahead.type("a")
    gap = ahead.doc.get_state()
    ahead.type("YYYY", at=0)
    waiting = ahead.doc.get_update(gap)
    thief.type("Z")
    own = thief.doc.get_update(thief.server_sv)
    status, answer = thief.post({"client": thief.client_id, "sv": base64.b64encode(
        thief.doc.get_state()).decode(), "update": base64.b64encode(merge_updates(own, waiting)).decode()})
    assert status == 400 and "incomplète" in answer["error"]
    assert stored(wsgi, path)[0] == before
    alice.type(" et encore Alice")
    assert alice.round() == 200
    text = stored(wsgi, path)[1]
    assert "signé Alice et encore Alice" in text and "XXX" not in text and "YYYY" not in text


@pytest.mark.parametrize("limited", [dict(updates_per_second=1, update_burst=2)], indirect=True)
def test_an_editor_sending_too_fast_gets_429_and_the_page_sends_it_again(limited):
    wsgi, ids = limited
    path = add_item(wsgi, ids, collaborative(ids))
    alice = Editor(wsgi, "membre_a", path)
    statuses = []
    for n in range(3):
        alice.type(f" {n}")
        statuses.append(alice.round())
    assert statuses == [200, 200, 429]
    assert "Trop de modifications" in alice.last["error"]
    assert int(alice.response.headers["Retry-After"]) >= 1
    assert " 2" not in stored(wsgi, path)[1]
    time.sleep(int(alice.response.headers.get("Retry-After", "1")) + 0.1)
    assert alice.round() == 200 and "Premier jet 0 1 2" in stored(wsgi, path)[1]


def test_a_javascript_link_is_refused_and_never_stored(limited):
    wsgi, ids = limited
    path = add_item(wsgi, ids, collaborative(ids, visibility="public"))
    before, _ = stored(wsgi, path)
    alice = Editor(wsgi, "membre_a", path)
    words = alice.fragment.children[0].children[0]
    words.format(0, 7, {"link": {"href": "javascript:alert(document.cookie)", "title": None}})
    alice.unsent += 1
    assert alice.round() == 400 and "Lien refusé" in alice.last["error"]
    assert stored(wsgi, path)[0] == before
    other = Editor(wsgi, "autre_a", path)
    assert "javascript" not in base64.b64decode(other.last["update"]).decode("latin-1")
    good = Editor(wsgi, "autre_a", path)
    good.fragment.children[0].children[0].format(0, 7, {"link": {"href": "https://exemple.fr",
                                                                 "title": None}})
    good.unsent += 1
    assert good.round() == 200
    assert '<a href="https://exemple.fr"' in signed_in(wsgi, None).get(path).text
