"""The catalog: hypatia indexes plus the docid → object map hypatia lacks."""
import random

from BTrees.Length import Length
from BTrees.LOBTree import LOBTree
from hypatia.catalog import Catalog as IndexSet
from hypatia.field import FieldIndex
from hypatia.keyword import KeywordIndex
from hypatia.text import TextIndex
from persistent import Persistent
from pyramid.traversal import find_root

from . import discriminators as d
from .lexicon import FoldingSplitter, SpreadLexicon, SpreadOkapiIndex
from .ordered import OrderedFieldIndex


def make_indexes():
    indexes = IndexSet()
    indexes["id"] = FieldIndex(d.stable_id)
    indexes["kind"] = FieldIndex(d.kind)
    indexes["state"] = FieldIndex(d.state)
    indexes["councils"] = KeywordIndex(d.councils)
    indexes["created"] = OrderedFieldIndex(d.created)
    indexes["newest"] = OrderedFieldIndex(d.newest)
    indexes["start"] = OrderedFieldIndex(d.start)
    indexes["visibility"] = FieldIndex(d.visibility)
    indexes["tags"] = KeywordIndex(d.tags)
    indexes["category"] = FieldIndex(d.category)
    indexes["allowed"] = KeywordIndex(d.allowed)
    indexes["territories"] = KeywordIndex(d.territories)
    indexes["sort_title"] = OrderedFieldIndex(d.sort_title)
    indexes["sort_commune"] = FieldIndex(d.sort_commune)
    indexes["forum"] = KeywordIndex(d.forum)
    indexes["forum_order"] = OrderedFieldIndex(d.forum_order)
    indexes["text"] = make_text_index()
    return indexes


def make_text_index():
    """Words folded as people type them, kept where concurrent documents do not collide."""
    lexicon = SpreadLexicon(FoldingSplitter())
    return TextIndex(d.text, lexicon=lexicon, index=SpreadOkapiIndex(lexicon, TextIndex.family))


def spread_text_index(index):
    """Whether a text index is of the kind `make_text_index` makes (evolve step 0004)."""
    return isinstance(index.lexicon, SpreadLexicon) and isinstance(index.index, SpreadOkapiIndex)


class Catalog(Persistent):
    """Indexes and the map from docid to object, kept in step by object events."""

    def __init__(self):
        self.indexes = make_indexes()
        self.objects = LOBTree()
        self.count = Length()
        self.changes = Length()

    # A catalog made before `changes` existed (evolve step 0003 adds it): nothing is remembered.
    changes = None

    def __len__(self):
        return self.count()

    def index(self, obj):
        docid = getattr(obj, "_docid", None)
        if docid is None or docid not in self.objects:
            docid = self._new_docid()
            obj._docid = docid
            self.objects[docid] = obj
            self.count.change(1)
        self.indexes.index_doc(docid, obj)
        self.changed()
        return docid

    def unindex(self, obj):
        docid = getattr(obj, "_docid", None)
        if docid is not None and docid in self.objects:
            self.indexes.unindex_doc(docid)
            del self.objects[docid]
            self.count.change(-1)
            self.changed()

    def changed(self):
        """Count a change of the indexes: answers remembered for the older state are dropped
        (`catalog.memo`). A Length, so concurrent writers merge instead of conflicting."""
        if self.changes is not None:
            self.changes.change(1)

    def state(self):
        """What identifies the indexes' committed state, or None when there is none to name:
        the serial of the last transaction that changed them, as this connection sees it."""
        changes = self.changes
        if changes is None or changes._p_jar is None:
            return None
        changes._p_activate()
        if changes._p_changed:  # changed by this very transaction: not a committed state
            return None
        return changes._p_serial

    def get(self, docid):
        return self.objects.get(docid)

    def by_id(self, stable_id):
        """The object with this stable id (councils, groups, users…), or None."""
        for docid in self.indexes["id"].applyEq(stable_id):
            return self.objects.get(docid)
        return None

    def ensure_indexes(self):
        """Add the indexes a newer version of the code defines, filled from the objects we have."""
        wanted = make_indexes()
        added = [name for name in wanted if name not in self.indexes]
        for name in added:
            self.indexes[name] = wanted[name]
            for docid, obj in self.objects.items():
                self.indexes[name].index_doc(docid, obj)
        if added:
            self.changed()
        return added

    def renew_index(self, name, progress=None):
        """Rebuild one index as `make_indexes` makes it now, from the objects we have."""
        index = make_indexes()[name]
        total = len(self.objects)
        for n, (docid, obj) in enumerate(self.objects.items(), 1):
            index.index_doc(docid, obj)
            if progress is not None:
                progress(n, total)
        self.indexes[name] = index
        self.changed()
        return total

    def renew_text_index(self, progress=None):
        """Rebuild the text index as `make_text_index` makes it (evolve step 0004)."""
        return self.renew_index("text", progress)

    def reindex_some(self, obj, names):
        """Bring only the named indexes up to date for `obj` (an object already catalogued)."""
        docid = getattr(obj, "_docid", None)
        if docid is None or self.objects.get(docid) is not obj:
            return False
        before = [self.indexes[name]._rev_index.get(docid) for name in names]
        for name in names:
            self.indexes[name].index_doc(docid, obj)
        if before != [self.indexes[name]._rev_index.get(docid) for name in names]:
            self.changed()
            return True
        return False

    def _new_docid(self):
        # Random ids spread writers over buckets, so two concurrent adds seldom conflict (not a
        # secret: a non-cryptographic generator is right).
        while True:
            docid = random.randrange(-(2**62), 2**62)  # nosec B311
            if docid not in self.objects:
                return docid

    def reindex_all(self, root):
        """Rebuild every index from the tree (after an index is added or changed)."""
        self.indexes = make_indexes()
        self.objects = LOBTree()
        self.count = Length()
        self.changed()
        for obj in walk(root):
            if d.kind(obj, None) is not None:
                self.index(obj)


def walk(folder):
    yield folder
    values = getattr(folder, "values", None)
    if values is None:
        return
    for child in values():
        yield from walk(child)


def find_catalog(obj):
    return getattr(find_root(obj), "catalog", None)


def includeme(config):
    config.include(".subscribers")
