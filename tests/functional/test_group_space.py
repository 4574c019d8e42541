"""A working group's page: scale, territory, member councils on a list and a map; for its
members, what the councils shared with the group, their coming events and the group's forum."""
import datetime
import io
import json

import pytest
import webtest

from conseils_site.resources.bootstrap import upgrade_site
from conseils_site.resources.content import ActionReport, Document, Event
from conseils_site.scripts import open_registry_root
from tests.functional.test_forum import (
    GROUP_FORUM,
    client,
    fresh_site,
    new_topic,
    reply,
)

UTC = datetime.UTC
site = pytest.fixture(fresh_site, name="site")


def add_items(wsgi, code, items):
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code(code)
        for item in items(council):
            council.add(council.unique_name(item.title), item)
        tm.commit()


def test_public_facts_list_and_map(site):
    wsgi, ids = site
    page = webtest.TestApp(wsgi).get("/groupes/loire")
    facts = " ".join(page.html.select_one("dl.facts").get_text(" ").split())
    assert "Échelle Département" in facts and "Territoire Loire (42)" in facts
    assert "Conseils membres 2" in facts
    assert [a.get_text() for a in page.html.select("ul.cards a")] == [
        "Conseil de Montreynaud", "Conseil des Tilleuls"]
    carte = page.html.select_one("#carte")
    assert carte["data-geojson"] == "/groupes/loire/@@conseils.geojson"
    assert carte["data-departement"] == "42"  # carte.js frames the group's département
    data = json.loads(webtest.TestApp(wsgi).get(carte["data-geojson"]).text)
    assert sorted(f["properties"]["code"] for f in data["features"]) == ["A", "B"]
    assert all(set(f["properties"]) == {"code", "nom", "commune", "departement", "region", "url"}
               for f in data["features"])  # public facts only


def test_members_see_shared_items_events_and_forum(site):
    wsgi, ids = site
    soon = datetime.datetime.now(UTC) + datetime.timedelta(days=2)
    later = soon + datetime.timedelta(days=5)
    add_items(wsgi, "A", lambda a: [
        Document("Plan du quartier partagé", a.id, visibility="groupes"),
        Document("Notes internes du bureau", a.id, visibility="conseil"),
        ActionReport("Fête du quartier publique", a.id, datetime.date.today() - datetime.timedelta(days=150),
                     visibility="public"),
        Event("Réunion inter-conseils", a.id, later, later + datetime.timedelta(hours=2),
              visibility="groupes"),
        Event("Bureau interne", a.id, soon, soon + datetime.timedelta(hours=1), visibility="conseil"),
    ])
    add_items(wsgi, "B", lambda b: [
        Event("Marche exploratoire", b.id, soon, soon + datetime.timedelta(hours=2), visibility="membres"),
    ])
    add_items(wsgi, "C", lambda c: [Document("Document du groupe d'ailleurs", c.id, visibility="groupes")])
    b = client(wsgi, "membre_b")
    new_topic(b, GROUP_FORUM, "Préparer la réunion inter-conseils", "Qui vient ?")
    page = b.get("/groupes/loire")
    space = page.html.select_one("section.group-space")
    shared = space.select("h3#partages-titre ~ ul.item-list li a")
    # Newest first: shared today, then an action of five months ago.
    assert [a.get_text() for a in shared] == ["Plan du quartier partagé", "Fête du quartier publique"]
    events = [a.get_text() for a in space.select("h3#evenements-titre + ul.item-list li a")]
    assert events == ["Marche exploratoire", "Réunion inter-conseils"]  # soonest first
    assert "Notes internes" not in page.text and "Bureau interne" not in page.text
    assert "Document du groupe d'ailleurs" not in page.text
    assert "Préparer la réunion inter-conseils" in space.get_text()
    # Even a member of A does not find its council-only items in the group's space.
    a_page = client(wsgi, "membre_a").get("/groupes/loire")
    assert "Notes internes" not in a_page.text and "Plan du quartier partagé" in a_page.text


def test_shared_items_paginate(site):
    wsgi, ids = site
    add_items(wsgi, "A", lambda a: [Document(f"Partage numéro {n:02d}", a.id, visibility="groupes")
                                    for n in range(23)])
    b = client(wsgi, "membre_b")
    first = b.get("/groupes/loire/@@partages")
    titles = [a.get_text() for a in first.html.select("ul.item-list li a")]
    assert len(titles) == 20 and "Page 1 sur 2" in first.text
    second = b.get("/groupes/loire/@@partages?page=2")
    assert len(second.html.select("ul.item-list li a")) == 3
    assert set(titles).isdisjoint(a.get_text() for a in second.html.select("ul.item-list li a"))


def test_the_two_councils_discuss_in_the_group_forum(site):
    wsgi, ids = site
    a, b = client(wsgi, "membre_a"), client(wsgi, "membre_b")
    page = new_topic(a, GROUP_FORUM, "Une fête commune aux deux quartiers ?", "Proposition de date.")
    assert page.request.path.startswith(GROUP_FORUM + "/")
    assert "Forum du groupe" in page.html.select_one("nav.breadcrumb").get_text()
    answer = reply(b, page.request.path, "D'accord pour le 21 juin.")
    assert "D'accord pour le 21 juin." in answer.html.select_one("#message-1").get_text()
    with open_registry_root(wsgi.registry) as (root, tm):
        topic = root.groups["loire"]["forum"]["une-fete-commune-aux-deux-quartiers"]
        group_id = root.groups["loire"].id
        assert topic.group_id == group_id and topic.reply(1).group_id == group_id
        assert topic.reply(1).topic is topic and topic.reply(1).kind == "forum_reply"
    listing = a.get(GROUP_FORUM)
    assert "Une fête commune aux deux quartiers ?" in listing.text
    assert "les membres des conseils du groupe et les animateurs" in " ".join(listing.text.split())


def test_a_new_group_gets_its_forum_and_old_sites_are_upgraded(site):
    wsgi, ids = site
    animator = client(wsgi, "animateur")
    form = animator.get("/admin/groupes").forms["groupe"]
    form["title"], form["scale"], form["council_codes"] = "Seine-Saint-Denis", "libre", "C"
    page = form.submit().follow()
    assert page.request.path == "/groupes/seine-saint-denis/"
    c = client(wsgi, "membre_c")
    assert c.get("/groupes/seine-saint-denis/forum").status_int == 200
    client(wsgi, "membre_a").get("/groupes/seine-saint-denis/forum", status=404)  # hidden
    with open_registry_root(wsgi.registry) as (root, tm):
        root.groups["loire"].remove("forum")
        root.remove("forum")
        tm.commit()
    with open_registry_root(wsgi.registry) as (root, tm):
        upgrade_site(root, io.StringIO())
        tm.commit()
    with open_registry_root(wsgi.registry) as (root, tm):
        assert "forum" in root and "forum" in root.groups["loire"]
        assert root["forum"].categories()[0].title == "Questions et entraide"
    assert client(wsgi, "membre_b").get(GROUP_FORUM).status_int == 200


def test_group_directory_stays_public(site):
    wsgi, ids = site
    page = webtest.TestApp(wsgi).get("/groupes")
    assert "Loire" in page.text and "2 conseil(s)" in page.text
