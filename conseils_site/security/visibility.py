"""The four visibility levels, mapped to ACEs in this one place; no view decides visibility."""
from pyramid.authorization import ALL_PERMISSIONS, Allow, Deny, Everyone

from .principals import ANIMATOR, COUNCILLOR, council_principal, groupmate_principal
from .roles import lineage_local_role_aces

LEVELS = ("conseil", "groupes", "membres", "public")
DEFAULT_LEVEL = "conseil"
LEVEL_LABELS = {
    "conseil": "Mon conseil",
    "groupes": "Mes groupes de travail",
    "membres": "Tous les conseillers",
    "public": "Tout le monde",
}
LEVEL_SENTENCES = {
    "conseil": "Visible uniquement par les membres de votre conseil (et les animateurs).",
    "groupes": "Visible par les membres de votre conseil et des conseils de vos groupes de travail.",
    "membres": "Visible par tous les conseillers citoyens inscrits et validés.",
    "public": "Visible par tout le monde, y compris les visiteurs non inscrits.",
}


def viewers(level, council_id):
    """The principals who may view an item of `council_id` at `level`."""
    if level not in LEVELS:
        raise ValueError(f"unknown visibility {level!r}")
    if level == "public":
        return [Everyone]
    if level == "membres":
        return [COUNCILLOR]
    if level == "groupes":
        return [council_principal(council_id), groupmate_principal(council_id)]
    return [council_principal(council_id)]


# Changing an item (its title, visibility, files, mode) and deleting it, as opposed to writing
# a collaborative document's text together (`cowrite`: sync, history, restore).
EDITING = ("view", "edit", "delete", "cowrite")
COWRITING = ("view", "cowrite")


def visibility_acl(obj, level, council_id, cowriters=(), author=None):
    """The whole ACL of an item: local roles from its lineage, animators, the level's viewers,
    its author (who may also change and delete it), its co-writers (who write its shared text
    and nothing else), then a Deny for everyone else."""
    acl = lineage_local_role_aces(obj)
    acl.append((Allow, ANIMATOR, ALL_PERMISSIONS))
    acl += [(Allow, principal, "view") for principal in viewers(level, council_id)]
    if author:
        acl.append((Allow, author, EDITING))
    acl += [(Allow, principal, COWRITING) for principal in cowriters]
    # Public items too close editing here: the council's own ACL must not apply below it.
    acl.append((Deny, Everyone, EDITING[1:] if level == "public" else EDITING))
    return acl


def is_public(obj):
    """Whether anonymous visitors may view it, as its ACL says: decides shared caching."""
    from pyramid.authorization import ACLHelper

    return Everyone in ACLHelper().principals_allowed_by_permission(obj, "view")


def who_can_see(level):
    return LEVEL_SENTENCES[level]
