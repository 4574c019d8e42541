"""« Modifier la fiche »: who may, what is saved, what is refused, and where it shows at once."""
import io
import json

import pytest
import webtest
from PIL import Image

from conseils_site.resources.files import MB
from conseils_site.scripts import open_registry_root
from conseils_site.security.roles import grant_role
from tests.conftest import make_app
from tests.support import build_site, signed_in

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def jpeg(width=2400, height=1200, gps=True):
    """A phone-like photo: EXIF with the camera's model and (by default) where it was taken."""
    exif = Image.Exif()
    exif[0x010F] = "Téléphone de test"
    if gps:
        exif[0x8825] = {1: "N", 2: (45.0, 26.0, 0.0), 3: "E", 4: (4.0, 23.0, 0.0)}
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


@pytest.fixture
def site(tmp_path):
    """A FileStorage with blobs (the image is a blob, which the in-memory storage lacks)."""
    wsgi = make_app(**{"zodbconn.uri": f"fsblobs://{tmp_path}/Data.fs?blobstorage_dir={tmp_path}/blobs",
                       "mail.queue_path": str(tmp_path / "mail"),
                       "conseils.upload_path": str(tmp_path / "uploads")})
    yield wsgi, build_site(wsgi)
    wsgi.registry._zodb_databases[""].close()


def council(wsgi, code="A"):
    """The council's saved fiche, read on a fresh connection."""
    with open_registry_root(wsgi.registry) as (root, tm):
        c = root.territoires.council_by_code(code)
        return {key: getattr(c, key) for key in (
            "description", "email", "phone", "website", "social_links", "latitude", "longitude",
            "image_alt", "image_size", "image_version", "modified")} | {"has_image": c.image is not None}


def fiche_form(app, ids):
    return app.get(ids["path_A"] + "/@@modifier").forms["fiche"]


def error_beside(page, field_id):
    """The message shown beside a field (deform's item holds the label, help and error)."""
    item = page.html.find(id=f"item-fiche-{field_id.replace('_', '-')}")
    return " ".join(p.text for p in item.find_all(class_="error-message"))


# --- who may -------------------------------------------------------------------------------

@pytest.mark.parametrize("who", [None, "membre_b", "membre_c"])
def test_only_the_councils_editors_may_open_the_form(site, who):
    wsgi, ids = site
    app = signed_in(wsgi, who)
    page = app.get(ids["path_A"] + "/@@modifier", status=403)
    assert "Accès réservé" in page.text
    public = app.get(ids["path_A"])
    assert "Modifier la fiche" not in public.text


@pytest.mark.parametrize("who", ["membre_a", "animateur", "referent"])
def test_members_referents_and_animators_edit(site, who):
    wsgi, ids = site
    if who == "referent":
        with open_registry_root(wsgi.registry) as (root, tm):
            user = root.users.get(ids["membre_c"])
            grant_role(root.territoires.council_by_code("A"), user, "referent", user, root.audit)
            tm.commit()
        who = "membre_c"
    app = signed_in(wsgi, who)
    public = app.get(ids["path_A"])
    page = public.click("Modifier la fiche")
    assert page.status_int == 200 and "Modifier la fiche" in page.text
    assert "visible par tout le monde" in page.text


# --- a full fiche --------------------------------------------------------------------------

def test_a_filled_fiche_shows_on_the_page_the_map_and_the_open_data(site):
    wsgi, ids = site
    anonymous = signed_in(wsgi)
    before = anonymous.get(ids["path_A"])  # cached for anonymous visitors from here on
    assert "pas encore remplie" in before.text
    app = signed_in(wsgi, "membre_a")
    form = fiche_form(app, ids)
    assert form["latitude"].value == "45,43" and form["longitude"].value == "4,39"
    form["description"] = "Nous nous réunissons chaque mois.\n\nVenez nombreux !"
    form["email"] = " contact@tilleuls.fr "
    form["phone"] = "0477123456"
    form["website"] = "www.tilleuls.fr"
    form["social_facebook"] = "https://www.facebook.com/tilleuls"
    form["social_x"] = "https://x.com/tilleuls"
    form["social_other"] = "https://blog.tilleuls.fr/"
    form["upload"] = webtest.Upload("place.jpg", jpeg(), "image/jpeg")
    form["image_alt"] = "La place des Tilleuls un jour de marché"
    form["latitude"] = "45,4412"
    form["longitude"] = "4,3871"
    saved = form.submit()
    assert saved.status_int == 303 and saved.location.endswith(ids["path_A"] + "/")
    page = saved.follow()
    assert "La fiche est enregistrée." in page.text
    data = council(wsgi)
    assert data["description"] == "<p>Nous nous réunissons chaque mois.</p><p>Venez nombreux !</p>"
    assert data["email"] == "contact@tilleuls.fr" and data["phone"] == "04 77 12 34 56"
    assert data["website"] == "https://www.tilleuls.fr"
    assert data["social_links"] == (("facebook", "https://www.facebook.com/tilleuls"),
                                    ("x", "https://x.com/tilleuls"),
                                    ("other", "https://blog.tilleuls.fr/"))
    assert (data["latitude"], data["longitude"]) == (45.4412, 4.3871)
    assert data["image_size"] == (1600, 800)
    for text in ("<p>Venez nombreux !</p>", 'href="mailto:contact@tilleuls.fr"',
                 'href="tel:0477123456"', "04 77 12 34 56", 'href="https://www.tilleuls.fr"',
                 ">Facebook</a>", ">X (Twitter)</a>", ">blog.tilleuls.fr</a>",
                 'alt="La place des Tilleuls un jour de marché"', 'data-lat="45.4412"'):
        assert text in page.text, text
    assert "pas encore remplie" not in page.text
    # The anonymous page, the map's data and the open-data files changed at once.
    after = anonymous.get(ids["path_A"])
    assert "Venez nombreux" in after.text and "Modifier la fiche" not in after.text
    geojson = json.loads(anonymous.get("/conseils.geojson").body)
    feature = next(f for f in geojson["features"] if f["properties"]["code"] == "A")
    assert feature["geometry"]["coordinates"] == [4.3871, 45.4412]
    assert "45.4412" in anonymous.get("/conseils.csv").text
    # The image: its own type, cached, without what the phone wrote in it.
    src = page.html.find("figure", class_="fiche-image").img["src"]
    image = anonymous.get(src)
    assert image.content_type == "image/jpeg"
    assert "public" in image.headers["Cache-Control"] and "max-age=31536000" in image.headers["Cache-Control"]
    served = Image.open(io.BytesIO(image.body))
    assert served.size == (1600, 800) and not served.getexif() and "exif" not in served.info
    assert "max-age=300" in anonymous.get(src.split("?")[0]).headers["Cache-Control"]
    anonymous.get(src, headers={"If-None-Match": f'"{image.etag}"'}, status=304)


def test_the_form_shows_the_saved_fiche_as_typed(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = fiche_form(app, ids)
    form["description"] = "Premier paragraphe.\nSuite.\n\nSecond paragraphe."
    form["social_youtube"] = "https://www.youtube.com/@tilleuls"
    form.submit().follow()
    form = fiche_form(app, ids)
    assert form["description"].value == "Premier paragraphe.\nSuite.\n\nSecond paragraphe."
    assert form["social_youtube"].value == "https://www.youtube.com/@tilleuls"
    assert "remove_image" not in form.fields  # no image yet


def test_scripts_styles_and_javascript_links_never_reach_the_page(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = fiche_form(app, ids)
    form["description"] = (
        '<p>Bonjour <strong>à tous</strong></p><script>alert("x")</script>'
        '<style>body{display:none}</style><img src="x" onerror="alert(1)">'
        '<p onclick="alert(2)"><a href="javascript:alert(3)">piège</a> '
        '<a href="https://exemple.fr">site</a></p>')
    form.submit().follow()
    page = signed_in(wsgi).get(ids["path_A"])
    description = str(page.html.find(class_="description"))
    assert "<strong>à tous</strong>" in description
    for bad in ("<script", "alert", "<style", "display:none", "onerror", "onclick",
                "javascript:", "<img"):
        assert bad not in description, bad
    assert 'href="https://exemple.fr"' in description


def test_removing_the_image(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = fiche_form(app, ids)
    form["upload"] = webtest.Upload("place.png", _png(), "image/png")
    form["image_alt"] = "Le square"
    form.submit().follow()
    assert council(wsgi)["has_image"]
    page = app.get(ids["path_A"] + "/@@modifier")
    assert "Image actuelle" in page.text
    form = page.forms["fiche"]
    form["image_alt"] = ""
    assert "Décrivez l'image" in error_beside(form.submit(status=400), "image_alt")
    form["image_alt"] = "Le square au printemps"
    form.submit().follow()
    assert council(wsgi)["image_alt"] == "Le square au printemps"
    form = fiche_form(app, ids)
    form["remove_image"] = True
    form["image_alt"] = ""
    page = form.submit().follow()
    assert not council(wsgi)["has_image"] and "fiche-image" not in page.text
    assert "pas encore remplie" in page.text
    app.get(ids["path_A"] + "/@@image", status=404)


def _png():
    out = io.BytesIO()
    Image.new("RGBA", (300, 200), (0, 150, 0, 128)).save(out, "PNG")
    return out.getvalue()


# --- what is refused -----------------------------------------------------------------------

BAD_INPUT = [
    ("email", "contact@", "email", "adresse électronique n'est pas valide"),
    ("website", "pas une adresse", "website", "n'est pas valide"),
    ("website", "javascript:alert(1)", "website", "Seules les adresses de sites web"),
    ("social_other", "JavaScript:alert(document.cookie)", "social_other", "Seules les adresses"),
    ("social_facebook", "https://www.exemple.fr/page", "social_facebook", "pas une page Facebook"),
    ("phone", "12 34", "phone", "numéro de téléphone n'est pas valide"),
    ("latitude", "51,5", "latitude", "en dehors de la France"),
    ("longitude", "12,5", "latitude", "en dehors de la France"),
    ("latitude", "quarante", "latitude", "Saisissez un nombre"),
]


@pytest.mark.parametrize("field,value,item,message", BAD_INPUT)
def test_bad_input_is_explained_beside_its_field_and_nothing_is_saved(site, field, value, item,
                                                                      message):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    before = council(wsgi)
    form = fiche_form(app, ids)
    form["description"] = "Un texte à garder."
    form["social_instagram"] = "https://www.instagram.com/tilleuls"
    form[field] = value
    page = form.submit(status=400)
    assert "Le formulaire n'a pas été enregistré" in page.text
    assert message in error_beside(page, item)
    form = page.forms["fiche"]
    assert form[field].value == value
    assert form["description"].value == "Un texte à garder."
    assert form["social_instagram"].value == "https://www.instagram.com/tilleuls"
    assert council(wsgi) == before


@pytest.mark.parametrize("filename,data,message", [
    ("grande.jpg", b"\xff\xd8\xff" + b"0" * (5 * MB), "trop lourd"),
    ("faux.jpg", PDF, "n'est pas d'un type accepté"),
    ("abimee.jpg", jpeg()[:600], "abîmée ou illisible"),
])
def test_refused_images_say_why(site, filename, data, message):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = fiche_form(app, ids)
    form["upload"] = webtest.Upload(filename, data, "image/jpeg")
    form["image_alt"] = "Une photo"
    form["email"] = "contact@tilleuls.fr"
    page = form.submit(status=400)
    assert message in error_beside(page, "image")
    assert page.forms["fiche"]["email"].value == "contact@tilleuls.fr"
    assert page.forms["fiche"]["token"].value == ""
    assert not council(wsgi)["has_image"] and council(wsgi)["email"] == ""


def test_an_image_needs_its_description_and_is_kept_meanwhile(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = fiche_form(app, ids)
    form["upload"] = webtest.Upload("place.jpg", jpeg(), "image/jpeg")
    form["email"] = "mauvaise@"
    page = form.submit(status=400)
    assert "Décrivez l'image" in error_beside(page, "image_alt")
    assert "n'est pas valide" in error_beside(page, "email")
    assert "Image reçue" in page.text and "place.jpg" in page.text
    form = page.forms["fiche"]
    assert form["token"].value
    # Another person cannot use the token.
    other = signed_in(wsgi, "animateur")
    forged = fiche_form(other, ids)
    forged["token"] = form["token"].value
    forged["image_alt"] = "Volée"
    assert "n'est plus disponible" in forged.submit(status=400).text
    # The same person, without choosing the file again.
    form["email"] = "contact@tilleuls.fr"
    form["image_alt"] = "La place"
    form.submit().follow()
    data = council(wsgi)
    assert data["has_image"] and data["image_alt"] == "La place" and data["image_size"] == (1600, 800)


def test_a_forged_csrf_token_is_refused_and_changes_nothing(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    before = council(wsgi)
    form = fiche_form(app, ids)
    form["csrf_token"] = "forged"
    form["email"] = "pirate@exemple.fr"
    form["upload"] = webtest.Upload("place.jpg", jpeg(), "image/jpeg")
    form["image_alt"] = "Photo"
    page = form.submit(status=400)
    assert "Formulaire expiré" in page.text
    assert council(wsgi) == before


def test_the_image_view_has_no_image_to_show_until_one_is_sent(site):
    wsgi, ids = site
    signed_in(wsgi).get(ids["path_A"] + "/@@image", status=404)


# --- the rules behind the fields -----------------------------------------------------------

@pytest.mark.parametrize("typed,stored", [
    ("04.77.12.34.56", "04 77 12 34 56"),
    ("06 12 34 56 78", "06 12 34 56 78"),
    ("+33477123456", "+33 4 77 12 34 56"),
    ("0590 12 34 56", "0590 12 34 56"),  # Guadeloupe, typed the national way
])
def test_phones_are_stored_with_the_usual_spacing(typed, stored):
    from conseils_site.forms.fiche import normalize_phone

    assert normalize_phone(typed) == stored


@pytest.mark.parametrize("typed,network,result", [
    ("www.exemple.fr", None, "https://www.exemple.fr"),
    ("http://exemple.fr/page?x=1", None, "http://exemple.fr/page?x=1"),
    ("https://m.facebook.com/tilleuls", "facebook", "https://m.facebook.com/tilleuls"),
    ("https://twitter.com/tilleuls", "x", "https://twitter.com/tilleuls"),
    ("javascript:alert(1)", None, None),
    ("data:text/html,<script>", None, None),
    ("ftp://exemple.fr", None, None),
    ("https://user:secret@exemple.fr", None, None),
    ("https://exemple", None, None),
    ("https://exemple.fr/a b", None, None),
    ("https://facebook.com.exemple.fr/", "facebook", None),
])
def test_web_addresses(typed, network, result):
    from conseils_site.forms.fiche import normalize_url

    if result is None:
        with pytest.raises(ValueError):
            normalize_url(typed, network, "Réseau")
    else:
        assert normalize_url(typed, network, "Réseau") == result


def test_descriptions_round_trip_between_text_and_html():
    from conseils_site.forms.fiche import description_to_html, editable_description

    text = "Bonjour & bienvenue.\nDeuxième ligne.\n\nAutre paragraphe."
    stored = description_to_html(text)
    assert stored == "<p>Bonjour &amp; bienvenue.<br>Deuxième ligne.</p><p>Autre paragraphe.</p>"
    assert editable_description(stored) == text
    bold = description_to_html("Un mot en <strong>gras</strong>.\n\nEt la suite.")
    assert bold == "<p>Un mot en <strong>gras</strong>.</p><p>Et la suite.</p>"
    assert editable_description(bold) == "Un mot en <strong>gras</strong>.\n\nEt la suite."
    listed = description_to_html("<ul><li>un</li></ul>")
    assert editable_description(listed) == listed


def test_an_overseas_point_is_accepted(site):
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = fiche_form(app, ids)
    form["latitude"], form["longitude"] = "-21,115", "55,536"  # La Réunion
    form.submit().follow()
    assert (council(wsgi)["latitude"], council(wsgi)["longitude"]) == (-21.115, 55.536)
