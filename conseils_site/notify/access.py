"""May this message still reach this person? The one home of the check every notification
makes when it leaves: the item still in the site and readable (not deleted, not hidden), and
viewable with the person's principals today — `compute_principals` and the ACL, exactly as the
pages decide. Alerts and digests (recipients), reminders, the letter (a visitor's principals) and
the queued mail and SMS (`why_not_now`, through notify/recheck.py) all ask here."""
from pyramid.authorization import ACLHelper

from ..security.principals import compute_principals


def in_site(catalog, item):
    """Still in the tree: removed objects leave the catalog."""
    docid = getattr(item, "_docid", None)
    return docid is not None and catalog.get(docid) is item


def available(catalog, item):
    """Still there and readable: not deleted, nor hidden by moderation or its author."""
    return in_site(catalog, item) and not getattr(item, "hidden", False) \
        and not getattr(item, "deleted", False)


def may_view(item, user, catalog):
    if user is None or not user.is_active:
        return False
    return bool(ACLHelper().permits(item, compute_principals(user, catalog), "view"))


def may_view_as_visitor(item, catalog):
    """Whether anyone at all may see it: a visitor who is not signed in (the letter, public)."""
    return bool(ACLHelper().permits(item, compute_principals(None, catalog), "view"))


def find_item(catalog, key):
    """The object an `item_key` names, or None when it left the site."""
    if key.startswith("id:"):
        return catalog.by_id(key[3:])
    if key.startswith("doc:") and key[4:].isdigit():
        return catalog.get(int(key[4:]))
    return None


def why_not_now(root, key, user_id):
    """Why a queued message about an item may no longer reach this person (None: it may).
    The same check as pages and digests: still there, and viewable with the person's
    principals today."""
    catalog = root.catalog
    item = find_item(catalog, key or "")
    if item is None or not available(catalog, item):
        return "contenu supprimé ou masqué"
    if not may_view(item, root.users.get(user_id or ""), catalog):
        return "contenu plus visible pour son destinataire"
    return None
