"""French dates and times as people read them, in Paris time: one home for every page, feed and calendar."""
import datetime

from .resources.content import PARIS

DAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")
MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


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
