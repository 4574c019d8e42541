"""Who sees a council's items: downloads, listings, the dashboard and the public page's helper all
follow the access level, at once when it changes; nothing typed ever runs as HTML."""
import datetime

import pytest
import webtest
from pyramid.request import Request
from pyramid.scripting import prepare

from conseils_site.resources.content import PARIS, ActionReport, Document, Event
from conseils_site.scripts import open_registry_root
from conseils_site.views.content import council_items_for
from tests.functional.test_content import (  # noqa: F401 (the fixture)
    PDF,
    add_item,
    classic,
    png,
    site,
    submit,
)
from tests.support import signed_in


def with_files(wsgi, ids, visibility, title="Document"):
    return add_item(wsgi, ids, classic(ids, title=title, visibility=visibility),
                    files=[("plan.pdf", PDF, "pdf"), ("photo.png", png(), "png")])


# --- Downloads -------------------------------------------------------------------------------

def test_download_headers(site):
    wsgi, ids = site
    path = with_files(wsgi, ids, "conseil")
    app = signed_in(wsgi, "membre_a")
    pdf = app.get(path + "/plan.pdf")
    assert pdf.body == PDF and pdf.content_type == "application/pdf"
    assert pdf.headers["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    assert pdf.headers["X-Content-Type-Options"] == "nosniff"
    assert pdf.headers["Cache-Control"] == "private"
    assert "sandbox" in pdf.headers["Content-Security-Policy"]
    image = app.get(path + "/photo.png")
    assert image.content_type == "image/png" and image.body == png()
    assert image.headers["Content-Disposition"] == 'inline; filename="photo.png"'
    assert image.headers["Cache-Control"] == "private"
    for url in (path + "/plan.pdf", path + "/photo.png"):  # the matrix checks PDFs; images too
        hidden = signed_in(wsgi, "membre_b").get(url, status=404)
        assert PDF not in hidden.body and png() not in hidden.body
    public = with_files(wsgi, ids, "public", title="Affiche")
    response = webtest.TestApp(wsgi).get(public + "/plan.pdf")
    assert "public" in response.headers["Cache-Control"] and "private" not in response.headers["Cache-Control"]


# --- Listings --------------------------------------------------------------------------------

def fill(wsgi, ids, count, visibility, start=0):
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        base = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
        for n in range(start, start + count):
            item = Document(f"Document {visibility} {n:02d}", council.id, author_id=ids["membre_a"],
                            visibility=visibility)
            item.created = base + datetime.timedelta(days=n)
            council.add(council.unique_name(item.title), item)
        tm.commit()


def test_documents_listing_shows_only_allowed_items_page_by_page(site):
    wsgi, ids = site
    fill(wsgi, ids, 25, "conseil")
    fill(wsgi, ids, 3, "public", start=30)
    listing = ids["path_A"] + "/@@documents"
    member = signed_in(wsgi, "membre_a")
    first = member.get(listing)
    assert "1 à 20 sur 28" in first.text and "Page 1 sur 2" in first.text
    assert first.text.index("Document public 32") < first.text.index("Document conseil 24")  # newest first
    assert "Document conseil 04" not in first.text
    second = member.get(listing + "?page=2")
    assert "21 à 28 sur 28" in second.text and "Document conseil 00" in second.text
    for who in (None, "membre_b", "membre_c"):
        page = signed_in(wsgi, who).get(listing)
        assert "1 à 3 sur 3" in page.text and "Document public 30" in page.text
        assert "Document conseil" not in page.text and "Page 1 sur" not in page.text
    assert "Créer un document" in first.text
    assert "Créer un document" not in signed_in(wsgi, "membre_c").get(listing).text


def test_actions_listing(site):
    wsgi, ids = site
    add_item(wsgi, ids, lambda c: ActionReport("Jardin partagé", c.id, datetime.date(2025, 5, 2),
                                               author_id=ids["membre_a"], visibility="membres"))
    add_item(wsgi, ids, lambda c: ActionReport("Réunion interne", c.id, datetime.date(2025, 5, 3),
                                               author_id=ids["membre_a"]))
    page = signed_in(wsgi, "membre_c").get(ids["path_A"] + "/@@actions")
    assert "Jardin partagé" in page.text and "Action du 2 mai 2025" in page.text
    assert "Réunion interne" not in page.text
    assert "Qui peut voir : Tous les conseillers" in page.text


def test_events_listing_shows_upcoming_first_then_past(site):
    wsgi, ids = site
    now = datetime.datetime.now(PARIS).replace(microsecond=0)

    def event(title, days, visibility="public"):
        start = now + datetime.timedelta(days=days)
        add_item(wsgi, ids, lambda c: Event(title, c.id, start, start + datetime.timedelta(hours=2),
                                            author_id=ids["membre_a"], visibility=visibility))

    event("Dans un mois", 30)
    event("Demain", 1)
    event("Le mois dernier", -30)
    event("La semaine dernière", -7)
    event("Réservé au conseil", 3, visibility="conseil")
    page = webtest.TestApp(wsgi).get(ids["path_A"] + "/@@evenements")
    text = page.text
    order = [text.index(t) for t in ("À venir", "Demain", "Dans un mois", "Passés",
                                     "La semaine dernière", "Le mois dernier")]
    assert order == sorted(order)
    assert "Réservé au conseil" not in text
    assert "Réservé au conseil" in signed_in(wsgi, "membre_a").get(ids["path_A"] + "/@@evenements").text


def test_events_pages_continue_from_upcoming_into_past(site):
    wsgi, ids = site
    now = datetime.datetime.now(PARIS).replace(microsecond=0)
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        for n in range(1, 16):
            start = now + datetime.timedelta(days=n)
            council.add(f"futur-{n:02d}", Event(f"Futur {n:02d}", council.id, start, start, visibility="public"))
        for n in range(1, 11):
            start = now - datetime.timedelta(days=n)
            council.add(f"passe-{n:02d}", Event(f"Passé {n:02d}", council.id, start, start, visibility="public"))
        tm.commit()
    visitor = webtest.TestApp(wsgi)
    first = visitor.get(ids["path_A"] + "/@@evenements").text
    assert "Page 1 sur 2" in first
    assert all(f"Futur {n:02d}" in first for n in range(1, 16))
    assert all(f"Passé {n:02d}" in first for n in range(1, 6)) and "Passé 06" not in first
    assert first.index("Futur 15") < first.index("Passés") < first.index("Passé 01") < first.index("Passé 05")
    second = visitor.get(ids["path_A"] + "/@@evenements?page=2").text
    assert "À venir" not in second and "Futur" not in second
    assert all(f"Passé {n:02d}" in second for n in range(6, 11)) and "Passé 05" not in second


# --- A change of access takes effect at once ---------------------------------------------------

def test_changing_the_visibility_takes_effect_at_once(site):
    wsgi, ids = site
    path = with_files(wsgi, ids, "conseil", title="Budget participatif")
    visitor = webtest.TestApp(wsgi)
    assert "Budget participatif" not in visitor.get(path, status=404).text
    visitor.get(path + "/plan.pdf", status=404)
    assert "Budget participatif" not in visitor.get(ids["path_A"] + "/@@documents").text
    author = signed_in(wsgi, "membre_a")
    form = author.get(path + "/@@modifier").forms["document"]
    page = submit(author, form, visibility="public", status=303).follow()
    assert "Visible par tout le monde" in page.text
    assert "Budget participatif" in visitor.get(ids["path_A"] + "/@@documents").text
    assert visitor.get(path + "/plan.pdf").body == PDF
    with open_registry_root(wsgi.registry) as (root, tm):
        doc = root.territoires.council_by_code("A")["budget-participatif"]
        assert "system.Everyone" in root.catalog.indexes["allowed"].discriminate(doc, None)
    form = author.get(path + "/@@modifier").forms["document"]
    submit(author, form, visibility="conseil", status=303)
    assert "Budget participatif" not in visitor.get(ids["path_A"] + "/@@documents").text
    assert PDF not in visitor.get(path + "/plan.pdf", status=404).body
    assert "Budget participatif" not in signed_in(wsgi, "membre_b").get(ids["path_A"] + "/@@documents").text


# --- The dashboard and the public page's helper ----------------------------------------------

def test_dashboard_lists_latest_items_and_upcoming_events(site):
    wsgi, ids = site
    fill(wsgi, ids, 2, "conseil")
    start = datetime.datetime.now(PARIS) + datetime.timedelta(days=5)
    add_item(wsgi, ids, lambda c: Event("Assemblée générale", c.id, start, start + datetime.timedelta(hours=2),
                                        author_id=ids["membre_b"], visibility="groupes"))
    page = signed_in(wsgi, "membre_a").get(ids["path_A"] + "/@@tableau-de-bord")
    latest, upcoming = page.text.split("Derniers contenus")[1].split("Prochains événements")
    assert "Document conseil 01" in latest and "Assemblée générale" in latest
    assert "Assemblée générale" in upcoming and "Document conseil" not in upcoming.split("Inscriptions")[0]
    assert "Qui peut voir : Mes groupes de travail" in latest
    assert "Inscriptions à valider" in page.text  # the queue stays


def test_council_items_for_gives_each_visitor_what_they_may_see(site):
    wsgi, ids = site
    fill(wsgi, ids, 2, "conseil")
    fill(wsgi, ids, 2, "public", start=5)
    request = Request.blank("/")
    env = prepare(request=request, registry=wsgi.registry)
    request.root = env["root"]  # as traversal would set it
    try:
        council = request.root.territoires.council_by_code("A")
        rows = council_items_for(request, council, limit=10)
        assert [r.title for r in rows] == ["Document public 06", "Document public 05"]
        assert rows[0].url.endswith("/document-public-06/") and rows[0].level_label == "Tout le monde"
        assert len(council_items_for(request, council, limit=1)) == 1
    finally:
        env["closer"]()


# --- Nothing typed runs ----------------------------------------------------------------------

SCRIPT_TITLE = '<script>alert("titre")</script>Fête <b>du</b> quartier'
SCRIPT_TEXT = ('<p onclick="alert(1)">Bonjour <img src=x onerror="alert(2)"><strong>gras</strong></p>'
               '<script>alert(3)</script><a href="javascript:alert(4)">lien</a>')


def assert_harmless(text):
    assert "<script>alert" not in text and "onerror" not in text and "onclick" not in text
    assert "javascript:" not in text


def test_html_and_scripts_never_run_on_any_page(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouveau-document").forms["document"]
    doc = submit(app, form, title=SCRIPT_TITLE, description=SCRIPT_TEXT, mode="collaboratif",
                 body=SCRIPT_TEXT, visibility="public", status=303).follow()
    form = app.get(ids["path_A"] + "/@@nouvelle-action").forms["action_report"]
    report = submit(app, form, title=SCRIPT_TITLE, text=SCRIPT_TEXT, status=303).follow()
    form = app.get(ids["path_A"] + "/@@nouvel-evenement").forms["event"]
    day = (datetime.datetime.now(PARIS) + datetime.timedelta(days=3)).date().isoformat()
    form.set("start", day, index=0)
    form.set("start", "10:00", index=1)
    form.set("end", "12:00", index=1)
    event = submit(app, form, title=SCRIPT_TITLE, description=SCRIPT_TEXT, place='<script>x</script>Mairie',
                   status=303).follow()
    for page in (doc, report, event):
        assert_harmless(page.text)
        assert "&lt;script&gt;alert" in page.text  # the title is shown as typed, escaped
        assert "<strong>gras</strong>" in page.text  # formatting survives the cleaning
    assert "&lt;script&gt;x&lt;/script&gt;Mairie" in event.text
    pages = [app.get(ids["path_A"] + "/@@" + name) for name in ("documents", "actions", "evenements")]
    pages += [app.get(ids["path_A"] + "/@@tableau-de-bord"), webtest.TestApp(wsgi).get(ids["path_A"] + "/@@documents")]
    for page in pages:
        assert_harmless(page.text)
        assert "&lt;script&gt;alert" in page.text
    edit = app.get(doc.request.path + "@@modifier")
    assert_harmless(edit.text)  # the edit form shows the cleaned text, escaped
