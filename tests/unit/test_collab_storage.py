"""How a collaborative text is stored: an append-only log of small records folded into a full
state at checkpoints, on a real FileStorage, so the database grows with the edits and not with
the document's size times the edits; concurrent writers still merge."""
import datetime
import os

import transaction
import ZODB
from ZODB.FileStorage import FileStorage

from conseils_site.collab.client import Replica
from conseils_site.collab.state import SharedText, missing, render, state_vector

T0 = datetime.datetime(2026, 11, 28, 10, tzinfo=datetime.UTC)
MB = 1_000_000


def big_html(size):
    sentence = "Le conseil citoyen se réunit chaque mois pour parler du quartier. "
    paragraphs = []
    n = 0
    while sum(map(len, paragraphs)) < size:
        paragraphs.append(f"<p>{n} {sentence * 8}</p>")
        n += 1
    return "".join(paragraphs)


class Database:
    def __init__(self, path):
        self.path = str(path / "Data.fs")
        self.db = ZODB.DB(FileStorage(self.path))

    def size(self):
        return os.path.getsize(self.path)

    def close(self):
        self.db.close()


def replica_of(shared, client_id):
    """A browser's replica that received the shared text, typing into its first paragraph."""
    replica = Replica(lambda body: None, client_id=client_id)
    replica.doc.apply_update(shared.state)
    replica.server_sv = state_vector(shared.state)
    return replica


def one_character(replica):
    """What the browser sends after one keystroke: the update against the server's state."""
    before = replica.doc.get_state()
    replica.type("x", at=0)
    update = replica.doc.get_update(before)
    replica.server_sv = replica.doc.get_state()
    return update


def test_a_thousand_keystrokes_on_a_1_mb_document_add_less_than_2_mb(tmp_path):
    db = Database(tmp_path)
    try:
        connection = db.db.open()
        connection.root()["shared"] = SharedText(big_html(MB))
        transaction.commit()
        shared = connection.root()["shared"]
        assert len(shared.state) > MB
        replica = replica_of(shared, 4242)
        start = db.size()
        for n in range(1000):
            shared.receive(one_character(replica), "u", T0 + datetime.timedelta(seconds=n))
            transaction.commit()
            assert db.size() - start < 2 * MB, f"{db.size() - start} bytes after {n + 1} updates"
        growth = db.size() - start
        assert growth < 2 * MB
        connection.close()
        fresh = db.db.open()  # another process would read the same text
        text = fresh.root()["shared"]
        assert render(text.state).startswith("<p>" + "x" * 1000 + "0 Le conseil")
        fresh.close()
    finally:
        db.close()


def test_the_log_is_folded_into_the_state_at_a_checkpoint(tmp_path):
    shared = SharedText("<p>Début</p>")
    replica = replica_of(shared, 7)
    for _ in range(5):
        shared.receive(one_character(replica), "u", T0, checkpoint_updates=3)
    assert shared.logged == 2  # folded after the third, two logged since
    assert render(shared.state) == "<p>xxxxxDébut</p>" == shared.html
    shared.receive(one_character(replica), "u", T0 + datetime.timedelta(minutes=20),
                   checkpoint_seconds=600)
    assert shared.logged == 0 and shared.html == "<p>xxxxxxDébut</p>"


def test_concurrent_appends_and_a_checkpoint_merge_without_conflict(tmp_path):
    """Two processes (here two connections) appending at once, then one folding while the
    other appends: every keystroke kept, no ConflictError."""
    db = Database(tmp_path)
    try:
        tm1, tm2 = transaction.TransactionManager(), transaction.TransactionManager()
        c1 = db.db.open(transaction_manager=tm1)
        c1.root()["shared"] = SharedText("<p>Début</p>")
        tm1.commit()
        c2 = db.db.open(transaction_manager=tm2)
        first, second = c1.root()["shared"], c2.root()["shared"]
        a, b = replica_of(first, 1), replica_of(second, 2)
        first.receive(one_character(a), "a", T0)
        second.receive(one_character(b), "b", T0)
        tm1.commit()
        tm2.commit()  # both appended to the log's same head
        tm1.begin(), tm2.begin()
        first.receive(one_character(a), "a", T0, checkpoint_updates=1)  # folds
        second.receive(one_character(b), "b", T0)
        tm1.commit()
        tm2.commit()
        c3 = db.db.open()
        shared = c3.root()["shared"]
        assert render(shared.state) == "<p>xxxxDébut</p>"
        assert set(shared.authors) == {"a", "b"}
        assert missing(shared.state, state_vector(shared.state)) is not None
        c1.close(), c2.close(), c3.close()
    finally:
        db.close()


def test_a_text_stored_before_the_log_is_read_and_written_on(tmp_path):
    """A SharedText pickled with its whole state in its own record (before the log) opens
    unchanged, takes new updates into the log, and keeps its snapshots readable."""
    from conseils_site.collab.history import History
    from conseils_site.collab.state import from_html

    db = Database(tmp_path)
    try:
        connection = db.db.open()
        old = SharedText.__new__(SharedText)
        old.__dict__.update(state=from_html("<p>Ancien texte</p>"), html="<p>Ancien texte</p>",
                            authors=("u",), dirty=True)
        connection.root()["shared"] = old
        connection.root()["history"] = History()
        transaction.commit()
        assert "state" in connection.root()["shared"].__getstate__()  # the old shape, stored
        connection.cacheMinimize()  # as a process started on the new code: loaded from disk
        connection.close()
        connection = db.db.open()
        shared = connection.root()["shared"]
        assert shared.html == "<p>Ancien texte</p>" and shared.logged == 0
        replica = replica_of(shared, 99)
        shared.receive(one_character(replica), "v", T0)
        connection.root()["history"].take(shared, T0)
        transaction.commit()
        connection.cacheMinimize()
        connection.close()
        connection = db.db.open()
        shared = connection.root()["shared"]
        assert shared.html == "<p>xAncien texte</p>"
        assert connection.root()["history"].latest().html == "<p>xAncien texte</p>"
        assert connection.root()["history"].latest().authors == ("u", "v")
        connection.close()
    finally:
        db.close()
