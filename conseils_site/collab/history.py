"""Snapshots of a collaborative text: taken after each burst of activity and when the last
editor leaves, compared two by two, restored as a new change.

A burst ends when nobody changed the text for `collab.burst_seconds`; the snapshot is taken
lazily, by the next request that notices it (a sync, the history page, an editor leaving), so no
timer runs on the server. The history keeps at most `collab.max_snapshots`: beyond, the oldest
half is thinned by dropping the snapshot closest in time to its predecessor, so the first
version and a spread over time remain. A snapshot's text is the shared text's checkpoint of
that moment (collab/state.py): one record serves both, so a snapshot costs one write of the
text."""
import difflib
import html
import re

from BTrees.IOBTree import IOBTree
from persistent import Persistent

from .state import FullState

DEFAULT_MAX_SNAPSHOTS = 50
DEFAULT_BURST_SECONDS = 120

_BLOCK_END = re.compile(r"</(p|li|h[1-6]|blockquote|pre)>|<br\s*/?>|<hr\s*/?>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_TOKEN = re.compile(r"\n|[^\S\n]+|[^\s]+")


def html_lines(value):
    """The text of stored HTML with one line per block, for comparing versions."""
    text = html.unescape(_TAG.sub("", _BLOCK_END.sub("\n", value or "")))
    return "\n".join(line.strip() for line in text.splitlines() if line.strip())


SnapshotData = FullState  # the name snapshots stored before the log were pickled with


class Snapshot(Persistent):
    """`data` (a FullState with its html) is in its own record: listing does not load it."""

    def __init__(self, number, taken, authors, data, added, removed, note=""):
        self.number = number
        self.taken = taken
        self.authors = tuple(authors)
        self.data = data
        self.added, self.removed = added, removed
        self.note = note  # "Restauration de la version n" for a restore

    @property
    def state(self):
        return self.data.state

    @property
    def html(self):
        return self.data.html


def change_size(before, after):
    """Characters added and removed from one text to the next."""
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, before, after, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op in ("replace", "delete"):
            removed += i2 - i1
        if op in ("replace", "insert"):
            added += j2 - j1
    return added, removed


def compare_html(old_html, new_html):
    """The newer text with words added in <ins> and words removed in <del>, escaped."""
    old = _TOKEN.findall(html_lines(old_html))
    new = _TOKEN.findall(html_lines(new_html))
    out = []

    def emit(tokens, tag=None):
        for token in tokens:
            if token == "\n":
                out.append("<br>")
            elif tag:
                out.append(f"<{tag}>{html.escape(token)}</{tag}>")
            else:
                out.append(html.escape(token))

    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            emit(new[j1:j2])
        else:
            emit(old[i1:i2], "del")
            emit(new[j1:j2], "ins")
    return "".join(out)


class History(Persistent):
    def __init__(self):
        self.snapshots = IOBTree()
        self.counter = 0

    def __len__(self):
        return len(self.snapshots)

    def newest_first(self):
        return list(reversed(self.snapshots.values()))

    def get(self, number):
        return self.snapshots.get(number)

    def latest(self):
        return self.snapshots[self.snapshots.maxKey()] if self.snapshots else None

    def take(self, shared, now, note="", max_snapshots=DEFAULT_MAX_SNAPSHOTS):
        """Record the shared text as it is now; returns the new snapshot."""
        latest = self.latest()
        before = html_lines(latest.html) if latest else ""
        data = shared.checkpoint(with_html=True)
        added, removed = change_size(before, html_lines(data.html))
        self.counter += 1
        snapshot = Snapshot(self.counter, now, shared.authors, data, added, removed, note)
        self.snapshots[self.counter] = snapshot
        shared.snapshot_taken()
        self.thin(max_snapshots)
        return snapshot

    def thin(self, max_snapshots):
        while len(self.snapshots) > max(max_snapshots, 2):
            items = list(self.snapshots.values())
            older = items[1:max(2, len(items) // 2)]
            drop = min(older, key=lambda s: s.taken - items[items.index(s) - 1].taken)
            del self.snapshots[drop.number]


def snapshot_due(shared, now, burst_seconds):
    """True when changes wait and nobody changed the text for `burst_seconds`."""
    return bool(shared.dirty and shared.last_change is not None and
                (now - shared.last_change).total_seconds() >= burst_seconds)
