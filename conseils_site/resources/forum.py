"""The forum: rubriques of topics for every validated councillor (/forum/<rubrique>/<sujet>), and
one forum per working group (/groupes/<groupe>/forum/<sujet>) for its member councils only.

Contract with the alerts (issue 7) and any other reader of the tree:

- Every message enters the tree through `Folder.add`, which fires
  `resources.events.ObjectAdded(obj)`: a topic (it is its own first message) when it is
  created, then each reply. Editing or hiding a message fires `ObjectModified`; moving a topic
  fires `ACLModified` (never a second `ObjectAdded`).
- A topic: `kind = "forum_topic"`, `id`, `title`, `text` (sanitised HTML), `author_id`,
  `created`, `number = 0`, `topic` (itself), `followers` (a `BTrees.OOBTree.OOTreeSet` of user
  ids: the author follows from the start, and so does whoever replies, until they unfollow),
  `section_id`, `group_id` (None outside a working group).
- A reply: `kind = "forum_reply"`, `id`, `number` (1, 2, … in its topic), `text`, `author_id`,
  `created`, `topic` (its parent topic), `group_id` and `section_id` (its topic's). A reply has
  no `title`, so the search index does not repeat its topic's: use `reply.topic.title`.
- Topics and replies carry a complete `__acl__` (ending in a Deny): Pyramid's
  `ACLHelper().permits(obj, principals, "view")` alone says who may read a message. Readers are
  the animators and `role:conseiller` in a rubrique, `group:<group id>` in a group's forum.
- `hidden` (by moderation) and `deleted` (by its author) messages keep their place in the thread
  with their text replaced on every page; the search index drops their words.

Per-user reading positions live in one BTree on the Forum (`read_marks`), keyed by
(user id, topic id), never on the user: two people reading at once write different keys."""
from BTrees.Length import Length
from BTrees.OOBTree import OOBTree, OOTreeSet
from persistent import Persistent
from pyramid.authorization import ALL_PERMISSIONS, DENY_ALL, Allow

from .content import utcnow
from .events import notify
from .folder import Folder, new_id

ANIMATOR = "role:animateur"
COUNCILLOR = "role:conseiller"
# What readers of a space may do there; a closed topic keeps only reading and reporting.
WRITER_PERMISSIONS = ("view", "create", "reply", "report")
READER_PERMISSIONS = ("view", "report")
PIN_OFFSET = 10 ** 11  # pinned topics sort before every other (timestamps are ~1.8e9)


def _lineage_local_roles(obj):
    from ..security.roles import lineage_local_role_aces

    return lineage_local_role_aces(obj)


class Forum(Folder):
    """/forum: the rubriques, the reading positions and the reports' queue."""

    title = "Forum"

    def __init__(self):
        super().__init__()
        self.read_marks = OOBTree()  # (user id, topic id) -> number of the last message read
        self.reports = OOBTree()  # report id -> Report
        self.pending_reports = OOBTree()  # "<microseconds>-<id>" -> Report, oldest first
        self.pending_count = Length()

    def base_acl(self):
        return [(Allow, ANIMATOR, ALL_PERMISSIONS), (Allow, COUNCILLOR, READER_PERMISSIONS),
                DENY_ALL]

    def categories(self):
        return sorted(self.values(), key=lambda c: (c.order, c.title.lower()))

    # --- reading positions ---

    def last_read(self, user_id, topic):
        """The number of the last message of `topic` this person has read, or None."""
        return self.read_marks.get((user_id, topic.id))

    def mark_read(self, user_id, topic, number):
        """Remember that the person has read up to message `number`; written only when it moves."""
        key = (user_id, topic.id)
        current = self.read_marks.get(key)
        if current is None or number > current:
            self.read_marks[key] = number
            return True
        return False

    def forget_user(self, user_id):
        """Drop a deleted account's reading positions."""
        for key in list(self.read_marks.keys(min=(user_id, ""), max=(user_id, "\uffff"))):
            del self.read_marks[key]

    # --- reports ---

    def add_report(self, report):
        self.reports[report.id] = report
        self.pending_reports[report.queue_key] = report
        self.pending_count.change(1)
        return report

    def pending(self):
        return list(self.pending_reports.values())

    def resolve_reports(self, message, state, actor_id):
        """Close every pending report of `message` with `state` ('hidden', 'kept', 'deleted')."""
        closed = []
        for key, report in list(self.pending_reports.items()):
            if report.message is message:
                report.decide(state, actor_id)
                del self.pending_reports[key]
                self.pending_count.change(-1)
                closed.append(report)
        return closed


DEFAULT_CATEGORIES = (
    ("Questions et entraide", ("Posez une question aux autres conseillers citoyens, "
                               "répondez à celles des autres.")),
    ("Partage d'expériences", "Racontez une action, une méthode, une réussite ou une difficulté."),
    ("Vie de la plate-forme", "Vos idées et remarques sur le site, pour les animateurs."),
)


def create_forum():
    """A new /forum with its first rubriques, which the animators can rename or reorder."""
    forum = Forum()
    for order, (title, description) in enumerate(DEFAULT_CATEGORIES, start=1):
        forum.add(forum.unique_name(title), Category(title, description, order * 10),
                  send_events=False)
    return forum


class Section(Folder):
    """Holds topics: a rubrique of /forum or a working group's forum."""

    group_id = None
    description = ""

    @property
    def __acl__(self):
        return _lineage_local_roles(self) + self.base_acl()

    def base_acl(self):
        acl = [(Allow, ANIMATOR, ALL_PERMISSIONS)]
        acl += [(Allow, principal, WRITER_PERMISSIONS) for principal in self.readers()]
        return acl + [DENY_ALL]

    def readers(self):
        """The principals who read and write here (besides animators and local roles)."""
        raise NotImplementedError

    def add_topic(self, topic):
        topic.section_id, topic.group_id = self.id, self.group_id
        return self.add(self.unique_name(topic.title), topic)


class Category(Section):
    """A rubrique of /forum, managed by the animators: name, description, order."""

    def __init__(self, title, description="", order=0):
        super().__init__()
        self.id = new_id()
        self.title = title
        self.description = description
        self.order = order

    def readers(self):
        return [COUNCILLOR]


class GroupForum(Section):
    """A working group's own forum, read only by councillors of its member councils (the
    per-request `group:<id>` principal) and animators: a council leaving the group loses it at
    its members' next request, with no ACL rewritten."""

    title = "Forum du groupe"

    def __init__(self, group_id):
        super().__init__()
        self.id = new_id()
        self.group_id = group_id

    def readers(self):
        from ..security.principals import group_principal

        return [group_principal(self.group_id)]

    @property
    def group(self):
        return self.__parent__


def ensure_group_forum(group):
    """Give a working group its forum (at creation, or to groups made by older code)."""
    if "forum" not in group:
        group.add("forum", GroupForum(group.id))
    return group["forum"]


class Message:
    """What a topic's first message and a reply share."""

    hidden = False  # hidden by moderation
    deleted = False  # deleted by its author (or an animator): the text is gone
    modified_by = None  # who last edited it, when not the author
    deleted_by = None  # who deleted it, when not the author
    quote_number = None  # the message of the same topic it answers, quoted above it
    text = ""
    source = ""  # the text as typed, shown again in the edit form

    @property
    def edited(self):
        return self.modified is not None and self.modified != self.created

    @property
    def readable(self):
        return not (self.hidden or self.deleted)

    def message_acl(self):
        topic = self.topic
        section = topic.__parent__ if topic is not None else None
        acl = _lineage_local_roles(self)
        acl.append((Allow, ANIMATOR, ALL_PERMISSIONS))
        readers = section.readers() if isinstance(section, Section) else []
        permissions = READER_PERMISSIONS if topic.closed else WRITER_PERMISSIONS
        if self is not topic:
            permissions = READER_PERMISSIONS  # « reply » and « create » belong to the topic
        acl += [(Allow, principal, permissions) for principal in readers]
        if self.author_id and not (topic.closed or self.hidden or self.deleted):
            from ..security.principals import user_principal

            # Not « view »: an author whose account is no longer validated reads nothing here.
            acl.append((Allow, user_principal(self.author_id), ("edit", "delete")))
        acl.append(DENY_ALL)
        return acl

    @property
    def __acl__(self):
        return self.message_acl()

    def set_text(self, html, source, editor_id):
        self.text, self.source = html, source
        self.modified = utcnow()
        self.modified_by = editor_id if editor_id != self.author_id else None

    def erase(self, by=None):
        """Deletion keeps the message's place in the thread (numbers and quotes stay right)."""
        self.deleted = True
        self.deleted_by = by if by != self.author_id else None
        self.text = self.source = ""
        self.modified = utcnow()


class Topic(Message, Folder):
    kind = "forum_topic"
    number = 0
    pinned = False
    closed = False
    section_id = None
    group_id = None

    def __init__(self, title, text, source, author_id):
        super().__init__()
        self.id = new_id()
        self.title = title
        self.text, self.source = text, source
        self.author_id = author_id
        self.created = self.modified = utcnow()
        self.followers = OOTreeSet()
        if author_id:
            self.followers.add(author_id)

    @property
    def topic(self):
        return self

    @property
    def section(self):
        return self.__parent__

    @property
    def last_number(self):
        """The number of the last reply (the first message is 0): replies are never removed
        from a thread (deleting one erases its text), so it is their count, a Length."""
        return len(self)

    @property
    def reply_count(self):
        return len(self)

    @property
    def last_activity(self):
        """The newest reply's date, or the date the topic was given (its creation, a move…).
        Read from the thread, never written by a reply: concurrent replies leave the topic's
        own record alone (the catalog's order follows after each commit, catalog.deferred)."""
        self._p_activate()
        floor = self.__dict__.get("last_activity") or self.created
        if not len(self):
            return floor
        newest = self.data.get(str(len(self))) or self.data[self.data.maxKey()]  # older names
        return max(floor, newest.created)

    @last_activity.setter
    def last_activity(self, value):
        self._p_activate()
        self.__dict__["last_activity"] = value
        self._p_changed = True

    @property
    def sort_date(self):
        """Listings and search show the most recently active topics first."""
        return self.last_activity

    @property
    def forum_keys(self):
        return [f"section:{self.section_id}"]

    @property
    def forum_order(self):
        """Pinned topics first, then the most recently active."""
        stamp = self.last_activity.timestamp()
        return -stamp if self.pinned else PIN_OFFSET - stamp

    def add_reply(self, reply):
        """Put the reply in the thread (firing ObjectAdded) and make its author a follower.

        Nothing on the topic itself is written: the reply's name is its date in microseconds
        and its id (`reply_name`), so replies sent at the same moment are different keys of the
        thread's BTree, and its number is its rank there. A reply made in the same microsecond
        as the thread's last one (a script adding several) is placed just after it."""
        stamp = int(reply.created.timestamp() * 1_000_000)
        if len(self):
            stamp = max(stamp, int(self.data.maxKey().split("-", 1)[0]) + 1)
        self.add(reply_name(stamp, reply.id), reply)
        if reply.author_id and reply.author_id not in self.followers:
            self.followers.add(reply.author_id)
        return reply

    def reply(self, number):
        """The reply of this number (1 for the first), or None."""
        if not isinstance(number, int) or not 1 <= number <= len(self):
            return None
        named = self.data.get(str(number))  # named by its number by older code (evolve 0005)
        return named if named is not None else self.data.values()[number - 1]

    def number_of(self, reply):
        """A reply's rank in the thread: how many keys sort before or at its own."""
        return len(self.data.keys(max=reply.key))

    def __getitem__(self, name):
        """Replies are reached by their number (`<sujet>/3`), as their addresses say."""
        if name.isdigit() and name not in self.data:
            reply = self.reply(int(name))
            if reply is None:
                raise KeyError(name)
            return reply
        return self.data[name]

    def get(self, name, default=None):
        try:
            return self[name]
        except KeyError:
            return default

    def message(self, number):
        return self if number == 0 else self.reply(number)

    def follow(self, user_id):
        self.followers.add(user_id)

    def unfollow(self, user_id):
        if user_id in self.followers:
            self.followers.remove(user_id)

    def is_followed_by(self, user_id):
        return user_id in self.followers


def reply_name(stamp, reply_id):
    """A reply's name in its thread: its date in microseconds, then its id. The names sort as
    the replies came, and two replies sent together never take the same one."""
    return f"{stamp:017d}-{reply_id}"


class Reply(Message, Persistent):
    kind = "forum_reply"
    __parent__ = None
    key = None  # its key in the thread's BTree (`reply_name`)

    @property
    def __name__(self):
        """Its number, as a name: addresses of replies read `<sujet>/3`."""
        number = self.number
        return None if number is None else str(number)

    @__name__.setter
    def __name__(self, value):  # Folder.add names the reply by its key
        self.key = value

    def __init__(self, text, source, author_id, quote_number=None):
        self.id = new_id()
        self.text, self.source = text, source
        self.author_id = author_id
        self.quote_number = quote_number
        self.created = self.modified = utcnow()

    @property
    def topic(self):
        return self.__parent__

    @property
    def group_id(self):
        return getattr(self.__parent__, "group_id", None)

    @property
    def section_id(self):
        return getattr(self.__parent__, "section_id", None)

    @property
    def sort_date(self):
        return self.created

    @property
    def forum_keys(self):
        topic = self.__parent__
        return [f"topic:{topic.id}"] if topic is not None else []

    @property
    def number(self):
        """1, 2, … in the thread: the rank of its key (None outside a thread)."""
        if self.key is None:  # named by its number by older code, until evolve step 0005
            self._p_activate()
            return self.__dict__.get("number")
        topic = self.__parent__
        return topic.number_of(self) if topic is not None else None

    @property
    def forum_order(self):
        """The thread's order, which its keys follow: the date in microseconds."""
        return int(self.key.split("-", 1)[0]) if self.key else self.number


REPORT_STATES = {
    "pending": "à traiter",
    "hidden": "message masqué",
    "kept": "message gardé",
    "deleted": "message supprimé",
}


class Report(Persistent):
    """A councillor's report of a message, waiting in the animators' queue."""

    state = "pending"
    decided_by = None
    decided_at = None

    def __init__(self, message, reporter_id, reason):
        self.id = new_id()
        self.message = message
        self.reporter_id = reporter_id
        self.reason = reason
        self.created = utcnow()
        self.queue_key = f"{int(self.created.timestamp() * 1_000_000):020d}-{self.id}"

    @property
    def state_label(self):
        return REPORT_STATES[self.state]

    def decide(self, state, actor_id):
        if state not in REPORT_STATES or state == "pending":
            raise ValueError(state)
        self.state, self.decided_by, self.decided_at = state, actor_id, utcnow()


def find_forum(obj):
    from pyramid.traversal import find_root

    return find_root(obj).get("forum")


def move_topic(topic, target):
    """Put a topic in another rubrique; its readers may change, so it and its replies are
    reindexed (ACLModified), and no ObjectAdded is fired: the alerts see no new message."""
    from ..security.roles import ACLModified

    source = topic.__parent__
    source.remove(topic.__name__, send_events=False)
    topic.section_id, topic.group_id = target.id, target.group_id
    target.add(target.unique_name(topic.title), topic, send_events=False)
    notify(ACLModified(topic))
    return topic
