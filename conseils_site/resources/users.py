"""Nominative accounts."""
import datetime

from BTrees.OOBTree import OOBTree
from pyramid.authorization import DENY_ALL, Allow, ALL_PERMISSIONS

from .folder import Folder, new_id


class Users(Folder):
    """/utilisateurs: accounts by id, with an email index (one person, one account)."""

    title = "Utilisateurs"
    __acl__ = [(Allow, "role:animateur", ALL_PERMISSIONS), DENY_ALL]

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

    def find_by_email(self, email):
        user_id = self.by_email.get(normalize_email(email))
        return self.get(user_id) if user_id else None


def normalize_email(email):
    return (email or "").strip().lower()


class User(Folder):
    """An account; its state says whether it is a councillor yet."""

    kind = "user"
    STATES = ("unverified", "pending", "active", "refused", "disabled")

    def __init__(self, email, first_name, last_name, password_hash, roles=(), state="unverified"):
        super().__init__()
        self.id = new_id()
        self.email = normalize_email(email)
        self.first_name = first_name
        self.last_name = last_name
        self.password_hash = password_hash
        self.roles = tuple(roles)
        self.state = state
        self.created = datetime.datetime.now(datetime.timezone.utc)

    @property
    def title(self):
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_active(self):
        return self.state == "active"
