"""Shared fixtures: apps built from settings on in-memory ZODB, and a full demo site reused."""
import tempfile

import pytest
import webtest

from conseils_site import main

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
}


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
def empty_wsgi():
    return make_app()


@pytest.fixture
def empty(empty_wsgi):
    return webtest.TestApp(empty_wsgi)
