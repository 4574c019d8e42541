"""What one request and one person can leave on the server's disk and in its memory is bounded:
a part is never read past its limit, ten files at most per request, a quota of files waiting
per person, and the hourly script forgets what waited over a day."""
import io
import os
import time

import pytest

from conseils_site.resources.files import MB
from conseils_site.scripts.registrations import main as registrations_main
from conseils_site.uploads import UploadError, UploadStore, read_field
from tests.conftest import make_app
from tests.functional.test_content import PDF, council_items, submit
from tests.support import build_site, signed_in


class Part:
    """A posted file part that counts what is read from it."""

    def __init__(self, filename, size):
        self.filename = filename
        self.file = io.BytesIO(b"%PDF-1.4\n" + b"0" * (size - 9))
        self.read_bytes = 0
        original = self.file.read

        def read(n=-1):
            data = original(n)
            self.read_bytes += len(data)
            return data

        self.file.read = read


def test_an_oversized_part_is_refused_after_reading_the_limit_and_one_byte():
    part = Part("enorme.pdf", 30 * MB)
    with pytest.raises(UploadError, match="trop lourd .30,0 Mo. : 20 Mo au maximum"):
        read_field(part, 20 * MB)
    assert part.read_bytes == 20 * MB + 1


def test_a_part_within_the_limit_is_read_whole_and_named_without_its_folder():
    part = Part("C:\\Mes documents\\plan.pdf", 1000)
    assert read_field(part, 20 * MB) == ("plan.pdf", part.file.getvalue())


@pytest.fixture
def small_quota(tmp_path):
    wsgi = make_app(**{"zodbconn.uri": f"fsblobs://{tmp_path}/Data.fs?blob_dir={tmp_path}/blobs",
                       "mail.queue_path": str(tmp_path / "mail"),
                       "conseils.upload_path": str(tmp_path / "uploads"),
                       "conseils.upload_quota_mb": "1"})
    yield wsgi, build_site(wsgi), tmp_path / "uploads"
    wsgi.registry._zodb_databases[""].close()


def kept_files(folder):
    return sorted(name for _, _, names in os.walk(folder) for name in names if name.endswith(".data"))


def test_eleven_files_in_one_request_are_refused_before_any_is_kept(small_quota):
    wsgi, ids, folder = small_quota
    app = signed_in(wsgi, "membre_a")
    form = app.get(ids["path_A"] + "/@@nouveau-document").forms["document"]
    files = [(f"piece-{n}.pdf", PDF) for n in range(11)]
    page = submit(app, form, files=files, title="Onze pièces", description="Beaucoup.", status=400)
    assert "Vous avez choisi 11 fichiers : 10 au plus par envoi." in page.text
    assert page.forms["document"]["title"].value == "Onze pièces"  # what was typed is kept
    assert kept_files(folder) == [] and council_items(wsgi) == {}
    saved = submit(app, page.forms["document"], files=files[:10], status=303)  # ten are fine
    assert saved.location.endswith("/onze-pieces/")


def test_a_person_cannot_pile_up_files_waiting_beyond_the_quota(small_quota):
    wsgi, ids, folder = small_quota
    app = signed_in(wsgi, "membre_a")
    chunk = b"%PDF-1.4\n" + b"0" * (400 * 1024)
    for n in range(2):  # forms that fail (no title) keep their files: 800 KB waiting
        form = app.get(ids["path_A"] + "/@@nouveau-document").forms["document"]
        submit(app, form, files=[(f"plan-{n}.pdf", chunk)], title="", status=400)
    form = app.get(ids["path_A"] + "/@@nouveau-document").forms["document"]
    page = submit(app, form, files=[("plan-2.pdf", chunk)], title="", status=400)
    assert "Vous avez déjà trop de fichiers en attente" in page.text
    assert "« plan-2.pdf » n'a pas été gardé" in page.text
    assert len(kept_files(folder)) == 2
    other = signed_in(wsgi, "membre_b")  # the quota is per person
    form = other.get(ids["path_B"] + "/@@nouveau-document").forms["document"]
    page = submit(other, form, files=[("plan-b.pdf", chunk)], title="", status=400)
    assert "plan-b.pdf" in page.text and "trop de fichiers" not in page.text
    assert len(kept_files(folder)) == 3


def test_the_hourly_script_forgets_files_waiting_for_over_a_day(tmp_path, capsys):
    store = UploadStore(str(tmp_path / "uploads"))
    old = store.keep("ancien.pdf", PDF, "user:1")
    recent = store.keep("recent.pdf", PDF, "user:2")
    day_ago = time.time() - 25 * 3600
    for suffix in ("data", "json"):
        os.utime(store._file(old, suffix, "user:1"), (day_ago, day_ago))
    ini = tmp_path / "app.ini"
    ini.write_text(f"""
[app:main]
use = egg:conseils_site
zodbconn.uri = file://{tmp_path}/Data.fs
conseils.session_secret = s
conseils.load_demo = false
conseils.admin_password = un-mot-de-passe-long
mail.queue_path = {tmp_path}/mail
conseils.upload_path = {tmp_path}/uploads
""")
    assert registrations_main([str(ini)]) == 0
    assert "Fichiers en attente oubliés (plus d'un jour) : 1." in capsys.readouterr().out
    assert store.describe(old, "user:1") is None
    assert store.describe(recent, "user:2")["filename"] == "recent.pdf"
