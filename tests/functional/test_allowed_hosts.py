"""Allowed hosts: in production (`conseils.enforce_host`), a request whose Host is neither the
public address's host nor a configured alias gets a plain French 400 before anything else runs —
no page, no cache entry, no mail. Off by default, so a developer reaches the site however they
name it."""
import socket

import pytest
import requests
import webtest

from tests.conftest import make_app
from tests.processes import app_ini, free_port, start_app
from tests.support import build_site, email_of
from tests.support_mail import queued

PUBLIC = "https://conseils.example.fr"
ALIASES = "www.conseils.example.fr, conseils-citoyens.example.org:8443"


@pytest.fixture
def enforced(tmp_path):
    wsgi = make_app(**{"conseils.public_url": PUBLIC, "conseils.enforce_host": "true",
                       "conseils.allowed_hosts": ALIASES,
                       "mail.queue_path": str(tmp_path / "mail")})
    build_site(wsgi)
    return wsgi, tmp_path / "mail"


def browser(wsgi, host):
    return webtest.TestApp(wsgi, extra_environ={"HTTP_HOST": host})


def page_cache(wsgi):
    """The anonymous page cache inside the host check."""
    return wsgi.app


@pytest.mark.parametrize("host", ["conseils.example.fr", "conseils.example.fr:443",
                                  "CONSEILS.Example.FR.", "www.conseils.example.fr",
                                  "conseils-citoyens.example.org:8443"])
def test_the_public_host_and_its_aliases_are_served(enforced, host):
    wsgi, _ = enforced
    page = browser(wsgi, host).get("/connexion")
    assert page.status_int == 200 and "Connexion" in page.text


@pytest.mark.parametrize("host", ["evil.example", "conseils.example.fr.evil.example",
                                  "conseils.example.fr:6543", "127.0.0.1:6543", ""])
def test_another_host_gets_a_plain_french_400_and_nothing_is_cached(enforced, host):
    wsgi, _ = enforced
    cache = page_cache(wsgi)
    browser(wsgi, "conseils.example.fr").get("/")
    cached = len(cache.entries)
    assert cached >= 1  # the public host's home page is in the cache
    for _ in range(2):
        refused = browser(wsgi, host).get("/", status=400)
        assert "adresse" in refused.text.lower() and "conseils.example.fr" in refused.text
        assert refused.content_type == "text/plain"
        assert "Set-Cookie" not in refused.headers
    assert len(cache.entries) == cached
    assert not any(host and host in str(key) for key in cache.entries)


def test_a_refused_host_sends_no_mail(enforced):
    wsgi, mail_dir = enforced
    public = browser(wsgi, "conseils.example.fr")
    form = public.get("/mot-de-passe-oublie").forms["oubli"]
    form["email"] = email_of("membre_a")
    session = "; ".join(f"{name}={value}" for name, value in public.cookies.items())
    browser(wsgi, "evil.example").post(  # the same session, the token of a real form
        "/mot-de-passe-oublie", dict(form.submit_fields()), headers={"Cookie": session},
        status=400)
    assert queued(mail_dir) == []
    assert form.submit().status_int == 303  # the same request at the public address works
    assert [m["To"] for m in queued(mail_dir)] == [email_of("membre_a")]


def test_any_host_is_served_when_not_enforced(tmp_path):
    wsgi = make_app(**{"conseils.public_url": PUBLIC})
    assert browser(wsgi, "evil.example").get("/connexion").status_int == 200


def test_enforcing_without_a_public_address_stops_at_start():
    """Else every request would be refused, and every mail would lead to localhost."""
    with pytest.raises(ValueError, match="conseils.public_url"):
        make_app(**{"conseils.public_url": "", "conseils.enforce_host": "true"})


def test_production_ini_behind_its_proxy(tmp_path):
    """production.ini served by waitress: the host the proxy forwards is the one checked, and a
    body announced over `max_request_body_size` is refused before it is read."""
    var = tmp_path / "var"
    var.mkdir()
    ini = app_ini("production.ini", tmp_path / "app.ini", free_port(), None, var)
    app = start_app(ini, tmp_path / "app.log")  # CONSEILS_PUBLIC_URL=http://localhost
    try:
        assert requests.get(app.url + "/connexion", timeout=30).status_code == 200
        for headers in ({"Host": "evil.example"}, {"X-Forwarded-Host": "evil.example"}):
            refused = requests.get(app.url + "/connexion", headers=headers, timeout=30)
            assert refused.status_code == 400 and "Adresse inconnue" in refused.text, headers
        forwarded = requests.get(app.url + "/connexion", timeout=30,
                                 headers={"X-Forwarded-Host": "localhost",
                                          "X-Forwarded-Proto": "https"})
        assert forwarded.status_code == 200 and "Connexion" in forwarded.text
        with socket.create_connection(("127.0.0.1", app.port), timeout=30) as raw:
            raw.sendall(f"POST /connexion HTTP/1.1\r\nHost: 127.0.0.1:{app.port}\r\n"
                        f"Content-Type: application/x-www-form-urlencoded\r\n"
                        f"Content-Length: {300 * 2**20}\r\n\r\n".encode())
            assert raw.recv(200).startswith(b"HTTP/1.1 413")
    finally:
        app.stop()
