"""What a council publishes, and what the animators publish for everyone.

Council items carry a visibility level and their owning council; their ACL comes from
`security.visibility.visibility_acl`. Files inside an item are `Attachment`s, which have no ACL
of their own and so are exactly as visible as their item."""
import datetime
from zoneinfo import ZoneInfo

from pyramid.authorization import ALL_PERMISSIONS, Allow, Everyone

from .folder import Folder, new_id

PARIS = ZoneInfo("Europe/Paris")


def utcnow():
    return datetime.datetime.now(datetime.UTC)


class UTCDateTime:
    """An aware datetime attribute stored in UTC: ZODB's pickle protocol cannot store a
    `zoneinfo.ZoneInfo`, so Europe/Paris times are converted on the way in (and shown in
    Europe/Paris with `.astimezone(PARIS)`)."""

    def __set_name__(self, owner, name):
        self.slot = "_" + name

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        obj._p_activate()  # a ghost's __dict__ is empty until loaded
        return obj.__dict__.get(self.slot)

    def __set__(self, obj, value):
        if value is not None:
            if value.tzinfo is None:
                raise ValueError("aware datetime expected")
            value = value.astimezone(datetime.UTC)
        obj._p_activate()
        obj.__dict__[self.slot] = value
        obj._p_changed = True


class CouncilItem(Folder):
    """Base of documents, action reports and events."""

    kind = "item"
    visibility = "conseil"
    author_id = None
    description = ""  # sanitised HTML

    def __init__(self, title, council_id, author_id=None, visibility="conseil", description=""):
        super().__init__()
        from ..security.visibility import LEVELS

        if visibility not in LEVELS:
            raise ValueError(visibility)
        self.id = new_id()
        self.title = title
        self.council_id = council_id
        self.author_id = author_id
        self.visibility = visibility
        self.description = description
        self.created = self.modified = utcnow()

    @property
    def council(self):
        return self.__parent__

    @property
    def departement_code(self):
        return getattr(self.__parent__, "departement_code", None)

    @property
    def region_code(self):
        return getattr(self.__parent__, "region_code", None)

    @property
    def sort_date(self):
        """The date listings order by (newest first)."""
        return self.created

    def cowriters(self):
        """Principals besides the author, référents and animators who may write its shared text."""
        return []

    @property
    def __acl__(self):
        from ..security.visibility import visibility_acl

        author = f"user:{self.author_id}" if self.author_id else None
        return visibility_acl(self, self.visibility, self.council_id, self.cowriters(), author)

    def attachments(self):
        return [child for child in self.values() if getattr(child, "blob", None) is not None]

    def images(self):
        return [a for a in self.attachments() if a.is_image]


class Document(CouncilItem):
    """A classic document (files and a description) or a collaborative one (a shared text).

    A collaborative document's text lives in `shared` (collab/state.py, merged from every
    editor's browser) with its `history`; `body` is then the server's rendering of it."""

    kind = "document"
    mode = "classique"
    shared = None
    history = None

    def __init__(self, title, council_id, author_id=None, visibility="conseil", description="",
                 mode="classique", body=""):
        super().__init__(title, council_id, author_id, visibility, description)
        self._body = body
        self.set_mode(mode)

    @property
    def body(self):
        """Sanitised HTML: the shared text of a collaborative document, else the stored one."""
        if self.mode == "collaboratif" and self.shared is not None:
            return self.shared.html
        self._p_activate()  # older records stored the attribute as "body"
        return self.__dict__.get("_body", self.__dict__.get("body", ""))

    @body.setter
    def body(self, value):
        self._body = value

    def set_mode(self, mode, body=None):
        """Switching to collaborative starts the shared text from `body` (or the current text);
        switching back to classic keeps the shared text's last version as the body."""
        if mode not in ("classique", "collaboratif"):
            raise ValueError(mode)
        if mode == "collaboratif":
            from ..collab.history import History
            from ..collab.state import SharedText, from_html

            text = self.body if body is None else body
            if self.shared is None:
                self.shared, self.history = SharedText(text), History()
            elif self.mode == "classique":  # back to collaborative: go on from the classic text
                self.shared.restore(from_html(text), None, utcnow())
        elif mode == "classique" and self.mode == "collaboratif" and self.shared is not None:
            self._body = self.shared.html if body is None else body
        elif body is not None:
            self._body = body
        self.mode = mode

    def cowriters(self):
        """A collaborative document is written by all the council's members."""
        if self.mode == "collaboratif":
            return [f"council:{self.council_id}"]
        return []


class ActionReport(CouncilItem):
    kind = "action_report"
    text = ""  # sanitised HTML

    def __init__(self, title, council_id, date, author_id=None, visibility="conseil",
                 description="", text=""):
        super().__init__(title, council_id, author_id, visibility, description)
        self.date = date
        self.text = text

    @property
    def sort_date(self):
        return datetime.datetime.combine(self.date, datetime.time(12), PARIS)


class Event(CouncilItem):
    kind = "event"
    start = UTCDateTime()
    end = UTCDateTime()
    place = ""
    cancelled = False

    def __init__(self, title, council_id, start, end, place="", author_id=None,
                 visibility="conseil", description=""):
        super().__init__(title, council_id, author_id, visibility, description)
        self.start = start
        self.end = end
        self.place = place

    @property
    def sort_date(self):
        return self.start


class PublicFolder(Folder):
    """/actualites and /ressources: everyone reads, animators write."""

    def base_acl(self):
        return [(Allow, "role:animateur", ALL_PERMISSIONS), (Allow, Everyone, "view")]


class NewsFolder(PublicFolder):
    title = "Actualités"


class ResourcesFolder(PublicFolder):
    title = "Ressources"


class NewsItem(Folder):
    kind = "news"
    date = UTCDateTime()
    visibility = "public"
    image = None  # an Attachment

    def __init__(self, title, summary="", text="", author_id=None, date=None):
        super().__init__()
        self.id = new_id()
        self.title = title
        self.summary = summary
        self.text = text
        self.author_id = author_id
        self.created = self.modified = utcnow()
        self.date = date or self.created

    @property
    def sort_date(self):
        return self.date


class ResourceItem(Folder):
    """A toolbox resource: a description, a link and/or files, a category and tags."""

    kind = "resource"
    visibility = "public"

    def __init__(self, title, description="", category="", tags=(), url="", author_id=None):
        super().__init__()
        self.id = new_id()
        self.title = title
        self.description = description
        self.category = category
        self.tags = tuple(tags)
        self.url = url
        self.author_id = author_id
        self.created = self.modified = utcnow()

    @property
    def sort_date(self):
        return self.created

    def attachments(self):
        return [child for child in self.values() if getattr(child, "blob", None) is not None]
