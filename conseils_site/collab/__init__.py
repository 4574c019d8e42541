"""Collaborative documents: a shared text written by several people at once (state.py), who is
editing it (presence.py), and its snapshots (history.py). The HTTP side is views/collab.py."""
from dataclasses import dataclass

from .history import DEFAULT_BURST_SECONDS, DEFAULT_MAX_SNAPSHOTS
from .presence import DEFAULT_TTL, Presence
from .state import DEFAULT_MAX_BYTES, DEFAULT_MAX_UPDATE_BYTES


@dataclass(frozen=True)
class CollabSettings:
    max_bytes: int = DEFAULT_MAX_BYTES  # a document's whole Yjs state
    max_update_bytes: int = DEFAULT_MAX_UPDATE_BYTES  # one request's update
    max_snapshots: int = DEFAULT_MAX_SNAPSHOTS
    burst_seconds: float = DEFAULT_BURST_SECONDS  # quiet time that ends a burst of changes
    presence_seconds: float = DEFAULT_TTL  # an editor not heard of for this long has left

    @classmethod
    def from_settings(cls, settings):
        values = {}
        for name, kind in (("max_bytes", int), ("max_update_bytes", int), ("max_snapshots", int),
                           ("burst_seconds", float), ("presence_seconds", float)):
            if f"collab.{name}" in settings:
                values[name] = kind(settings[f"collab.{name}"])
        return cls(**values)


def includeme(config):
    collab = CollabSettings.from_settings(config.get_settings())
    config.registry.collab_settings = collab
    config.registry.collab_presence = Presence(ttl=collab.presence_seconds)
