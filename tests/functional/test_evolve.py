"""conseils-evolve: named, ordered steps recorded in the database; a new database is up to date;
a database made by an older step list gets the missing steps, in order, once."""
import io

import pytest
from BTrees.OOBTree import OOBTree

from conseils_site import evolve as evolution
from conseils_site.resources.bootstrap import close_database
from conseils_site.scripts import evolve as evolve_script
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.processes import open_db
from tests.support import build_site


def run(*argv):
    out, err = io.StringIO(), io.StringIO()
    status = evolve_script.main([str(a) for a in argv], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def site(tmp_path):
    """A site made by the current code, closed (as after stopping the server), and its ini."""
    uri = f"file://{tmp_path}/Data.fs?blobstorage_dir={tmp_path}/blobs"
    wsgi = make_app(**{"zodbconn.uri": uri, "mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)
    close_database(wsgi.registry._zodb_databases[""])
    ini = tmp_path / "site.ini"
    ini.write_text("[app:main]\nuse = egg:conseils_site\n"
                   "zodbconn.uri = file://%(here)s/Data.fs?blobstorage_dir=%(here)s/blobs\n"
                   "conseils.session_secret = %(ENV_CONSEILS_EVOLVE_TEST_SECRET)s\n")
    return uri, ini, ids


def edit(uri, change):
    db = open_db(uri)
    try:
        with db.transaction() as conn:
            return change(conn.root()["conseils_site"])
    finally:
        db.close()


def test_a_new_database_counts_as_up_to_date(site, monkeypatch):
    uri, ini, _ids = site
    done = edit(uri, lambda root: dict(root.evolve_steps_done))
    assert list(done) == [step.name for step in evolution.STEPS]
    monkeypatch.setenv("CONSEILS_EVOLVE_TEST_SECRET", "s")  # %(ENV_…)s settings are read
    status, out, err = run(ini)
    assert status == 0, err
    assert f"La base est à jour : {len(evolution.STEPS)} étape(s) déjà faite(s), rien à faire." in out
    status, out, err = run(ini, "--list")
    assert status == 0 and out.count("faite le") == len(evolution.STEPS)


def test_a_database_made_by_an_older_step_list_is_upgraded(site, monkeypatch):
    uri, ini, ids = site
    monkeypatch.setenv("CONSEILS_EVOLVE_TEST_SECRET", "s")

    def make_it_old(root):
        # As the code before steps 0001 to 0003 left it: no record of them, no throttle
        # registry on the root, the allowed index out of date for a council, no change counter
        # on the catalog.
        for name in ("0001-login-failures", "0002-reindex-allowed", "0003-catalog-changes"):
            del root.evolve_steps_done[name]
        if hasattr(root, "login_failures"):
            del root.login_failures
        council = root.territoires.council_by_code("A")
        root.catalog.indexes["allowed"].unindex_doc(council._docid)
        del root.catalog.changes
        return council._docid

    docid = edit(uri, make_it_old)
    status, out, err = run(ini, "--list")
    assert status == 0 and out.count("à faire") == 3
    status, out, err = run(ini)
    assert status == 0, err
    assert out.index("Étape 1/3 : 0001-login-failures") < out.index("Étape 2/3 : 0002-reindex-allowed")
    assert out.index("Étape 2/3") < out.index("Étape 3/3 : 0003-catalog-changes")
    assert "Évolution terminée : 3 étape(s) appliquée(s)" in out and "la base est à jour" in out
    assert "0002-reindex-allowed" in err  # its progress bar

    def check(root):
        assert isinstance(root.login_failures, OOBTree)
        assert list(root.evolve_steps_done) == [s.name for s in evolution.STEPS]
        allowed = root.catalog.indexes["allowed"]
        assert docid in set(allowed.applyAny([f"council:{ids['council_A']}", "system.Everyone"]))
        assert root.catalog.state() is not None  # answers can be remembered again
    edit(uri, check)
    status, out, err = run(ini)  # a second run changes nothing
    assert status == 0 and "rien à faire" in out


def test_steps_run_in_order_once_and_a_failure_stops_the_rest(tmp_path):
    calls = []

    def step(name, fail=False):
        def run_step(root, ctx):
            calls.append(name)
            if fail:
                raise RuntimeError("panne simulée")
            root.marks = getattr(root, "marks", ()) + (name,)
            ctx.changed += 1
        return evolution.Step(name, f"étape {name}", run_step)

    old_list = [step("a"), step("b")]
    new_list = old_list + [step("c"), step("d", fail=True), step("e")]
    wsgi = make_app(**{"zodbconn.uri": "memory://"})
    with open_registry_root(wsgi.registry) as (root, tm):
        root.evolve_steps_done = OOBTree()
        evolution.mark_all_done(root, old_list)  # the database the old code created
        tm.commit()
        tm.begin()
        with pytest.raises(evolution.EvolveError, match="d : RuntimeError: panne simulée"):
            evolution.evolve(root, tm, steps=new_list, shape=lambda r: None)
        assert calls == ["c", "d"]
        assert set(root.evolve_steps_done) == {"a", "b", "c"}  # c kept, d not recorded
        assert root.marks == ("c",)
        new_list[3] = step("d")  # fixed
        calls.clear()
        applied, already = evolution.evolve(root, tm, steps=new_list, shape=lambda r: None)
        assert calls == ["d", "e"] and [s.name for s, _, _ in applied] == ["d", "e"]
        assert already == ["a", "b", "c"]
        assert root.marks == ("c", "d", "e")
        assert evolution.pending_steps(root, new_list) == []
        assert evolution.unknown_steps(root, old_list) == ["c", "d", "e"]


def test_refuses_a_database_evolved_by_newer_code_and_a_locked_one(site, monkeypatch):
    uri, ini, _ids = site
    monkeypatch.setenv("CONSEILS_EVOLVE_TEST_SECRET", "s")
    edit(uri, lambda root: root.evolve_steps_done.__setitem__("9999-from-the-future", None))
    status, _out, err = run(ini)
    assert status == 2 and "9999-from-the-future" in err and "plus récente" in err
    # The embedded FileStorage is locked by the process serving it.
    wsgi = make_app(**{"zodbconn.uri": uri})
    try:
        status, _out, err = run(ini)
        assert status == 2 and "arrêtez d'abord le site" in err
    finally:
        close_database(wsgi.registry._zodb_databases[""])


def test_an_empty_database_is_left_to_the_first_start(tmp_path):
    ini = tmp_path / "empty.ini"
    ini.write_text(f"[app:main]\nuse = egg:conseils_site\nzodbconn.uri = file://{tmp_path}/Data.fs\n")
    status, _out, err = run(ini)
    assert status == 2 and "démarrez le site une première fois" in err
