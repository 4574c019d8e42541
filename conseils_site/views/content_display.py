"""How council items read on a page: French dates in Paris time, the author, one row per item."""
from pyramid.traversal import quote_path_segment

from .. import types
from ..security.visibility import LEVEL_LABELS, who_can_see

FORMER_MEMBER = "ancien membre"


def author_name(request, item):
    """The author's name, or « ancien membre » once the account is gone."""
    author_id = getattr(item, "author_id", None)
    user = request.root.users.get(author_id) if author_id else None
    return user.title if user is not None else FORMER_MEMBER


def date_label(item):
    """The date a list shows beside an item: when it happens, was done, or was published."""
    return types.of(item).listing_when(item)


class ItemRow:
    """What the `item-list` macro shows of an item; computed here so the macro needs nothing else."""

    def __init__(self, item, url):
        self.item = item
        self.kind = item.kind
        self.kind_label = types.label(item.kind)
        self.title = item.title
        self.url = url
        self.date_label = date_label(item)
        self.visibility = item.visibility
        self.level_label = LEVEL_LABELS[item.visibility]
        self.level_sentence = who_can_see(item.visibility)
        self.cancelled = bool(getattr(item, "cancelled", False))
        self.collaborative = getattr(item, "mode", None) == "collaboratif"


def rows(request, items):
    items = [item for item in items if item is not None]
    return [ItemRow(item, url) for item, url in zip(items, paths(request, items), strict=True)]


def paths(request, items):
    """`request.resource_path(item)` of each item (None for None): the items of one folder share
    its path, asked once (per item, it was a fifth of a listing's time)."""
    folders = {}
    found = []
    for item in items:
        if item is None:
            found.append(None)
            continue
        folder = item.__parent__
        if folder is None:
            found.append(request.resource_path(item))
            continue
        base = folders.get(id(folder))
        if base is None:
            base = folders[id(folder)] = request.resource_path(folder)
        found.append(f"{base}{quote_path_segment(item.__name__)}/")
    return found
