"""/actualites and /ressources: the animators publish, everyone reads, councils' public work shows."""
import datetime
import io

import pytest
import webtest
from PIL import Image

from conseils_site.resources.content import PARIS, ActionReport, Document, NewsItem, ResourceItem
from conseils_site.resources.files import MB
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.support import build_site, signed_in

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
LEVELS = ("conseil", "groupes", "membres", "public")


def png(width=40, height=30, color="red"):
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def site(tmp_path):
    """A FileStorage with blobs: files live in blobs, which the in-memory storage lacks."""
    wsgi = make_app(**{"zodbconn.uri": f"fsblobs://{tmp_path}/Data.fs?blobstorage_dir={tmp_path}/blobs",
                       "mail.queue_path": str(tmp_path / "mail"),
                       "conseils.upload_path": str(tmp_path / "uploads")})
    yield wsgi, build_site(wsgi)
    wsgi.registry._zodb_databases[""].close()


def news_form(app, path="/actualites/ajouter"):
    return app.get(path).forms["actualite"]


# --- News ------------------------------------------------------------------------------------

def test_animator_writes_edits_and_deletes_a_news_item(site):
    wsgi, _ = site
    app = signed_in(wsgi, "animateur")
    assert "Publier une actualité" in app.get("/actualites").text
    form = news_form(app)
    form["title"] = "Rencontre nationale à Lyon"
    form["date"] = "2025-03-01"
    form["summary"] = "Les conseils se retrouvent."
    form["text"] = "Premier paragraphe.\n\nSecond paragraphe."
    form["upload"] = webtest.Upload("photo.png", png(3000, 1500), "image/png")
    form["image_alt"] = "La salle de la rencontre"
    item = form.submit().follow()
    assert "est publiée" in item.text
    assert "<h1>Rencontre nationale à Lyon</h1>" in item.text
    assert "1er mars 2025" in item.text
    assert "<p>Premier paragraphe.</p><p>Second paragraphe.</p>" in item.text
    assert 'alt="La salle de la rencontre"' in item.text and 'width="1600" height="800"' in item.text
    image = app.get("/actualites/rencontre-nationale-a-lyon/image")
    assert image.content_type == "image/png"
    assert Image.open(io.BytesIO(image.body)).size == (1600, 800)  # shrunk by clean_image
    listing = webtest.TestApp(wsgi).get("/actualites")
    assert "Rencontre nationale à Lyon" in listing.text and "Les conseils se retrouvent." in listing.text
    assert listing.html.select_one('link[type="application/atom+xml"]')["href"].endswith("/actualites/flux.atom")

    form = news_form(app, "/actualites/rencontre-nationale-a-lyon/modifier")
    assert form["title"].value == "Rencontre nationale à Lyon"
    form["title"] = "Rencontre nationale à Lyon (report)"
    form["existing"] = False  # remove the image
    page = form.submit().follow()
    assert "Rencontre nationale à Lyon (report)" in page.text and "<img" not in page.text.split("<main")[1]
    app.get("/actualites/rencontre-nationale-a-lyon/image", status=404)
    with open_registry_root(wsgi.registry) as (root, tm):
        item = root["actualites"]["rencontre-nationale-a-lyon"]
        assert item.image is None
        docids = root.catalog.indexes["kind"].applyEq("news")
        assert [root.catalog.get(d).title for d in docids] == ["Rencontre nationale à Lyon (report)"]

    confirm = app.get("/actualites/rencontre-nationale-a-lyon/supprimer")
    assert "Voulez-vous vraiment supprimer" in confirm.text
    after = next(f for f in confirm.forms.values()
                 if "csrf_token" in f.fields and f.action != "/deconnexion").submit().follow()
    assert "est supprimée" in after.text and "Aucune actualité" in after.text
    app.get("/actualites/rencontre-nationale-a-lyon", status=404)


def test_news_list_is_newest_first_and_paginated(site):
    wsgi, _ = site
    with open_registry_root(wsgi.registry) as (root, tm):
        for day in range(1, 13):
            date = datetime.datetime(2025, 1, day, 12, tzinfo=PARIS)
            root["actualites"].add(f"n{day}", NewsItem(f"Nouvelle numéro {day:02d}", date=date))
        tm.commit()
    app = webtest.TestApp(wsgi)
    first = app.get("/actualites")
    titles = [t for t in first.html.select("main h2 a")]
    assert [t.text for t in titles] == [f"Nouvelle numéro {d:02d}" for d in range(12, 2, -1)]
    assert "Page 1 sur 2" in first.text
    second = app.get("/actualites?page=2")
    assert [t.text for t in second.html.select("main h2 a")] == ["Nouvelle numéro 02", "Nouvelle numéro 01"]
    assert "12 janvier 2025" in first.text


@pytest.mark.parametrize("who", [None, "membre_a"])
def test_news_forms_are_for_animators_only(site, who):
    wsgi, _ = site
    with open_registry_root(wsgi.registry) as (root, tm):
        root["actualites"].add("existante", NewsItem("Existante", text="<p>Texte</p>"))
        tm.commit()
    app = signed_in(wsgi, who)
    page = app.get("/actualites/existante")
    assert "Existante" in page.text and "Modifier" not in page.text
    assert "Publier une actualité" not in app.get("/actualites").text
    for path in ("/actualites/ajouter", "/actualites/existante/modifier",
                 "/actualites/existante/supprimer"):
        app.get(path, status=403)
    forms = app.get("/connexion").forms.values()
    token = next(f for f in forms if "csrf_token" in f.fields)["csrf_token"].value if who else ""
    app.post("/actualites/existante/supprimer", {"csrf_token": token}, status=(400, 403))
    with open_registry_root(wsgi.registry) as (root, tm):
        assert "existante" in root["actualites"]


def test_news_bad_input_keeps_what_was_typed_and_the_image(site):
    wsgi, _ = site
    app = signed_in(wsgi, "animateur")
    form = news_form(app)
    form["title"] = "x"
    form["date"] = "pas une date"
    form["summary"] = "Résumé <gardé>"
    form["text"] = ""
    form["upload"] = webtest.Upload("photo.png", png(), "image/png")
    page = form.submit(status=400)
    assert "Le formulaire n'a pas été enregistré" in page.text
    assert "Le titre doit faire au moins 3 caractères." in page.text
    assert "Écrivez le texte de l'actualité." in page.text
    assert "Cette date n'est pas valide : écrivez-la sous la forme 31/12/2025." in page.text
    assert "Résumé &lt;gardé&gt;" in page.text
    assert "« photo.png »" in page.text and "déjà reçu" in page.text
    form = page.forms["actualite"]
    form["title"] = "Un titre correct"
    form["date"] = "1/2/2025"  # typed by hand where the browser has no date picker
    form["text"] = "Le texte."
    page = form.submit(status=400)  # the image needs its description
    assert "Décrivez l'image en une phrase" in page.text and "« photo.png »" in page.text
    form = page.forms["actualite"]
    form["image_alt"] = "Un carré rouge"
    item = form.submit().follow()
    assert "Un titre correct" in item.text and 'alt="Un carré rouge"' in item.text
    assert "1er février 2025" in item.text
    assert app.get("/actualites/un-titre-correct/image").content_type == "image/png"


def test_news_refuses_wrong_and_oversized_images_keeping_the_fields(site):
    wsgi, _ = site
    app = signed_in(wsgi, "animateur")
    form = news_form(app)
    form["title"] = "Avec une fausse image"
    form["text"] = "Texte gardé"
    form["upload"] = webtest.Upload("photo.png", b"ceci n'est pas une image", "image/png")
    page = form.submit(status=400)
    assert "n'est pas d'un type accepté" in page.text
    assert 'value="Avec une fausse image"' in page.text and "Texte gardé" in page.text
    form = page.forms["actualite"]
    form["upload"] = webtest.Upload("broken.png", png()[:40], "image/png")
    assert "abîmée ou illisible" in form.submit(status=400).text
    form["upload"] = webtest.Upload("lourde.png", png() + b"\0" * (10 * MB), "image/png")
    page = form.submit(status=400)
    assert "est trop lourd" in page.text and "10 Mo au maximum" in page.text
    assert 'value="Avec une fausse image"' in page.text
    with open_registry_root(wsgi.registry) as (root, tm):
        assert len(root["actualites"]) == 0


def test_html_and_scripts_typed_in_news_never_run(site):
    wsgi, _ = site
    app = signed_in(wsgi, "animateur")
    form = news_form(app)
    form["title"] = "<script>alert('titre')</script> Titre piégé"
    form["summary"] = "<b onmouseover=alert(1)>chapô</b>"
    form["text"] = ('<p>Bonjour <strong>à tous</strong></p><script>alert("texte")</script>'
                    '<img src=x onerror=alert(2)><a href="javascript:alert(3)">lien</a>'
                    '<a href="https://exemple.fr">bon lien</a>')
    page = form.submit().follow()
    for shown in (page, webtest.TestApp(wsgi).get("/actualites")):
        main = shown.html.select_one("main")
        assert not main.select("script, img[src=x]")
        for tag in main.find_all(True):
            assert not [a for a in tag.attrs if a.lower().startswith("on")], tag
            assert not tag.get("href", "").lower().startswith("javascript"), tag
    assert "&lt;b onmouseover=alert(1)&gt;chapô&lt;/b&gt;" in page.text  # shown, as text
    assert page.html.select_one("main h1").text == "<script>alert('titre')</script> Titre piégé"
    assert "&lt;script&gt;alert(" in page.text
    assert "<strong>à tous</strong>" in page.text
    assert 'href="https://exemple.fr" rel="nofollow ugc noopener"' in page.text


# --- Toolbox ---------------------------------------------------------------------------------

def resource_form(app, path="/ressources/ajouter"):
    return app.get(path).forms["ressource"]


def test_animator_publishes_a_resource_with_files_and_edits_it(site):
    wsgi, _ = site
    app = signed_in(wsgi, "animateur")
    assert "Publier une ressource" in app.get("/ressources").text
    form = resource_form(app)
    form["title"] = "Guide du conseil citoyen"
    form["category"] = "guides"
    form["tags"] = "Démarrage, méthode, démarrage"
    form["description"] = "Un guide pour bien commencer."
    form["upload"] = [("Guide complet.pdf", PDF, "application/pdf"),
                      ("annexe.txt", "Annexe : les étapes.".encode(), "text/plain")]
    item = form.submit().follow()
    assert "annexe.txt" in item.text
    assert "La ressource « Guide du conseil citoyen » est publiée." in item.text
    assert "Guides et méthodes" in item.text and "guide-complet.pdf" in item.text
    assert "Démarrage" in item.text and item.text.count(">Démarrage</a>") == 1
    download = webtest.TestApp(wsgi).get("/ressources/guide-du-conseil-citoyen/guide-complet.pdf")
    assert download.content_type == "application/pdf" and download.body == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")

    form = resource_form(app, "/ressources/guide-du-conseil-citoyen/modifier")
    assert form["tags"].value == "Démarrage, méthode"
    assert [f.value for f in form.fields["existing"]] == ["annexe.txt", "guide-complet.pdf"]
    form.set("existing", False, index=1)  # drop the PDF, keep the annex, add notes
    form["upload"] = [("notes.txt", "Des notes en français.".encode(), "text/plain")]
    form["url"] = "https://www.exemple.fr/guide"
    page = form.submit().follow()
    assert "notes.txt" in page.text and "annexe.txt" in page.text
    assert "guide-complet.pdf" not in page.text
    assert 'href="https://www.exemple.fr/guide"' in page.text
    app.get("/ressources/guide-du-conseil-citoyen/guide-complet.pdf", status=404)
    assert app.get("/ressources/guide-du-conseil-citoyen/notes.txt").content_type == "text/plain"

    confirm = app.get("/ressources/guide-du-conseil-citoyen/supprimer")
    after = next(f for f in confirm.forms.values()
                 if "csrf_token" in f.fields and f.action != "/deconnexion").submit().follow()
    assert "est supprimée" in after.text and "Aucune ressource n'est encore publiée" in after.text


def test_toolbox_filters_by_category_and_tag(site):
    wsgi, _ = site
    with open_registry_root(wsgi.registry) as (root, tm):
        folder = root["ressources"]
        folder.add("r1", ResourceItem("Guide logement", category="guides", tags=("Logement",), url="https://a.fr"))
        folder.add("r2", ResourceItem("Kit d'animation", category="animation", tags=("jeunesse", "logement"), url="https://b.fr"))
        folder.add("r3", ResourceItem("Loi de 2014", category="textes", tags=("Loi",), url="https://c.fr"))
        tm.commit()
    app = webtest.TestApp(wsgi)

    def titles(query=""):
        return sorted(a.text for a in app.get("/ressources" + query).html.select("main h3 a"))

    assert titles() == ["Guide logement", "Kit d'animation", "Loi de 2014"]
    assert titles("?categorie=guides") == ["Guide logement"]
    assert titles("?motcle=logement") == ["Guide logement", "Kit d'animation"]
    assert titles("?motcle=LOGEMENT") == ["Guide logement", "Kit d'animation"]
    assert titles("?categorie=animation&motcle=logement") == ["Kit d'animation"]
    assert titles("?categorie=textes&motcle=logement") == []
    assert titles("?categorie=inconnue") == titles()
    page = app.get("/ressources?motcle=jeunesse")
    assert page.html.select_one('link[type="application/atom+xml"]')["href"].endswith("/ressources/flux.atom")
    assert "avec le mot-clé « jeunesse »" in page.text
    assert 'href="/ressources?motcle=jeunesse"' in page.text  # tags are filter links
    tabs = page.html.select("nav.tabs a")
    assert [(a.text, a.get("aria-current")) for a in tabs] == [
        ("Boîte à outils", "page"), ("Publications des conseils", None)]


def test_resource_bad_input(site):
    wsgi, _ = site
    app = signed_in(wsgi, "animateur")
    form = resource_form(app)
    form["title"] = "Sans rien"
    form["tags"] = "gardé"
    form["url"] = "javascript:alert(1)"
    page = form.submit(status=400)
    assert "Choisissez une catégorie" in page.text
    assert "Cette adresse n'est pas valide" in page.text
    assert 'value="Sans rien"' in page.text and 'value="gardé"' in page.text
    form = page.forms["ressource"]
    form["category"] = "autres"
    form["url"] = ""
    assert "Joignez au moins un fichier ou indiquez un lien" in form.submit(status=400).text
    form["upload"] = [("programme.exe", b"MZ\x90\x00\x03\x00\x00\x00", "application/pdf")]
    page = form.submit(status=400)
    assert "« programme.exe » n'est pas d'un type accepté" in page.text
    assert 'value="Sans rien"' in page.text
    form = page.forms["ressource"]
    form["upload"] = [("enorme.pdf", PDF + b"0" * (20 * MB), "application/pdf")]
    page = form.submit(status=400)
    assert "« enorme.pdf » est trop lourd (20,0 Mo) : 20 Mo au maximum." in page.text
    form = page.forms["ressource"]
    form["upload"] = [("bon.pdf", PDF, "application/pdf")]
    form["title"] = ""
    page = form.submit(status=400)  # the accepted file waits while the title is fixed
    assert "« bon.pdf »" in page.text and "Donnez un titre" in page.text
    form = page.forms["ressource"]
    form["title"] = "Enfin"
    item = form.submit().follow()
    assert "bon.pdf" in item.text and "gardé" in item.text


@pytest.mark.parametrize("who", [None, "membre_a"])
def test_resource_forms_are_for_animators_only(site, who):
    wsgi, _ = site
    with open_registry_root(wsgi.registry) as (root, tm):
        root["ressources"].add("outil", ResourceItem("Outil", category="guides", url="https://a.fr"))
        tm.commit()
    app = signed_in(wsgi, who)
    assert "Outil" in app.get("/ressources/outil").text
    for path in ("/ressources/ajouter", "/ressources/outil/modifier", "/ressources/outil/supprimer"):
        app.get(path, status=403)


# --- Publications des conseils ---------------------------------------------------------------

@pytest.fixture
def published(site):
    """Council A holds a document and an action report at each level; C one public document."""
    wsgi, ids = site
    with open_registry_root(wsgi.registry) as (root, tm):
        a = root.territoires.council_by_code("A")
        c = root.territoires.council_by_code("C")
        for n, level in enumerate(LEVELS):
            a.add(f"doc-{level}", Document(f"Document {level}", a.id, visibility=level,
                                           description=f"<p>Niveau {level}</p>"))
            a.add(f"cr-{level}", ActionReport(f"Compte rendu {level}", a.id,
                                              datetime.date(2025, 1, 10 + n), visibility=level))
        c.add("doc", Document("Document de Saint-Denis", c.id, visibility="public"))
        c.add("secret", Document("Document secret de Saint-Denis", c.id, visibility="membres"))
        tm.commit()
    return wsgi, ids


def publication_titles(app, query=""):
    page = app.get("/ressources/publications" + query)
    return sorted(a.text for a in page.html.select("main h3 a"))


@pytest.mark.parametrize("who", [None, "membre_a", "animateur"])
def test_publications_show_only_public_council_items(published, who):
    wsgi, _ = published
    app = signed_in(wsgi, who)
    assert publication_titles(app) == ["Compte rendu public", "Document de Saint-Denis", "Document public"]
    page = app.get("/ressources/publications")
    assert [(a.text, a.get("aria-current")) for a in page.html.select("nav.tabs a")] == [
        ("Boîte à outils", None), ("Publications des conseils", "page")]
    assert "Conseil des Tilleuls" in page.text and "Compte rendu d'action" in page.text


def test_publications_filter_by_kind_region_and_departement(published):
    wsgi, _ = published
    app = webtest.TestApp(wsgi)
    assert publication_titles(app, "?type=document") == ["Document de Saint-Denis", "Document public"]
    assert publication_titles(app, "?type=action_report") == ["Compte rendu public"]
    assert publication_titles(app, "?departement=42") == ["Compte rendu public", "Document public"]
    assert publication_titles(app, "?departement=93") == ["Document de Saint-Denis"]
    assert publication_titles(app, "?region=84") == ["Compte rendu public", "Document public"]
    assert publication_titles(app, "?region=11&type=document") == ["Document de Saint-Denis"]
    assert publication_titles(app, "?region=11&type=action_report") == []
    assert "Aucune publication ne correspond à ces filtres." in app.get(
        "/ressources/publications?departement=01").text
    assert publication_titles(app, "?type=event&region=zz") == publication_titles(app)


def test_publications_are_paginated_newest_first(site):
    wsgi, _ = site
    with open_registry_root(wsgi.registry) as (root, tm):
        a = root.territoires.council_by_code("A")
        for day in range(1, 24):
            a.add(f"cr-{day}", ActionReport(f"Action du {day:02d}", a.id, datetime.date(2025, 1, day),
                                            visibility="public"))
        tm.commit()
    app = webtest.TestApp(wsgi)
    first = app.get("/ressources/publications")
    titles = [a.text for a in first.html.select("main h3 a")]
    assert titles[:2] == ["Action du 23", "Action du 22"] and len(titles) == 20
    assert "23 publication(s)" in first.text and "Page 1 sur 2" in first.text
    second = app.get("/ressources/publications?page=2")
    assert [a.text for a in second.html.select("main h3 a")] == ["Action du 03", "Action du 02", "Action du 01"]
