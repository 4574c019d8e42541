"""Who is editing a document now, with their cursor: Yjs "awareness" relayed by the server.

Presence is fleeting (a few seconds), so it lives in the process's memory, not in the database:
writing it to ZODB would commit a transaction per editor per second. With several application
processes, route a document's sync requests to one process (see docs/collaborative-documents.md). The server never
trusts the name or colour a browser announces: it rewrites them from the signed-in account, and a
browser may only speak for the Yjs client id it first used.

Memory stays bounded: an awareness update is refused beyond `collab.max_awareness_bytes` (by the
sync view), a document keeps at most `collab.max_presences` tabs (a tab beyond them edits but is
not shown), and every `ttl` seconds the first call sweeps the tabs not heard of in every
document, forgetting documents nobody has open."""
import json
import threading
import time

PALETTE_SIZE = 8  # colours collab-c0 … collab-c7 in the stylesheet
COLOURS = ("#1f5fbf", "#b3261e", "#1e7d32", "#8a4baf", "#b05a00", "#00727a", "#a0266d", "#4d5b1f")
DEFAULT_TTL = 15.0
DEFAULT_MAX_AWARENESS_BYTES = 4096
DEFAULT_MAX_PRESENCES = 30


class AwarenessError(ValueError):
    """An awareness update that does not decode: it is dropped, the sync goes on."""


def read_varuint(data, pos):
    result = shift = 0
    while True:
        if pos >= len(data):
            raise AwarenessError("truncated")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise AwarenessError("varuint too long")


def write_varuint(value, out):
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)


def decode_awareness(data):
    """[(client_id, clock, state or None)] from a y-protocols awareness update."""
    count, pos = read_varuint(data, 0)
    entries = []
    for _ in range(count):
        client, pos = read_varuint(data, pos)
        clock, pos = read_varuint(data, pos)
        length, pos = read_varuint(data, pos)
        if pos + length > len(data):
            raise AwarenessError("truncated")
        try:
            state = json.loads(data[pos:pos + length].decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise AwarenessError("bad state") from None
        pos += length
        entries.append((client, clock, state))
    return entries


def encode_awareness(entries):
    out = bytearray()
    write_varuint(len(entries), out)
    for client, clock, state in entries:
        write_varuint(client, out)
        write_varuint(clock, out)
        payload = json.dumps(state, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        write_varuint(len(payload), out)
        out.extend(payload)
    return bytes(out)


def colour_slot(user_id):
    """A stable colour per person (the same in every document)."""
    return sum(user_id.encode("utf-8")) % PALETTE_SIZE


class Presence:
    """Per document: client id → (user id, name, awareness bytes, last seen)."""

    def __init__(self, ttl=DEFAULT_TTL, clock=time.monotonic, max_clients=DEFAULT_MAX_PRESENCES):
        self.ttl = ttl
        self.clock = clock
        self.max_clients = max_clients
        self.documents = {}
        self.lock = threading.Lock()
        self.swept = clock()

    def _fresh(self, doc_key):
        now = self.clock()
        if now - self.swept > self.ttl:
            self._sweep(now)
        clients = self.documents.get(doc_key, {})
        for client in [c for c, entry in clients.items() if now - entry["seen"] > self.ttl]:
            del clients[client]
        return clients

    def _sweep(self, now):
        """Forget the tabs gone quiet in every document, and the documents left empty."""
        self.swept = now
        for doc_key, clients in list(self.documents.items()):
            for client in [c for c, entry in clients.items() if now - entry["seen"] > self.ttl]:
                del clients[client]
            if not clients:
                del self.documents[doc_key]

    def announce(self, doc_key, client_id, user_id, name, awareness=None):
        """Record that `client_id` (a browser tab of `user_id`) is here. `awareness` is the
        tab's own awareness update; its user field is replaced by the server's."""
        with self.lock:
            clients = self._fresh(doc_key)
            owner = clients.get(client_id)
            if owner is not None and owner["user_id"] != user_id:
                return False  # someone else's client id
            if owner is None and len(clients) >= self.max_clients:
                return False  # the document is full: this tab edits without being shown
            slot = colour_slot(user_id)
            entry = owner or {"user_id": user_id, "awareness": None}
            entry.update(name=name, slot=slot, seen=self.clock())
            if awareness:
                entry["awareness"] = self._rewrite(awareness, client_id, name, slot)
            clients[client_id] = entry
            self.documents[doc_key] = clients
            return True

    @staticmethod
    def _rewrite(awareness, client_id, name, slot):
        try:
            entries = decode_awareness(awareness)
        except AwarenessError:
            return None
        kept = []
        for client, clock, state in entries:
            if client != client_id:
                continue
            if isinstance(state, dict):
                state["user"] = {"name": name, "color": COLOURS[slot], "slot": slot}
            kept.append((client, clock, state))
        return encode_awareness(kept) if kept else None

    def leave(self, doc_key, client_id, user_id):
        """Returns True when nobody else is left editing."""
        with self.lock:
            clients = self._fresh(doc_key)
            entry = clients.get(client_id)
            if entry is not None and entry["user_id"] == user_id:
                del clients[client_id]
            return not clients

    def others(self, doc_key, client_id):
        """({client id: awareness update} of the other tabs, [{name, slot, me}] of everyone)."""
        with self.lock:
            clients = self._fresh(doc_key)
            updates = {c: e["awareness"] for c, e in clients.items()
                       if c != client_id and e["awareness"]}
            me = clients.get(client_id, {}).get("user_id")
            people = {}
            for entry in clients.values():
                people.setdefault(entry["user_id"], {"name": entry["name"], "slot": entry["slot"],
                                                     "me": entry["user_id"] == me})
            editors = sorted(people.values(), key=lambda p: (not p["me"], p["name"]))
            return updates, editors

    def count(self, doc_key):
        with self.lock:
            return len(self._fresh(doc_key))
