"""/conseils.csv opens safely in a spreadsheet (#21.8): a council name that begins like a formula
is written with a quote in front; coordinates stay numbers, negative ones included."""
import csv
import io

from conseils_site.importer import import_councils
from conseils_site.resources.events import ObjectModified, notify
from conseils_site.scripts import open_registry_root


def test_formula_names_are_neutralised_and_numbers_kept(empty_wsgi, empty):
    with open_registry_root(empty_wsgi.registry) as (root, tm):
        import_councils(root, b"code,nom,commune,latitude,longitude\n"
                              b"QN1,Conseil A,29019,48.39,-4.49\n"
                              b"QN2,Conseil B,42218,45.43,4.39\n")
        # Names that came in before the importer refused them, or were renamed since.
        for code, name in (("QN1", "-Les Tilleuls"), ("QN2", '=HYPERLINK("http://x.example","clic")')):
            council = root.territoires.council_by_code(code)
            council.title = name
            notify(ObjectModified(council))
        tm.commit()
    rows = list(csv.DictReader(io.StringIO(empty.get("/conseils.csv").body.decode("utf-8"))))
    by_code = {row["code"]: row for row in rows}
    assert by_code["QN1"]["nom"] == "'-Les Tilleuls"
    assert by_code["QN2"]["nom"] == '\'=HYPERLINK("http://x.example","clic")'
    assert by_code["QN1"]["longitude"] == "-4.49" and by_code["QN1"]["latitude"] == "48.39"
    assert by_code["QN2"]["commune"] == "42218"
