"""The visibility matrix over every surface that shows a council's items.

Council A holds, at each of the four levels, a document, an action report and a future event,
each with a PDF and a distinctive word in its title. Every visitor of the security issue
(anonymous, the session of an account no longer validated, a councillor of another council,
a councillor of a council sharing a working group, a councillor of the owning council, a
référent of the owning council who belongs to another council, an animator) looks at every
surface: item page, council listings, the council's public page, « Publications des conseils »,
search, the council's Atom feed, calendars (council, personal, one event) and file downloads.
Each cell is its own test: a single leak fails the suite.

A page, file or calendar one may not see answers 404, exactly as a missing name of the same
length does (issue #14, item 4): same status, same headers, same body once the requested path
(and the session's CSRF token in a visitor's sign-in form) is set aside."""
import datetime
import re

import pytest
import webtest

from conseils_site.resources import Attachment
from conseils_site.resources.content import ActionReport, Document, Event
from conseils_site.resources.users import User
from conseils_site.scripts import open_registry_root
from conseils_site.security.passwords import hash_password
from conseils_site.security.roles import grant_role
from conseils_site.security.visibility import LEVELS
from tests.conftest import make_app
from tests.support import PASSWORD, build_site, csrf, email_of, set_state, sign_in

UTC = datetime.UTC
KINDS = ("document", "action_report", "event")
SHORT = {"document": "doc", "action_report": "act", "event": "evt"}
LISTINGS = {"document": "@@documents", "action_report": "@@actions", "event": "@@evenements"}
PUBLICATION_KINDS = {"document", "action_report"}  # events are never « Publications »
PUBLIC_PAGE_LIMIT = 10  # the council's public page shows its 10 newest visible items

VISITORS = ("anonyme", "non_valide", "membre_c", "membre_b", "membre_a", "referent", "animateur")
# visitor -> the levels of council A's items they may see
SEES = {
    "anonyme": {"public"},
    "non_valide": {"public"},
    "membre_c": {"membres", "public"},
    "membre_b": {"groupes", "membres", "public"},
    "membre_a": set(LEVELS),
    "referent": set(LEVELS),
    "animateur": set(LEVELS),
}
# The visitors who hold a personal calendar address. « non_valide » got its address while its
# account was active: once pending, the address must show nothing beyond public events.
PERSONAL = ("non_valide", "membre_c", "membre_b", "membre_a", "referent", "animateur")
REFERENT_EMAIL = "referent.c@exemple.fr"  # a member of council C, référent of council A


def token_of(kind, level):
    """The distinctive word of an item: capitalised in its title, so a search query (sent in
    lower case) echoed by the page never counts as the item."""
    return f"Zq{SHORT[kind]}{level}"


def pdf_of(token):
    return (f"%PDF-1.4\n% secret {token} bytes\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
            .encode())


ITEMS = [(kind, level) for kind in KINDS for level in LEVELS]
EVENTS = [(kind, level) for kind, level in ITEMS if kind == "event"]


def item_id(param):
    return "-".join(param) if isinstance(param, tuple) else param


# --- The site, built once ------------------------------------------------------------------

def personal_address(app):
    """Asks « Mon profil » for the personal calendar address and returns it."""
    page = app.get("/mon-profil")
    field = page.html.select_one("#adresse-agenda")
    if field is None:
        page = app.post("/mon-profil/agenda", {"csrf_token": csrf(app)}).follow()
        field = page.html.select_one("#adresse-agenda")
    return field["value"]


def path_only(url):
    return "/" + url.split("://", 1)[-1].split("/", 1)[1] if "://" in url else url


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("visibility")
    wsgi = make_app(**{"zodbconn.uri": f"fsblobs://{tmp}/Data.fs?blobstorage_dir={tmp}/blobs",
                       "mail.queue_path": str(tmp / "mail"),
                       "conseils.upload_path": str(tmp / "uploads")})
    ids = build_site(wsgi)
    now = datetime.datetime.now(UTC).replace(microsecond=0)
    items = {}
    with open_registry_root(wsgi.registry) as (root, tm):
        a = root.territoires.council_by_code("A")
        c = root.territoires.council_by_code("C")
        referent = User(REFERENT_EMAIL, "Référente", "CONSEIL-C", hash_password(PASSWORD),
                        state="active", council_ids=[c.id])
        root.users.add_user(referent)
        ids["referent"] = referent.id
        grant_role(a, referent, "referent", {"id": ids["animateur"], "name": "Animateur"},
                   root.audit)
        for n, (kind, level) in enumerate(ITEMS):
            token = token_of(kind, level)
            title = f"Essai {token}"
            common = dict(author_id=ids["membre_a"], visibility=level,
                          description=f"<p>Pour le test {token}.</p>")
            if kind == "document":
                item = Document(title, a.id, **common)
            elif kind == "action_report":
                item = ActionReport(title, a.id, datetime.date(2025, 3, 1 + n), **common)
            else:
                start = now + datetime.timedelta(days=10 + n)
                item = Event(title, a.id, start, start + datetime.timedelta(hours=2),
                             place="Maison du projet", **common)
            a.add(a.unique_name(title), item)
            item.add("piece.pdf", Attachment("piece.pdf", pdf_of(token), "pdf"))
            items[kind, level] = {
                "token": token, "name": item.__name__,
                "path": f"{ids['path_A']}/{item.__name__}",
                "pdf": pdf_of(token), "sort": item.sort_date.timestamp(),
            }
        tm.commit()

    apps, addresses = {}, {}
    for visitor in VISITORS:
        app = webtest.TestApp(wsgi)
        if visitor != "anonyme":
            email = {"non_valide": email_of("candidat_a"), "referent": REFERENT_EMAIL}.get(
                visitor, email_of(visitor))
            if visitor == "non_valide":
                set_state(wsgi, email, "active")
            sign_in(app, email)
            if visitor in PERSONAL:
                addresses[visitor] = path_only(personal_address(app))
            if visitor == "non_valide":
                set_state(wsgi, email, "pending")  # the session stays; its principals drop
        apps[visitor] = app
    cache = {}

    def get(visitor, url):
        """One response per visitor and address: the site does not change during the module."""
        key = visitor, url
        if key not in cache:
            cache[key] = apps[visitor].get(url, status="*")
        return cache[key]

    yield {"wsgi": wsgi, "ids": ids, "items": items, "get": get, "addresses": addresses,
           "apps": apps}
    wsgi.registry._zodb_databases[""].close()


# --- Expectations ----------------------------------------------------------------------------

def may_see(visitor, level):
    return level in SEES[visitor]


def text_of(response):
    """The body as text, calendar lines unfolded."""
    return response.body.decode("utf-8", "replace").replace("\r\n ", "").replace("\r\n\t", "")


def shown(text, item):
    return item["token"] in text


def assert_cell(text, item, expected, where):
    if expected:
        assert item["token"] in text, f"{item['token']} missing from {where}"
    else:
        assert item["token"] not in text, f"LEAK: {item['token']} shown on {where}"
        assert f"/{item['name']}" not in text, f"LEAK: link to {item['name']} on {where}"
        assert item["pdf"] not in text.encode(), f"LEAK: bytes of {item['token']} on {where}"


CSRF_FIELD = re.compile(r'name="csrf_token" value="[^"]*"')


def comparable(response, path):
    """Status, headers and body of an answer with the requested path set aside."""
    headers = sorted((k, v) for k, v in response.headerlist if k not in ("Date", "Set-Cookie"))
    body = response.body.decode("utf-8", "replace")
    for form in (path, path.replace("@", "%40"), path.replace("/", "%2F").replace("@", "%40")):
        body = body.replace(form, "<PATH>")
    return response.status, headers, CSRF_FIELD.sub("csrf", body)


def assert_as_missing(world, visitor, item, tail):
    """The refusal of `item["path"] + tail` is the 404 of a name that does not exist."""
    hidden = item["path"] + tail
    missing = item["path"].rsplit("/", 1)[0] + "/" + "z" * len(item["name"]) + tail
    refused, absent = world["get"](visitor, hidden), world["get"](visitor, missing)
    assert absent.status_int == 404
    assert refused.status_int == 404, f"LEAK: {hidden} answered {refused.status}"
    assert comparable(refused, hidden) == comparable(absent, missing), f"LEAK: {hidden} differs"


def on_public_page(world, visitor, kind, level):
    """Visible, and among the visitor's newest visible items the page has room for."""
    if not may_see(visitor, level):
        return False
    visible = sorted((key for key in ITEMS if may_see(visitor, key[1])),
                     key=lambda key: world["items"][key]["sort"], reverse=True)
    return (kind, level) in visible[:PUBLIC_PAGE_LIMIT]


# --- The matrix ------------------------------------------------------------------------------

visitors = pytest.mark.parametrize("visitor", VISITORS)
items = pytest.mark.parametrize("key", ITEMS, ids=item_id)
events = pytest.mark.parametrize("key", EVENTS, ids=item_id)


@items
@visitors
def test_item_page(world, visitor, key):
    item = world["items"][key]
    response = world["get"](visitor, item["path"] + "/")
    if may_see(visitor, key[1]):
        assert response.status_int == 200
        assert_cell(response.text, item, True, "its own page")
    else:
        assert_cell(response.text, item, False, "its own refused page")
        assert_as_missing(world, visitor, item, "/")


@items
@visitors
def test_council_listing(world, visitor, key):
    item = world["items"][key]
    response = world["get"](visitor, f"{world['ids']['path_A']}/{LISTINGS[key[0]]}")
    assert response.status_int == 200
    assert_cell(response.text, item, may_see(visitor, key[1]), LISTINGS[key[0]])


@items
@visitors
def test_council_public_page(world, visitor, key):
    item = world["items"][key]
    response = world["get"](visitor, world["ids"]["path_A"] + "/")
    assert response.status_int == 200
    assert_cell(response.text, item, on_public_page(world, visitor, *key), "the council's page")


@items
@visitors
def test_publications(world, visitor, key):
    item = world["items"][key]
    response = world["get"](visitor, "/ressources/publications")
    assert response.status_int == 200
    expected = key[1] == "public" and key[0] in PUBLICATION_KINDS
    assert_cell(response.text, item, expected, "« Publications des conseils »")


@items
@visitors
def test_search(world, visitor, key):
    item = world["items"][key]
    response = world["get"](visitor, f"/recherche?q={item['token'].lower()}")
    assert response.status_int == 200
    assert_cell(response.text, item, may_see(visitor, key[1]), "the search results")


@items
@visitors
def test_council_atom_feed(world, visitor, key):
    item = world["items"][key]
    response = world["get"](visitor, world["ids"]["path_A"] + "/@@flux.atom")
    assert response.status_int == 200
    assert_cell(response.text, item, key[1] == "public", "the council's Atom feed")


@events
@visitors
def test_council_calendar(world, visitor, key):
    item = world["items"][key]
    response = world["get"](visitor, world["ids"]["path_A"] + "/@@agenda.ics")
    assert response.status_int == 200
    assert_cell(text_of(response), item, key[1] == "public", "the council's calendar")


@events
@pytest.mark.parametrize("visitor", PERSONAL)
def test_personal_calendar(world, visitor, key):
    item = world["items"][key]
    response = world["get"]("anonyme", world["addresses"][visitor])  # a calendar app: no cookie
    if visitor == "non_valide" and response.status_int == 404:
        assert_cell(text_of(response), item, False, "a pending account's personal calendar")
        return
    assert response.status_int == 200
    assert_cell(text_of(response), item, may_see(visitor, key[1]),
                f"the personal calendar of {visitor}")


@events
@visitors
def test_event_calendar(world, visitor, key):
    item = world["items"][key]
    response = world["get"](visitor, item["path"] + "/@@agenda.ics")
    if may_see(visitor, key[1]):
        assert response.status_int == 200
        assert_cell(text_of(response), item, True, "the event's calendar file")
    else:
        assert_cell(text_of(response), item, False, "the event's refused calendar file")
        assert_as_missing(world, visitor, item, "/@@agenda.ics")


@items
@visitors
def test_file_download(world, visitor, key):
    item = world["items"][key]
    response = world["get"](visitor, item["path"] + "/piece.pdf")
    if may_see(visitor, key[1]):
        assert response.status_int == 200
        assert response.body == item["pdf"]
    else:
        assert item["pdf"] not in response.body, "LEAK: the file's bytes in the refusal"
        assert_as_missing(world, visitor, item, "/piece.pdf")


EDITORS = {"membre_a", "referent", "animateur"}  # the author, a référent, an animator


@items
@visitors
def test_edit_form(world, visitor, key):
    """Hidden: the 404 of a missing name. Visible but not one's to change: 403, as before."""
    item = world["items"][key]
    response = world["get"](visitor, item["path"] + "/@@modifier")
    if not may_see(visitor, key[1]):
        assert_cell(response.text, item, False, "its refused edit form")
        assert_as_missing(world, visitor, item, "/@@modifier")
    elif visitor in EDITORS:
        assert response.status_int == 200
        assert_cell(response.text, item, True, "its edit form")
    else:
        assert response.status_int == 403
        assert_cell(response.text, item, False, "its refused edit form")


# --- The visitors are who they claim, and the anonymous cache never mixes them ---------------

@pytest.mark.parametrize("visitor", VISITORS[1:])
def test_visitor_is_signed_in(world, visitor):
    """The matrix above tests who it claims. « non_valide » signed in while active and its account
    went back to pending: the browser still sends that session, which the server no longer honours
    (a session counts only for an active account), so it is a visitor holding a stale session."""
    app = world["apps"][visitor]
    page = app.get("/")
    if visitor == "non_valide":
        assert app.cookies.get("conseils_session") and "Connecté : " not in page.text
    else:
        assert "Connecté : " in page.text


def test_pending_account_cannot_get_a_personal_address(world):
    app = world["apps"]["non_valide"]
    response = app.post("/mon-profil/agenda", {"csrf_token": csrf(app)}, status="*")
    assert response.status_int in (303, 403, 404)
    if response.status_int == 303:  # sent to sign in, never a new address
        assert "/mon-profil" not in response.headers["Location"].split("?", 1)[0]


def shared_urls(ids, items):
    council = ids["path_A"]
    urls = [f"{council}/", f"{council}/@@documents", f"{council}/@@actions",
            f"{council}/@@evenements", f"{council}/@@flux.atom", f"{council}/@@agenda.ics",
            "/ressources/publications"]
    urls += [f"/recherche?q={items[kind, 'conseil']['token'].lower()}" for kind in KINDS]
    return urls


@pytest.mark.parametrize("first", ["animateur", "anonyme"])
def test_anonymous_cache_keeps_visitors_apart(world, first):
    """Whoever asks first, the anonymous visitor never gets what the animator sees, and the
    animator never gets the anonymous page (distinct query strings defeat earlier caching)."""
    anonymous = webtest.TestApp(world["wsgi"])
    animator = world["apps"]["animateur"]
    order = (animator, anonymous) if first == "animateur" else (anonymous, animator)
    for n, url in enumerate(shared_urls(world["ids"], world["items"])):
        url += ("&" if "?" in url else "?") + f"ordre={first}{n}"
        responses = {id(app): app.get(url, status="*") for app in order}
        seen_by_anonymous = text_of(responses[id(anonymous)])
        seen_by_animator = text_of(responses[id(animator)])
        for (_kind, level), item in world["items"].items():
            if level != "public":
                assert item["token"] not in seen_by_anonymous, f"LEAK via cache: {url} {item['token']}"
        if "agenda.ics" not in url and "flux.atom" not in url and "publications" not in url:
            assert any(world["items"][kind, "conseil"]["token"] in seen_by_animator
                       for kind in KINDS), f"animator served the anonymous page of {url}"
