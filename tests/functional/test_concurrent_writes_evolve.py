"""Evolve steps 0004 to 0006: a database made before writes stopped colliding is brought to the
new shapes — the text index rebuilt with spread word ids, forum replies keyed by date, the date
and title indexes with wide buckets — and reads the same afterwards (same search answers, same
reply numbers and addresses, same orders)."""
import io

from hypatia.field import FieldIndex
from hypatia.text import TextIndex
from hypatia.text.lexicon import Lexicon

from conseils_site import evolve as evolution
from conseils_site.catalog import discriminators as d
from conseils_site.catalog import spread_text_index
from conseils_site.catalog.lexicon import FoldingSplitter
from conseils_site.catalog.ordered import OrderedFieldIndex
from conseils_site.catalog.queries import forum_replies_query, text_docids
from conseils_site.resources.forum import Reply, Topic
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.support import build_site

REPLIES = 12


def make_old_shapes(root):
    """What older code made: hypatia's own text index, replies named by their number."""
    catalog = root.catalog
    old_index = TextIndex(d.text, lexicon=Lexicon(FoldingSplitter()))
    for docid, obj in catalog.objects.items():
        old_index.index_doc(docid, obj)
    catalog.indexes["text"] = old_index
    for name in ("created", "newest"):
        catalog.indexes[name] = FieldIndex(getattr(d, name))
        for docid, obj in catalog.objects.items():
            catalog.indexes[name].index_doc(docid, obj)
    category = root["forum"].categories()[0]
    topic = category.add_topic(Topic("Le marché du samedi", "<p>Qui tient le stand ?</p>",
                                     "Qui tient le stand ?", None))
    for n in range(1, REPLIES + 1):
        reply = Reply(f"<p>Réponse {n}</p>", f"Réponse {n}", None)
        reply.__dict__.update(number=n, __name__=str(n))  # as Topic.add_reply stored them
        reply.__parent__ = topic
        topic.data[str(n)] = reply
        topic._count.change(1)
        catalog.index(reply)
    for name in ("0004-spread-text-index", "0005-forum-reply-keys", "0006-wide-ordered-indexes"):
        del root.evolve_steps_done[name]
    return topic


def newest_order(catalog):
    """The values met when sorting every document newest first."""
    index = catalog.indexes["newest"]
    ordered = index.sort(catalog.objects.keys(), raise_unsortable=False)
    return [index._rev_index[docid] for docid in ordered]


def test_old_text_index_and_reply_names_are_evolved_and_read_the_same():
    wsgi = make_app()
    build_site(wsgi)
    with open_registry_root(wsgi.registry) as (root, tm):
        topic = make_old_shapes(root)
        tm.commit()
        tm.begin()
        catalog = root.catalog
        assert not spread_text_index(catalog.indexes["text"])
        before = set(text_docids(catalog, "tilleuls"))
        assert before and [topic.reply(n).source for n in (2, 10)] == ["Réponse 2", "Réponse 10"]

        applied, _already = evolution.evolve(root, tm, out=io.StringIO(), shape=lambda r: None)
        assert [step.name for step, _s, _c in applied] == [
            "0004-spread-text-index", "0005-forum-reply-keys", "0006-wide-ordered-indexes"]
        assert spread_text_index(catalog.indexes["text"])
        assert set(text_docids(catalog, "tilleuls")) == before
        assert isinstance(catalog.indexes["created"], OrderedFieldIndex)
        assert isinstance(catalog.indexes["newest"], OrderedFieldIndex)
        ordered = newest_order(catalog)
        assert ordered == sorted(ordered) and len(ordered) == len([
            o for o in catalog.objects.values() if d.newest(o, None) is not None])
        # Same numbers, same addresses (<sujet>/10), same order in the catalog.
        assert [topic.reply(n).source for n in range(1, REPLIES + 1)] == [
            f"Réponse {n}" for n in range(1, REPLIES + 1)]
        assert topic["10"].source == "Réponse 10" and topic["10"].__name__ == "10"
        assert all(not name.isdigit() for name in topic.data.keys())
        ordered = forum_replies_query(catalog, topic.id).execute().sort(
            catalog.indexes["forum_order"])
        assert [catalog.get(docid).number for docid in ordered] == list(range(1, REPLIES + 1))
        # A reply made afterwards comes last, number 13.
        new = topic.add_reply(Reply("<p>Après</p>", "Après", None))
        assert new.number == REPLIES + 1 and topic.last_number == REPLIES + 1
        tm.abort()
