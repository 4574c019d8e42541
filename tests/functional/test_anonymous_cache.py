"""The anonymous cache: served without touching the database, never to a session, never stale."""
import webtest

from conseils_site.scripts import open_registry_root
from conseils_site.views.cache import MARK
from tests.conftest import make_app
from tests.support import build_site, sign_in


def test_hits_skip_the_database_and_the_mark_never_leaks(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)
    app = webtest.TestApp(wsgi)
    db = wsgi.registry._zodb_databases[""]
    first = app.get(ids["path_A"])
    assert MARK not in first.headers
    loads_before = sum(c.getTransferCounts()[0] for c in _connections(db))
    again = app.get(ids["path_A"])
    assert again.body == first.body and MARK not in again.headers
    assert "Content-Security-Policy" in again.headers  # the security headers come along
    assert sum(c.getTransferCounts()[0] for c in _connections(db)) == loads_before


def _connections(db):
    found = []
    db._connectionMap(found.append)
    return found


def test_a_commit_starts_a_new_generation(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)
    app = webtest.TestApp(wsgi)
    assert "Conseil des Tilleuls" in app.get(ids["path_A"]).text
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        council.description = "<p>Nouvelle description</p>"
        tm.commit()
    assert "Nouvelle description" in app.get(ids["path_A"]).text


def test_session_holders_never_get_or_fill_the_shared_copy(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)
    member = webtest.TestApp(wsgi)
    sign_in(member, "membre_a")
    personal = member.get(ids["path_A"])
    assert "Déconnexion" in personal.text
    anonymous = webtest.TestApp(wsgi)
    shared = anonymous.get(ids["path_A"])
    assert "Déconnexion" not in shared.text and "Connexion" in shared.text
    assert "Déconnexion" in member.get(ids["path_A"]).text
    cache = wsgi.entries
    assert all("Déconnexion".encode() not in entry[2] for entry in cache.values())


def test_cached_open_data_answers_304(demo):
    first = demo.get("/conseils.geojson")
    demo.get("/conseils.geojson")  # now served from the cache
    demo.get("/conseils.geojson", headers={"If-None-Match": first.headers["ETag"]}, status=304)


def test_forbidden_and_missing_pages_are_not_kept(demo_wsgi, demo):
    demo.get("/admin", status=404)  # hidden from visitors: answered as missing (#14.4)
    demo.get("/nulle-part", status=404)
    assert not [k for k in demo_wsgi.entries if k[4] in ("/admin", "/nulle-part")]
