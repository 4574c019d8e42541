"""Collaborative documents: a shared text written by several people at once (state.py), who is
editing it (presence.py), how fast one may write (limits.py), and its snapshots (history.py).
The HTTP side is views/collab.py."""
from dataclasses import dataclass

from .history import DEFAULT_BURST_SECONDS, DEFAULT_MAX_SNAPSHOTS
from .limits import DEFAULT_UPDATE_BURST, DEFAULT_UPDATES_PER_SECOND, RateLimit
from .presence import DEFAULT_MAX_AWARENESS_BYTES, DEFAULT_MAX_PRESENCES, DEFAULT_TTL, Presence
from .state import (
    DEFAULT_CHECKPOINT_SECONDS,
    DEFAULT_CHECKPOINT_UPDATES,
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_UPDATE_BYTES,
)

ANSWER_ROOM = 64_000  # a sync answer's state vector, editors' names and JSON, at most


def encoded_size(size):
    """The length of `size` bytes once in base64, as the sync's JSON carries them."""
    return 4 * ((size + 2) // 3)


@dataclass(frozen=True)
class CollabSettings:
    max_bytes: int = DEFAULT_MAX_BYTES  # a document's whole Yjs state
    max_update_bytes: int = DEFAULT_MAX_UPDATE_BYTES  # one request's update
    max_snapshots: int = DEFAULT_MAX_SNAPSHOTS
    burst_seconds: float = DEFAULT_BURST_SECONDS  # quiet time that ends a burst of changes
    presence_seconds: float = DEFAULT_TTL  # an editor not heard of for this long has left
    max_awareness_bytes: int = DEFAULT_MAX_AWARENESS_BYTES  # one tab's presence (cursor)
    max_presences: int = DEFAULT_MAX_PRESENCES  # tabs shown per document
    max_answer_bytes: int = 0  # one sync answer; 0: enough for a whole document and presence
    updates_per_second: float = DEFAULT_UPDATES_PER_SECOND  # per editor, with a burst of…
    update_burst: int = DEFAULT_UPDATE_BURST
    checkpoint_updates: int = DEFAULT_CHECKPOINT_UPDATES  # log entries before a fold
    checkpoint_seconds: float = DEFAULT_CHECKPOINT_SECONDS  # age of the oldest entry before a fold

    def __post_init__(self):
        needed = encoded_size(self.max_bytes) + ANSWER_ROOM
        if not self.max_answer_bytes:
            object.__setattr__(self, "max_answer_bytes",
                               needed + self.max_presences * encoded_size(self.max_awareness_bytes))
        elif self.max_answer_bytes < needed:
            raise ValueError(f"collab.max_answer_bytes must be at least {needed}: a whole "
                             f"document of collab.max_bytes has to fit in one answer")

    @classmethod
    def from_settings(cls, settings):
        values = {}
        for name, convert in (("max_bytes", int), ("max_update_bytes", int), ("max_snapshots", int),
                           ("burst_seconds", float), ("presence_seconds", float),
                           ("max_awareness_bytes", int), ("max_presences", int),
                           ("max_answer_bytes", int), ("updates_per_second", float),
                           ("update_burst", int), ("checkpoint_updates", int),
                           ("checkpoint_seconds", float)):
            if f"collab.{name}" in settings:
                values[name] = convert(settings[f"collab.{name}"])
        return cls(**values)


def includeme(config):
    collab = CollabSettings.from_settings(config.get_settings())
    config.registry.collab_settings = collab
    config.registry.collab_presence = Presence(ttl=collab.presence_seconds,
                                               max_clients=collab.max_presences)
    config.registry.collab_rate = RateLimit(collab.updates_per_second, collab.update_burst)
