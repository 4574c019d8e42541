"""Shared fixtures: apps built from settings on in-memory ZODB, and a full demo site reused.

Kept fast for the whole suite (docs/testing.md): Chameleon's compiled templates are kept in a
directory for the session, so each new app loads them instead of compiling them again; and
passwords are hashed at Argon2's cheapest cost (`conseils.password_hash = fast`)."""
import atexit
import fnmatch
import os
import shutil
import tempfile
from pathlib import Path

# Chameleon reads its cache directory once, when it is first imported: before the app is. The
# variable is then taken out again, so the servers the real-server tests start compile their
# templates cold, as in production (conseils_site/templating.py).
_TEMPLATES = tempfile.mkdtemp(prefix="conseils-chameleon-")
os.environ["CHAMELEON_CACHE"] = _TEMPLATES
import chameleon.config  # noqa: E402
import chameleon.loader  # noqa: E402
import chameleon.template  # noqa: E402

del os.environ["CHAMELEON_CACHE"]
assert chameleon.config.CACHE_DIRECTORY == _TEMPLATES, "chameleon was imported before tests/conftest.py"
atexit.register(shutil.rmtree, _TEMPLATES, ignore_errors=True)

import pytest  # noqa: E402
import webtest  # noqa: E402

from conseils_site import main  # noqa: E402
from conseils_site.security import passwords  # noqa: E402

# Tiles point at a closed loopback port: tests never wait for, nor reach, an outside host.
BASE_SETTINGS = {
    "zodbconn.uri": "memory://",
    "retry.attempts": "3",
    "conseils.session_secret": "test-secret",
    "conseils.load_demo": "false",
    "conseils.admin_email": "animateur@example.org",
    "conseils.admin_password": "mot-de-passe-animateur",
    "conseils.tiles_url": "http://127.0.0.1:9/{z}/{x}/{y}.png",
    "conseils.tiles_attribution": "Fond de test",
    # WebTest's host: the links the site writes lead back to the app under test.
    "conseils.public_url": "http://localhost",
    # A queue no test reads unless it sets its own: nothing ever lands in the checkout's var/.
    "mail.queue_path": tempfile.mkdtemp(prefix="conseils-mail-"),
    "conseils.upload_path": tempfile.mkdtemp(prefix="conseils-uploads-"),
    # Argon2 at its cheapest: tests hash and check thousands of passwords (never in an ini file:
    # tests/unit/test_password_hash_cost.py).
    "conseils.password_hash": "fast",
}
# Hashes made before any app is built (tests/processes.py prepares databases for the servers)
# are cheap too.
passwords.configure(BASE_SETTINGS)


def make_app(**overrides):
    settings = dict(BASE_SETTINGS)
    settings.update({k.replace("__", "."): v for k, v in overrides.items()})
    return main({}, **settings)


@pytest.fixture(scope="session")
def demo_wsgi():
    """The site with the 1,514 demo councils, built once for the read-only tests."""
    return make_app(**{"conseils.load_demo": "true"})


@pytest.fixture
def demo(demo_wsgi):
    return webtest.TestApp(demo_wsgi)


@pytest.fixture
def cold_templates(monkeypatch):
    """Production's templates for one test: each new app compiles them again on first use,
    instead of loading the session's compiled ones (a test about compiling itself needs this)."""
    monkeypatch.setattr(chameleon.template.BaseTemplate, "loader", chameleon.loader.MemoryLoader())


@pytest.fixture
def empty_wsgi():
    return make_app()


@pytest.fixture
def empty(empty_wsgi):
    return webtest.TestApp(empty_wsgi)


# --- `pytest -m` groups (docs/testing.md) ------------------------------------------------------

TESTS = Path(__file__).resolve().parent
GROUPS = ("unit", "functional", "browser")  # each test's group is its directory
# `slow`: what took over 3 s a test in a whole run (docs/testing.md), matched on "file::test".
# Real servers in other processes (crowds on FileStorage and ZEO, two processes on ZEO and on
# RelStorage, a crash, a backup and restore, a SIGTERM) and the bench-like measurements.
SLOW = (
    "test_concurrent_writes.py::*",
    "test_multiprocess.py::*",
    "test_crash.py::*",
    "test_backup.py::*",
    "test_startup.py::test_sigterm_closes_the_filestorage_cleanly",
    "test_forum_markup_linear.py::*",
    "test_collab_storage.py::test_a_thousand_keystrokes_*",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(item.path).resolve()
        group = path.relative_to(TESTS).parts[0] if TESTS in path.parents else None
        if group in GROUPS:
            item.add_marker(group)
        if any(fnmatch.fnmatchcase(f"{path.name}::{item.name}", pattern) for pattern in SLOW):
            item.add_marker("slow")
