"""What a council publishes: every item carries a visibility level and its owning council."""
import datetime

from .folder import Folder, new_id


class CouncilItem(Folder):
    """Base of documents, action reports and events; its ACL comes from its visibility level."""

    kind = "item"
    visibility = "conseil"
    author_id = None

    def __init__(self, title, council_id, author_id=None, visibility="conseil"):
        super().__init__()
        from ..security.visibility import LEVELS

        if visibility not in LEVELS:
            raise ValueError(visibility)
        self.id = new_id()
        self.title = title
        self.council_id = council_id
        self.author_id = author_id
        self.visibility = visibility
        self.created = self.modified = datetime.datetime.now(datetime.timezone.utc)

    def editors(self):
        """Principals that may change the item besides animators: its author."""
        return [f"user:{self.author_id}"] if self.author_id else []

    @property
    def __acl__(self):
        from ..security.visibility import visibility_acl

        return visibility_acl(self, self.visibility, self.council_id, self.editors())
