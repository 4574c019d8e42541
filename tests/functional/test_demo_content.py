"""The first start with `conseils.load_demo` shows the platform: example councils with a fiche,
news, an event next week, documents, a group, a forum rubrique and a demo councillor, each
marked as demo; `conseils-demo INI --remove` takes exactly those away, and again changes nothing.

The directory is shrunk to the three example councils' lines and tests/support.py's three
councils, so each site here costs about a second, on a real FileStorage with blobs."""
import contextlib
import datetime
import io
import re

import pytest
import webtest

from conseils_site import importer
from conseils_site.demo_content import DEMO_EMAIL, EXAMPLE_CODES, demo_objects
from conseils_site.resources.content import PARIS, Document, NewsItem
from conseils_site.scripts import open_registry_root, open_site
from conseils_site.scripts.demo import main as demo_command
from tests.conftest import make_app
from tests.support import COUNCILS, sign_in

INI = """
[app:main]
use = egg:conseils_site
zodbconn.uri = fsblobs://{here}/Data.fs?blob_dir={here}/blobs
conseils.session_secret = test
conseils.load_demo = true
conseils.admin_email = animateur@example.org
conseils.admin_password = mot-de-passe-animateur
mail.queue_path = {here}/mail
conseils.upload_path = {here}/uploads
"""
PRINTED = re.compile(r"Compte conseiller de démonstration : (\S+) / mot de passe : (\S+)")


def small_directory_bytes():
    lines = importer.demo_directory_bytes().decode().splitlines()
    examples = [line for line in lines if line.split(",", 1)[0] in EXAMPLE_CODES]
    assert len(examples) == 3
    others = [line + ",," for line in COUNCILS.splitlines()[1:]]  # no email, no site
    return "\n".join([lines[0], *others, *examples, ""]).encode()


@contextlib.contextmanager
def small_directory():
    data = small_directory_bytes()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(importer, "demo_directory_bytes", lambda: data)
        yield


@pytest.fixture(scope="module")
def demo_site(tmp_path_factory):
    """(wsgi app, what the first start printed) of a site created with load_demo."""
    here = tmp_path_factory.mktemp("demo")
    printed = io.StringIO()
    with small_directory(), contextlib.redirect_stderr(printed):
        wsgi = make_app(**{"zodbconn.uri": f"fsblobs://{here}/Data.fs?blob_dir={here}/blobs",
                           "conseils.load_demo": "true"})
    return wsgi, printed.getvalue()


def path_of(obj):
    names = []
    while obj is not None and obj.__name__:
        names.append(obj.__name__)
        obj = obj.__parent__
    return "/" + "/".join(reversed(names))


def paths(wsgi):
    """The addresses of the demo objects, read from the database."""
    with open_registry_root(wsgi.registry) as (root, _):
        councils = [root.territoires.council_by_code(code) for code in EXAMPLE_CODES]
        first = councils[0]
        items = {item.kind + ("-" + item.mode if item.kind == "document" else ""): path_of(item)
                 for item in first.values()}
        category = next(c for c in root["forum"].values() if getattr(c, "demo", False))
        topic = next(iter(category.values()))
        group = next(iter(root.groups.values()))
        return {"councils": [path_of(c) for c in councils], "topic": path_of(topic),
                "group": path_of(group), "news": [path_of(n) for n in root["actualites"].values()],
                **items}


def test_the_first_start_prints_the_demo_councillor_beside_the_animator(demo_site):
    _, printed = demo_site
    lines = printed.splitlines()
    animator = next(i for i, line in enumerate(lines) if line.startswith("Compte animateur créé"))
    councillor = next(i for i, line in enumerate(lines) if PRINTED.match(line))
    assert councillor > animator
    assert PRINTED.match(lines[councillor]).group(1) == DEMO_EMAIL
    assert "Annuaire de démonstration chargé : 6 créé(s), 0 mis à jour, 0 inchangé(s), 0 rejeté(s)" in printed
    assert "Contenus de démonstration créés : 3 fiche(s) de conseil remplie(s)" in printed


def test_each_demo_object_is_there_and_marked(demo_site):
    wsgi, _ = demo_site
    with open_registry_root(wsgi.registry) as (root, _):
        labels = sorted(label for label, _obj in demo_objects(root))
        assert labels == sorted(["fiche(s) de conseil vidée(s)"] * 3 + ["contenu(s) de conseil"] * 3
                                + ["actualité(s)"] * 2 + ["groupe(s) de travail", "rubrique(s) de forum",
                                                          "compte(s) conseiller"])
        councils = [root.territoires.council_by_code(code) for code in EXAMPLE_CODES]
        for council in councils:
            assert council.demo and council.demo_fiche and council.description and council.email
            assert council.image is not None and council.image_size == (800, 450)
        assert councils[0].social_links and councils[0].phone and councils[0].website
        items = {(item.kind, getattr(item, "mode", None)): item for item in councils[0].values()}
        assert all(item.demo for item in items.values())
        public, shared = items[("document", "classique")], items[("document", "collaboratif")]
        assert public.visibility == "public"
        assert shared.shared is not None and "Notre charte" in shared.shared.html
        event = items[("event", None)]
        today = datetime.datetime.now(PARIS).date()
        assert event.visibility == "public"
        assert event.start.astimezone(PARIS).date() == today + datetime.timedelta(days=7)
        group = next(iter(root.groups.values()))
        assert group.demo and set(group.council_ids) == {councils[0].id, councils[1].id}
        assert "forum" in group
        category = next(c for c in root["forum"].values() if getattr(c, "demo", False))
        topic = next(iter(category.values()))
        assert topic.demo and len(topic) == 2 and all(r.demo for r in topic.data.values())
        user = root.users.find_by_email(DEMO_EMAIL)
        assert user.demo and user.is_active and user.council_ids == (councils[0].id,)


def test_a_visitor_sees_the_public_demo(demo_site):
    wsgi, _ = demo_site
    where = paths(wsgi)
    visitor = webtest.TestApp(wsgi)
    home = visitor.get("/")
    assert "Dernières actualités" in home.text
    welcome = home.text.index("Bienvenue sur la plate-forme des conseils citoyens")
    assert welcome < home.text.index("Rencontre nationale des conseils citoyens")  # newest first
    assert "Rencontre nationale des conseils citoyens" in visitor.get("/actualites").text
    feed = visitor.get("/actualites/flux.atom").text
    assert feed.count("<entry>") == 2 and "Bienvenue sur la plate-forme" in feed
    news = visitor.get(where["news"][0])
    assert "Données de démonstration" in news.text
    council = visitor.get(where["councils"][0])
    assert "Données de démonstration" in council.text
    assert "conseil.peintres@exemple.fr" in council.text and "<img" in council.text
    assert "Réunion publique : le jardin partagé" in council.text
    agenda = visitor.get(where["councils"][0] + "/@@agenda.ics").text
    assert "SUMMARY:Réunion publique : le jardin partagé" in agenda
    document = visitor.get(where["document-classique"])
    assert "Données de démonstration" in document.text and "jardin partagé" in document.text
    assert "Données de démonstration" in visitor.get(where["event"]).text
    assert "Groupe exemple : jardins partagés" in visitor.get(where["group"]).text
    # Not public: the council's shared text and the forum, as for any visitor.
    visitor.get(where["document-collaboratif"], status=404)
    visitor.get(where["topic"], status=404)


def test_the_demo_councillor_signs_in_with_the_printed_password(demo_site):
    wsgi, printed = demo_site
    email, password = PRINTED.search(printed).groups()
    where = paths(wsgi)
    browser = sign_in(webtest.TestApp(wsgi), email, password)
    topic = browser.get(where["topic"])
    assert "Comment lancer un jardin partagé ?" in topic.text
    assert "le bailleur prête souvent le terrain" in topic.text
    assert "Nous en parlerons à la réunion publique" in topic.text
    assert "Données de démonstration" in topic.text
    shared = browser.get(where["document-collaboratif"])
    assert "Notre charte" in shared.text


@pytest.fixture
def ini(tmp_path):
    """A FileStorage site created with load_demo through its ini, plus one news item and one
    forum topic that are not demo; the database is closed again."""
    path = tmp_path / "site.ini"
    path.write_text(INI.format(here=tmp_path))
    with small_directory(), contextlib.redirect_stderr(io.StringIO()):
        with open_site(str(path)) as (root, tm):
            root["actualites"].add("vraie-actualite", NewsItem("Une vraie actualité", "", "<p>x</p>"))
            council = root.territoires.council_by_code("A")
            council.add("vrai", Document("Un vrai document", council.id, visibility="public"))
            tm.commit()
    return str(path)


def inventory(ini):
    with open_site(ini) as (root, _):
        return {
            "councils": sorted(code for code in root.territoires._councils.keys()),
            "news": sorted(root["actualites"].keys()),
            "groups": len(root.groups),
            "categories": sorted(c.title for c in root["forum"].values()),
            "users": sorted(u.email for u in root.users.values()),
            "demo": [label for label, _obj in demo_objects(root)],
            "council items": sorted(name for code in ["A", *EXAMPLE_CODES]
                                    for name in root.territoires.council_by_code(code).keys()),
            "fiches": [(c.description, c.email, c.image is not None)
                       for c in map(root.territoires.council_by_code, EXAMPLE_CODES)],
            "indexed news": len(root.catalog.indexes["kind"].applyEq("news"))
                            if "kind" in root.catalog.indexes else None,
        }


def run(ini, *args):
    out, err = io.StringIO(), io.StringIO()
    code = demo_command([ini, *args], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_removal_takes_exactly_the_demo_objects_and_is_idempotent(ini):
    before = inventory(ini)
    assert before["councils"] == sorted(["A", "B", "C", *EXAMPLE_CODES])
    assert len(before["demo"]) == 11 and len(before["council items"]) == 4
    assert before["indexed news"] == 3
    code, out, err = run(ini, "--remove")
    assert code == 0, err
    assert out.strip() == ("Données de démonstration retirées : 1 groupe(s) de travail, "
                           "1 rubrique(s) de forum, 2 actualité(s), 1 compte(s) conseiller, "
                           "3 contenu(s) de conseil, 3 fiche(s) de conseil vidée(s)")
    assert "Suppression [" in err and "(11/11)" in err
    after = inventory(ini)
    assert after["councils"] == before["councils"]  # the directory stays
    assert after["council items"] == ["vrai"]
    # The fiches as the directory made them: DEMO0436's line has an address, the others none.
    assert after["fiches"] == [("", "contact@cite-des-peintres-saint-etienne.example.org", False),
                               ("", "", False), ("", "", False)]
    assert after["news"] == ["vraie-actualite"]
    assert after["groups"] == 0 and after["demo"] == [] and after["indexed news"] == 1
    assert "Rubrique de démonstration" not in after["categories"]
    assert after["categories"] == [c for c in before["categories"] if c != "Rubrique de démonstration"]
    assert after["users"] == ["animateur@example.org"]

    code, out, _ = run(ini, "--remove")
    assert code == 0
    assert "Aucune donnée de démonstration à retirer" in out
    assert inventory(ini) == after


def test_add_puts_the_demo_back_once(ini):
    assert run(ini, "--remove")[0] == 0
    code, out, _ = run(ini, "--add")
    assert code == 0 and PRINTED.search(out)
    assert len(inventory(ini)["demo"]) == 11
    code, out, _ = run(ini, "--add")
    assert code == 0 and "déjà là" in out and not PRINTED.search(out)
    assert len(inventory(ini)["demo"]) == 11


def test_the_command_asks_for_remove_or_add(ini, capsys):
    with pytest.raises(SystemExit) as exit_:
        demo_command([ini])
    assert exit_.value.code == 2
    assert "--remove" in capsys.readouterr().err


def test_without_load_demo_the_first_start_creates_no_demo_content():
    wsgi = make_app()  # conseils.load_demo = false, as in production
    with open_registry_root(wsgi.registry) as (root, _):
        assert demo_objects(root) == []
        assert len(root["actualites"]) == 0 and len(root.groups) == 0
        assert root.users.find_by_email(DEMO_EMAIL) is None
    assert "Dernières actualités" not in webtest.TestApp(wsgi).get("/").text
