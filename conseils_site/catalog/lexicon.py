"""A lexicon pipeline that folds case and French accents, so queries match as people type them."""
import re

from ..text import fold

_WORD = re.compile(r"[a-z0-9]+")
_GLOB = re.compile(r"[a-z0-9]+[a-z0-9*?]*")


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
