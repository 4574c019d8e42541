"""« Rechercher »: words folded, results and facet counts limited to what each visitor may see."""
import datetime
import re

import pytest
import webtest

from conseils_site.resources.content import (
    PARIS,
    ActionReport,
    Document,
    Event,
    NewsItem,
    ResourceItem,
)
from conseils_site.scripts import open_registry_root
from conseils_site.security.visibility import LEVELS
from tests.conftest import make_app
from tests.support import build_site, email_of, set_state, sign_in

VISITORS = ("anonyme", "non_valide", "membre_c", "membre_b", "membre_a", "animateur")
# visitor -> the levels of council A's items they may see
SEES = {
    "anonyme": {"public"},
    "non_valide": {"public"},
    "membre_c": {"membres", "public"},
    "membre_b": {"groupes", "membres", "public"},
    "membre_a": set(LEVELS),
    "animateur": set(LEVELS),
}
KIND_TITLES = {
    "document": "Jardin partagé, document {level}",
    "action_report": "Fête des voisins, compte rendu {level}",
    "event": "Réunion du quartier, événement {level}",
}


def title_of(kind, level):
    return KIND_TITLES[kind].format(level=level)


def populate(wsgi):
    """Councils A, B, C and their accounts, plus in A one document, one report and one event at
    each visibility level, and a few items elsewhere; all A's items speak of Saint-Étienne."""
    ids = build_site(wsgi)
    soon = datetime.datetime.now(PARIS).replace(hour=18, minute=30, second=0, microsecond=0)
    with open_registry_root(wsgi.registry) as (root, tm):
        a, b, c = (root.territoires.council_by_code(code) for code in "ABC")
        text = "<p>Rendez-vous à <strong>Saint-Étienne</strong>, place Jean-Jaurès.</p>"
        for n, level in enumerate(LEVELS):
            items = [
                Document(title_of("document", level), a.id, visibility=level, description=text),
                ActionReport(title_of("action_report", level), a.id,
                             datetime.date(2026, 5, 1 + n), visibility=level, description=text),
                Event(title_of("event", level), a.id, soon + datetime.timedelta(days=10 + n),
                      soon + datetime.timedelta(days=10 + n, hours=2), place="Maison du projet",
                      visibility=level, description=text),
            ]
            for item in items:
                a.add(a.unique_name(item.title), item)
        cancelled = Event("Pique-nique annulé", a.id, soon + datetime.timedelta(days=20),
                          soon + datetime.timedelta(days=20, hours=3), place="Parc de l'Europe",
                          visibility="public", description=text)
        cancelled.cancelled = True
        a.add(a.unique_name(cancelled.title), cancelled)
        b.add("marche", Event("Marche exploratoire de Montreynaud", b.id,
                              soon + datetime.timedelta(days=5),
                              soon + datetime.timedelta(days=5, hours=2), visibility="public"))
        c.add("bureau", Event("Bureau du conseil des Francs-Moisins", c.id,
                              soon + datetime.timedelta(days=6),
                              soon + datetime.timedelta(days=6, hours=1), visibility="conseil"))
        news = root["actualites"]
        news.add("rencontre", NewsItem("Rencontre nationale des conseils citoyens",
                                       summary="Inscriptions ouvertes pour Saint-Étienne.",
                                       text="<p>Deux jours d'échanges.</p>"))
        resources = root["ressources"]
        resources.add("guide", ResourceItem("Guide de l'animation", description="<p>Pas à pas.</p>",
                                            category="guides", tags=("animation",)))
        tm.commit()
    return ids


def client(wsgi, visitor):
    """A browser for the visitor; « non_valide » is signed in, then its account set pending."""
    app = webtest.TestApp(wsgi)
    if visitor == "anonyme":
        return app
    name = "candidat_a" if visitor == "non_valide" else visitor
    if visitor == "non_valide":
        set_state(wsgi, name, "active")
    sign_in(app, name)
    if visitor == "non_valide":
        set_state(wsgi, name, "pending")
    return app


@pytest.fixture(scope="module")
def site():
    wsgi = make_app()
    return wsgi, populate(wsgi)


def results(page):
    return [a.get_text(strip=True) for a in page.html.select("ol.results li > a")]


def facets(page):
    """{facet label: count} as shown in « Affiner »."""
    found = {}
    for li in page.html.select("nav.facets li"):
        match = re.match(r"(.+?)\s*\((\d+)\)$", " ".join(li.get_text().split()))
        if match:
            found[match.group(1)] = int(match.group(2))
    return found


def expected_a_titles(visitor):
    return {title_of(kind, level) for kind in KIND_TITLES for level in SEES[visitor]}


@pytest.mark.parametrize("visitor", VISITORS)
def test_results_and_facets_are_exactly_what_the_visitor_may_see(site, visitor):
    wsgi, _ = site
    app = client(wsgi, visitor)
    page = app.get("/recherche", {"q": "saint etienne"})
    a_items = expected_a_titles(visitor)
    expected = a_items | {"Pique-nique annulé", "Conseil des Tilleuls", "Conseil de Montreynaud",
                          "Rencontre nationale des conseils citoyens"}
    assert set(results(page)) == expected
    levels = len(SEES[visitor])
    counts = facets(page)
    assert counts == {"Conseils": 2, "Documents": levels, "Comptes rendus d'action": levels,
                      "Événements": levels + 1, "Actualités": 1,
                      "Loire (42)": 3 * levels + 1 + 2}
    assert f"{len(expected)} résultat(s)" in page.text


@pytest.mark.parametrize("visitor", ["anonyme", "membre_b", "membre_a"])
def test_a_facet_filters_and_recounts(site, visitor):
    wsgi, _ = site
    app = client(wsgi, visitor)
    page = app.get("/recherche", {"q": "saint etienne"})
    link = page.html.find("a", string="Documents")
    assert link["href"] == "/recherche?q=saint+etienne&kind=document"
    filtered = app.get(link["href"])
    assert set(results(filtered)) == {title_of("document", level) for level in SEES[visitor]}
    assert facets(filtered)["Loire (42)"] == len(SEES[visitor])
    both = app.get("/recherche", {"q": "saint etienne", "kind": "event", "departement": "42"})
    assert set(results(both)) == ({title_of("event", level) for level in SEES[visitor]}
                                  | {"Pique-nique annulé"})
    assert app.get("/recherche", {"q": "saint etienne", "departement": "93"}).html.select(
        "ol.results li") == []


@pytest.mark.parametrize("q", ["saint etienne", "SAINT-ÉTIENNE", "Saint-Etienne", "saint éti"])
def test_accents_and_case_fold(site, q):
    wsgi, _ = site
    found = set(results(webtest.TestApp(wsgi).get("/recherche", {"q": q})))
    assert {"Conseil des Tilleuls", title_of("document", "public")} <= found


def test_words_in_titles_descriptions_and_texts_are_found(site):
    wsgi, _ = site
    app = webtest.TestApp(wsgi)
    assert results(app.get("/recherche", {"q": "jaures"}))  # in descriptions, as HTML
    assert results(app.get("/recherche", {"q": "echanges"})) == [
        "Rencontre nationale des conseils citoyens"]  # in a news item's text
    assert results(app.get("/recherche", {"q": "animation"})) == ["Guide de l'animation"]
    assert set(results(app.get("/recherche", {"q": "reunion quart"}))) == {
        title_of("event", "public")}  # the last word may be unfinished


def test_results_show_kind_place_date_and_extract(site):
    wsgi, _ = site
    page = webtest.TestApp(wsgi).get("/recherche", {"q": "fete voisins"})
    card = page.html.select_one("ol.results li")
    text = " ".join(card.get_text().split())
    assert "Compte rendu d'action" in text
    assert "Conseil des Tilleuls — Saint-Étienne (42)" in text
    assert "Action du lundi 4 mai 2026" in text
    assert "Rendez-vous à Saint-Étienne" in text and "place Jean-Jaurès." in text
    assert card.a["href"].startswith("/territoires/")
    council = webtest.TestApp(wsgi).get("/recherche", {"q": "tilleuls"})
    assert "Conseil" in council.html.select_one("ol.results li").get_text()


def test_extract_is_taken_around_the_words_searched(tmp_path):
    wsgi = make_app()
    build_site(wsgi)
    long_text = "<p>" + "Introduction sans rapport. " * 30 + "Le potager du square Dorian ouvre."
    with open_registry_root(wsgi.registry) as (root, tm):
        a = root.territoires.council_by_code("A")
        a.add("long", Document("Long document", a.id, visibility="public",
                               description=long_text + " Fin du texte.</p>" + " Suite." * 40))
        tm.commit()
    card = webtest.TestApp(wsgi).get("/recherche", {"q": "potager"}).html.select_one(
        "ol.results li p").get_text()
    assert card.startswith("…") and card.endswith("…") and len(card) <= 230
    assert "Le potager du square Dorian ouvre." in card


def test_newest_first_and_by_relevance(site):
    wsgi, _ = site
    app = webtest.TestApp(wsgi)
    page = app.get("/recherche", {"q": "saint etienne"})
    found = results(page)
    # Events come soonest last (their date is ahead), councils (undated) at the end by name.
    assert found[:2] == ["Pique-nique annulé", title_of("event", "public")]
    assert found[-2:] == ["Conseil de Montreynaud", "Conseil des Tilleuls"]
    by_relevance = results(app.get("/recherche", {"q": "saint etienne", "tri": "pertinence"}))
    assert set(by_relevance) == set(found)
    # The councils say « Saint-Étienne » most (commune, intercommunality): first by relevance.
    assert set(by_relevance[:2]) == {"Conseil de Montreynaud", "Conseil des Tilleuls"}


def test_pagination_keeps_the_query_and_facets(tmp_path):
    wsgi = make_app()
    build_site(wsgi)
    with open_registry_root(wsgi.registry) as (root, tm):
        a = root.territoires.council_by_code("A")
        for n in range(25):
            a.add(f"doc-{n}", Document(f"Compost numéro {n}", a.id, visibility="public"))
        tm.commit()
    app = webtest.TestApp(wsgi)
    first = app.get("/recherche", {"q": "compost", "kind": "document"})
    assert len(results(first)) == 20 and "25 résultat(s)" in first.text
    assert results(first)[0] == "Compost numéro 24"
    following = first.html.find("a", rel="next")["href"]
    assert following == "/recherche?q=compost&kind=document&page=2"
    second = app.get(following)
    assert len(results(second)) == 5 and results(second)[-1] == "Compost numéro 0"
    assert not set(results(first)) & set(results(second))


def test_empty_query_shows_a_friendly_page(site):
    wsgi, _ = site
    page = webtest.TestApp(wsgi).get("/recherche")
    assert page.status_int == 200 and "Tapez quelques mots" in page.text
    assert page.html.select_one("form[role=search] input[name=q]") is not None
    assert page.html.select("ol.results") == []
    nothing = webtest.TestApp(wsgi).get("/recherche", {"q": "zzzzqx"})
    assert "Aucun résultat pour « zzzzqx »" in nothing.text


def test_html_in_the_query_is_escaped(site):
    wsgi, _ = site
    page = webtest.TestApp(wsgi).get("/recherche", {"q": '<script>alert("x")</script> "saint'})
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text
    assert 'value="&lt;script&gt;' in page.text


def test_users_and_territories_never_appear(site):
    wsgi, _ = site
    app = client(wsgi, "animateur")
    assert results(app.get("/recherche", {"q": "candidat"})) == []  # an account's name
    assert "Loire" not in results(app.get("/recherche", {"q": "loire"}))  # the département


@pytest.mark.parametrize("text", ["jardin", "jard", "Jardin PARTAGÉ", "conseil tille", "réunion",
                                  "mot-absent", "a", "saint éti"])
def test_unranked_matches_are_the_ranked_query_s_matches(site, text):
    """The date-ordered search skips Okapi's scoring (catalog.queries.text_docids): it must
    find exactly what the ranked text query finds."""
    from conseils_site.catalog.queries import text_docids, text_query
    from conseils_site.types import searchable_kinds
    from conseils_site.views.search import searchable

    wsgi, _ = site
    with open_registry_root(wsgi.registry) as (root, tm):
        catalog = root.catalog
        ranked = text_query(catalog, text)
        expected = set(ranked.execute().ids) if ranked is not None else set()
        found = text_docids(catalog, text)
        assert set(found or ()) == expected
        # The searchable ones: the matches less the other kinds', as meeting the search kinds.
        kinds = catalog.indexes["kind"].applyAny(list(searchable_kinds()))
        assert set(searchable(catalog, text)) == expected & set(kinds)


@pytest.mark.parametrize("visitor", ["anonymous", "membre_a", "membre_b", "membre_c", "animateur"])
def test_allowed_to_finds_what_the_union_of_principals_finds(site, visitor):
    """catalog.queries.AllowedTo intersects principal by principal; hypatia's Any builds the
    union first. Both must allow exactly the same documents, for every kind of query."""
    from hypatia.query import Any, Eq

    from conseils_site.catalog.queries import AllowedTo, text_query
    from conseils_site.security.principals import compute_principals

    wsgi, _ = site
    with open_registry_root(wsgi.registry) as (root, tm):
        catalog = root.catalog
        user = None if visitor == "anonymous" else root.users.find_by_email(email_of(visitor))
        principals = list(compute_principals(user, catalog)) if user else ["system.Everyone"]
        allowed = catalog.indexes["allowed"]
        for query in (Eq(catalog.indexes["kind"], "document"),
                      Any(catalog.indexes["kind"], ["event", "action_report", "forum_topic"]),
                      text_query(catalog, "réunion")):
            union = set((query & Any(allowed, principals)).execute().ids)
            one_by_one = set((query & AllowedTo(allowed, principals)).execute().ids)
            assert one_by_one == union
