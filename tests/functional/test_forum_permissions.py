"""Who reaches the forum and the group spaces, as a matrix of visitors × surfaces.

The general forum is for validated councillors and animators; the forum and the space of the
group « Loire » (councils A and B) for councillors of A and B and animators. Anonymous visitors
and accounts no longer validated see no forum content anywhere: pages, search, Atom feeds,
calendars. A council leaving a group loses access at its members' next request."""
import datetime

import pytest
import webtest

from conseils_site.calendar import issue_calendar_token
from conseils_site.resources.content import Document, Event
from conseils_site.resources.forum import Reply, Topic
from conseils_site.resources.users import User
from conseils_site.scripts import open_registry_root
from conseils_site.security.passwords import hash_password
from tests.conftest import make_app
from tests.functional.test_forum import GROUP_FORUM, RUBRIQUE, client, fresh_site
from tests.support import PASSWORD, build_site, csrf, email_of, sign_in

VISITORS = ("anonyme", "non_valide", "membre_c", "membre_b", "membre_a", "animateur")
READS_FORUM = {"membre_c", "membre_b", "membre_a", "animateur"}
READS_GROUP = {"membre_b", "membre_a", "animateur"}
FORUM_WORDS = ("Zqforumtopic", "Zqforumreply")
GROUP_WORDS = ("Zqgrouptopic", "Zqgroupreply", "Zqshareddoc", "Zqsharedevt")
GENERAL_TOPIC = RUBRIQUE + "/sujet-zqforumtopic/"
GROUP_TOPIC = GROUP_FORUM + "/sujet-zqgrouptopic/"
FORMER = "ancien.a@exemple.fr"  # signed in while active, then set pending
site = pytest.fixture(fresh_site, name="site")


@pytest.fixture(scope="module")
def world():
    wsgi = make_app()
    ids = build_site(wsgi)
    soon = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3)
    with open_registry_root(wsgi.registry) as (root, tm):
        a = root.territoires.council_by_code("A")
        former = User(FORMER, "Ancien", "MEMBRE", hash_password(PASSWORD), state="active",
                      council_ids=[a.id])
        root.users.add_user(former)
        for section, word in ((root["forum"]["questions-et-entraide"], "zqforum"),
                              (root.groups["loire"]["forum"], "zqgroup")):
            topic = section.add_topic(Topic(f"Sujet {word.capitalize()}topic",
                                            f"<p>Texte {word.capitalize()}topic</p>", "", ids["membre_a"]))
            topic.add_reply(Reply(f"<p>Réponse {word.capitalize()}reply</p>", "", ids["membre_b"]))
        a.add("partage", Document("Document Zqshareddoc", a.id, visibility="groupes"))
        a.add("prive", Document("Document Zqprivatedoc", a.id, visibility="conseil"))
        a.add("rencontre", Event("Rencontre Zqsharedevt", a.id, soon,
                                 soon + datetime.timedelta(hours=2), visibility="groupes"))
        # Personal calendar addresses (as « Mon profil » gives them).
        apps = {}
        for visitor in VISITORS[1:]:
            user = root.users.find_by_email(FORMER if visitor == "non_valide" else email_of(visitor))
            apps["calendar_" + visitor] = f"/agenda/{issue_calendar_token(user)}.ics"
        tm.commit()
    for visitor in VISITORS:
        app = webtest.TestApp(wsgi)
        if visitor != "anonyme":
            sign_in(app, FORMER if visitor == "non_valide" else visitor)
        apps[visitor] = app
    with open_registry_root(wsgi.registry) as (root, tm):
        root.users.find_by_email(FORMER).state = "pending"
        tm.commit()
    yield wsgi, ids, apps
    wsgi.registry._zodb_databases[""].close()


def words_in(text, words):
    return {w for w in words if w in text}


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("path", ["/forum", RUBRIQUE, GENERAL_TOPIC, GENERAL_TOPIC + "1/",
                                  RUBRIQUE + "/@@nouveau-sujet", GENERAL_TOPIC + "@@repondre"])
def test_general_forum_pages(world, visitor, path):
    _, _, apps = world
    response = apps[visitor].get(path, status="*")
    if visitor in READS_FORUM:
        assert response.status_int in (200, 303)
    else:  # the forum is hidden from them: the 404 of a missing page (#14.4)
        assert response.status_int == 404
        assert "Page introuvable" in response.text
        assert not words_in(response.text, FORUM_WORDS + GROUP_WORDS)


@pytest.mark.parametrize("visitor", VISITORS)
@pytest.mark.parametrize("path", [GROUP_FORUM, GROUP_TOPIC, GROUP_TOPIC + "1/",
                                  GROUP_FORUM + "/@@nouveau-sujet", GROUP_TOPIC + "@@repondre",
                                  "/groupes/loire/@@partages"])
def test_group_forum_and_space_pages(world, visitor, path):
    _, _, apps = world
    response = apps[visitor].get(path, status="*")
    if visitor in READS_GROUP:
        assert response.status_int in (200, 303)
    else:  # the group's forum is hidden (404); its public page's sharing is refused (403)
        assert response.status_int == (403 if path.endswith("@@partages") else 404)
        assert not words_in(response.text, GROUP_WORDS)


@pytest.mark.parametrize("visitor", VISITORS)
def test_search_finds_exactly_what_the_visitor_may_read(world, visitor):
    _, _, apps = world
    found = set()
    for word in FORUM_WORDS + GROUP_WORDS[:2]:
        page = apps[visitor].get("/recherche", {"q": word.lower()})
        found |= words_in(" ".join(a.get_text() + a.find_parent("li").get_text()
                                   for a in page.html.select("ol.results li > a")), (word,))
    expected = (set(FORUM_WORDS) if visitor in READS_FORUM else set()) | (
        set(GROUP_WORDS[:2]) if visitor in READS_GROUP else set())
    assert found == expected


@pytest.mark.parametrize("visitor", VISITORS)
def test_group_page_shows_its_space_to_members_only(world, visitor):
    _, _, apps = world
    app = apps[visitor]
    page = app.get("/groupes/loire")
    text = page.text
    assert "Conseil des Tilleuls" in text and "Conseil de Montreynaud" in text  # always public
    assert "Zqprivatedoc" not in text  # never shared with the group
    if visitor in READS_GROUP:
        assert "L'espace du groupe" in text
        assert words_in(text, GROUP_WORDS) == {"Zqgrouptopic", "Zqshareddoc", "Zqsharedevt"}
    else:
        assert "L'espace du groupe" not in text
        assert not words_in(text, GROUP_WORDS + FORUM_WORDS)
        assert "réservés aux membres des conseils du groupe" in text
    directory = app.get("/groupes")
    assert "Loire" in directory.text and not words_in(directory.text, GROUP_WORDS + FORUM_WORDS)


@pytest.mark.parametrize("visitor", VISITORS)
def test_feeds_and_calendars_never_carry_forum_messages(world, visitor):
    wsgi, ids, apps = world
    app = apps[visitor]
    bodies = [app.get(url).text for url in ("/actualites/flux.atom", "/ressources/flux.atom",
                                            ids["path_A"] + "/@@flux.atom",
                                            ids["path_A"] + "/@@agenda.ics")]
    if "calendar_" + visitor in apps:
        # A pending account's address answers 404; the others list events, never messages.
        bodies.append(app.get(apps["calendar_" + visitor], status=(200, 404)).text)
    for body in bodies:
        assert not words_in(body, FORUM_WORDS + GROUP_WORDS[:2])


@pytest.mark.parametrize("visitor", ["anonyme", "non_valide", "membre_c"])
def test_writing_in_the_group_forum_is_refused(world, visitor):
    wsgi, _, apps = world
    app = apps[visitor]
    token = csrf(app)
    # The group's forum is hidden from them: each answer is the 404 of a missing page.
    app.post(GROUP_TOPIC + "@@repondre", {"csrf_token": token, "__formid__": "reponse",
                                          "text": "Intrusion"}, status=404)
    app.post(GROUP_FORUM + "/@@nouveau-sujet", {"csrf_token": token, "__formid__": "sujet",
                                                "title": "Sujet intrus", "text": "Intrusion"}, status=404)
    app.post(GROUP_TOPIC + "1/@@signaler", {"csrf_token": token, "__formid__": "signalement",
                                            "reason": "Intrusion ici"}, status=404)
    app.post(GROUP_TOPIC + "@@suivre", {"csrf_token": token, "action": "suivre"}, status=404)
    with open_registry_root(wsgi.registry) as (root, tm):
        forum = root.groups["loire"]["forum"]
        assert len(forum) == 1 and forum["sujet-zqgrouptopic"].last_number == 1
        assert len(root["forum"].reports) == 0


def test_an_author_no_longer_validated_cannot_edit_their_message(world):
    wsgi, ids, apps = world
    with open_registry_root(wsgi.registry) as (root, tm):
        topic = root["forum"]["questions-et-entraide"]["sujet-zqforumtopic"]
        topic.author_id = root.users.find_by_email(FORMER).id
        tm.commit()
    try:
        app = apps["non_valide"]
        for view in ("@@modifier", "@@supprimer"):  # the forum is hidden from them now: 404
            assert "Zqforumtopic" not in app.get(GENERAL_TOPIC + view, status=404).text
    finally:
        with open_registry_root(wsgi.registry) as (root, tm):
            root["forum"]["questions-et-entraide"]["sujet-zqforumtopic"].author_id = ids["membre_a"]
            tm.commit()


def test_a_council_leaving_the_group_loses_access_at_once(site):
    wsgi, ids = site
    b = client(wsgi, "membre_b")
    a = client(wsgi, "membre_a")
    page = b.get(GROUP_FORUM + "/@@nouveau-sujet")
    form = page.forms["sujet"]
    form["title"], form["text"] = "Sujet Zqavantdepart", "Avant le départ"
    topic = form.submit().follow().request.path
    assert b.get("/recherche", {"q": "zqavantdepart"}).html.select("ol.results li")
    animator = client(wsgi, "animateur")
    animator.post("/groupes/loire/@@modifier", {"csrf_token": csrf(animator), "add": "",
                                                "remove": ids["council_B"]})
    # Same session, next request: no group principal any more.
    assert "Zqavantdepart" not in b.get(topic, status=404).text  # hidden now: as missing
    b.get(GROUP_FORUM, status=404)
    b.get("/groupes/loire/@@partages", status=403)  # the group's page stays public
    assert "L'espace du groupe" not in b.get("/groupes/loire").text
    assert not b.get("/recherche", {"q": "zqavantdepart"}).html.select("ol.results li")
    assert "Forum du groupe" not in b.get("/forum").text
    assert a.get(topic).status_int == 200  # A stays in
    animator.post("/groupes/loire/@@modifier", {"csrf_token": csrf(animator), "add": "B"})
    assert b.get(topic).status_int == 200
