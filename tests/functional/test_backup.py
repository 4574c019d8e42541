"""conseils-backup: repozo (full, then incremental) of the FileStorage plus blob snapshots that
hard-link what did not change; a restore into a new place gives back the same objects and the
same file contents, as of the newest backup or of an earlier one."""
import os

import pytest

from conseils_site.resources import Attachment, Document
from conseils_site.resources.bootstrap import close_database
from conseils_site.scripts import backup as backup_script
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.processes import open_db
from tests.support import build_site


def uri_of(folder):
    return f"file://{folder}/Data.fs?blobstorage_dir={folder}/blobs"


def add_document(wsgi, title, filename, data, author_id):
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("A")
        doc = Document(title, council.id, author_id=author_id, visibility="public",
                       description="<p>Pour la sauvegarde.</p>")
        council.add(council.unique_name(title), doc)
        doc.add(filename, Attachment(filename, data, "txt"))
        tm.commit()


def rename_council(wsgi, title):
    with open_registry_root(wsgi.registry) as (root, tm):
        root.territoires.council_by_code("B").title = title
        tm.commit()


def tree_contents(root):
    """Everything a backup must give back: the tree's titles, accounts, files' bytes."""
    council = root.territoires.council_by_code("A")
    docs = {}
    for name, item in council.items():
        files = {}
        for attachment in item.attachments():
            with attachment.open() as f:
                files[attachment.filename] = f.read()
        docs[name] = (item.title, files)
    return {"docs": docs, "B": root.territoires.council_by_code("B").title,
            "users": sorted(u.email for u in root.users.values()), "catalog": len(root.catalog)}


def live_contents(wsgi):
    with open_registry_root(wsgi.registry) as (root, _tm):
        return tree_contents(root)


def restored_contents(folder):
    db = open_db(uri_of(folder))
    try:
        with db.transaction() as conn:
            return tree_contents(conn.root()["conseils_site"])
    finally:
        db.close()


def run(*argv):
    from io import StringIO

    out, err = StringIO(), StringIO()
    status = backup_script.main([str(a) for a in argv], out=out, err=err)
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def live(tmp_path):
    """A site on a FileStorage with blobs, open (as the running site would hold it)."""
    data = tmp_path / "var"
    data.mkdir()
    wsgi = make_app(**{"zodbconn.uri": uri_of(data), "mail.queue_path": str(tmp_path / "mail"),
                       "conseils.upload_path": str(tmp_path / "uploads")})
    ids = build_site(wsgi)
    ini = tmp_path / "site.ini"
    ini.write_text("[app:main]\nuse = egg:conseils_site\nzodbconn.uri = file://%(here)s/var/Data.fs"
                   "?blobstorage_dir=%(here)s/var/blobs&connection_cache_size=20000\n"
                   "conseils.session_secret = %(ENV_CONSEILS_SECRET_NOT_NEEDED)s\n")
    yield wsgi, ids, ini, data
    close_database(wsgi.registry._zodb_databases[""])


def test_full_then_incremental_backup_restored_into_a_new_place(live, tmp_path):
    wsgi, ids, ini, _data = live
    backups = tmp_path / "sauvegardes"
    add_document(wsgi, "Compte rendu de mars", "mars.txt", b"Premier fichier\n" * 50, ids["membre_a"])

    status, out, err = run(ini, "--dir", backups)  # the site keeps the database open meanwhile
    assert status == 0, err
    assert "Sauvegarde complète" in out and "fichiers : 1 copié(s)" in out, out
    first = live_contents(wsgi)

    add_document(wsgi, "Compte rendu d'avril", "avril.txt", b"Second fichier\n" * 50, ids["membre_a"])
    rename_council(wsgi, "Conseil de Montreynaud (renommé)")
    status, out, err = run(ini, "--dir", backups)
    assert status == 0, err
    assert "Sauvegarde incrémentale" in out, out
    assert "fichiers : 1 copié(s)" in out and "1 inchangé(s) (liens)" in out, out
    second = live_contents(wsgi)
    assert len(second["docs"]) == len(first["docs"]) + 1

    stored = sorted(os.listdir(backups / "filestorage"))
    assert any(f.endswith(".fs") for f in stored) and any(f.endswith(".deltafs") for f in stored)
    snapshots = sorted(os.listdir(backups / "blobs"))
    assert len(snapshots) == 2
    # The unchanged blob file is the same inode in both snapshots: incremental on disk too.
    old = [p for p in (backups / "blobs" / snapshots[0]).rglob("*.blob")]
    assert len(old) == 1
    twin = backups / "blobs" / snapshots[1] / old[0].relative_to(backups / "blobs" / snapshots[0])
    assert twin.stat().st_ino == old[0].stat().st_ino

    status, out, err = run(ini, "--dir", backups, "--list")
    assert status == 0 and "complète" in out and "incrémentale" in out and "fichiers : oui" in out

    # The newest state, in a new place, with nothing of the live database.
    restored = tmp_path / "restauree"
    status, out, err = run(ini, "--dir", backups, "--restore", restored)
    assert status == 0, err
    assert restored_contents(restored) == second
    # An earlier state: the first backup's date.
    earlier = tmp_path / "restauree-mars"
    status, out, err = run(ini, "--dir", backups, "--restore", earlier, "--date", snapshots[0])
    assert status == 0, err
    assert restored_contents(earlier) == first
    # Never over an existing database.
    status, out, err = run(ini, "--dir", backups, "--restore", restored)
    assert status == 2 and "contient déjà une base" in err


def test_nothing_changed_means_nothing_copied(live, tmp_path):
    _wsgi, _ids, ini, _data = live
    backups = tmp_path / "b"
    assert run(ini, "--dir", backups)[0] == 0
    status, out, _err = run(ini, "--dir", backups)
    assert status == 0 and "rien à copier" in out
    assert len(os.listdir(backups / "blobs")) == 1


def test_storage_paths_of_the_embedded_filestorage():
    assert backup_script.storage_paths("file:///srv/var/Data.fs?blobstorage_dir=/srv/var/blobs"
                                       "&connection_cache_size=20000") == ("/srv/var/Data.fs", "/srv/var/blobs")
    assert backup_script.storage_paths("fsblobs:///srv/var/Data.fs?blob_dir=/srv/var/blobs") == \
        ("/srv/var/Data.fs", "/srv/var/blobs")


def test_other_storages_are_explained(tmp_path):
    ini = tmp_path / "zeo.ini"
    ini.write_text("[app:main]\nzodbconn.uri = zeo://127.0.0.1:8100?blob_dir=/srv/blobs\n")
    status, _out, err = run(ini)
    assert status == 2 and "--data-fs" in err
    ini.write_text("[app:main]\nzodbconn.uri = postgres://u:p@127.0.0.1/conseils\n")
    status, _out, err = run(ini)
    assert status == 2 and "pg_dump" in err
