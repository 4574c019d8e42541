"""Who can see and who can change an object, and why, in plain French (for @@partage)."""
from pyramid.authorization import ALL_PERMISSIONS, Allow, Authenticated, Deny, Everyone

from .roles import ROLE_LABELS, local_roles
from .visibility import LEVEL_LABELS


def principal_label(principal, catalog, users):
    if principal == Everyone:
        return "tout le monde, visiteurs non inscrits compris"
    if principal == Authenticated:
        return "toute personne connectée"
    prefix, _, ident = principal.partition(":")
    if prefix == "role":
        return {"conseiller": "tous les conseillers validés", "animateur": "les animateurs"}.get(
            ident, f"le rôle {ident}")
    if prefix == "user":
        user = users.get(ident)
        return f"{user.title} ({user.email})" if user is not None else "un ancien membre"
    target = catalog.by_id(ident) if catalog is not None else None
    name = f"« {target.title} »" if target is not None else "(supprimé)"
    if prefix == "council":
        return f"les membres du conseil {name}"
    if prefix == "groupmate":
        return f"les membres des conseils qui partagent un groupe de travail avec le conseil {name}"
    if prefix == "group":
        return f"les membres des conseils du groupe {name}"
    return principal


def _grants(permissions, permission):
    if permissions is ALL_PERMISSIONS or permissions == ALL_PERMISSIONS:
        return True
    if isinstance(permissions, str):
        return permissions == permission
    return permission in permissions


def explain(obj, permission, catalog, users):
    """Lines (who, why) in the order Pyramid reads them; stops where a Deny closes the list."""
    lines, seen, here = [], set(), obj
    while here is not None:
        acl = getattr(here, "__acl__", None) or []
        for action, principal, permissions in acl:
            if not _grants(permissions, permission):
                continue
            if action == Deny and principal == Everyone:
                lines.append(("personne d'autre", "l'accès est fermé ici"))
                return lines
            if action != Allow or principal in seen:
                continue
            seen.add(principal)
            lines.append((principal_label(principal, catalog, users),
                          _why(obj, here, principal, permission)))
        here = getattr(here, "__parent__", None)
    return lines


def _why(obj, here, principal, permission):
    prefix, _, ident = principal.partition(":")
    holder = here
    while prefix == "user" and holder is not None:
        if ident in local_roles(holder):
            roles = ", ".join(ROLE_LABELS[r] for r in local_roles(holder)[ident])
            where = "ici" if holder is obj else f"sur « {getattr(holder, 'title', holder.__name__)} »"
            return f"rôle {roles} attribué {where}"
        holder = getattr(holder, "__parent__", None)
    if prefix == "user" and getattr(obj, "author_id", None) == ident:
        return "auteur de ce contenu"
    if prefix == "council" and here is obj and permission == "cowrite":
        return "document collaboratif : les membres du conseil en écrivent le texte ensemble"
    level = getattr(obj, "visibility", None)
    if here is obj and level:
        return f"niveau d'accès choisi : « {LEVEL_LABELS[level]} »"
    if here is obj:
        return "règle de ce type de contenu"
    return f"hérité de « {getattr(here, 'title', None) or 'la racine du site'} »"
