"""Who a user is known as. Computed once per request from live data, so a council joining or
leaving a working group changes its members' access at their next request."""
from pyramid.authorization import Authenticated, Everyone

COUNCILLOR = "role:conseiller"
ANIMATOR = "role:animateur"


def council_principal(council_id):
    return f"council:{council_id}"


def group_principal(group_id):
    return f"group:{group_id}"


def groupmate_principal(council_id):
    """Held by members of every council sharing a working group with `council_id`, and its own.

    Items at the `groupes` level name this principal of their owning council, so their ACL does
    not change when groups change: the principals do."""
    return f"groupmate:{council_id}"


def user_principal(user_id):
    return f"user:{user_id}"


def compute_principals(user, catalog):
    principals = [Everyone]
    if user is None or not user.is_active:
        # Unconfirmed, pending, refused or disabled: nothing more than an anonymous visitor, so
        # nothing granted to `user:<id>` (local roles, authorship) counts until it is active.
        return principals
    principals += [Authenticated, user_principal(user.id), COUNCILLOR]
    principals += [f"role:{role}" for role in user.roles if role != "conseiller"]
    groupmates = set()
    for council_id in user.council_ids:
        principals.append(council_principal(council_id))
        groupmates.add(council_id)
        council = catalog.by_id(council_id) if catalog is not None else None
        for group_id in getattr(council, "group_ids", ()):
            principals.append(group_principal(group_id))
            group = catalog.by_id(group_id)
            if group is not None:
                groupmates.update(group.council_ids)
    principals += [groupmate_principal(cid) for cid in sorted(groupmates)]
    return list(dict.fromkeys(principals))
