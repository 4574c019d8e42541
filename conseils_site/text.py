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


# Bidirectional embeddings, overrides and isolates, and the invisible direction marks: a title
# holding U+202E reads backwards from there on and can pass for another in a listing or a mail.
_BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _invisible(char, keep=""):
    return char not in keep and (unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS)


def one_line(value):
    """A one-line field as stored: control and bidi-override characters removed, runs of spaces
    (line breaks included) made one space, no space at either end. Not a string: unchanged."""
    if not isinstance(value, str):
        return value
    return " ".join("".join(c for c in value if c.isspace() or not _invisible(c)).split())


def clean_text(value):
    """A multi-line field as stored: the same characters removed, but line breaks and tabs kept,
    and only the ends stripped. Not a string: unchanged."""
    if not isinstance(value, str):
        return value
    return "".join(c for c in value if not _invisible(c, keep="\n\r\t")).strip()
