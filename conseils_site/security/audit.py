"""The audit log: who granted or revoked what, who moderated what, and when."""
import datetime

from BTrees.Length import Length
from BTrees.LOBTree import LOBTree
from persistent import Persistent


class AuditLog(Persistent):
    """Entries keyed by time in microseconds, newest read first; appends rarely conflict."""

    def __init__(self):
        self.entries = LOBTree()
        self.count = Length()

    def record(self, actor, action, target, detail=""):
        when = datetime.datetime.now(datetime.UTC)
        key = int(when.timestamp() * 1_000_000)
        while key in self.entries:
            key += 1
        self.entries[key] = {
            "when": when,
            "actor": actor,
            "action": action,
            "target": target,
            "detail": detail,
        }
        self.count.change(1)
        return self.entries[key]

    def newest(self, limit=100, offset=0):
        keys = self.entries.keys()
        total = len(self)
        result = []
        for index in range(total - 1 - offset, max(-1, total - 1 - offset - limit), -1):
            result.append(self.entries[keys[index]])
        return result

    def __len__(self):
        return self.count()
