"""The shipped ini files: production listens on loopback behind the proxy and checks the Host;
every server bounds the request body (waitress accepts 1 GiB otherwise)."""
import configparser
from pathlib import Path

import pytest
from pyramid.settings import asbool

REPO = Path(__file__).resolve().parents[2]
PRODUCTION = ["production.ini", "production-zeo.ini", "production-relstorage.ini"]
ALL = ["development.ini", *PRODUCTION]
# The largest form: 10 files of 20 MB each, with room for the other fields and the multipart.
LARGEST_FORM = 10 * 20 * 2**20


def ini(name):
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(REPO / name)
    return parser


def servers(parser):
    return [parser[s] for s in parser.sections() if s.startswith("server:")]


@pytest.mark.parametrize("name", ALL)
def test_every_server_bounds_the_request_body(name):
    found = servers(ini(name))
    assert found
    for server in found:
        size = int(server.get("max_request_body_size", "0"))
        assert LARGEST_FORM < size <= LARGEST_FORM * 1.25, (name, server.name, size)


@pytest.mark.parametrize("name", PRODUCTION)
def test_production_listens_on_loopback_and_checks_the_host(name):
    parser = ini(name)
    for server in servers(parser):
        assert server["listen"].startswith("127.0.0.1:"), (name, server.name)
        assert server["trusted_proxy"] == "127.0.0.1"
    app = parser["app:main"]
    assert asbool(app["conseils.enforce_host"])
    assert "conseils.allowed_hosts" in app
    assert asbool(app["conseils.secure_cookies"])  # and so Strict-Transport-Security


def test_development_serves_any_host_and_links_to_itself():
    parser = ini("development.ini")
    app = parser["app:main"]
    assert app["conseils.public_url"] == "http://localhost:6543"
    assert parser["server:main"]["listen"] == "localhost:6543"
    assert not asbool(app.get("conseils.enforce_host", "false"))
