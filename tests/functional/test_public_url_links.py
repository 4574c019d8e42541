"""Every absolute address the site writes comes from `conseils.public_url`, never from the
request's Host header (which whoever sends the request chooses): a reset link mailed to a victim
must not lead to the attacker's host (password-reset poisoning), and feeds, calendars and the
open-data files name the public site whatever Host asked for them."""
import json
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import webtest

from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.functional.test_registration import GOOD, register
from tests.functional.test_search import populate
from tests.support import build_site, email_of, sign_in
from tests.support_mail import mails_to, text_of

PUBLIC = "https://conseils.example.fr"
EVIL = "evil.example"


def from_evil_host(wsgi):
    """A browser whose requests all say `Host: evil.example`."""
    return webtest.TestApp(wsgi, extra_environ={"HTTP_HOST": EVIL})


def links_of(message):
    """Every http(s) address of both parts of a mail."""
    html = message.get_body(("html",)).get_content()
    return re.findall(r"https?://[^\s\"'<>]+", text_of(message) + "\n" + html)


def assert_public(addresses):
    assert addresses, "no address at all"
    for address in addresses:
        assert EVIL not in address, address
        assert address.startswith(PUBLIC + "/"), address


@pytest.fixture
def accounts(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail"), "conseils.public_url": PUBLIC})
    return wsgi, build_site(wsgi), tmp_path / "mail"


@pytest.fixture(scope="module")
def content():
    wsgi = make_app(**{"conseils.public_url": PUBLIC})
    return wsgi, populate(wsgi)


# --- mails ----------------------------------------------------------------------------------

def test_reset_mail_links_to_the_public_address_whatever_the_host(accounts):
    wsgi, _, mail_dir = accounts
    app = from_evil_host(wsgi)
    form = app.get("/mot-de-passe-oublie").forms["oubli"]
    form["email"] = email_of("membre_a")
    assert form.submit().status_int == 303
    [mail] = mails_to(mail_dir, email_of("membre_a"))
    links = links_of(mail)
    assert_public(links)
    assert any(link.startswith(PUBLIC + "/mot-de-passe-oublie/nouveau?jeton=") for link in links)


def test_confirmation_and_resent_mails_link_to_the_public_address(accounts):
    wsgi, _, mail_dir = accounts
    app = from_evil_host(wsgi)
    assert register(app).status_int == 303
    form = app.get("/inscription/renvoyer").forms["renvoyer"]
    form["email"] = email_of("nouveau_a")  # another unconfirmed account: one mail per address
    assert form.submit().status_int == 303
    for address in (GOOD["email"], email_of("nouveau_a")):
        [mail] = mails_to(mail_dir, address)
        links = links_of(mail)
        assert_public(links)
        assert any(link.startswith(PUBLIC + "/inscription/confirmer?jeton=") for link in links)


def test_validation_request_and_decision_mails_link_to_the_public_address(accounts):
    wsgi, ids, mail_dir = accounts
    app = from_evil_host(wsgi)
    assert register(app).status_int == 303
    [confirmation] = mails_to(mail_dir, GOOD["email"])
    link = next(a for a in links_of(confirmation) if "/inscription/confirmer" in a)
    assert "Adresse confirmée" in app.get(link.replace(PUBLIC, "")).text
    [request_mail] = mails_to(mail_dir, email_of("membre_c"))  # council C's only member
    assert_public(links_of(request_mail))

    animator = sign_in(from_evil_host(wsgi), "animateur")
    page = animator.get("/admin/inscriptions")
    form = next(f for f in page.forms.values()
                if f.get("user_id", default=None) is not None
                and f["user_id"].value == ids["candidat_a"])
    assert form.submit("decision", value="accepter").status_int == 303
    [decision] = mails_to(mail_dir, email_of("candidat_a"))
    assert_public(links_of(decision))


def test_newsletter_confirmation_mail_links_to_the_public_address(accounts):
    wsgi, _, mail_dir = accounts
    app = from_evil_host(wsgi)
    form = app.get("/lettre/abonnement").forms["abonnement"]
    form["email"] = "lectrice@exemple.fr"
    assert form.submit().status_int == 303
    [mail] = mails_to(mail_dir, "lectrice@exemple.fr")
    assert_public(links_of(mail))


# --- what the site publishes ----------------------------------------------------------------

@pytest.mark.parametrize("path", ["/actualites/flux.atom", "/ressources/flux.atom", "@A/@@flux.atom"])
def test_feeds_name_the_public_address(content, path):
    wsgi, ids = content
    body = from_evil_host(wsgi).get(path.replace("@A", ids["path_A"])).text
    assert EVIL not in body
    hrefs = re.findall(r'href="([^"]+)"', body) + re.findall(r"<uri>([^<]+)</uri>", body)
    assert_public(hrefs)


@pytest.mark.parametrize("path", ["@A/@@agenda.ics", "@EVENT/@@agenda.ics"])
def test_calendars_name_the_public_address(content, path):
    wsgi, ids = content
    app = from_evil_host(wsgi)
    path = path.replace("@A", ids["path_A"]).replace("@EVENT", find_public_event(wsgi))
    body = app.get(path).body.decode().replace("\r\n ", "")
    assert EVIL not in body
    assert_public(re.findall(r"^URL:(.*)$", body, re.M))


def find_public_event(wsgi):
    from pyramid.traversal import resource_path

    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        event = next(o for o in council.values()
                     if getattr(o, "kind", None) == "event" and o.visibility == "public"
                     and not o.cancelled)
        return resource_path(event)


def test_add_to_my_calendar_links_name_the_public_address(content):
    wsgi, _ = content
    page = from_evil_host(wsgi).get(find_public_event(wsgi))
    links = {a.attrs["href"] for a in page.html.select(".add-to-calendar a")}
    google = next(link for link in links if link.startswith("https://calendar.google.com/"))
    outlook = next(link for link in links if link.startswith("https://outlook.live.com/"))
    details = parse_qs(urlsplit(google).query)["details"] + parse_qs(urlsplit(outlook).query)["body"]
    assert_public([line for text in details for line in text.split() if "://" in line])
    assert_public([link for link in links if link.endswith(".ics")])
    assert EVIL not in page.text


def test_personal_calendar_address_is_the_public_one(content):
    wsgi, _ = content
    app = sign_in(from_evil_host(wsgi), "membre_a")
    profile = app.get("/mon-profil")
    form = next(f for f in profile.forms.values() if (f.action or "").endswith("/mon-profil/agenda"))
    form.submit().follow()
    profile = app.get("/mon-profil")
    addresses = re.findall(r"https?://[^\s\"'<>]*/agenda/[^\s\"'<>]+\.ics", profile.text)
    assert_public(addresses)


@pytest.mark.parametrize("path", ["/conseils.geojson", "/conseils.csv", "/groupes/loire/@@conseils.geojson"])
def test_open_data_names_the_public_address(content, path):
    wsgi, _ = content
    body = from_evil_host(wsgi).get(path).text
    assert EVIL not in body
    if path.endswith("geojson"):
        urls = [f["properties"]["url"] for f in json.loads(body)["features"]]
    else:
        urls = [line.split(",")[4] for line in body.splitlines()[1:]]
    assert_public(urls)


def test_personal_data_export_names_the_public_address(content):
    wsgi, _ = content
    app = sign_in(from_evil_host(wsgi), "membre_a")
    export = app.get("/mon-profil/donnees").json
    assert export["export"]["site"] == PUBLIC
    assert_public([c["adresse"] for c in export["conseils"]])
    assert EVIL not in json.dumps(export)
