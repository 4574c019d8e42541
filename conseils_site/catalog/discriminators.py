"""What each index sees of an object; an object without a `kind` is not indexed."""
from pyramid.authorization import ACLHelper

from ..security.sanitize import html_to_text
from ..text import fold

_MISSING = object()


def kind(obj, default):
    return getattr(obj, "kind", default)


def stable_id(obj, default):
    return getattr(obj, "id", None) or default


def state(obj, default):
    return getattr(obj, "state", None) or default


def councils(obj, default):
    """The councils an object belongs to: a user's councils, a content's owner."""
    ids = getattr(obj, "council_ids", None)
    if ids is not None and getattr(obj, "kind", None) != "group":
        return list(ids) or default
    owner = getattr(obj, "council_id", None)
    return [owner] if owner else default


def created(obj, default):
    value = getattr(obj, "created", None)
    return value.timestamp() if value is not None else default


def newest(obj, default):
    """Minus the sort date: hypatia sorts ascending fast, descending slowly."""
    value = getattr(obj, "sort_date", None)
    return -value.timestamp() if value is not None else default


def start(obj, default):
    value = getattr(obj, "start", None)
    return value.timestamp() if value is not None else default


def visibility(obj, default):
    return getattr(obj, "visibility", None) or default


def tags(obj, default):
    return [fold(t) for t in getattr(obj, "tags", ())] or default


def category(obj, default):
    return getattr(obj, "category", None) or default


def allowed(obj, default):
    """The principals allowed to view: a permission-filtered query is then an index intersection."""
    if kind(obj, None) is None:
        return default
    return sorted(ACLHelper().principals_allowed_by_permission(obj, "view"))


def territories(obj, default):
    codes = []
    for attr in ("region_code", "departement_code"):
        value = getattr(obj, attr, None)
        if value:
            codes.append(f"{attr[:-5]}:{value}")
    if getattr(obj, "kind", None) in ("region", "departement"):
        codes.append(f"{obj.kind}:{obj.code}")
    return codes or default


def sort_title(obj, default):
    title = getattr(obj, "title", None)
    return fold(title) if title else default


def sort_commune(obj, default):
    commune = getattr(obj, "commune_name", None)
    if commune is None:
        return default
    return f"{fold(commune)} {fold(obj.title)}"


def forum(obj, default):
    """Where a forum message sits: 'section:<id>' for a topic, 'topic:<id>' for a reply."""
    return list(getattr(obj, "forum_keys", None) or ()) or default


def forum_order(obj, default):
    """A message's place in its list: topics pinned then by activity, replies by number."""
    value = getattr(obj, "forum_order", None)
    return value if value is not None else default


def text(obj, default):
    if kind(obj, None) is None:
        return default
    parts = [getattr(obj, "title", "")]
    if getattr(obj, "hidden", False) or getattr(obj, "deleted", False):
        # A forum message hidden by moderation or deleted: its words leave the index.
        return " ".join(p for p in parts if p) or default
    for attr in ("summary", "description", "text", "body", "place"):
        value = getattr(obj, attr, None)
        if isinstance(value, str) and value:
            parts.append(html_to_text(value))
    parts += list(getattr(obj, "tags", ()))
    if getattr(obj, "kind", None) == "council":
        parts += [obj.commune_name, " ".join(obj.postcodes), obj.departement_code, obj.epci_name]
        departement = obj.__parent__
        if departement is not None:
            parts += [departement.title, departement.__parent__.title]
    return " ".join(p for p in parts if p)
