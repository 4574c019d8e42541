"""Documents, action reports and events of a council: create, edit and delete them from the
council's space, and every bad input refused in French with what was typed kept."""
import datetime
import io

import pytest
import webtest
from PIL import Image

from conseils_site.resources.content import PARIS, Document, Event
from conseils_site.resources.files import MB
from conseils_site.resources.users import User
from conseils_site.scripts import open_registry_root
from conseils_site.security.passwords import hash_password
from conseils_site.security.roles import grant_role
from tests.conftest import make_app
from tests.support import PASSWORD, build_site, csrf, signed_in

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
EXTRA_PEOPLE = ("autre_a", "referent_a")  # a second member of A, and a member holding référent


def png(width=40, height=30, color="red"):
    out = io.BytesIO()
    Image.new("RGB", (width, height), color).save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def site(tmp_path):
    """Councils A, B (grouped) and C with their accounts, on a FileStorage with blobs."""
    wsgi = make_app(**{"zodbconn.uri": f"fsblobs://{tmp_path}/Data.fs?blobstorage_dir={tmp_path}/blobs",
                       "mail.queue_path": str(tmp_path / "mail"),
                       "conseils.upload_path": str(tmp_path / "uploads")})
    ids = build_site(wsgi)
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        for name in EXTRA_PEOPLE:
            first, _, last = name.partition("_")
            user = User(f"{first}.{last}@exemple.fr", first.capitalize(), last.upper(),
                        hash_password(PASSWORD), state="active", council_ids=[council.id])
            root.users.add_user(user)
            ids[name] = user.id
        grant_role(council, root.users[ids["referent_a"]], "referent",
                   {"id": ids["animateur"], "name": "Animateur"}, root.audit)
        tm.commit()
    yield wsgi, ids
    wsgi.registry._zodb_databases[""].close()


def submit(app, form, files=(), photos=(), status=None, **changes):
    """Post a form page's form with several files per field, as a browser does."""
    for name, value in changes.items():
        form[name] = value
    fields = [(k, v) for k, v in form.submit_fields() if k not in ("files", "photos")]
    uploads = [("files", n, d) for n, d in files] + [("photos", n, d) for n, d in photos]
    return app.post(form.response.request.path, fields, upload_files=uploads or None, status=status)


def set_moment(form, name, day, hour):
    form.set(name, day, index=0)
    form.set(name, hour, index=1)


def future(days=30):
    return (datetime.datetime.now(PARIS) + datetime.timedelta(days=days)).date()


def council_items(wsgi, code="A"):
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code(code)
        return {name: (item.kind, item.title) for name, item in council.items()}


def add_item(wsgi, ids, item_factory, files=()):
    """Put an item straight into council A (as the form would), with files; returns its path."""
    from conseils_site.resources import Attachment

    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        item = item_factory(council)
        council.add(council.unique_name(item.title), item)
        for filename, data, kind in files:
            item.add(filename, Attachment(filename, data, kind))
        tm.commit()
        return f"{ids['path_A']}/{item.__name__}"


def classic(ids, title="Compte rendu de réunion", visibility="conseil", mode="classique", author="membre_a"):
    return lambda council: Document(title, council.id, author_id=ids[author], visibility=visibility,
                                    description="<p>Une description.</p>", mode=mode)


# --- Create ----------------------------------------------------------------------------------

def test_member_creates_a_classic_document_with_files_from_the_dashboard(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    dashboard = app.get("/gerer").follow()
    for label in ("Modifier la fiche", "Créer un document", "Créer une nouvelle action",
                  "Créer un nouvel événement"):
        assert label in dashboard.text
    page = dashboard.click("Créer un document")
    form = page.forms["document"]
    assert form["visibility"].value == "conseil"  # the default level
    assert "Visible uniquement par les membres de votre conseil" in page.text
    assert 'type="file" name="files"' in page.text and "multiple" in page.text
    result = submit(app, form, files=[("Compte rendu.pdf", PDF), ("notes.txt", b"Ordre du jour\n")],
                    title="Réunion du 3 mars", description="Le compte rendu.\n\nÀ lire avant jeudi.",
                    status=303)
    assert result.location.endswith(ids["path_A"] + "/reunion-du-3-mars/")
    item = result.follow()
    assert "<h1>Réunion du 3 mars</h1>" in item.text
    assert "<p>Le compte rendu.</p><p>À lire avant jeudi.</p>" in item.text
    assert "Membre A" in item.text  # the author
    assert "Qui peut voir ceci :" in item.text and "Visible uniquement par les membres de votre conseil" in item.text
    assert "compte-rendu.pdf" in item.text and "PDF, 1 ko" in item.text
    assert "notes.txt" in item.text and "texte, 1 ko" in item.text
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        doc = council["reunion-du-3-mars"]
        assert doc.kind == "document" and doc.mode == "classique" and doc.author_id == ids["membre_a"]
        assert sorted(a.filename for a in doc.attachments()) == ["compte-rendu.pdf", "notes.txt"]
        assert doc.attachments()[0].blob is not None
        assert root.catalog.get(doc._docid) is doc  # indexed by the ObjectAdded event


def test_collaborative_document_is_written_by_every_member_of_the_council(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouveau-document").forms["document"]
    item = submit(app, form, title="Charte du conseil", mode="collaboratif",
                  body="Article 1 : tout le monde écrit.", status=303).follow()
    assert "Document collaboratif" in item.text and "Article 1 : tout le monde écrit." in item.text
    other = signed_in(wsgi, "autre_a")
    page = other.get(ids["path_A"] + "/charte-du-conseil")
    assert 'id="collab"' in page.text  # the text is written in the editor (tests/functional/test_collab.py)
    assert "/@@modifier" not in page.text  # its title, visibility and files: the author's (#14.3)
    with open_registry_root(wsgi.registry) as (root, tm):
        doc = root.territoires.council_by_code("A")["charte-du-conseil"]
        assert doc.author_id == ids["membre_a"] and "Article 1" in doc.body


def test_action_report_with_photos_and_attachments(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouvelle-action").forms["action_report"]
    assert form["date"].value == datetime.datetime.now(PARIS).date().isoformat()
    item = submit(app, form, photos=[("square.png", png(3200, 1600))], files=[("bilan.pdf", PDF)],
                  title="Nettoyage du square", date="12/04/2025",
                  text="Vingt habitants sont venus.", status=303).follow()
    assert "Compte rendu d'action" in item.text and "12 avril 2025" in item.text
    assert "<p>Vingt habitants sont venus.</p>" in item.text
    assert "<img" in item.text and "square.png" in item.text and "bilan.pdf" in item.text
    photo = app.get(ids["path_A"] + "/nettoyage-du-square/square.png")
    assert photo.content_type == "image/png"
    assert Image.open(io.BytesIO(photo.body)).size == (1600, 800)  # through clean_image
    with open_registry_root(wsgi.registry) as (root, tm):
        report = root.territoires.council_by_code("A")["nettoyage-du-square"]
        assert report.date == datetime.date(2025, 4, 12)
        assert [a.filename for a in report.images()] == ["square.png"]


def test_event_with_an_end_given_as_an_hour_then_edited_and_cancelled(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    day = future()
    form = app.get(ids["path_A"] + "/@@nouvel-evenement").forms["event"]
    set_moment(form, "start", day.isoformat(), "18:00")
    set_moment(form, "end", "", "20:30")
    item = submit(app, form, title="Réunion publique", place="Maison de quartier",
                  visibility="public", status=303).follow()
    assert "de 18 h à 20 h 30" in item.text and "Maison de quartier" in item.text
    assert "Visible par tout le monde" in item.text
    with open_registry_root(wsgi.registry) as (root, tm):
        event = root.territoires.council_by_code("A")["reunion-publique"]
        assert event.start == datetime.datetime.combine(day, datetime.time(18), PARIS)
        assert event.end == datetime.datetime.combine(day, datetime.time(20, 30), PARIS)
        assert event.start.utcoffset() is not None  # aware
    form = app.get(ids["path_A"] + "/reunion-publique/@@modifier").forms["event"]
    assert form.get("start", index=0).value == day.isoformat() and form.get("start", index=1).value == "18:00"
    form["cancelled"] = True
    page = submit(app, form, place="Salle des fêtes", status=303).follow()
    assert "Événement annulé" in page.text and "Salle des fêtes" in page.text


def test_a_past_start_is_allowed_when_editing(site):
    wsgi, ids = site
    start = datetime.datetime(2020, 5, 4, 18, tzinfo=PARIS)
    path = add_item(wsgi, ids, lambda c: Event("Fête des voisins", c.id, start, start + datetime.timedelta(hours=3),
                                               author_id=ids["membre_a"]))
    app = signed_in(wsgi, "membre_a")
    form = app.get(path + "/@@modifier").forms["event"]
    page = submit(app, form, place="Cour de l'école", status=303).follow()
    assert "Cour de l'école" in page.text and "lundi 4 mai 2020" in page.text


def test_an_item_whose_author_left_is_signed_former_member(site):
    wsgi, ids = site
    path = add_item(wsgi, ids, classic(ids, visibility="public", author="autre_a"))
    assert "Autre A" in webtest.TestApp(wsgi).get(path).text
    with open_registry_root(wsgi.registry) as (root, tm):
        root.users.remove_user(root.users[ids["autre_a"]])
        tm.commit()
    page = webtest.TestApp(wsgi).get(path)
    assert "ancien membre" in page.text and "Autre A" not in page.text


# --- Edit and delete -------------------------------------------------------------------------

def test_author_edits_and_deletes_a_document_with_a_confirmation(site):
    wsgi, ids = site
    path = add_item(wsgi, ids, classic(ids), files=[("a.pdf", PDF, "pdf"), ("b.pdf", PDF, "pdf")])
    app = signed_in(wsgi, "membre_a")
    form = app.get(path + "/@@modifier").forms["document"]
    assert form["title"].value == "Compte rendu de réunion" and form["description"].value == "Une description."
    form.get("remove", index=0).checked = True  # removes a.pdf
    page = submit(app, form, files=[("c.pdf", PDF)], title="Compte rendu (corrigé)", status=303).follow()
    assert "Compte rendu (corrigé)" in page.text and "Modifié le" in page.text
    assert "a.pdf" not in page.text and "b.pdf" in page.text and "c.pdf" in page.text
    confirm = app.get(path + "/@@supprimer")
    assert "Supprimer « Compte rendu (corrigé) » ?" in confirm.text and "2 fichiers joints" in confirm.text
    form = next(f for f in confirm.forms.values() if "confirm" in f.fields)
    listing = form.submit("confirm").follow()
    assert listing.request.path.endswith("/@@documents") and "est supprimé" in listing.text
    assert council_items(wsgi) == {}
    app.get(path, status=404)


def test_who_may_edit_a_classic_document(site):
    wsgi, ids = site
    path = add_item(wsgi, ids, classic(ids))
    signed_in(wsgi, "autre_a").get(path + "/@@modifier", status=403)
    assert "@@modifier" not in signed_in(wsgi, "autre_a").get(path).text
    signed_in(wsgi, "membre_b").get(path + "/@@modifier", status=404)  # hidden from B: as missing
    for who in ("referent_a", "animateur", "membre_a"):
        app = signed_in(wsgi, who)
        form = app.get(path + "/@@modifier").forms["document"]
        submit(app, form, title=f"Titre changé par {who}", status=303)
    app = signed_in(wsgi, "autre_a")
    app.post(path + "/@@modifier", {"csrf_token": csrf(app), "__formid__": "document", "title": "Pirate",
                                    "visibility": "public", "mode": "classique"}, status=403)
    assert council_items(wsgi)["compte-rendu-de-reunion"][1] == "Titre changé par membre_a"


def test_another_member_cannot_edit_a_public_classic_document(site):
    wsgi, ids = site
    path = add_item(wsgi, ids, classic(ids, visibility="public"))
    signed_in(wsgi, "autre_a").get(path + "/@@modifier", status=403)


def test_who_may_delete(site):
    wsgi, ids = site
    path = add_item(wsgi, ids, classic(ids))
    signed_in(wsgi, "autre_a").get(path + "/@@supprimer", status=403)
    app = signed_in(wsgi, "membre_c")
    app.post(path + "/@@supprimer", {"csrf_token": csrf(app)}, status=404)  # hidden from C
    assert "compte-rendu-de-reunion" in council_items(wsgi)
    app = signed_in(wsgi, "animateur")
    app.post(path + "/@@supprimer", {"csrf_token": csrf(app)}, status=303)
    assert council_items(wsgi) == {}


def test_referent_deletes_a_document(site):
    wsgi, ids = site
    path = add_item(wsgi, ids, classic(ids))
    app = signed_in(wsgi, "referent_a")
    app.post(path + "/@@supprimer", {"csrf_token": csrf(app)}, status=303)
    assert council_items(wsgi) == {}


# --- Who may create --------------------------------------------------------------------------

@pytest.mark.parametrize("view", ["nouveau-document", "nouvelle-action", "nouvel-evenement"])
def test_a_member_of_another_council_cannot_create(site, view):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_c")
    app.get(f"{ids['path_A']}/@@{view}", status=403)
    app.post(f"{ids['path_A']}/@@{view}", {"csrf_token": csrf(app), "title": "Intrus",
                                           "visibility": "public"}, status=403)
    signed_in(wsgi).get(f"{ids['path_A']}/@@{view}", status=403)
    signed_in(wsgi, "membre_c").get(f"{ids['path_C']}/@@{view}", status=200)
    assert council_items(wsgi) == {}


def test_forged_csrf_token_creates_nothing(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouveau-document").forms["document"]
    form["csrf_token"] = "forged"
    page = submit(app, form, files=[("a.pdf", PDF)], title="Document forgé", status=400)
    assert "Formulaire expiré" in page.text
    assert council_items(wsgi) == {}


# --- Bad input -------------------------------------------------------------------------------

def test_missing_title_keeps_what_was_typed_and_the_files(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouveau-document").forms["document"]
    page = submit(app, form, files=[("rapport.pdf", PDF)], title="", description="Ma description",
                  visibility="membres", status=400)
    assert "Indiquez un titre." in page.text and "Le formulaire n'a pas été enregistré" in page.text
    form = page.forms["document"]
    assert form["description"].value == "Ma description" and form["visibility"].value == "membres"
    assert "Déjà reçus" in page.text and "rapport.pdf" in page.text
    assert council_items(wsgi) == {}
    item = submit(app, form, title="Rapport annuel", status=303).follow()  # no need to choose it again
    assert "rapport.pdf" in item.text
    with open_registry_root(wsgi.registry) as (root, tm):
        doc = root.territoires.council_by_code("A")["rapport-annuel"]
        assert [a.filename for a in doc.attachments()] == ["rapport.pdf"] and doc.visibility == "membres"


def test_a_too_large_file_is_refused_and_the_rest_kept(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouveau-document").forms["document"]
    big = b"%PDF-1.4\n" + b"0" * (20 * MB)
    page = submit(app, form, files=[("enorme.pdf", big), ("petit.pdf", PDF)], title="Plan du quartier",
                  description="Le plan.", status=400)
    assert "Le fichier « enorme" in page.text and "est trop lourd" in page.text
    assert "20 Mo au maximum" in page.text
    assert page.forms["document"]["title"].value == "Plan du quartier"
    assert page.forms["document"]["description"].value == "Le plan."
    assert "petit.pdf" in page.text  # the good file waits among those already received
    assert council_items(wsgi) == {}


def test_a_file_of_the_wrong_type_is_refused_whatever_its_name(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouveau-document").forms["document"]
    page = submit(app, form, files=[("facture.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff")],
                  title="Facture", status=400)
    assert "Le fichier « facture.pdf » n'est pas d'un type accepté" in page.text
    assert page.forms["document"]["title"].value == "Facture"
    assert council_items(wsgi) == {}


def test_a_photo_that_is_not_an_image_is_refused(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouvelle-action").forms["action_report"]
    page = submit(app, form, photos=[("photo.jpg", PDF)], title="Fête", text="Bien.", status=400)
    assert "« photo.jpg » n'est pas d'un type accepté" in page.text
    assert page.forms["action_report"]["text"].value == "Bien."
    assert council_items(wsgi) == {}


def test_action_report_needs_a_valid_date_and_a_text(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouvelle-action").forms["action_report"]
    page = submit(app, form, title="Brocante", date="31/02/2025", text="", status=400)
    assert "Cette date n'est pas valide" in page.text and "Écrivez le compte rendu de l'action." in page.text
    assert page.forms["action_report"]["date"].value == "31/02/2025"
    assert council_items(wsgi) == {}


def test_an_end_before_the_start_is_refused(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    day = future()
    form = app.get(ids["path_A"] + "/@@nouvel-evenement").forms["event"]
    set_moment(form, "start", day.isoformat(), "18:00")
    set_moment(form, "end", day.isoformat(), "17:00")
    page = submit(app, form, title="Permanence", place="Local du conseil", status=400)
    assert "La fin doit être après le début" in page.text
    form = page.forms["event"]
    assert form["place"].value == "Local du conseil" and form.get("end", index=1).value == "17:00"
    assert council_items(wsgi) == {}


def test_every_problem_is_shown_at_once(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouvel-evenement").forms["event"]
    set_moment(form, "start", future().isoformat(), "18:00")
    set_moment(form, "end", "", "8:00")
    page = submit(app, form, title="", place="Gymnase", status=400)
    assert "Indiquez un titre." in page.text and "La fin doit être après le début" in page.text
    assert page.forms["event"]["place"].value == "Gymnase"
    assert council_items(wsgi) == {}


def test_a_start_in_the_past_is_refused_on_creation(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouvel-evenement").forms["event"]
    set_moment(form, "start", "2020-01-10", "18:00")
    set_moment(form, "end", "", "19h")
    page = submit(app, form, title="Vœux du conseil", status=400)
    assert "Cette date est déjà passée" in page.text
    assert page.forms["event"].get("start", index=0).value == "2020-01-10"
    assert council_items(wsgi) == {}


def test_an_hour_missing_or_malformed_is_explained(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouvel-evenement").forms["event"]
    set_moment(form, "start", future().isoformat(), "")
    set_moment(form, "end", "", "25:99")
    page = submit(app, form, title="Atelier", status=400)
    assert "Indiquez aussi l'heure" in page.text and "Cette heure n'est pas valide" in page.text
    assert council_items(wsgi) == {}
