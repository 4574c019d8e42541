"""The registry of content types: one `ContentType` per kind, asked by every consumer.

A kind is the string an object carries as `kind` (and the catalog indexes); everything said
about it elsewhere (labels, alert wording, feed summary, search facet, listing date) is read
from its declaration here, so adding a kind is one `register()` call (see docs/architecture.md)."""
import dataclasses
from collections.abc import Callable

from pyramid.path import DottedNameResolver


def _nothing(obj):
    return ""


def _no_facts(obj):
    return []


@dataclasses.dataclass(frozen=True)
class ContentType:
    """Everything the site says and does about one kind of content.

    `listing_when`, `search_when`, `where`, `feed_lead`, `alert_facts`, `sms_day` and
    `fallback_text` are functions of the object; `schema` / `edit_schema` are dotted names
    (forms/ sits above the consumers that read this registry, so they are resolved only when a
    form asks for them)."""

    kind: str
    cls: type
    label: str  # « Document »: a result's or a row's label
    plural: str  # « Documents »: a facet, a listing's heading
    new: str  # « Nouveau document »: an alert's subject when it is added
    changed: str  # « Document modifié »: … when it changed
    button: str = "Voir"  # the alert's button
    cancelled: str = ""  # « Événement annulé » for a kind that can be called off
    the: str = ""  # « L'événement »: the kind with its article, starting a sentence
    schema: str | None = None
    edit_schema: str | None = None
    council_item: bool = False  # lives in a council, carries a visibility
    searchable: bool = True  # a facet of « Rechercher »
    forum_message: bool = False  # read as a message of a forum thread (search, alerts)
    alert_family: str | None = None  # "council" or "forum": who hears of it (notify/alerts.py)
    alert_category: str | None = None  # the preferences' line it alerts under
    alert_label: str = ""  # that line's label on « Mes alertes »
    alert_defaults: tuple = ()  # ((channel, frequency), …) before a person chooses
    has_files: bool = False
    folder: str | None = None  # the council's listing view (« documents »)
    add_view: str | None = None
    edit_view: str | None = "modifier"
    delete_view: str | None = "supprimer"
    add_label: str | None = None  # « Créer un document »
    empty: str = ""  # a listing with nothing visible
    listing_when: Callable = _nothing  # the date a listing row shows
    search_when: Callable = _nothing  # the date a search result shows
    where: Callable = _nothing  # the place a search result shows
    feed_lead: Callable = _nothing  # the sentence a feed entry's summary starts with
    alert_facts: Callable = _no_facts  # [(label, value)] an alert mail lists
    sms_day: Callable = _nothing  # « le 3 mars » after an SMS alert's title
    excerpt_in_alert: bool = False  # the alert quotes the text (forum messages)
    published: str = "created"  # the attribute a feed entry's « published » date comes from
    fallback_text: Callable = _nothing  # what search excerpts when the object has no text
    letter_meta: Callable = _nothing  # the line above an item in the monthly letter
    letter_summary: Callable = _nothing  # (obj, shorten) -> its words in the letter
    scheduled: bool = False  # happens at a time (start, end): calendars, upcoming-first lists

    def resolve_schema(self, edit=False):
        name = (self.edit_schema or self.schema) if edit else self.schema
        return DottedNameResolver().maybe_resolve(name) if name else None

    def is_cancelled(self, obj):
        return bool(self.cancelled) and bool(getattr(obj, "cancelled", False))


_TYPES = {}


def register(content_type):
    """Declare a kind; declaring one twice is a mistake, not an override."""
    if content_type.kind in _TYPES:
        raise ValueError(f"kind already registered: {content_type.kind}")
    _TYPES[content_type.kind] = content_type
    return content_type


def unregister(kind):
    _TYPES.pop(kind, None)


def get(kind, default=None):
    return _TYPES.get(kind, default)


def of(obj):
    """The declaration of an object's kind, or None."""
    return _TYPES.get(getattr(obj, "kind", None))


def all_types():
    return tuple(_TYPES.values())


def kinds(**wanted):
    """The kinds whose declaration has each attribute `wanted` says, in declaration order."""
    return tuple(t.kind for t in _TYPES.values()
                 if all(getattr(t, name) == value for name, value in wanted.items()))


def council_kinds():
    return kinds(council_item=True)


def publication_kinds():
    """What a council publishes that is not an event: « Publications », the letter, the groups."""
    return kinds(council_item=True, scheduled=False)


def searchable_kinds():
    return kinds(searchable=True)


def alert_kinds():
    return tuple(t.kind for t in _TYPES.values() if t.alert_family)


def forum_kinds():
    return kinds(forum_message=True)


def label(kind):
    found = _TYPES.get(kind)
    return found.label if found is not None else kind


def plural(kind):
    found = _TYPES.get(kind)
    return found.plural if found is not None else kind


def labels():
    """{kind: label}, for templates that look labels up."""
    return {t.kind: t.label for t in _TYPES.values()}
