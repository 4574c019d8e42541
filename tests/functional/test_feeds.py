"""Atom feeds: valid XML, French, stable ids, and a council's public content only, for everyone."""
import xml.etree.ElementTree as ET

import pytest
import webtest

from conseils_site.resources.content import NewsItem, ResourceItem
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.functional.test_search import KIND_TITLES, client, populate, title_of

A = "{http://www.w3.org/2005/Atom}"
A_PUBLIC = {title_of(kind, "public") for kind in KIND_TITLES} | {"Pique-nique annulé"}


@pytest.fixture(scope="module")
def site():
    wsgi = make_app()
    return wsgi, populate(wsgi)


def parse(response):
    assert response.content_type == "application/atom+xml"
    assert response.charset.lower() == "utf-8"
    feed = ET.fromstring(response.body)
    assert feed.tag == f"{A}feed"
    return feed


def entries(feed):
    return {e.findtext(f"{A}title"): e for e in feed.findall(f"{A}entry")}


def check_feed(feed):
    """What RFC 4287 requires of a feed and of each entry."""
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    for name in ("title", "id", "updated"):
        assert feed.findtext(f"{A}{name}"), name
    assert feed.find(f"{A}author/{A}name").text
    assert feed.find(f"{A}link[@rel='self']") is not None
    for entry in feed.findall(f"{A}entry"):
        for name in ("title", "id", "updated"):
            assert entry.findtext(f"{A}{name}"), name
        assert entry.findtext(f"{A}id").startswith("tag:localhost,2026:")
        assert entry.find(f"{A}link[@rel='alternate']").get("href").startswith("http://localhost/")
        summary = entry.find(f"{A}summary")
        assert summary is None or summary.get("type") == "text"
        assert entry.findtext(f"{A}updated").endswith("Z")


@pytest.mark.parametrize("visitor", ["anonyme", "membre_c", "membre_b", "membre_a", "animateur"])
def test_council_feed_holds_only_public_items_whoever_asks(site, visitor):
    wsgi, ids = site
    app = client(wsgi, visitor)
    response = app.get(ids["path_A"] + "/@@flux.atom")
    feed = parse(response)
    check_feed(feed)
    assert set(entries(feed)) == A_PUBLIC
    assert feed.findtext(f"{A}title") == "Conseil des Tilleuls — publications publiques"
    assert "no-cache" not in response.headers.get("Cache-Control", "")


def test_council_feed_entries_say_what_and_when(site):
    wsgi, ids = site
    feed = parse(webtest.TestApp(wsgi).get(ids["path_A"] + "/@@flux.atom"))
    found = entries(feed)
    event = found[title_of("event", "public")]
    summary = event.findtext(f"{A}summary")
    assert " de 18 h 30 à 20 h 30, Maison du projet." in summary
    assert "<" not in summary and "Rendez-vous à Saint-Étienne" in summary
    assert found["Pique-nique annulé"].findtext(f"{A}summary").startswith("Annulé — ")
    assert event.find(f"{A}author/{A}name").text == "Conseil des Tilleuls"
    assert event.find(f"{A}link").get("href").startswith("http://localhost" + ids["path_A"] + "/")
    report = found[title_of("action_report", "public")]
    assert report.findtext(f"{A}summary").startswith("Action du lundi 4 mai 2026.")


def test_entry_ids_are_stable(site):
    wsgi, ids = site
    app = webtest.TestApp(wsgi)
    first = {t: e.findtext(f"{A}id") for t, e in entries(parse(app.get(ids["path_A"] + "/@@flux.atom"))).items()}
    with open_registry_root(wsgi.registry) as (root, tm):
        root.territoires.council_by_code("A").title = "Conseil des Tilleuls renommé"
        tm.commit()
    second = entries(parse(app.get(ids["path_A"] + "/@@flux.atom")))
    with open_registry_root(wsgi.registry) as (root, tm):
        root.territoires.council_by_code("A").title = "Conseil des Tilleuls"
        tm.commit()
    assert {t: e.findtext(f"{A}id") for t, e in second.items()} == first
    assert len(set(first.values())) == len(first)


def test_news_and_resources_feeds(site):
    wsgi, _ = site
    app = webtest.TestApp(wsgi)
    news = parse(app.get("/actualites/flux.atom"))
    check_feed(news)
    assert news.findtext(f"{A}title") == "Actualités — Conseils citoyens"
    assert list(entries(news)) == ["Rencontre nationale des conseils citoyens"]
    entry = entries(news)["Rencontre nationale des conseils citoyens"]
    assert entry.findtext(f"{A}summary") == "Inscriptions ouvertes pour Saint-Étienne."
    assert entry.find(f"{A}link").get("href") == "http://localhost/actualites/rencontre/"
    resources = parse(app.get("/ressources/flux.atom"))
    check_feed(resources)
    assert resources.findtext(f"{A}title") == "Ressources — Conseils citoyens"
    assert list(entries(resources)) == ["Guide de l'animation"]
    guide = entries(resources)["Guide de l'animation"]
    assert {c.get("term") for c in guide.findall(f"{A}category")} == {"resource", "animation"}


def test_feeds_keep_the_last_thirty_newest_first_and_escape_text():
    wsgi = make_app()
    with open_registry_root(wsgi.registry) as (root, tm):
        for n in range(35):
            root["actualites"].add(f"n{n}", NewsItem(f"Nouvelle n°{n} <b>&</b>",
                                                     summary=f"Résumé {n} \x01 < > & ; fin"))
        root["ressources"].add("r", ResourceItem("Outil", description="<script>x</script><p>Texte</p>"))
        tm.commit()
    app = webtest.TestApp(wsgi)
    response = app.get("/actualites/flux.atom")
    titles = [e.findtext(f"{A}title") for e in parse(response).findall(f"{A}entry")]
    assert len(titles) == 30
    assert titles[0] == "Nouvelle n°34 <b>&</b>" and titles[-1] == "Nouvelle n°5 <b>&</b>"
    assert b"&lt;b&gt;&amp;&lt;/b&gt;" in response.body
    summary = parse(response).find(f"{A}entry/{A}summary").text
    assert summary.startswith("Résumé 34") and summary.endswith("& ; fin") and "\x01" not in summary


def test_feeds_answer_304_when_unchanged(site):
    wsgi, ids = site
    app = webtest.TestApp(wsgi)
    for path in ("/actualites/flux.atom", "/ressources/flux.atom", ids["path_A"] + "/@@flux.atom"):
        response = app.get(path)
        assert response.etag and response.last_modified
        assert "max-age" in response.headers["Cache-Control"]
        assert app.get(path, headers={"If-None-Match": f'"{response.etag}"'}, status=304).body == b""
        # The view answers If-Modified-Since too (the anonymous cache in front of it replays
        # on ETags only, so this asks past it, as a signed-in reader would).
        since = response.headers["Last-Modified"]
        app.set_cookie("conseils_session", "x")
        assert app.get(path, headers={"If-Modified-Since": since}, status=304).body == b""
        app.reset()


def test_feed_changes_when_an_item_is_published(site):
    wsgi, ids = site
    app = webtest.TestApp(wsgi)
    before = app.get("/actualites/flux.atom").etag
    with open_registry_root(wsgi.registry) as (root, tm):
        root["actualites"].add("autre", NewsItem("Une autre nouvelle"))
        tm.commit()
    after = app.get("/actualites/flux.atom", headers={"If-None-Match": f'"{before}"'})
    assert after.status_int == 200 and after.etag != before
    assert "Une autre nouvelle" in entries(parse(after))
    with open_registry_root(wsgi.registry) as (root, tm):
        root["actualites"].remove("autre")
        tm.commit()
