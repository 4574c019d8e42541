"""Folding and slugs: one definition of "the same words" for search, sorting and URLs."""
import re
import unicodedata

_NON_WORD = re.compile(r"[^a-z0-9]+")
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})


def fold(text):
    """Lower-case and strip accents, so "Saint-Étienne" and "saint etienne" meet."""
    if not text:
        return ""
    text = text.translate(_LIGATURES)
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def words(text):
    """The folded words of a text, as the search index sees them."""
    return [w for w in _NON_WORD.split(fold(text)) if w]


def slugify(text, max_length=80):
    """A readable, stable URL segment; never empty."""
    slug = "-".join(words(text))[:max_length].strip("-")
    return slug or "sans-titre"
