"""/lettre: the monthly letters (public once sent) and the public subscribers.

A letter keeps a copy of what it shows (titles, addresses, summaries as they were when it was
composed), so it reads the same in the archive years later. Its recipients are frozen when it is
sent (`recipients`: address → who), and `sent` records each address the moment its mail is
queued, in the same transaction: sending again after an interruption skips them."""
import datetime

from BTrees.Length import Length
from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow, Everyone

from .folder import Folder, new_id

DRAFT, SENDING, SENT = "brouillon", "envoi", "envoyee"
STATE_LABELS = {DRAFT: "brouillon", SENDING: "envoi en cours", SENT: "envoyée"}


def utcnow():
    return datetime.datetime.now(datetime.UTC)


class Newsletters(Folder):
    """Letters by name (« 2030-06 »), and the people who subscribed from the site."""

    title = "La lettre d'information"

    def __init__(self):
        super().__init__()
        self.subscribers = OOBTree()  # normalised address -> confirmed Subscriber
        self.pending = OOBTree()  # normalised address -> Subscriber waiting for confirmation

    def base_acl(self):
        return [(Allow, "role:animateur", ALL_PERMISSIONS), (Allow, Everyone, "view")]

    def letters(self, published_only=True):
        """Newest first."""
        letters = [letter for letter in self.values() if isinstance(letter, Letter)]
        if published_only:
            letters = [letter for letter in letters if letter.state != DRAFT]
        return sorted(letters, key=lambda letter: (letter.month, letter.created), reverse=True)


class Letter(Folder):
    kind = None  # not a catalog object: the archive lists its folder
    state = DRAFT
    sent_at = None
    started_at = None

    def __init__(self, title, month, intro="", sections=(), press=(), regions=(),
                 departements=(), author_id=None):
        super().__init__()
        self.id = new_id()
        self.title = title
        self.month = month  # « 2030-06 »
        self.intro = intro
        self.sections = tuple(sections)  # ((heading, ({title, path, meta, summary}, ...)), ...)
        self.press = tuple(press)  # ({url, title, comment}, ...)
        self.regions = tuple(regions)
        self.departements = tuple(departements)
        self.author_id = author_id
        self.created = self.modified = utcnow()
        self.recipients = OOBTree()  # frozen when sending starts: address -> (kind, id)
        self.sent = OOTreeSet()  # addresses whose mail is queued
        self.skipped = OOTreeSet()  # unsubscribed between the freeze and their turn
        self.sent_count = Length()

    @property
    def state_label(self):
        return STATE_LABELS[self.state]

    @property
    def is_published(self):
        return self.state != DRAFT

    def base_acl(self):
        acl = [(Allow, "role:animateur", ALL_PERMISSIONS)]
        if self.is_published:
            acl.append((Allow, Everyone, "view"))
        return acl + [DENY_ALL]

    @property
    def planned(self):
        return len(self.recipients)

    @property
    def sort_date(self):
        return self.sent_at or self.created


class Subscriber(Persistent):
    """Someone who subscribed from the site; counts once the address is confirmed (double
    opt-in), when it moves from `Newsletters.pending` to `Newsletters.subscribers`."""

    confirmed_at = None

    def __init__(self, email, departement="", nonce=None):
        self.email = email
        self.departement = departement
        self.created = utcnow()
        self.nonce = nonce  # the one confirmation link that works
