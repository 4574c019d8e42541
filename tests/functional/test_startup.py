"""First start creates the site once; later starts keep it; SIGTERM closes the database cleanly."""
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

import pytest
import webtest

from conseils_site import main
from conseils_site.resources.bootstrap import close_database
from tests.conftest import make_app

SETTINGS = {
    "conseils.session_secret": "s",
    "conseils.load_demo": "false",
}


def _app(tmp_path, **extra):
    settings = dict(SETTINGS, **extra)
    settings["zodbconn.uri"] = f"fsblobs://{tmp_path}/Data.fs?blobstorage_dir={tmp_path}/blobs"
    return main({}, **settings)


def test_first_start_prints_generated_password_once_and_second_start_keeps_everything(tmp_path, capsys):
    app = _app(tmp_path)
    first = capsys.readouterr().err
    assert "Compte animateur créé : animateur@conseils-citoyens.localhost / mot de passe : " in first
    password = first.split("mot de passe : ")[1].split()[0]
    assert len(password) >= 12
    with app.registry._zodb_databases[""].transaction() as conn:
        root = conn.root()["conseils_site"]
        user = root.users.find_by_email("animateur@conseils-citoyens.localhost")
        from conseils_site.security.passwords import check_password
        assert check_password(user.password_hash, password)
        assert user.roles == ("animateur",) and user.is_active
        assert len(root.login_failures) == 0  # made with the site (evolve step 0001 is done)
        root.title_marker = "gardé"
    close_database(app.registry._zodb_databases[""])

    again = _app(tmp_path)
    assert "Compte animateur" not in capsys.readouterr().err
    with again.registry._zodb_databases[""].transaction() as conn:
        root = conn.root()["conseils_site"]
        assert root.title_marker == "gardé"
        assert len(root.users) == 1
    close_database(again.registry._zodb_databases[""])


def test_admin_account_from_settings(tmp_path, capsys):
    app = _app(tmp_path, **{"conseils.admin_email": "Anim@Example.org",
                            "conseils.admin_password": "un-mot-de-passe-long"})
    assert "mot de passe des réglages" in capsys.readouterr().err
    with app.registry._zodb_databases[""].transaction() as conn:
        assert conn.root()["conseils_site"].users.find_by_email("anim@example.org") is not None
    close_database(app.registry._zodb_databases[""])


def test_demo_directory_is_loaded_on_first_start(demo):
    assert "Conseil citoyen" in demo.get("/conseils").text
    assert "1514 conseil(s)" in demo.get("/conseils").text


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sigterm_closes_the_filestorage_cleanly(tmp_path):
    """Without a clean close FileStorage has no index and the next start rebuilds it."""
    port = _free_port()
    ini = tmp_path / "srv.ini"
    ini.write_text(f"""
[app:main]
use = egg:conseils_site
zodbconn.uri = fsblobs://{tmp_path}/Data.fs?blobstorage_dir={tmp_path}/blobs
conseils.session_secret = s
conseils.load_demo = false
conseils.admin_password = un-mot-de-passe-long
[server:main]
use = egg:waitress#main
listen = 127.0.0.1:{port}
""")
    pserve = os.path.join(os.path.dirname(sys.executable), "pserve")
    proc = subprocess.Popen([pserve, str(ini)], stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    try:
        deadline = time.time() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/conseils", timeout=2)
                break
            except OSError:
                if time.time() > deadline:
                    pytest.fail("the server did not start")
                time.sleep(0.2)
        (tmp_path / "Data.fs.index").unlink(missing_ok=True)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert (tmp_path / "Data.fs.index").stat().st_size > 100


@pytest.mark.parametrize("ini", ["production.ini", "production-zeo.ini", "production-relstorage.ini"])
def test_production_settings_come_from_the_environment(tmp_path, monkeypatch, ini):
    """The shipped production files load as pserve loads them, with secrets from the environment
    (no `%(ENV_…)s` interpolation that PasteDeploy cannot fill)."""
    from pathlib import Path

    from plaster import get_settings

    from conseils_site import settings_from_environment

    source = Path(__file__).resolve().parents[2] / ini
    settings = get_settings(str(source), "app:main")
    assert settings["zodbconn.uri"]
    assert not any("ENV_" in str(value) for value in settings.values())
    monkeypatch.setenv("CONSEILS_SESSION_SECRET", "secret-de-l-environnement")
    monkeypatch.setenv("CONSEILS_SMTP_HOST", "smtp.exemple.fr")
    settings = settings_from_environment(dict(settings))
    assert settings["conseils.session_secret"] == "secret-de-l-environnement"
    assert settings["mail.host"] == "smtp.exemple.fr"
    assert settings["conseils.secure_cookies"] == "true"


def test_a_cold_server_answers_concurrent_first_requests(cold_templates):
    """Templates compile on first use; several threads compiling at once used to fail on
    CPython 3.11 with a SystemError (a 500 on a fresh process). conseils_site/templating.py."""
    import threading

    import webtest

    paths = ["/", "/carte", "/conseils", "/connexion", "/inscription", "/mot-de-passe-oublie",
             "/groupes", "/actualites", "/ressources", "/recherche?q=a", "/conditions",
             "/confidentialite"]
    failures = []
    for _ in range(4):
        app = make_app()
        barrier = threading.Barrier(len(paths))

        def first_request(path, app=app, barrier=barrier):
            client = webtest.TestApp(app)
            barrier.wait()
            response = client.get(path, expect_errors=True)
            if response.status_int >= 500:
                failures.append(path)

        threads = [threading.Thread(target=first_request, args=(p,)) for p in paths]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert not failures
