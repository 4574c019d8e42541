"""Nominative accounts: one person, one account, validated by a person before it counts."""
import datetime

from BTrees.OOBTree import OOBTree
from persistent.mapping import PersistentMapping
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow

from .folder import Folder, new_id

# unverified: email not confirmed yet; pending: waiting for a validator; active: a councillor.
STATES = ("unverified", "pending", "active", "refused", "disabled")
STATE_LABELS = {
    "unverified": "adresse à confirmer",
    "pending": "en attente de validation",
    "active": "validé",
    "refused": "refusé",
    "disabled": "désactivé",
}


class Users(Folder):
    """/utilisateurs: accounts by id, with an email index."""

    title = "Utilisateurs"

    def base_acl(self):
        return [(Allow, "role:animateur", ALL_PERMISSIONS), DENY_ALL]

    def __init__(self):
        super().__init__()
        self.by_email = OOBTree()

    def add_user(self, user):
        email = normalize_email(user.email)
        if email in self.by_email:
            raise KeyError(f"{email} already has an account")
        self.add(user.id, user)
        self.by_email[email] = user.id
        return user

    def change_email(self, user, new_email):
        new_email = normalize_email(new_email)
        if new_email in self.by_email:
            raise KeyError(f"{new_email} already has an account")
        del self.by_email[user.email]
        user.email = new_email
        self.by_email[new_email] = user.id

    def remove_user(self, user):
        self.by_email.pop(user.email, None)
        self.remove(user.id)

    def find_by_email(self, email):
        user_id = self.by_email.get(normalize_email(email))
        return self.get(user_id) if user_id else None


def normalize_email(email):
    return (email or "").strip().lower()


def now():
    return datetime.datetime.now(datetime.UTC)


class User(Folder):
    """An account. `council_ids` are the councils it belongs to; they count once it is active."""

    kind = "user"
    mobile = ""
    role_in_council = ""
    newsletter = False
    sms_alerts = False
    terms_accepted_at = None
    confirmed_at = None
    decided_at = None
    decided_by = None
    decision_message = ""
    reminded = ()
    calendar_token = None  # the secret of the personal calendar address (conseils_site.calendar)
    sessions = None  # session id → start time: an OOBTree made at the first sign-in (security.sessions)
    state_before_disabled = None  # what enabling a disabled account gives back

    def __init__(self, email, first_name, last_name, password_hash, roles=(), state="unverified",
                 council_ids=()):
        super().__init__()
        if state not in STATES:
            raise ValueError(state)
        self.id = new_id()
        self.email = normalize_email(email)
        self.first_name = first_name
        self.last_name = last_name
        self.password_hash = password_hash
        self.roles = tuple(roles)
        self.state = state
        self.council_ids = tuple(council_ids)
        self.tokens = PersistentMapping()
        self.created = now()

    def base_acl(self):
        return [(Allow, f"user:{self.id}", ("view", "edit"))]

    @property
    def title(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_active(self):
        return self.state == "active"

    @property
    def state_label(self):
        return STATE_LABELS[self.state]

    @property
    def is_animator(self):
        return "animateur" in self.roles
