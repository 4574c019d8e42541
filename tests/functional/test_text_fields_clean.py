"""A title typed with control or right-to-left override characters is stored, listed and
searched without them, whatever the form (document, working group, letter, registration)."""
from conseils_site.scripts import open_registry_root
from tests.functional.test_content import site, submit  # noqa: F401 (fixture)
from tests.support import signed_in

SPOOF = "Plainte\x00\x07 contre\x1b[31m M. \u202eX.fdp"


def test_a_document_title_is_stored_and_listed_without_controls_or_overrides(site):  # noqa: F811
    wsgi, ids = site
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouveau-document").forms["document"]
    item = submit(app, form, title=SPOOF, description="Lieu\x07 :\u202e ici", status=303).follow()
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        (document,) = [i for i in council.values() if i.kind == "document"]
        assert document.title == "Plainte contre[31m M. X.fdp"
        assert "\u202e" not in document.description and "\x07" not in document.description
    listing = app.get(ids["path_A"] + "/@@documents")
    for page in (item, listing):
        assert "Plainte contre[31m M. X.fdp" in page.text and "\u202e" not in page.text


def test_an_imported_council_name_loses_its_controls_and_overrides(empty_wsgi):
    from conseils_site.importer import import_councils

    csv = "code,nom,commune,latitude,longitude\nQ1,\"Conseil\x07 des \u202eTilleuls\",42218,45.43,4.39\n"
    with open_registry_root(empty_wsgi.registry) as (root, tm):
        import_councils(root, csv.encode())
        assert root.territoires.council_by_code("Q1").title == "Conseil des Tilleuls"
