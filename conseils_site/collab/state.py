"""The shared text of a collaborative document: one Yjs document, merged on the server by pycrdt.

The merged state is kept as a single Yjs update (bytes) in its own persistent record, so a
keystroke rewrites neither the document's other fields nor the catalog. Yjs updates commute:
two editors' updates committed at the same moment are merged by `_p_resolveConflict` rather than
refused, so a busy document costs no retries and loses nothing."""
import base64
import binascii
import datetime

from persistent import Persistent
from pycrdt import Doc, XmlFragment, get_state

from ..security.sanitize import html_to_text
from .render import fill_fragment, fragment_html

FRAGMENT = "prosemirror"  # the name y-prosemirror's binding uses in the browser
DEFAULT_MAX_BYTES = 2_000_000
DEFAULT_MAX_UPDATE_BYTES = 256_000


class SyncError(ValueError):
    """A refused update or state vector; the message is shown to the person."""


def decode(value, what):
    if value in (None, ""):
        return b""
    if not isinstance(value, str):
        raise SyncError(f"{what} illisible.")
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SyncError(f"{what} illisible.") from None


def encode(value):
    return base64.b64encode(value).decode("ascii")


def load(update):
    """A pycrdt document holding `update` (and its fragment, created if missing)."""
    doc = Doc()
    if update:
        doc.apply_update(update)
    return doc, doc.get(FRAGMENT, type=XmlFragment)


def merged(state, update):
    """The state after `update`; a malformed update raises SyncError and changes nothing."""
    doc, _ = load(state)
    try:
        doc.apply_update(update)
    except Exception:  # pycrdt raises ValueError, or a panic from the Rust decoder
        raise SyncError("Modification illisible : elle n'a pas été prise en compte.") from None
    return doc.get_update()


def missing(state, state_vector):
    """What a replica whose state vector is `state_vector` lacks (everything if it is empty)."""
    doc, _ = load(state)
    try:
        return doc.get_update(state_vector) if state_vector else doc.get_update()
    except Exception:
        raise SyncError("Vecteur d'état illisible.") from None


def state_vector(state):
    return get_state(state) if state else Doc().get_state()


def render(state):
    _, fragment = load(state)
    return fragment_html(fragment)


def from_html(value):
    """A new Yjs state holding the blocks of cleaned HTML (a form's starting text)."""
    doc, fragment = load(b"")
    if value:
        fill_fragment(fragment, value)
    return doc.get_update()


def replaced(state, other):
    """The state after a change that makes the text equal to the text of `other`: everyone
    connected receives it as one more change (restoring a snapshot)."""
    doc, fragment = load(state)
    _, old = load(other)
    with doc.transaction():
        del fragment.children[0:len(fragment.children)]
        fill_fragment(fragment, fragment_html(old))
    return doc.get_update()


class SharedText(Persistent):
    """`state` is the whole Yjs document; `html` its rendering, kept for readers and search.

    `authors` and `dirty` describe the changes since the last snapshot (collab/history.py)."""

    last_change = None

    def __init__(self, html=""):
        self.state = from_html(html)
        self.html = render(self.state)
        self.authors = ()
        self.dirty = False

    @property
    def text(self):
        return html_to_text(self.html)

    @property
    def size(self):
        return len(self.state)

    def receive(self, update, author_id, now, max_bytes=DEFAULT_MAX_BYTES):
        """Merge an editor's update. Returns True when the text changed."""
        new_state = merged(self.state, update)
        if new_state == self.state:
            return False
        if len(new_state) > max_bytes:
            raise SyncError("Le document a atteint sa taille maximale : "
                            "cette modification n'a pas été enregistrée.")
        self._set(new_state, author_id, now)
        return True

    def restore(self, other_state, author_id, now):
        self._set(replaced(self.state, other_state), author_id, now)

    def _set(self, state, author_id, now):
        self.state = state
        self.html = render(state)
        if author_id and author_id not in self.authors:
            self.authors = self.authors + (author_id,)
        self.dirty = True
        self.last_change = now

    def snapshot_taken(self):
        self.authors, self.dirty = (), False

    def _p_resolveConflict(self, old, committed, new):
        """Two transactions changed the text at once: keep both, as Yjs would."""
        resolved = dict(committed)
        resolved["state"] = merged(committed["state"], new["state"])
        resolved["html"] = render(resolved["state"])
        resolved["authors"] = tuple(dict.fromkeys(committed.get("authors", ()) +
                                                  new.get("authors", ())))
        resolved["dirty"] = committed.get("dirty", False) or new.get("dirty", False)
        times = [t for t in (committed.get("last_change"), new.get("last_change")) if t]
        if times:
            resolved["last_change"] = max(times)
        return resolved


def utcnow():
    return datetime.datetime.now(datetime.UTC)
