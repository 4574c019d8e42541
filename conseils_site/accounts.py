"""The life of an account: created unverified, confirmed by email (pending), decided by a
validator (active or refused), later disabled or deleted. Views and scripts call these."""
from urllib.parse import urlencode

from hypatia.query import Eq
from pyramid.authorization import ACLHelper

from .resources.events import ObjectModified, notify
from .resources.users import User, now
from .security.passwords import hash_password
from .security.principals import compute_principals
from .security.sessions import end_sessions

PENDING_PEER_REMINDER_HOURS = 24
PENDING_ANIMATOR_REMINDER_HOURS = 36


class AccountError(Exception):
    """A French message for the person, e.g. an email already used."""


def create_account(root, email, password, first_name, last_name, council=None, **details):
    """A new, unverified account (it counts for nothing until confirmed and validated)."""
    if root.users.find_by_email(email) is not None:
        raise AccountError("Un compte existe déjà avec cette adresse. Connectez-vous, ou "
                           "utilisez « Mot de passe oublié ».")
    user = User(email, first_name.strip(), last_name.strip(), hash_password(password),
                council_ids=[council.id] if council is not None else [])
    for key, value in details.items():
        if not hasattr(User, key):
            raise AttributeError(key)
        setattr(user, key, value)
    user.terms_accepted_at = now()
    root.users.add_user(user)
    return user


def confirm_email(user):
    """The address works: the request now waits for a validator."""
    if user.state == "unverified":
        user.state = "pending"
        user.confirmed_at = now()
        notify(ObjectModified(user))
        return True
    return False


def can_validate(request, user):
    """Animators, and validated members of the applicant's council (peer validation)."""
    if user.state != "pending":
        return False
    if "role:animateur" in request.principals:
        return True
    catalog = request.root.catalog
    for council_id in user.council_ids:
        council = catalog.by_id(council_id)
        if council is not None and ACLHelper().permits(council, request.principals, "validate"):
            return True
    return False


def decide(user, accepted, actor, message=""):
    """Accept or refuse a pending request; returns False if it was already decided."""
    if user.state != "pending":
        return False
    user.state = "active" if accepted else "refused"
    user.decided_at = now()
    user.decided_by = actor.id if actor is not None else None
    user.decision_message = message.strip()
    notify(ObjectModified(user))
    return True


def pending_requests(catalog, council_id=None):
    """Pending requests, oldest first (the most overdue on top)."""
    query = Eq(catalog.indexes["kind"], "user") & Eq(catalog.indexes["state"], "pending")
    if council_id is not None:
        query &= Eq(catalog.indexes["councils"], council_id)
    results = query.execute(resolver=catalog.get).sort(catalog.indexes["created"])
    return list(results)


def pending_age_hours(user, at=None):
    since = user.confirmed_at or user.created
    return ((at or now()) - since).total_seconds() / 3600


def validators_of(root, user):
    """The people who can decide on `user`: active members of its councils, and the référents."""
    catalog = root.catalog
    found = {}
    for council_id in user.council_ids:
        query = (Eq(catalog.indexes["kind"], "user") & Eq(catalog.indexes["state"], "active")
                 & Eq(catalog.indexes["councils"], council_id))
        for member in query.execute(resolver=catalog.get):
            if member.id != user.id:
                found[member.id] = member
        council = catalog.by_id(council_id)
        from .security.roles import holders
        for user_id in holders(council, "referent") if council is not None else ():
            member = root.users.get(user_id)
            if member is not None and member.is_active:
                found[member.id] = member
    return list(found.values())


def animators(root):
    catalog = root.catalog
    query = Eq(catalog.indexes["kind"], "user") & Eq(catalog.indexes["state"], "active")
    return [u for u in query.execute(resolver=catalog.get) if u.is_animator]


def set_password(user, password, keep_session=None):
    """A new password (change or reset): every other session of the account ends."""
    user.password_hash = hash_password(password)
    end_sessions(user, keep=keep_session)


def can_change_state(user, actor):
    """Why `actor` may not disable or enable `user` (French), or None."""
    if actor is not None and actor.id == user.id:
        return "Vous ne pouvez pas désactiver votre propre compte."
    return None


def disable_account(root, user, actor):
    """The account signs in nowhere, its sessions end and nothing granted to it counts (its
    principals are a visitor's); enabling it gives everything back. Logged in the audit log."""
    if user.state == "disabled":
        return False
    user.state_before_disabled = user.state
    user.state = "disabled"
    end_sessions(user)
    _record(root, actor, "désactivation de compte", user)
    notify(ObjectModified(user))
    return True


def enable_account(root, user, actor):
    if user.state != "disabled":
        return False
    user.state = user.state_before_disabled or "active"
    user.state_before_disabled = None
    _record(root, actor, "réactivation de compte", user)
    notify(ObjectModified(user))
    return True


def _record(root, actor, action, user):
    who = ({"id": actor.id, "name": actor.title, "email": actor.email} if actor is not None
           else {"id": None, "name": "?"})
    # the entry leads to this account on the accounts screen (a user has no page of its own)
    root.audit.record(actor=who, action=action, target="/admin/comptes?" + urlencode({"q": user.email}),
                      detail=f"{user.title} ({user.email})")


def delete_account(root, user):
    """Remove the person; what they wrote stays with its council, signed « ancien membre »;
    their reading positions in the forum go (nobody else uses them)."""
    if "forum" in root:
        root["forum"].forget_user(user.id)
    root.users.remove_user(user)


def principals_for(root, user):
    return compute_principals(user, root.catalog)
