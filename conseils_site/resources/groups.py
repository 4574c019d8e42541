"""Working groups: councils of one territory sharing a space; membership is kept on both sides."""
from BTrees.OOBTree import OOTreeSet

from .events import ObjectModified, notify
from .folder import Folder, new_id

SCALES = {
    "commune": "Commune",
    "epci": "Intercommunalité",
    "departement": "Département",
    "libre": "Libre",
}


class WorkingGroups(Folder):
    """/groupes: the groups, plus the councillors' requests for new ones."""

    title = "Groupes de travail"

    def base_acl(self):
        from pyramid.authorization import Allow
        return [(Allow, "role:conseiller", "request_group")]

    def __init__(self):
        super().__init__()
        self.requests = Folder()
        self.requests.__parent__ = self
        self.requests.__name__ = "demandes"



class WorkingGroup(Folder):
    kind = "group"

    def __init__(self, title, scale="libre", territory_code="", territory_label="", description=""):
        super().__init__()
        if scale not in SCALES:
            raise ValueError(scale)
        self.id = new_id()
        self.title = title
        self.scale = scale
        self.territory_code = territory_code
        self.territory_label = territory_label
        self.description = description
        self.council_ids = OOTreeSet()

    @property
    def scale_label(self):
        return SCALES[self.scale]


class GroupRequest(Folder):
    """A councillor's request for a new group, waiting in the animators' queue."""

    kind = "group_request"
    state = "pending"

    def base_acl(self):
        from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow
        return [(Allow, "role:animateur", ALL_PERMISSIONS), DENY_ALL]

    def __init__(self, title, scale, territory_label, councils_text, message, author_id):
        super().__init__()
        self.id = new_id()
        self.title = title
        self.scale = scale
        self.territory_label = territory_label
        self.councils_text = councils_text
        self.message = message
        self.author_id = author_id
        from .users import now
        self.created = now()


def join_group(group, council):
    """Put a council in a group; its members get the group's principals at their next request."""
    group.council_ids.add(council.id)
    ids = set(getattr(council, "group_ids", ()))
    ids.add(group.id)
    council.group_ids = tuple(sorted(ids))
    notify(ObjectModified(group))
    notify(ObjectModified(council))


def leave_group(group, council):
    if council.id in group.council_ids:
        group.council_ids.remove(council.id)
    council.group_ids = tuple(i for i in getattr(council, "group_ids", ()) if i != group.id)
    notify(ObjectModified(group))
    notify(ObjectModified(council))
