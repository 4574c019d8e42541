"""/admin/activite: the animators' numbers on a small dataset whose answers we know."""
import datetime

import pytest
import webtest

from conseils_site.resources.content import PARIS, ActionReport, Document, Event
from conseils_site.resources.users import User
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.support import build_site, sign_in

MONTHS = ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
          "octobre", "novembre", "décembre")


def months_ago(k, day=15):
    """Noon (Paris) of a day `k` months back, in UTC as the site stores moments."""
    now = datetime.datetime.now(PARIS)
    year, month = now.year, now.month - k
    while month < 1:
        month, year = month + 12, year - 1
    return datetime.datetime(year, month, day, 12, tzinfo=PARIS).astimezone(datetime.UTC)


def label(k):
    moment = months_ago(k).astimezone(PARIS)
    return f"{MONTHS[moment.month - 1]} {moment.year}"


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)  # 8 accounts, plus the animator created at the first start: 9 this month
    with open_registry_root(wsgi.registry) as (root, tm):
        for n, k in enumerate((3, 3, 14)):
            user = User(f"ancien{n}@exemple.fr", "Ancien", f"N{n}", "x", state="active")
            user.created = months_ago(k)
            root.users.add_user(user)
        a, b, c = (root.territoires.council_by_code(code) for code in "ABC")

        def add(council, item, k):
            item.created = months_ago(k)
            council.add(council.unique_name(item.title), item)

        add(a, Document("Doc 1", a.id, visibility="public"), 1)
        add(a, Document("Doc 2", a.id, visibility="conseil"), 1)
        add(a, ActionReport("Action", a.id, datetime.date(2020, 1, 1), visibility="membres"), 5)
        start = months_ago(0, day=1)
        add(b, Event("Réunion", b.id, start, start + datetime.timedelta(hours=2)), 0)
        add(c, Document("Doc C", c.id, visibility="groupes"), 1)
        add(c, Document("Vieux doc C", c.id, visibility="public"), 13)  # outside the 12 months
        a.description = "<p>Le conseil des Tilleuls se réunit chaque mois.</p>"
        c.phone = "01 23 45 67 89"
        tm.commit()
    return wsgi, ids


def table(page, caption_start):
    found = next(t for t in page.html.select("table") if t.caption.text.startswith(caption_start))
    return [[cell.text.strip() for cell in row.select("th, td")] for row in found.select("tbody tr")]


def test_activity_page_counts_months_departements_and_fiches(site):
    wsgi, _ = site
    app = webtest.TestApp(wsgi)
    sign_in(app, "animateur")
    page = app.get("/admin/activite")
    rows = table(page, "Les chiffres du graphique")
    assert len(rows) == 12
    assert [r[0] for r in rows] == [label(k) for k in range(11, -1, -1)]
    expected = {0: ("9", "1"), 1: ("0", "3"), 3: ("2", "0"), 5: ("0", "1")}
    for k in range(12):
        assert tuple(rows[11 - k][1:]) == expected.get(k, ("0", "0")), label(k)
    assert "11 inscription(s) et 5 contenu(s) publié(s)" in page.text

    svg = page.html.select_one("figure svg")
    assert svg["role"] == "img" and svg.title.text.startswith("Inscriptions et contenus publiés par mois")
    assert svg["aria-labelledby"] == "graphique-titre graphique-description"
    assert len(svg.select("rect")) == 24
    assert any(t.text == f"{label(0)} — Inscriptions : 9" for t in svg.select("rect title"))
    assert not page.html.select("[style]") and not page.html.select("script:not([src])")

    assert table(page, "Les 2 départements") == [["1", "Loire (42)", "4"],
                                                  ["2", "Seine-Saint-Denis (93)", "1"]]
    counts = page.html.select_one("#fiches-compte").text
    assert " ".join(counts.split()).startswith("Sur 3 conseils, 2 ont une fiche remplie et 1 une fiche encore vide")
    assert page.html.select_one("#carte-fiches")["data-url"] == "/admin/fiches.json"

    data = app.get("/admin/fiches.json").json
    assert (data["filled"], data["empty"]) == (2, 1)
    fiches = {c["nom"]: c["fiche"] for c in data["councils"]}
    assert fiches == {"Conseil des Tilleuls": True, "Conseil de Montreynaud": False,
                      "Conseil des Francs-Moisins": True}
    assert all(isinstance(c["lat"], float) and c["url"].startswith("/territoires/")
               for c in data["councils"])
    assert "Activité de la plate-forme" in app.get("/admin").text


def test_activity_with_nothing_published(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    app = webtest.TestApp(wsgi)
    sign_in(app, "animateur@example.org", "mot-de-passe-animateur")
    page = app.get("/admin/activite")
    assert "Aucun contenu n'a été publié ces douze derniers mois." in page.text
    assert table(page, "Les chiffres du graphique")[-1][1:] == ["1", "0"]  # the animator's account
    assert "Sur 0 conseils" in page.text


@pytest.mark.parametrize("who", [None, "membre_a"])
def test_activity_is_for_animators_only(site, who):
    wsgi, _ = site
    app = webtest.TestApp(wsgi)
    if who:
        sign_in(app, who)
    # The admin area is hidden from them: the 404 of a missing page (#14.4), nothing of it shown.
    for url in ("/admin/activite", "/admin/fiches.json"):
        page = app.get(url, status=404)
        assert "Page introuvable" in page.text and "Activité de la plate-forme" not in page.text
