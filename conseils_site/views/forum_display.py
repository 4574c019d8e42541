"""How forum messages and topics read on a page: addresses in the thread, the breadcrumb, one
row per topic with its unread marker, one view per message with the actions the visitor may use."""
from dataclasses import dataclass

from ..dates import format_datetime
from ..resources.forum import GroupForum, Section
from .content_display import author_name

PAGE_SIZE = 20
HIDDEN_TEXT = "message masqué par la modération"
DELETED_TEXT = "message supprimé par son auteur"
MODERATED_DELETION_TEXT = "message supprimé par la modération"


def page_of(number):
    """The page of a topic where message `number` is (the first message, 0, opens page 1)."""
    return 1 if number <= 0 else (number - 1) // PAGE_SIZE + 1


def message_url(request, message):
    topic = message.topic
    page = page_of(message.number)
    query = f"?page={page}" if page > 1 else ""
    return request.resource_path(topic) + query + f"#message-{message.number}"


def section_label(section):
    if isinstance(section, GroupForum):
        return f"Forum du groupe « {section.group.title} »"
    return section.title


def breadcrumb(request, obj):
    """[(url, label)] from the forum (or the working group) down to, not including, `obj`."""
    section = obj if isinstance(obj, Section) else obj.topic.section
    if isinstance(section, GroupForum):
        group = section.group
        trail = [("/groupes", "Groupes de travail"), (request.resource_path(group), group.title)]
        here = (request.resource_path(section), "Forum du groupe")
    else:
        trail = [("/forum", "Forum")]
        here = (request.resource_path(section), section.title)
    if obj is not section:
        trail.append(here)
    return trail


@dataclass
class TopicRow:
    title: str
    url: str
    author: str
    created: str
    last_activity: str
    replies: int
    pinned: bool
    closed: bool
    unread: str  # « Nouveau », « 3 réponses non lues » or ""
    first_unread_url: str


def topic_rows(request, topics):
    forum = request.root["forum"]
    user_id = request.user.id
    result = []
    for topic in topics:
        mark = forum.last_read(user_id, topic)
        unread, first_unread = "", ""
        if mark is None:
            unread = "Nouveau"  # never opened: its title is the way in
        elif topic.last_number > mark:
            count = topic.last_number - mark
            unread = f"{count} réponse{'s' if count > 1 else ''} non lue{'s' if count > 1 else ''}"
            first_unread = message_url(request, topic.reply(mark + 1) or topic)
        result.append(TopicRow(
            topic.title, request.resource_path(topic), author_name(request, topic),
            format_datetime(topic.created), format_datetime(topic.last_activity),
            topic.reply_count, topic.pinned, topic.closed, unread, first_unread))
    return result


@dataclass
class MessageView:
    """What the `message` macro shows of a topic's first message or a reply."""

    number: int
    anchor: str
    author: str
    created: str
    modified: str
    by_moderation: bool
    html: str  # sanitised when saved
    placeholder: str  # instead of the text when it is hidden or deleted
    hidden: bool
    unread: bool
    quote: dict
    links: dict  # action -> url, only those the visitor may use


def quote_of(request, topic, number):
    if number is None:
        return None
    quoted = topic.message(number)
    if quoted is None:
        return None
    return {"url": message_url(request, quoted), "author": author_name(request, quoted),
            "html": quoted.text if quoted.readable else "",
            "placeholder": "" if quoted.readable else _placeholder(quoted)}


def _placeholder(message):
    if message.hidden:
        return HIDDEN_TEXT
    if message.deleted:
        return MODERATED_DELETION_TEXT if message.deleted_by else DELETED_TEXT
    return ""


def message_view(request, message, mark, can_reply):
    def allowed(permission):
        return request.has_permission(permission, message)

    moderator = allowed("moderate")
    links = {}
    if can_reply and message.readable:
        links["quote"] = request.resource_path(message.topic, "@@repondre", query={"citer": message.number})
    if message.readable and allowed("edit") and allowed("view"):
        links["edit"] = request.resource_path(message, "@@modifier")
    if not message.deleted and allowed("delete") and allowed("view"):
        links["delete"] = request.resource_path(message, "@@supprimer")
    if message.readable and allowed("report") and message.author_id != request.user.id:
        links["report"] = request.resource_path(message, "@@signaler")
    if moderator and not message.deleted:
        links["moderate"] = request.resource_path(message, "@@moderer")
    show_text = message.readable or (moderator and message.hidden)
    return MessageView(
        number=message.number, anchor=f"message-{message.number}",
        author=author_name(request, message), created=format_datetime(message.created),
        modified=format_datetime(message.modified) if message.edited and not message.deleted else "",
        by_moderation=bool(message.modified_by),
        html=message.text if show_text else "", placeholder=_placeholder(message),
        hidden=message.hidden,
        unread=mark is not None and message.number > mark and message.author_id != request.user.id,
        quote=quote_of(request, message.topic, message.quote_number), links=links)
