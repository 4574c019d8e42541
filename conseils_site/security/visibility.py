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


def visibility_acl(obj, level, council_id, editors=(), author=None):
    """The whole ACL of an item: local roles from its lineage, animators, the level's viewers,
    its author (who may also delete it), its other editors, then a Deny for everyone else."""
    acl = lineage_local_role_aces(obj)
    acl.append((Allow, ANIMATOR, ALL_PERMISSIONS))
    acl += [(Allow, principal, "view") for principal in viewers(level, council_id)]
    if author:
        acl.append((Allow, author, ("view", "edit", "delete")))
    acl += [(Allow, principal, ("view", "edit")) for principal in editors]
    # Public items too close editing here: the council's own ACL must not apply below it.
    acl.append((Deny, Everyone, ("edit", "delete") if level == "public" else ("view", "edit", "delete")))
    return acl


def is_public(obj):
    """Whether anonymous visitors may view it, as its ACL says: decides shared caching."""
    from pyramid.authorization import ACLHelper

    return Everyone in ACLHelper().principals_allowed_by_permission(obj, "view")


def who_can_see(level):
    return LEVEL_SENTENCES[level]
