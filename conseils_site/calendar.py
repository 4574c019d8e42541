"""Events as iCalendar (RFC 5545), « Ajouter à mon agenda » links, and personal calendar addresses.

Files are written by `icalendar`. Events are stored as aware datetimes and written in UTC
(`...Z`): every client shows them in its own time zone (Europe/Paris for most readers), and a
council overseas keeps its own local time without us shipping a VTIMEZONE per zone."""
import datetime
import hmac
import secrets
from collections import namedtuple
from urllib.parse import quote, urlencode

import icalendar
from icalendar import vDuration, vText
from pyramid.authorization import Everyone

from .addresses import public_host, resource_url
from .dates import format_date, format_time
from .resources.content import PARIS
from .security.sanitize import html_to_text
from .text import slugify

UTC = datetime.UTC
PRODID = "-//Conseils citoyens//Agenda//FR"
# How far back a subscribed calendar goes, and how many events it holds at most.
PAST_WINDOW = datetime.timedelta(days=365)
MAX_EVENTS = 1000


class Viewer:
    """Stands in for a request in `allowed_query`: only its principals are read.

    Feeds and calendar subscriptions have no session, so they name whose view they show."""

    def __init__(self, principals):
        self.principals = list(principals)


ANONYMOUS = Viewer([Everyone])


# French dates, as people read them ------------------------------------------------------------

def format_day(value):
    """« mercredi 14 mai 2025 » for a date or a datetime (in Paris time)."""
    return format_date(value, weekday=True)


def format_when(event):
    """The day and hours of an event, in one French phrase."""
    start, end = event.start, event.end
    text = f"{format_day(start)} à {format_time(start)}"
    if end is not None and end > start:
        if end.astimezone(PARIS).date() == start.astimezone(PARIS).date():
            text = f"{format_day(start)} de {format_time(start)} à {format_time(end)}"
        else:
            text += f" au {format_day(end)} à {format_time(end)}"
    return text


# iCalendar ----------------------------------------------------------------------------------
# `icalendar` escapes TEXT values, folds lines at 75 octets (never inside a character nor an
# escape) and writes CRLF; the site only says which properties an event has.

# Control characters RFC 5545 forbids in TEXT (tab and line breaks are allowed, and escaped).
_CONTROLS = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))
REFRESH = datetime.timedelta(hours=1)  # how often subscribed clients should fetch again


def ical_text(value):
    """A TEXT value without the control characters a calendar may not carry."""
    return vText((value or "").translate(_CONTROLS))


def utc_stamp(value):
    return value.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def utc(value):
    """Stored times are aware; a calendar gets them in UTC, to the second (`...Z`)."""
    return value.astimezone(UTC).replace(microsecond=0)


def event_uid(request, event):
    """Stable for the event's whole life: its id never changes, even when its council moves."""
    return f"{event.id}@{public_host(request.registry.settings)}"


def sequence(event):
    """The revision number clients compare: an explicit counter when the event keeps one,
    otherwise the seconds between creation and last change, which only ever grows."""
    explicit = getattr(event, "sequence", None)
    if explicit is not None:
        return int(explicit)
    return max(0, int((event.modified - event.created).total_seconds()))


def event_end(event):
    end = event.end
    return end if end is not None and end > event.start else None


def event_details(request, event):
    """The description people read in their calendar: the text, then the page's address."""
    text = html_to_text(event.description)
    council = getattr(event, "council", None)
    lines = [text] if text else []
    if council is not None and getattr(council, "title", None):
        lines.append(f"{council.title} ({council.commune_name})")
    lines.append(resource_url(request, event))
    return "\n\n".join(lines)


def vevent(request, event):
    """One VEVENT; DTSTAMP is the last change (no METHOD: a published calendar)."""
    item = icalendar.Event()
    item.add("uid", event_uid(request, event))
    item.add("dtstamp", utc(event.modified))
    item.add("created", utc(event.created))
    item.add("last-modified", utc(event.modified))
    item.add("sequence", sequence(event))
    item.add("dtstart", utc(event.start))
    end = event_end(event)
    if end is not None:
        item.add("dtend", utc(end))
    item.add("summary", ical_text(("Annulé : " if event.cancelled else "") + event.title))
    item.add("description", ical_text(event_details(request, event)))
    if event.place:
        item.add("location", ical_text(event.place))
    item.add("url", resource_url(request, event))
    item.add("status", "CANCELLED" if event.cancelled else "CONFIRMED")
    item.add("class", "PUBLIC" if event.visibility == "public" else "PRIVATE")
    return item


def calendar_body(request, events, name, description="", subscription=False):
    """A whole VCALENDAR as bytes: CRLF line ends, folded lines, UTF-8.

    The name and description go out twice: RFC 7986's NAME/DESCRIPTION and the X-WR-…
    properties that Apple's and Google's calendars read."""
    calendar = icalendar.Calendar()
    calendar.add("version", "2.0")
    calendar.add("prodid", PRODID)
    calendar.add("calscale", "GREGORIAN")
    calendar.add("name", ical_text(name))
    calendar.add("x-wr-calname", ical_text(name))
    if description:
        calendar.add("description", ical_text(description))
        calendar.add("x-wr-caldesc", ical_text(description))
    if subscription:
        calendar.add("refresh-interval", vDuration(REFRESH), parameters={"VALUE": "DURATION"})
        calendar.add("x-published-ttl", vDuration(REFRESH))
    for event in events:
        calendar.add_component(vevent(request, event))
    return calendar.to_ical()


def calendar_filename(title):
    return f"{slugify(title)}.ics"


def window_start(now=None):
    """Subscribed calendars show the past year and everything to come."""
    return (now or datetime.datetime.now(UTC)) - PAST_WINDOW


# « Ajouter à mon agenda » --------------------------------------------------------------------

CalendarLinks = namedtuple("CalendarLinks", "ics google outlook")
GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose"
MAX_DETAILS = 1200  # the links stay well under the length browsers and servers accept


def _query(params):
    # %20 for spaces (both services read it), and the "/" between Google's dates kept as is.
    return urlencode(params, quote_via=quote, safe="/")


def _short(text, limit=MAX_DETAILS):
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + "…"


def event_links(request, event):
    """The three ways of adding an event to one's calendar, URL-encoded."""
    end = event_end(event) or event.start + datetime.timedelta(hours=1)
    details = event_details(request, event)
    url = resource_url(request, event)
    if len(details) > MAX_DETAILS:
        details = _short(details[:-len(url)].strip()) + "\n\n" + url
    place = event.place or ""
    google = GOOGLE + "?" + _query([
        ("action", "TEMPLATE"), ("text", event.title),
        ("dates", f"{utc_stamp(event.start)}/{utc_stamp(end)}"),
        ("details", details), ("location", place),
    ])
    iso = "%Y-%m-%dT%H:%M:%SZ"
    outlook = OUTLOOK + "?" + _query([
        ("subject", event.title),
        ("startdt", event.start.astimezone(UTC).strftime(iso)),
        ("enddt", end.astimezone(UTC).strftime(iso)),
        ("body", details), ("location", place),
    ])
    return CalendarLinks(resource_url(request, event, "@@agenda.ics"), google, outlook)


# Personal calendar addresses ----------------------------------------------------------------

def issue_calendar_token(user):
    """A new secret address for the user's calendar; the previous one stops working at once.

    The user's id leads the token so the address finds its account without a scan; the random
    part (256 bits) is the secret."""
    user.calendar_token = f"{user.id}-{secrets.token_urlsafe(32)}"
    return user.calendar_token


def user_for_calendar_token(users, token):
    """The active account this address belongs to, or None (renewed, disabled, deleted…)."""
    user_id, _, secret = (token or "").partition("-")
    if not user_id or not secret:
        return None
    user = users.get(user_id)
    expected = getattr(user, "calendar_token", None) if user is not None else None
    if not expected or not hmac.compare_digest(expected.encode(), token.encode()):
        return None
    return user if user.is_active else None


def personal_calendar_url(request, user):
    token = getattr(user, "calendar_token", None)
    return resource_url(request, request.root, "agenda", f"{token}.ics") if token else None
