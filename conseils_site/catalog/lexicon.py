"""The text index's words: folded like people type them, and stored so that two documents
indexed at the same time do not rewrite the same record.

hypatia's own `Lexicon` numbers new words from a shared counter, so two transactions that each
bring a new word take the same number and both write it: a conflict every time. Its text index
keeps a word's documents in a plain dict stored as one value of `_wordinfo` until the word has
10 documents, so two documents sharing a rare word rewrite the same key. Here a new word takes
a random number (checked free, as catalog docids are), and every word's documents live in their
own BTree from the first one on, whose buckets merge concurrent additions."""
import random
import re

from hypatia.text.lexicon import Lexicon
from hypatia.text.okapiindex import OkapiIndex

from ..text import fold

_WORD = re.compile(r"[a-z0-9]+")
_GLOB = re.compile(r"[a-z0-9]+[a-z0-9*?]*")
WID_LIMIT = 2 ** 28  # hypatia's widcode encodes word ids of up to 28 bits


class FoldingSplitter:
    """Splits folded text into words; the same folding for indexed text and queries."""

    def process(self, texts):
        result = []
        for text in texts:
            result.extend(_WORD.findall(fold(text)))
        return result

    def processGlob(self, texts):
        result = []
        for text in texts:
            result.extend(_GLOB.findall(fold(text)))
        return result


class SpreadLexicon(Lexicon):
    """A lexicon whose new words take random ids, spread over `_words`' buckets."""

    def _new_wid(self):
        self.word_count.change(1)  # a Length: concurrent additions merge
        while True:
            wid = random.randrange(1, WID_LIMIT)  # nosec B311 (spreading keys, not a secret)
            if wid not in self._words:
                return wid


class SpreadOkapiIndex(OkapiIndex):
    """hypatia's Okapi index, with each word's documents in a BTree from the first document on
    (never a dict rewritten whole), so concurrent documents sharing a word merge."""

    def _documents_of(self, wid):
        """The word's BTree of documents, made (or converted from an older dict) when needed."""
        doc2score = self._wordinfo.get(wid)
        if doc2score is None:
            doc2score = self._wordinfo[wid] = self.family.IF.BTree()
            self.word_count.change(1)
        elif isinstance(doc2score, dict):
            doc2score = self._wordinfo[wid] = self.family.IF.BTree(doc2score)
        return doc2score

    def _add_wordinfo(self, wid, f, docid):
        self._documents_of(wid)[docid] = f

    def _mass_add_wordinfo(self, wid2weight, docid):
        for wid, weight in wid2weight.items():
            self._documents_of(wid)[docid] = weight

    def _del_wordinfo(self, wid, docid):
        doc2score = self._wordinfo[wid]
        if isinstance(doc2score, dict):
            return super()._del_wordinfo(wid, docid)
        # An emptied BTree stays: deleting it could drop the document another transaction adds
        # to it meanwhile (the BTree merges both changes, but would no longer be reachable).
        del doc2score[docid]

    def _remove_oov_wids(self, wids):
        """Words with no document left are out of vocabulary (hypatia divides by their count)."""
        return [wid for wid in wids if self._wordinfo.get(wid)]
