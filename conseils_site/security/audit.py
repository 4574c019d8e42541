"""The audit log, « le journal »: every access decision — registrations accepted or refused,
councils joining or leaving a group, roles granted or revoked, accounts disabled or enabled —
and every moderation, with who decided, about whom, and when."""
import datetime

from BTrees.Length import Length
from BTrees.LOBTree import LOBTree
from persistent import Persistent


def person(user):
    """How an entry names someone: id, name and address, kept as they were at the time."""
    if user is None:
        return {"id": None, "name": "?"}
    return {"id": user.id, "name": user.title, "email": user.email}


def named(user):
    """« Prénom NOM (adresse) »: the form in which a detail names the person concerned, which the
    filter by person recognises."""
    return f"{user.title} ({user.email})"


class AuditLog(Persistent):
    """Entries keyed by time in microseconds, newest read first; appends rarely conflict."""

    def __init__(self):
        self.entries = LOBTree()
        self.count = Length()

    def record(self, actor, action, target, detail="", subject=None):
        """`actor` decided (a `person`); `subject`, when given, is the person the decision is
        about; `target` is the path of the object concerned."""
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
            "subject": subject,
        }
        self.count.change(1)
        return self.entries[key]

    def newest(self, limit=100, offset=0):
        """One page, newest first: two look-ups by position then one forward range (a BTree has
        no backward walk, and each look-up by position walks from the first bucket)."""
        total = len(self)
        high, low = total - 1 - offset, max(0, total - offset - (total if limit is None else limit))
        if high < 0 or high < low:
            return []
        keys = self.entries.keys()
        result = list(self.entries.values(keys[low], keys[high]))
        result.reverse()
        return result

    def about(self, email, user_id=None):
        """Every entry, newest first, where the person decided or was concerned: as actor, as
        subject, or named « (adresse) » in the detail (roles, accounts). A scan of the whole
        log: the journal is read by a few animators, and grows by a few entries a day."""
        email = (email or "").strip().lower()
        needle = f"({email})"
        found = []
        for entry in self.entries.values():
            people = [entry.get("actor"), entry.get("subject")]
            if any(isinstance(p, dict) and ((user_id and p.get("id") == user_id)
                                            or (email and (p.get("email") or "").lower() == email))
                   for p in people) or (email and needle in (entry.get("detail") or "").lower()):
                found.append(entry)
        found.reverse()
        return found

    def __len__(self):
        return self.count()
