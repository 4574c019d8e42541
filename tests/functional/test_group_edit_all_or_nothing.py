"""Editing a working group is all or nothing (#21.6): one unknown council code refuses the whole
change — no council joins or leaves, nothing is journaled — and the form keeps what was typed.
A change that goes through says in the journal which councils joined and left (#21.7)."""
import pytest
import webtest

from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.support import build_site, signed_in


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    return wsgi, build_site(wsgi)


def edit_form(app, ids, remove=(), add=""):
    form = next(f for f in app.get("/groupes/loire/@@modifier").forms.values() if "add" in f.fields)
    for box in form.fields.get("remove", ()):
        box.checked = box._value in [ids[f"council_{code}"] for code in remove]
    form["add"] = add
    return form


def membership(wsgi):
    with open_registry_root(wsgi.registry) as (root, tm):
        group = root.groups["loire"]
        councils = {code: root.territoires.council_by_code(code) for code in "ABC"}
        return (sorted(code for code, c in councils.items() if c.id in group.council_ids),
                {code: tuple(c.group_ids) for code, c in councils.items()}, len(root.audit))


def test_one_unknown_code_changes_nothing(site):
    wsgi, ids = site
    app = signed_in(wsgi, "animateur")
    before = membership(wsgi)
    assert before[0] == ["A", "B"]
    refused = edit_form(app, ids, remove=["B"], add="C\nZZZ").submit(status=400)
    assert "Codes inconnus : ZZZ" in refused.text
    assert membership(wsgi) == before  # B still in, C not in, no journal entry
    # What was typed and ticked is still there, to correct the one wrong code.
    form = next(f for f in refused.forms.values() if "add" in f.fields)
    assert form["add"].value == "C\nZZZ"
    ticked = [box._value for box in form.fields["remove"] if box.checked]
    assert ticked == [ids["council_B"]]
    # The members of C never entered the group's space.
    member_c = signed_in(wsgi, "membre_c")
    assert "L'espace du groupe" not in member_c.get("/groupes/loire").text


def test_a_change_journals_which_councils_joined_and_left(site):
    wsgi, ids = site
    app = signed_in(wsgi, "animateur")
    edit_form(app, ids, remove=["B"], add="C").submit(status=303)
    members, _, _ = membership(wsgi)
    assert members == ["A", "C"]
    with open_registry_root(wsgi.registry) as (root, tm):
        entry = root.audit.newest(1)[0]
    assert entry["action"] == "modification de groupe"
    assert "Conseil des Francs-Moisins (C)" in entry["detail"]
    assert "Conseil de Montreynaud (B)" in entry["detail"]
    assert entry["detail"].index("Francs-Moisins") < entry["detail"].index("Montreynaud")
    journal = app.get("/admin/journal")
    assert "Conseil des Francs-Moisins (C)" in journal.text


def test_a_change_that_changes_nothing_is_not_journaled(site):
    wsgi, ids = site
    app = signed_in(wsgi, "animateur")
    before = membership(wsgi)
    edit_form(app, ids, add="A").submit(status=303)  # A is already a member
    assert membership(wsgi) == before


def test_creating_a_group_journals_its_councils_by_name(site):
    wsgi, ids = site
    app = signed_in(wsgi, "animateur")
    form = app.get("/admin/groupes").forms["groupe"]
    form["title"] = "Deux quartiers"
    form["scale"] = "libre"
    form["council_codes"] = "A\nC"
    form.submit(status=303)
    with open_registry_root(wsgi.registry) as (root, tm):
        entry = root.audit.newest(1)[0]
    assert entry["action"] == "création de groupe"
    assert "Conseil des Tilleuls (A)" in entry["detail"]
    assert "Conseil des Francs-Moisins (C)" in entry["detail"]
