"""The structures two writers share merge their concurrent changes, on a real FileStorage.

Two connections, two transactions begun on the same state, each adding what one request would
add; both must commit. The same scenario on hypatia's own lexicon and text index, and on a
counter kept on the topic, conflicts: that is what lost writes under a crowd (issue 21)."""
import pytest
import transaction
import ZODB
from hypatia.text.lexicon import Lexicon
from hypatia.text.okapiindex import OkapiIndex
from persistent import Persistent
from ZODB.FileStorage import FileStorage
from ZODB.POSException import ConflictError

from conseils_site.catalog.lexicon import FoldingSplitter, SpreadLexicon, SpreadOkapiIndex
from conseils_site.resources.forum import Category, Reply, Topic


@pytest.fixture
def db(tmp_path):
    database = ZODB.DB(FileStorage(str(tmp_path / "Data.fs")))
    yield database
    database.close()


def two_writers(db, prepare, write_one, write_two):
    """Commit `prepare`, then run the two writes in two transactions begun together; returns
    the error of the second commit (None when both committed)."""
    tm0 = transaction.TransactionManager()
    conn0 = db.open(tm0)
    prepare(conn0.root())
    tm0.commit()
    conn0.close()
    tm1, tm2 = transaction.TransactionManager(), transaction.TransactionManager()
    conn1, conn2 = db.open(tm1), db.open(tm2)
    write_one(conn1.root())
    write_two(conn2.root())
    tm1.commit()
    try:
        tm2.commit()
    except ConflictError as exc:
        tm2.abort()
        return exc
    finally:
        conn1.close()
        conn2.close()
    return None


def spread_index():
    return SpreadOkapiIndex(SpreadLexicon(FoldingSplitter()))


def stock_index():
    return OkapiIndex(Lexicon(FoldingSplitter()))


@pytest.mark.parametrize("make, merges", [(spread_index, True), (stock_index, False)],
                         ids=["spread", "hypatia"])
def test_two_documents_with_new_words_and_shared_rare_words(db, make, merges):
    # Each brings words nobody used yet, and both use words one document already has. (The
    # same new word brought by both at once is the same key of the lexicon: that one conflict
    # is left to the retry, which then finds the word.)
    def prepare(root):
        root["index"] = make()
        root["index"].index_doc(1, "une réunion au square de la ville")  # « square »: rare

    error = two_writers(db, prepare,
                        lambda root: root["index"].index_doc(2, "la ville et le square des tilleuls"),
                        lambda root: root["index"].index_doc(3, "square de montreynaud en ville"))
    if not merges:
        assert error is not None  # hypatia's word ids in sequence, the rare word's dict
        return
    assert error is None
    with db.transaction() as conn:
        index = conn.root()["index"]
        found = {word: set(index.search(word).keys())
                 for word in ("square", "tilleuls", "montreynaud", "ville")}
    assert found == {"square": {1, 2, 3}, "tilleuls": {2}, "montreynaud": {3}, "ville": {1, 2, 3}}


class Counted(Persistent):
    """A topic as older code kept it: the reply counter on the topic itself."""

    def __init__(self):
        self.last_number = 0


@pytest.mark.parametrize("kind", ["topic", "counter on the topic"])
def test_two_replies_to_one_topic(db, kind):
    if kind == "counter on the topic":
        def bump(root):
            root["topic"].last_number += 1

        assert two_writers(db, lambda root: root.__setitem__("topic", Counted()), bump, bump)
        return

    def prepare(root):
        section = root["section"] = Category("Questions")
        section.add("sujet", Topic("Le square", "<p>?</p>", "?", "auteur"), send_events=False)

    def reply(author):
        return lambda root: root["section"]["sujet"].add_reply(Reply(f"<p>{author}</p>", author,
                                                                     author))

    assert two_writers(db, prepare, reply("une"), reply("autre")) is None
    with db.transaction() as conn:
        topic = conn.root()["section"]["sujet"]
        assert [topic.reply(n).source for n in (1, 2)] in (["une", "autre"], ["autre", "une"])
        assert topic.last_number == 2 and set(topic.followers) == {"auteur", "une", "autre"}
        assert [topic[str(n)].number for n in (1, 2)] == [1, 2]
