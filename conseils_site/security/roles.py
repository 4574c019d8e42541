"""Roles: who holds a role where is data (local roles on objects); what a role may do is here."""
from persistent.mapping import PersistentMapping
from pyramid.authorization import ALL_PERMISSIONS, Allow

from ..resources.events import ObjectEvent, notify
from .principals import user_principal

# What each role may do where it is granted (and below). The one definition.
ROLE_PERMISSIONS = {
    "animateur": ALL_PERMISSIONS,
    "referent": ("view", "edit", "cowrite", "validate", "moderate", "create", "delete"),
    "conseiller": ("view", "create"),
}
ROLE_LABELS = {
    "animateur": "animateur",
    "referent": "référent",
    "conseiller": "conseiller",
}
LOCAL_ROLES = ("referent", "animateur")  # the roles an animator can grant on an object
PERMISSION_LABELS = {
    "view": "voir",
    "edit": "modifier",
    "cowrite": "écrire le texte collaboratif",
    "create": "publier des contenus",
    "validate": "valider les inscriptions",
    "moderate": "modérer",
    "share": "gérer les accès",
    "delete": "supprimer",
}


class ACLModified(ObjectEvent):
    """Fired by every change of who may do what on an object; the catalog reindexes below it."""


def local_roles(obj):
    return getattr(obj, "local_roles", None) or {}


def local_role_aces(obj):
    aces = []
    for user_id, roles in sorted(local_roles(obj).items()):
        for role in roles:
            aces.append((Allow, user_principal(user_id), ROLE_PERMISSIONS[role]))
    return aces


def lineage_local_role_aces(obj):
    """Local roles granted on the object and every parent: kept ahead of a visibility Deny."""
    aces = []
    while obj is not None:
        aces += local_role_aces(obj)
        obj = getattr(obj, "__parent__", None)
    return aces


def grant_role(obj, user, role, actor, audit):
    if role not in LOCAL_ROLES:
        raise ValueError(role)
    if getattr(obj, "local_roles", None) is None:
        obj.local_roles = PersistentMapping()
    roles = set(obj.local_roles.get(user.id, ()))
    if role in roles:
        return False
    obj.local_roles[user.id] = tuple(sorted(roles | {role}))
    _changed(obj, actor, audit, "attribution", f"rôle {ROLE_LABELS[role]} à {user.title} ({user.email})")
    return True


def revoke_role(obj, user_id, role, actor, audit, user_label=""):
    roles = set(local_roles(obj).get(user_id, ()))
    if role not in roles:
        return False
    roles.discard(role)
    if roles:
        obj.local_roles[user_id] = tuple(sorted(roles))
    else:
        del obj.local_roles[user_id]
    _changed(obj, actor, audit, "retrait", f"rôle {ROLE_LABELS[role]} de {user_label or user_id}")
    return True


def _changed(obj, actor, audit, action, detail):
    from pyramid.traversal import resource_path

    audit.record(actor=actor, action=action, target=resource_path(obj), detail=detail)
    notify(ACLModified(obj))


def holders(obj, role):
    return [uid for uid, roles in local_roles(obj).items() if role in roles]
