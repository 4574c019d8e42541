"""The shared text of a collaborative document: one Yjs document, merged on the server by pycrdt.

Storage grows with the edits, not with the document's size times the edits: the text is a full
state (`FullState`, written only at a checkpoint) followed by an append-only log of the updates
accepted since (`LogEntry`, one small record each, linked to the log's previous heads). Each
accepted update writes its own record and the small `SharedText`; the log is folded into a new
full state every `collab.checkpoint_updates` updates, once its oldest entry is
`collab.checkpoint_seconds` old, and at each snapshot (which keeps that same record). Yjs updates
commute and applying one twice changes nothing, so two transactions appending at once (or one
folding while the other appends) are merged by `_p_resolveConflict` rather than refused.

Before an update is kept it is checked: it must decode, integrate whole (no struct left waiting
for clocks the server lacks), only add structs of the Yjs client ids its author owns (the first
account that wrote with an id owns it), nest blocks no deeper than `MAX_DEPTH`, and carry no
link other than http(s) and mailto."""
import base64
import binascii
import datetime
import hashlib
import threading

from BTrees.LOBTree import LOBTree
from cachetools import LRUCache
from persistent import Persistent
from pycrdt import Doc, XmlElement, XmlFragment, XmlText, get_state, get_update
from ZODB.POSException import ConflictError

from ..security.sanitize import html_to_text
from .presence import AwarenessError, read_varuint, write_varuint
from .render import MAX_DEPTH, fill_fragment, fragment_html, link_marks_safe

FRAGMENT = "prosemirror"  # the name y-prosemirror's binding uses in the browser
DEFAULT_MAX_BYTES = 2_000_000
DEFAULT_MAX_UPDATE_BYTES = 256_000
DEFAULT_CHECKPOINT_UPDATES = 1000  # a fold rewrites the whole state: rarely, and reading stays cheap
DEFAULT_CHECKPOINT_SECONDS = 3600
HTML_CACHE_BYTES = 32_000_000  # renderings of recent states, per process


class SyncError(ValueError):
    """A refused update or state vector; the message is shown to the person."""


class ForeignClient(SyncError):
    """An update writing as a Yjs client id that belongs to someone else (403)."""


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


def clocks(state_vector):
    """{client id: clock} of an encoded Yjs state vector."""
    try:
        count, pos = read_varuint(state_vector, 0)
        found = {}
        for _ in range(count):
            client, pos = read_varuint(state_vector, pos)
            found[client], pos = read_varuint(state_vector, pos)
    except AwarenessError:
        raise SyncError("Vecteur d'état illisible.") from None
    return found


def encode_clocks(found):
    out = bytearray()
    write_varuint(len(found), out)
    for client, clock in found.items():
        write_varuint(client, out)
        write_varuint(clock, out)
    return bytes(out)


class _Inspection:
    """What an update adds to the fragment, seen through the events of applying it: how deep
    its blocks nest and whether its links are all allowed. Checked after the update applied,
    before anything is stored."""

    def __init__(self):
        self.too_deep = self.bad_link = False

    def __call__(self, events):
        for event in events:
            depth = len(event.path)  # of the changed element: the fragment is 0
            for change in event.delta or ():
                if isinstance(change, dict):
                    if not link_marks_safe(change.get("attributes")):
                        self.bad_link = True
                    inserted = change.get("insert")
                    if isinstance(inserted, list):
                        for node in inserted:
                            self._walk(node, depth)

    def _walk(self, node, depth):
        stack = [(node, depth)]
        while stack:
            node, depth = stack.pop()
            if isinstance(node, XmlText):
                if not all(link_marks_safe(attrs) for _, attrs in node.diff()):
                    self.bad_link = True
            elif isinstance(node, XmlElement):
                if depth + 1 > MAX_DEPTH:
                    self.too_deep = True
                    return
                stack.extend((child, depth + 1) for child in node.children)

    def check(self):
        if self.too_deep:
            raise SyncError(f"Modification refusée : les blocs ne peuvent pas être imbriqués sur "
                            f"plus de {MAX_DEPTH} niveaux.")
        if self.bad_link:
            raise SyncError("Lien refusé : seules les adresses qui commencent par http://, "
                            "https:// ou mailto: sont acceptées.")


def integrate(state, update):
    """(new state, clocks before, clocks after) once `update` is merged into `state`; a malformed,
    too deep, unsafe or incomplete update raises SyncError and changes nothing."""
    doc, fragment = load(state)
    before = clocks(doc.get_state())
    inspection = _Inspection()
    subscription = fragment.observe_deep(inspection)
    try:
        doc.apply_update(update)
    except Exception:  # pycrdt raises ValueError, or a panic from the Rust decoder
        raise SyncError("Modification illisible : elle n'a pas été prise en compte.") from None
    finally:
        fragment.unobserve(subscription)
    inspection.check()
    after = clocks(doc.get_state())
    if read_varuint(get_update(update, encode_clocks(after)), 0)[0]:
        # Structs that did not integrate wait for missing clocks: kept in the log, they would
        # take the place of whatever another editor writes at those clocks later.
        raise SyncError("Modification incomplète : elle suppose des changements que le serveur "
                        "n'a pas reçus. Rechargez la page pour continuer.")
    return doc.get_update(), before, after


def merged(state, update):
    """The state after `update`; a malformed update raises SyncError and changes nothing."""
    return integrate(state, update)[0]


def missing(state, state_vector):
    """What a replica whose state vector is `state_vector` lacks (everything if it is empty)."""
    doc, _ = load(state)
    try:
        return doc.get_update(state_vector) if state_vector else doc.get_update()
    except Exception:
        raise SyncError("Vecteur d'état illisible.") from None


def state_vector(state):
    return get_state(state) if state else Doc().get_state()


_html_cache = LRUCache(maxsize=HTML_CACHE_BYTES, getsizeof=lambda html: len(html) + 100)
_html_lock = threading.Lock()


def render(state):
    """The state's sanitised HTML, remembered per state (reading a page renders nothing twice)."""
    key = hashlib.blake2b(state, digest_size=16).digest()
    with _html_lock:
        html = _html_cache.get(key)
    if html is None:
        _, fragment = load(state)
        html = fragment_html(fragment)
        with _html_lock:
            _html_cache[key] = html
    return html


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


class FullState(Persistent):
    """A whole Yjs state in its own record, never changed once written: the base of the log,
    and the text of a snapshot (`html` is None until a snapshot renders it)."""

    def __init__(self, state, html=None):
        self.state = state
        self.html = html


class LogEntry(Persistent):
    """One accepted update (only what the server lacked), in its own small record; `previous`
    are the entries it was applied after (several when concurrent appends were merged)."""

    def __init__(self, data, previous):
        self.data = data
        self.previous = previous


class SharedText(Persistent):
    """`base` and the log after it (`heads`, `logged` entries) make the whole Yjs document;
    `owners` maps a Yjs client id to the account that writes with it.

    `authors` and `dirty` describe the changes since the last snapshot (collab/history.py)."""

    last_change = None
    logged_since = None
    owners = None

    def __init__(self, html=""):
        self.base = FullState(from_html(html))
        self.heads = ()
        self.logged = 0
        self.owners = LOBTree()
        self.authors = ()
        self.dirty = False

    def __setstate__(self, state):
        if "state" in state:  # stored before the log: the whole state in this record
            state = dict(state)
            state["base"] = FullState(state.pop("state"), state.pop("html", None))
            state.update(heads=(), logged=0)
        super().__setstate__(state)

    # Reading --------------------------------------------------------------------------------
    def _log(self):
        """The log's entries, each after those it was applied after."""
        order, seen = [], set()
        stack = [(entry, False) for entry in reversed(self.heads)]
        while stack:
            entry, ready = stack.pop()
            if ready:
                order.append(entry)
            elif id(entry) not in seen:
                seen.add(id(entry))
                stack.append((entry, True))
                stack.extend((previous, False) for previous in reversed(entry.previous))
        return order

    @property
    def state(self):
        cached = getattr(self, "_v_state", None)
        if cached and cached[0] is self.base and cached[1] is self.heads:
            return cached[2]
        state = self.base.state
        entries = self._log()
        if entries:
            doc, _ = load(state)
            for entry in entries:
                doc.apply_update(entry.data)
            state = doc.get_update()
        self._v_state = (self.base, self.heads, state)
        return state

    @property
    def html(self):
        if not self.heads and self.base.html is not None:
            return self.base.html
        return render(self.state)

    @property
    def text(self):
        return html_to_text(self.html)

    @property
    def size(self):
        return len(self.state)

    # Writing --------------------------------------------------------------------------------
    def receive(self, update, author_id, now, max_bytes=DEFAULT_MAX_BYTES,
                checkpoint_updates=DEFAULT_CHECKPOINT_UPDATES,
                checkpoint_seconds=DEFAULT_CHECKPOINT_SECONDS):
        """Merge an editor's update. Returns True when the text changed."""
        state = self.state
        new_state, before, after = integrate(state, update)
        if new_state == state:
            return False
        claims = self._claims(before, after, author_id)
        if len(new_state) > max_bytes:
            raise SyncError("Le document a atteint sa taille maximale : "
                            "cette modification n'a pas été enregistrée.")
        if claims:
            if self.owners is None:
                self.owners = LOBTree()
            for client in claims:
                self.owners[client] = author_id
        kept = get_update(update, encode_clocks(before))  # only what the server lacked
        self.heads = (LogEntry(kept, self.heads),)
        self.logged += 1
        if self.logged_since is None:
            self.logged_since = now
        self._v_state = (self.base, self.heads, new_state)
        self._changed(author_id, now)
        if self.logged >= checkpoint_updates or \
                (now - self.logged_since).total_seconds() >= checkpoint_seconds:
            self.checkpoint()
        return True

    def _claims(self, before, after, author_id):
        """The client ids this update writes with for the first time; raises ForeignClient
        when it writes with an id someone else owns, or one that wrote before unowned."""
        claims = []
        owners = self.owners if self.owners is not None else {}
        for client, clock in after.items():
            if clock == before.get(client, 0):
                continue
            owner = owners.get(client)
            if owner == author_id:
                continue
            if owner is None and client not in before:
                claims.append(client)
                continue
            raise ForeignClient("Cette modification écrit au nom d'un autre rédacteur : "
                                "elle est refusée. Rechargez la page pour continuer.")
        return claims

    def checkpoint(self, with_html=False):
        """Fold the log into a new full state; returns it (a snapshot keeps the same record)."""
        if not self.heads and (self.base.html is not None or not with_html):
            return self.base
        state = self.state
        self._set_base(FullState(state, render(state) if with_html else None))
        return self.base

    def restore(self, other_state, author_id, now):
        """A new full state, rendered: the snapshot that usually follows keeps the same record."""
        state = replaced(self.state, other_state)
        self._set_base(FullState(state, render(state)))
        self._changed(author_id, now)

    def _set_base(self, base):
        self.base, self.heads, self.logged, self.logged_since = base, (), 0, None
        self._v_state = (base, (), base.state)

    def _changed(self, author_id, now):
        if author_id and author_id not in self.authors:
            self.authors = self.authors + (author_id,)
        self.dirty = True
        self.last_change = now

    def snapshot_taken(self):
        self.authors, self.dirty = (), False

    def _p_resolveConflict(self, old, committed, new):
        """Two transactions changed the text at once: keep both logs' entries, as Yjs would.
        Their updates commute, and an entry folded into a base is harmless to apply again."""
        if any("state" in s for s in (old, committed, new)):
            raise ConflictError("a shared text stored before the log")  # retried
        same = _same_record
        committed_folded = not same(old["base"], committed["base"])
        new_folded = not same(old["base"], new["base"])
        owners_created = (not same(old.get("owners"), new.get("owners")) and
                          not same(old.get("owners"), committed.get("owners")))
        if (committed_folded and new_folded) or owners_created:
            raise ConflictError("two checkpoints at once")  # retried
        resolved = dict(committed)
        if new_folded:
            resolved["base"] = new["base"]
        if not same(old.get("owners"), new.get("owners")):
            resolved["owners"] = new["owners"]
        old_heads = {h.oid for h in old["heads"]}
        new_heads = {h.oid for h in new["heads"]}
        committed_heads = {h.oid for h in committed["heads"]}
        resolved["heads"] = tuple(
            [h for h in committed["heads"] if h.oid not in old_heads or h.oid in new_heads] +
            [h for h in new["heads"] if h.oid not in old_heads and h.oid not in committed_heads])
        resolved["logged"] = max(len(resolved["heads"]), committed.get("logged", 0) +
                                 new.get("logged", 0) - old.get("logged", 0))
        since = [t for t in (committed.get("logged_since"), new.get("logged_since")) if t]
        resolved["logged_since"] = min(since) if since and resolved["heads"] else None
        resolved["authors"] = tuple(dict.fromkeys(committed.get("authors", ()) +
                                                  new.get("authors", ())))
        resolved["dirty"] = committed.get("dirty", False) or new.get("dirty", False)
        times = [t for t in (committed.get("last_change"), new.get("last_change")) if t]
        if times:
            resolved["last_change"] = max(times)
        return resolved


def _same_record(a, b):
    """Two persistent references (or None) to the same record."""
    if a is None or b is None:
        return a is b
    return a.oid == b.oid


def utcnow():
    return datetime.datetime.now(datetime.UTC)
