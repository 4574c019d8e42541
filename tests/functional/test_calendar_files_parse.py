"""Every calendar file the site serves reads back with `icalendar` (the library that writes
them): its events round-trip to the stored events, and awkward titles come back intact."""
import datetime

import pytest
import webtest
from icalendar import Calendar

from conseils_site.resources.content import PARIS, Event
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.functional.test_calendar import make_event, path_of, personal_address
from tests.functional.test_search import client, populate, title_of

UTC = datetime.UTC


@pytest.fixture(scope="module")
def site():
    wsgi = make_app()
    return wsgi, populate(wsgi)


def stored_events(wsgi):
    """The site's events by their id, as plain values (read outside the connection)."""
    with open_registry_root(wsgi.registry) as (root, tm):
        return {
            obj.id: {
                "summary": ("Annulé : " if obj.cancelled else "") + obj.title,
                "start": obj.start, "end": obj.end, "place": obj.place,
                "modified": obj.modified, "created": obj.created, "cancelled": obj.cancelled,
                "visibility": obj.visibility,
            }
            for obj in root.catalog.objects.values() if isinstance(obj, Event)
        }


def seconds(value):
    return value.astimezone(UTC).replace(microsecond=0)


def served(wsgi, ids, which):
    """The body of one kind of calendar the site serves."""
    if which == "council":
        return webtest.TestApp(wsgi).get(ids["path_A"] + "/@@agenda.ics").body
    if which == "event":
        return webtest.TestApp(wsgi).get(
            path_of(wsgi, title_of("event", "public")) + "/@@agenda.ics").body
    address = personal_address(client(wsgi, "animateur"))
    return webtest.TestApp(wsgi).get(address).body  # a calendar application: no session


@pytest.mark.parametrize("which", ["council", "event", "personal"])
def test_every_calendar_the_site_serves_parses_and_round_trips(site, which):
    wsgi, ids = site
    body = served(wsgi, ids, which)
    calendar = Calendar.from_ical(body)
    assert str(calendar["VERSION"]) == "2.0" and calendar["PRODID"]
    assert calendar.calendar_name and calendar.get("X-WR-CALNAME")
    subscribed = [b"REFRESH-INTERVAL;VALUE=DURATION:PT1H", b"X-PUBLISHED-TTL:PT1H"]
    headers = body.split(b"BEGIN:VEVENT", 1)[0].split(b"\r\n")
    # A subscription says how often to fetch again (RFC 7986, and Apple's and Google's name).
    assert [line for line in headers if line in subscribed] == (
        subscribed if which != "event" else [])
    assert calendar.decoded("REFRESH-INTERVAL", None) == (
        None if which == "event" else datetime.timedelta(hours=1))
    stored = stored_events(wsgi)
    events = calendar.walk("VEVENT")
    assert events
    for event in events:
        uid = str(event["UID"])
        obj = stored[uid.split("@", 1)[0]]
        assert uid.endswith("@localhost")
        assert str(event["SUMMARY"]) == obj["summary"]
        start = event.decoded("DTSTART")
        assert start.tzinfo is not None and start.utcoffset() == datetime.timedelta(0)
        assert start == seconds(obj["start"])  # stored in UTC, the same instant
        assert event.decoded("DTEND") == seconds(obj["end"])
        assert event.decoded("DTSTAMP") == event.decoded("LAST-MODIFIED") == seconds(
            obj["modified"])
        assert event.decoded("CREATED") == seconds(obj["created"])
        assert int(event["SEQUENCE"]) >= 0
        assert str(event.get("LOCATION", "")) == (obj["place"] or "")
        assert str(event["URL"]).startswith("http://localhost/")
        assert str(event["URL"]) in str(event["DESCRIPTION"])
        assert str(event["STATUS"]) == ("CANCELLED" if obj["cancelled"] else "CONFIRMED")
        assert str(event["CLASS"]) == ("PUBLIC" if obj["visibility"] == "public" else "PRIVATE")
    again = Calendar.from_ical(calendar.to_ical())
    assert again == calendar
    assert [str(e["UID"]) for e in again.walk("VEVENT")] == [str(e["UID"]) for e in events]


def test_a_title_full_of_commas_semicolons_and_newlines_is_escaped_and_folded():
    wsgi = make_app()
    populate(wsgi)
    title = ("Budget, travaux; voirie\nréunion, débat; vote\\suite, « logement »; \x07"
             * 4)[:200]
    assert len(title) == 200
    place = "Salle 3, rue de l'Égalité;\nentrée B"
    start = datetime.datetime.now(PARIS).replace(microsecond=0) + datetime.timedelta(days=3)
    path = make_event(wsgi, title, place, "<p>Ordre du jour, en bref ; deux points</p>", start)
    body = webtest.TestApp(wsgi).get(path + "/@@agenda.ics").body
    lines = body.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    for line in lines:
        line.decode("utf-8")  # never cut inside a character
    summary = [line for line in body.decode().replace("\r\n ", "\x00").split("\r\n")
               if line.startswith("SUMMARY")][0].split("\x00")
    assert len(summary) >= 4  # folded over several lines
    for piece in summary[:-1]:  # no escape sequence is split over a fold (clients trip on it)
        trailing = len(piece) - len(piece.rstrip("\\"))
        assert trailing % 2 == 0, piece
    raw = "".join(summary)
    assert "\\," in raw and "\\;" in raw and "\\n" in raw and "\\\\" in raw
    assert "\n" not in raw and "\x07" not in raw
    event = Calendar.from_ical(body).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == title.replace("\x07", "")
    assert str(event["LOCATION"]) == place
    assert Calendar.from_ical(Calendar.from_ical(body).to_ical()) == Calendar.from_ical(body)
