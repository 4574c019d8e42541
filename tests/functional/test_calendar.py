"""Calendars: RFC 5545 files, public council agendas, secret personal addresses, and the
« Ajouter à mon agenda » links."""
import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
import webtest
from pyramid.renderers import render
from pyramid.request import Request
from pyramid.traversal import resource_path

from conseils_site.calendar import issue_calendar_token
from conseils_site.resources.content import PARIS, Event
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.functional.test_search import client, populate, title_of
from tests.support import csrf

A_PUBLIC = {title_of("event", "public"), "Annulé : Pique-nique annulé"}
B_PUBLIC = "Marche exploratoire de Montreynaud"
C_COUNCIL = "Bureau du conseil des Francs-Moisins"
PERSONAL = {  # what each member's personal calendar holds
    "membre_a": {title_of("event", level) for level in ("conseil", "groupes", "membres")}
                | A_PUBLIC | {B_PUBLIC},
    "membre_b": {title_of("event", level) for level in ("groupes", "membres")} | A_PUBLIC | {B_PUBLIC},
    "membre_c": {title_of("event", "membres")} | A_PUBLIC | {B_PUBLIC, C_COUNCIL},
    "animateur": {title_of("event", level) for level in ("conseil", "groupes", "membres")}
                 | A_PUBLIC | {B_PUBLIC, C_COUNCIL},
}


@pytest.fixture(scope="module")
def site():
    wsgi = make_app()
    return wsgi, populate(wsgi)


@pytest.fixture
def fresh_site():
    """For the tests that change accounts."""
    wsgi = make_app()
    return wsgi, populate(wsgi)


def unescape(value):
    out, chars = [], iter(value)
    for char in chars:
        if char == "\\":
            following = next(chars)
            out.append("\n" if following in "nN" else following)
        else:
            out.append(char)
    return "".join(out)


def parse_ics(response):
    """Checks the framing (CRLF, 75 octets) and returns the calendar's and events' properties."""
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    body = response.body
    assert body.endswith(b"\r\n")
    assert b"\n" not in body.replace(b"\r\n", b"")
    for line in body.split(b"\r\n"):
        assert len(line) <= 75, line
        line.decode("utf-8")  # never cut inside a character
    text = body.decode("utf-8").replace("\r\n ", "")
    calendar, events, current = {}, [], None
    for line in text.split("\r\n")[:-1]:
        name, _, value = line.partition(":")
        name = name.split(";", 1)[0]
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            current[name] = value
        else:
            calendar.setdefault(name, value)
    assert calendar["BEGIN"] == "VCALENDAR" and calendar["VERSION"] == "2.0" and calendar["PRODID"]
    for event in events:
        for name in ("UID", "DTSTAMP", "DTSTART", "SUMMARY", "SEQUENCE", "STATUS"):
            assert event.get(name), name
    return calendar, events


def summaries(events):
    return {unescape(e["SUMMARY"]) for e in events}


def path_of(wsgi, title):
    with open_registry_root(wsgi.registry) as (root, tm):
        for obj in root.catalog.objects.values():
            if getattr(obj, "title", None) == title:
                return resource_path(obj)
    raise KeyError(title)


def personal_address(app):
    """Asks « Mon profil » for the address (once: the first click gives it) and returns it."""
    page = app.get("/mon-profil")
    field = page.html.select_one("#adresse-agenda")
    if field is None:
        form = page.html.select_one("form[action='/mon-profil/agenda']")
        assert form.button.get_text(strip=True) == "Obtenir l'adresse de mon agenda"
        page = app.post("/mon-profil/agenda", {"csrf_token": csrf(app)}).follow()
        field = page.html.select_one("#adresse-agenda")
    return field["value"]


def renew(app):
    page = app.get("/mon-profil")
    assert page.html.select_one("form[action='/mon-profil/agenda'] button").get_text(
        strip=True) == "Renouveler l'adresse"
    result = app.post("/mon-profil/agenda", {"csrf_token": csrf(app)})
    assert result.status_int == 303 and result.headers["Location"].endswith("/mon-profil#agenda")
    return result.follow().html.select_one("#adresse-agenda")["value"]


@pytest.mark.parametrize("visitor", ["anonyme", "membre_c", "membre_a", "animateur"])
def test_council_calendar_holds_public_events_only(site, visitor):
    wsgi, ids = site
    response = client(wsgi, visitor).get(ids["path_A"] + "/@@agenda.ics")
    calendar, events = parse_ics(response)
    assert summaries(events) == A_PUBLIC
    assert unescape(calendar["X-WR-CALNAME"]) == "Conseil des Tilleuls — agenda public"
    status = {unescape(e["SUMMARY"]): e["STATUS"] for e in events}
    assert status == {title_of("event", "public"): "CONFIRMED",
                      "Annulé : Pique-nique annulé": "CANCELLED"}


def test_events_are_described_in_utc_with_stable_uids(site):
    wsgi, ids = site
    app = webtest.TestApp(wsgi)
    _, events = parse_ics(app.get(ids["path_A"] + "/@@agenda.ics"))
    event = next(e for e in events if e["STATUS"] == "CONFIRMED")
    with open_registry_root(wsgi.registry) as (root, tm):
        obj = next(o for o in root.catalog.objects.values()
                   if getattr(o, "title", None) == title_of("event", "public"))
        start, end, uid = obj.start, obj.end, f"{obj.id}@localhost"
    utc = "%Y%m%dT%H%M%SZ"
    assert event["UID"] == uid
    assert event["DTSTART"] == start.astimezone(datetime.UTC).strftime(utc)
    assert event["DTEND"] == end.astimezone(datetime.UTC).strftime(utc)
    assert unescape(event["LOCATION"]) == "Maison du projet"
    assert unescape(event["DESCRIPTION"]).startswith("Rendez-vous à Saint-Étienne")
    assert event["URL"].startswith("http://localhost" + ids["path_A"] + "/")
    again = parse_ics(app.get(path_of(wsgi, title_of("event", "public")) + "/@@agenda.ics"))[1]
    assert [e["UID"] for e in again] == [uid]


@pytest.mark.parametrize("member", sorted(PERSONAL))
def test_personal_calendar_shows_what_its_owner_may_see(site, member):
    wsgi, _ = site
    address = personal_address(client(wsgi, member))
    assert address.startswith("http://localhost/agenda/") and address.endswith(".ics")
    assert len(address.rsplit("/", 1)[1].split("-", 1)[1]) >= 40 + len(".ics")
    response = webtest.TestApp(wsgi).get(address)  # a calendar application: no session
    _, events = parse_ics(response)
    assert summaries(events) == PERSONAL[member]
    assert "private" in response.headers["Cache-Control"]


def test_renewing_the_address_kills_the_old_one(fresh_site):
    wsgi, _ = fresh_site
    app = client(wsgi, "membre_a")
    old = personal_address(app)
    reader = webtest.TestApp(wsgi)
    assert reader.get(old).status_int == 200
    new = renew(app)
    assert new != old
    assert reader.get(old, status=404)
    assert reader.get(new).status_int == 200
    assert reader.get("/agenda/" + new.rsplit("/", 1)[1].split("-")[0] + "-devine.ics", status=404)
    assert reader.get("/agenda/n-importe-quoi.ics", status=404)


def test_renewing_needs_the_csrf_token_and_a_session(fresh_site):
    wsgi, _ = fresh_site
    app = client(wsgi, "membre_a")
    address = personal_address(app)
    app.post("/mon-profil/agenda", {"csrf_token": "faux"}, status=400)
    assert app.get("/mon-profil").html.select_one("#adresse-agenda")["value"] == address
    anonymous = webtest.TestApp(wsgi)
    assert anonymous.post("/mon-profil/agenda", status=400)  # no session: no valid token
    assert "Renouveler" not in anonymous.get("/mon-profil").follow().text


def test_address_of_an_account_no_longer_active_is_not_found(fresh_site):
    wsgi, ids = fresh_site
    with open_registry_root(wsgi.registry) as (root, tm):
        address = "/agenda/" + issue_calendar_token(root.users[ids["membre_a"]]) + ".ics"
        tm.commit()
    reader = webtest.TestApp(wsgi)
    assert reader.get(address).status_int == 200
    for state in ("disabled", "refused", "pending", "unverified", "deleted"):
        with open_registry_root(wsgi.registry) as (root, tm):
            user = root.users[ids["membre_a"]]
            if state == "deleted":
                root.users.remove_user(user)
            else:
                user.state = state
            tm.commit()
        reader.get(address, status=404)
        with open_registry_root(wsgi.registry) as (root, tm):
            if state != "deleted":
                root.users[ids["membre_a"]].state = "active"
            tm.commit()
        if state != "deleted":
            assert reader.get(address).status_int == 200


def test_profile_keeps_the_address_out_of_the_data_download(fresh_site):
    wsgi, _ = fresh_site
    app = client(wsgi, "membre_a")
    address = personal_address(app)
    assert address.rsplit("/", 1)[1][:-4] not in app.get("/mon-profil/donnees").text


@pytest.mark.parametrize("visitor, level, allowed", [
    ("anonyme", "public", True), ("anonyme", "membres", False), ("anonyme", "conseil", False),
    ("non_valide", "membres", False), ("membre_c", "membres", True),
    ("membre_c", "groupes", False), ("membre_b", "groupes", True), ("membre_b", "conseil", False),
    ("membre_a", "conseil", True), ("animateur", "conseil", True),
])
def test_one_event_calendar_follows_the_event_permission(site, visitor, level, allowed):
    wsgi, _ = site
    path = path_of(wsgi, title_of("event", level)) + "/@@agenda.ics"
    app = client(wsgi, visitor)
    if not allowed:
        refused = app.get(path, status=404)  # hidden: the 404 of a missing name (#14.4)
        assert title_of("event", level) not in refused.text and "BEGIN:VCALENDAR" not in refused.text
        return
    response = app.get(path)
    assert summaries(parse_ics(response)[1]) == {title_of("event", level)}
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    public = "public" if level == "public" else "private"
    assert response.headers["Cache-Control"].startswith(public)


def make_event(wsgi, title, place, description, start):
    with open_registry_root(wsgi.registry) as (root, tm):
        a = root.territoires.council_by_code("A")
        event = a.add(a.unique_name(title), Event(
            title, a.id, start, start + datetime.timedelta(hours=2), place=place,
            visibility="public", description=description))
        tm.commit()
        return resource_path(event)


def test_text_is_escaped_and_long_lines_folded(fresh_site):
    wsgi, _ = fresh_site
    title = "Réunion; débat, « logement » " + "é" * 60 + " \\ fin"
    place = "Salle 3, rue de l'Égalité;\nentrée B"
    start = datetime.datetime.now(PARIS).replace(microsecond=0) + datetime.timedelta(days=3)
    path = make_event(wsgi, title, place, "<p>Ordre du jour :</p><ul><li>un</li></ul>", start)
    response = webtest.TestApp(wsgi).get(path + "/@@agenda.ics")
    assert b"\r\n " in response.body  # folded
    event = parse_ics(response)[1][0]
    assert "\\;" in event["SUMMARY"] and "\\," in event["SUMMARY"]
    assert unescape(event["SUMMARY"]) == title
    assert unescape(event["LOCATION"]) == place
    assert "\n" not in event["LOCATION"] and "\\n" in event["LOCATION"]


def render_macro(wsgi, path):
    """The « Ajouter à mon agenda » macro as an event page would show it."""
    request = Request.blank("/", base_url="http://localhost")
    request.registry = wsgi.registry
    with open_registry_root(wsgi.registry) as (root, tm):
        event = root
        for name in path.strip("/").split("/"):
            event = event[name]
        return render("conseils_site:templates/calendar/macros.pt",
                      {"event": event, "request": request}, request=request)


def test_add_to_calendar_links_are_encoded(fresh_site):
    wsgi, _ = fresh_site
    start = datetime.datetime(2030, 3, 14, 18, 30, tzinfo=PARIS)
    path = make_event(wsgi, "Réunion & débat : logement + transport #1", "Salle 3, 12 rue Nationale",
                      "<p>Venez nombreux !</p>", start)
    html = render_macro(wsgi, path)
    assert "Ajouter à mon agenda" in html
    from bs4 import BeautifulSoup

    links = {" ".join(a.find(string=True).split()): a["href"]
             for a in BeautifulSoup(html, "html.parser").select("a")}
    assert links["Télécharger le fichier agenda (.ics)"].endswith(path + "/@@agenda.ics")
    google = links["Google Agenda"]
    assert google.startswith("https://calendar.google.com/calendar/render?action=TEMPLATE&text=")
    assert "text=R%C3%A9union%20%26%20d%C3%A9bat%20%3A%20logement%20%2B%20transport%20%231&" in google
    assert "&dates=20300314T173000Z/20300314T193000Z&" in google
    query = parse_qs(urlsplit(google).query)
    assert query["text"] == ["Réunion & débat : logement + transport #1"]
    assert query["location"] == ["Salle 3, 12 rue Nationale"]
    assert query["details"][0].startswith("Venez nombreux !")
    assert query["details"][0].endswith("http://localhost" + path + "/")
    outlook = links["Outlook.com"]
    assert outlook.startswith("https://outlook.live.com/calendar/0/deeplink/compose?subject=")
    query = parse_qs(urlsplit(outlook).query)
    assert query["subject"] == ["Réunion & débat : logement + transport #1"]
    assert query["startdt"] == ["2030-03-14T17:30:00Z"] and query["enddt"] == ["2030-03-14T19:30:00Z"]
    assert query["location"] == ["Salle 3, 12 rue Nationale"]
    assert query["body"][0].startswith("Venez nombreux !")
    assert " " not in google + outlook


def test_cancelled_event_offers_the_file_only(site):
    wsgi, _ = site
    html = render_macro(wsgi, path_of(wsgi, "Pique-nique annulé"))
    assert "Cet événement est annulé" in html
    assert "calendar.google.com" not in html and "outlook.live.com" not in html
    assert "@@agenda.ics" in html
