"""The shared text's merging, rendering, history and presence, without the web."""
import datetime
import itertools

import pytest
import transaction
import ZODB
from ZODB.FileStorage import FileStorage

from conseils_site.collab.client import Replica
from conseils_site.collab.history import History, compare_html, html_lines
from conseils_site.collab.presence import Presence, decode_awareness, encode_awareness
from conseils_site.collab.state import (
    SharedText,
    SyncError,
    from_html,
    merged,
    missing,
    render,
    replaced,
    state_vector,
)

T0 = datetime.datetime(2026, 11, 28, 10, tzinfo=datetime.UTC)


class Server:
    """The server's merge, without HTTP: what views/collab.py does with the bytes."""

    def __init__(self, html=""):
        self.shared = SharedText(html)

    def post(self, body):
        import base64

        update = base64.b64decode(body["update"]) if body["update"] else b""
        if update:
            self.shared.receive(update, "u", T0)
        sv = base64.b64decode(body["sv"])
        return 200, {"update": base64.b64encode(missing(self.shared.state, sv)).decode(),
                     "sv": base64.b64encode(state_vector(self.shared.state)).decode()}


def replicas(server, n):
    found = [Replica(server.post, client_id=i + 1) for i in range(n)]
    for replica in found:
        replica.round()
    return found


def test_two_replicas_inserting_at_the_same_place_converge_and_keep_everything():
    server = Server("<p>Bonjour</p>")
    a, b = replicas(server, 2)
    assert a.text() == b.text() == "Bonjour"
    a.type(" à tous", at=7)
    b.type(" et bienvenue", at=7)
    for replica in (a, b, a, b):
        replica.round()
    assert a.text() == b.text()
    assert " à tous" in a.text() and " et bienvenue" in a.text() and a.text().startswith("Bonjour")
    assert "à tous" in render(server.shared.state) and "et bienvenue" in render(server.shared.state)


def test_three_replicas_with_concurrent_inserts_and_deletions_converge():
    server = Server("<p>abcdefghij</p>")
    a, b, c = replicas(server, 3)
    a.delete(0, 2, 4)        # removes cdef
    b.type("XY", at=4)       # inside what a removes
    c.delete(0, 3, 2)        # overlaps a's deletion
    c.type("Z", at=3)
    for replica in itertools.chain.from_iterable([(a, b, c)] * 2):
        replica.round()
    assert a.text() == b.text() == c.text()
    text = a.text()
    assert "XY" in text and "Z" in text  # insertions survive concurrent deletions around them
    assert "c" not in text and "f" not in text and text.startswith("ab") and text.endswith("ghij")


def test_updates_in_any_order_give_the_same_state():
    server = Server("<p>texte</p>")
    base = server.shared.state
    a, b = replicas(server, 2)
    a.type("1", at=0)
    b.type("2", at=5)
    ua, ub = a.doc.get_update(), b.doc.get_update()
    assert render(merged(merged(base, ua), ub)) == render(merged(merged(base, ub), ua))


def test_malformed_updates_and_state_vectors_raise_and_change_nothing():
    shared = SharedText("<p>Texte</p>")
    before = shared.state
    for garbage in (b"\x01\x02\x03", b"not an update at all", b"\xff" * 40):
        with pytest.raises(SyncError):
            shared.receive(garbage, "u", T0)
    assert shared.state == before and not shared.dirty
    with pytest.raises(SyncError):
        missing(before, b"garbage")


def test_the_size_bound_refuses_a_growth_and_keeps_the_text():
    shared = SharedText("<p>court</p>")
    server = Server()
    server.shared = shared
    (a,) = replicas(server, 1)
    a.type("x" * 5000)
    update = a.doc.get_update(state_vector(shared.state))
    with pytest.raises(SyncError, match="taille maximale"):
        shared.receive(update, "u", T0, max_bytes=1000)
    assert "court" in shared.html and "xxxx" not in shared.html


def test_html_goes_in_and_comes_out_through_the_closed_list_of_elements():
    html = ('<h2>Titre</h2><p>Un <strong>mot</strong>, un <em>autre</em>, un '
            '<a href="https://exemple.fr">lien</a><br>et la suite</p>'
            '<ul><li>un</li><li>deux</li></ul><ol><li>premier</li></ol>'
            '<blockquote><p>citation</p></blockquote><hr>'
            '<script>alert(1)</script><p onclick="x()">fin</p><h3>Grand</h3>hors bloc')
    out = render(from_html(html))
    assert out == ('<h2>Titre</h2><p>Un <strong>mot</strong>, un <em>autre</em>, un '
                   '<a href="https://exemple.fr" rel="nofollow ugc noopener">lien</a><br>et la suite</p>'
                   '<ul><li><p>un</p></li><li><p>deux</p></li></ul><ol><li><p>premier</p></li></ol>'
                   '<blockquote><p>citation</p></blockquote><hr><p>fin</p><h3>Grand</h3><p>hors bloc</p>')


def test_what_an_editor_sends_is_rendered_safely():
    from pycrdt import XmlElement, XmlText

    server = Server()
    (a,) = replicas(server, 1)
    evil = a.fragment.children.append(XmlElement("script", {"onload": "x()"}, [XmlText()]))
    evil.children[0].insert(0, "alert(1)")
    a.unsent = 1
    a.round()
    html = server.shared.html
    assert "<script" not in html and "onload" not in html and "alert(1)" in html


def test_a_link_other_than_http_or_mailto_is_refused_and_never_rendered():
    from pycrdt import XmlElement, XmlText

    server = Server("<p>Début</p>")
    (a,) = replicas(server, 1)
    before = server.shared.state
    link = a.fragment.children.append(XmlElement("paragraph", None, [XmlText()]))
    link.children[0].insert(0, "clic", {"link": {"href": "javascript:alert(1)"}})
    a.unsent = 1
    with pytest.raises(SyncError, match="Lien refusé"):
        a.round()
    assert server.shared.state == before
    # Turning existing words into such a link is refused the same way.
    (b,) = replicas(Server("<p>Début</p>"), 1)
    b.fragment.children[0].children[0].format(0, 3, {"link--x1": {"href": " JavaScript:alert(1)"}})
    with pytest.raises(SyncError, match="Lien refusé"):
        server.shared.receive(b.doc.get_update(), "u", T0)
    # A text stored before the check (or an imported one) keeps its words, not the address.
    stored = a.doc.get_update()
    assert "javascript" not in render(stored) and "clic" in render(stored)
    assert render(from_html('<p><a href="javascript:alert(1)">x</a> <a href="mailto:a@b.fr">m</a>'
                            ' <a href="data:text/html,x">d</a></p>')) == \
        '<p>x <a href="mailto:a@b.fr" rel="nofollow ugc noopener">m</a> d</p>'


def test_restore_brings_back_the_old_text_as_a_new_change():
    server = Server("<p>Version un</p>")
    (a,) = replicas(server, 1)
    old = server.shared.state
    a.delete(0, 0, 10)
    a.type("Tout autre chose")
    a.round()
    assert server.shared.html == "<p>Tout autre chose</p>"
    server.shared.restore(old, "u", T0)
    assert server.shared.html == "<p>Version un</p>"
    a.round()  # a replica that was there receives the restore as a change
    assert a.text() == "Version un"
    assert render(replaced(from_html("<p>x</p>"), from_html("<h2>A</h2><p>b</p>"))) == "<h2>A</h2><p>b</p>"


def test_history_takes_snapshots_compares_and_thins():
    shared, history = SharedText("<p>Un deux trois</p>"), History()
    history.take(shared, T0)
    shared.restore(from_html("<p>Un quatre trois</p><p>cinq</p>"), "u2", T0)
    snapshot = history.take(shared, T0 + datetime.timedelta(minutes=5))
    assert snapshot.authors == ("u2",) and snapshot.added > 0 and snapshot.removed > 0
    assert not shared.dirty and shared.authors == ()
    diff = compare_html(history.get(1).html, history.get(2).html)
    assert "<del>deux</del>" in diff and "<ins>quatre</ins>" in diff and "<ins>cinq</ins>" in diff
    assert html_lines("<p>a &amp; b</p><ul><li><p>c</p></li></ul>") == "a & b\nc"
    for minute in range(10, 40):
        shared.restore(from_html(f"<p>{minute}</p>"), "u", T0)
        history.take(shared, T0 + datetime.timedelta(minutes=minute), max_snapshots=10)
    assert len(history) == 10
    numbers = [s.number for s in history.newest_first()]
    assert numbers[-1] == 1  # the first version is kept
    assert numbers[:5] == [32, 31, 30, 29, 28]  # the newest are all there


def test_concurrent_commits_are_merged_not_refused(tmp_path):
    """Two processes (here two connections) storing updates at once: both kept, no ConflictError."""
    db = ZODB.DB(FileStorage(str(tmp_path / "Data.fs")))
    try:
        tm1, tm2 = transaction.TransactionManager(), transaction.TransactionManager()
        c1 = db.open(transaction_manager=tm1)
        c1.root()["shared"] = SharedText("<p>Début</p>")
        tm1.commit()
        c2 = db.open(transaction_manager=tm2)
        first, second = c1.root()["shared"], c2.root()["shared"]
        server1, server2 = Server(), Server()
        server1.shared, server2.shared = first, second
        a, b = Replica(server1.post, 1), Replica(server2.post, 2)
        a.round(), b.round()
        tm1.abort(), tm2.abort()
        a.type(" de A", at=5)
        b.type(" de B", at=5)
        a.round()
        b.round()
        tm1.commit()
        tm2.commit()  # would raise ConflictError without SharedText._p_resolveConflict
        c3 = db.open()
        text = c3.root()["shared"].html
        assert "de A" in text and "de B" in text
        c1.close(), c2.close(), c3.close()
    finally:
        db.close()


def test_awareness_codec_and_presence_rewrite_names():
    payload = encode_awareness([(7, 3, {"user": {"name": "Pirate", "color": "#000000"},
                                        "cursor": {"anchor": 1}})])
    assert decode_awareness(payload) == [(7, 3, {"user": {"name": "Pirate", "color": "#000000"},
                                                 "cursor": {"anchor": 1}})]
    now = [100.0]
    presence = Presence(ttl=15, clock=lambda: now[0])
    assert presence.announce("doc", 7, "user-a", "Alice Martin", payload)
    assert presence.announce("doc", 8, "user-b", "Bruno Diallo")
    assert not presence.announce("doc", 7, "user-b", "Bruno Diallo")  # not his client id
    updates, editors = presence.others("doc", 8)
    (client, clock, state), = decode_awareness(updates[7])
    assert state["user"]["name"] == "Alice Martin" and state["cursor"] == {"anchor": 1}
    assert [(e["name"], e["me"]) for e in editors] == [("Bruno Diallo", True), ("Alice Martin", False)]
    now[0] += 20  # Alice's tab went quiet
    presence.announce("doc", 8, "user-b", "Bruno Diallo")
    assert presence.others("doc", 8)[0] == {}
    assert presence.leave("doc", 8, "user-b")  # nobody left
