"""What notifications remember between two runs, in the database (`root.alerts`).

- `pending`: alerts waiting for their 15-minute window to close, one per item (key → PendingAlert);
  recipients are decided when they leave, from the item's ACL at that moment.
- `signatures`: what each item looked like in its last alert, so a save that changed nothing
  people see alerts nobody.
- `digests`: (user id, channel, 'daily'|'weekly') → the entries of the next digest.
- `sms_counts`: (month, user id) and (month, « tel:<number> ») → SMS sent that month (the
  monthly cap, per account and per number).
- `reminders`: (day, event key, user id) → what the morning reminder said, to send corrections
  and cancellations, and nothing twice.
- `digest_runs`: period → the last day (or Monday) its digests went out.
"""
from BTrees.OOBTree import OOBTree
from persistent import Persistent
from persistent.list import PersistentList


class AlertCenter(Persistent):
    def __init__(self):
        self.pending = OOBTree()
        self.signatures = OOBTree()
        self.digests = OOBTree()
        self.sms_counts = OOBTree()
        self.reminders = OOBTree()
        self.digest_runs = OOBTree()

    # SMS cap ----------------------------------------------------------------------------------
    # Counted per account (its id) and per number (« tel:+33… »): three accounts sharing one
    # phone share its cap.
    def sms_count(self, who, month):
        return self.sms_counts.get((month, who), 0)

    def count_sms(self, who, month):
        self.sms_counts[(month, who)] = self.sms_count(who, month) + 1

    def forget_sms_counts(self, before_month):
        """Counts of months before `before_month` serve nobody any more."""
        for key in list(self.sms_counts.keys(max=(before_month,), excludemax=True)):
            del self.sms_counts[key]

    # digests ----------------------------------------------------------------------------------
    def add_to_digest(self, user_id, channel, period, entry):
        box = self.digests.get((user_id, channel, period))
        if box is None:
            box = self.digests[(user_id, channel, period)] = PersistentList()
        if not any(e.key == entry.key for e in box):  # one line per item in a digest
            box.append(entry)

    def digest_boxes(self, period):
        return [(key, box) for key, box in self.digests.items() if key[2] == period]


class PendingAlert(Persistent):
    """Changes to one item inside one 15-minute window."""

    def __init__(self, key, item, added, at, actor_id=None):
        self.key, self.item, self.added = key, item, added
        self.first_at = self.last_at = at
        self.actor_ids = (actor_id,) if actor_id else ()
        self.changes = 1

    def merge(self, added, at, actor_id=None):
        self.added = self.added or added
        self.last_at = at
        self.changes += 1
        if actor_id and actor_id not in self.actor_ids:
            self.actor_ids = self.actor_ids + (actor_id,)


class DigestEntry:
    """One line of a digest; the item is re-checked (still there, still visible) when it goes."""

    def __init__(self, key, item, category, added, at):
        self.key, self.item, self.category, self.added, self.at = key, item, category, added, at
