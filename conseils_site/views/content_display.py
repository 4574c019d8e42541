"""How council items read on a page: French dates in Paris time, the author, one row per item."""
import datetime

from ..resources.content import PARIS
from ..security.visibility import LEVEL_LABELS, who_can_see

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")
FORMER_MEMBER = "ancien membre"


def _local(value):
    return value.astimezone(PARIS) if isinstance(value, datetime.datetime) else value


def format_date(value, weekday=False):
    """« 3 juin 2030 », or « lundi 3 juin 2030 »."""
    if value is None:
        return ""
    value = _local(value)
    day = "1er" if value.day == 1 else str(value.day)
    text = f"{day} {MONTHS[value.month - 1]} {value.year}"
    return f"{DAYS[value.weekday()]} {text}" if weekday else text


def format_time(value):
    """« 18 h 30 », « 9 h »."""
    value = _local(value)
    return f"{value.hour} h {value.minute:02d}" if value.minute else f"{value.hour} h"


def format_datetime(value, weekday=False):
    """« 3 juin 2030 à 18 h 30 »."""
    return f"{format_date(value, weekday)} à {format_time(value)}" if value else ""


def format_span(start, end):
    """When an event happens, in one phrase: « lundi 3 juin 2030, de 18 h à 20 h 30 »."""
    start, end = _local(start), _local(end)
    if end is None or end == start:
        return format_datetime(start, weekday=True)
    if start.date() == end.date():
        return f"{format_date(start, weekday=True)}, de {format_time(start)} à {format_time(end)}"
    return f"du {format_datetime(start, weekday=True)} au {format_datetime(end, weekday=True)}"


def author_name(request, item):
    """The author's name, or « ancien membre » once the account is gone."""
    author_id = getattr(item, "author_id", None)
    user = request.root.users.get(author_id) if author_id else None
    return user.title if user is not None else FORMER_MEMBER


def date_label(item):
    """The date a list shows beside an item: when it happens, was done, or was published."""
    if item.kind == "event":
        return format_datetime(item.start, weekday=True)
    if item.kind == "action_report":
        return f"Action du {format_date(item.date)}"
    return f"Publié le {format_date(item.created)}"


class ItemRow:
    """What the `item-list` macro shows of an item; computed here so the macro needs nothing else."""

    def __init__(self, request, item):
        self.item = item
        self.kind = item.kind
        self.kind_label = item.kind_label
        self.title = item.title
        self.url = request.resource_path(item)
        self.date_label = date_label(item)
        self.visibility = item.visibility
        self.level_label = LEVEL_LABELS[item.visibility]
        self.level_sentence = who_can_see(item.visibility)
        self.cancelled = bool(getattr(item, "cancelled", False))
        self.collaborative = getattr(item, "mode", None) == "collaboratif"


def rows(request, items):
    return [ItemRow(request, item) for item in items if item is not None]
