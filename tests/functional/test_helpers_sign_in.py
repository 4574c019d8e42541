"""The sign-in helpers cannot lie: `sign_in` fails the test when nobody, or somebody else, ends
up signed in, so a test expecting a refusal cannot pass because sign-in broke."""
import pytest
import webtest

from conseils_site.views import login as login_view
from tests.conftest import make_app
from tests.support import (
    attempt_sign_in,
    build_site,
    email_of,
    profile_email,
    set_state,
    sign_in,
    signed_in,
    signed_in_as,
)


@pytest.fixture(scope="module")
def site():
    wsgi = make_app()
    return wsgi, build_site(wsgi)


def test_sign_in_returns_the_browser_signed_in_as_that_person(site):
    wsgi, _ = site
    app = sign_in(webtest.TestApp(wsgi), "membre_a")
    assert profile_email(app) == email_of("membre_a")
    assert signed_in_as(app) == "Membre A"
    assert profile_email(signed_in(wsgi, email_of("membre_b"))) == email_of("membre_b")
    assert profile_email(signed_in(wsgi)) is None  # nobody named: a visitor


def test_sign_in_fails_when_the_view_remembers_nobody(site, monkeypatch):
    """The answer is still « 303 See Other »: only the profile tells."""
    wsgi, _ = site
    monkeypatch.setattr(login_view, "remember", lambda request, userid: [])
    app = webtest.TestApp(wsgi)
    assert attempt_sign_in(app, "membre_a").status_int == 303
    with pytest.raises(AssertionError, match="Mon profil"):
        sign_in(webtest.TestApp(wsgi), "membre_a")


def test_sign_in_fails_when_someone_else_is_signed_in(site, monkeypatch):
    wsgi, ids = site
    real = login_view.remember
    monkeypatch.setattr(login_view, "remember", lambda request, userid: real(request, ids["membre_b"]))
    with pytest.raises(AssertionError, match="membre.b@exemple.fr"):
        sign_in(webtest.TestApp(wsgi), "membre_a")


@pytest.mark.parametrize(("who", "password"), [("membre_a", "pas le bon mot de passe"),
                                               ("candidat_a", None), ("desactive_a", None)])
def test_sign_in_fails_when_the_site_refuses(site, who, password):
    wsgi, _ = site
    app = webtest.TestApp(wsgi)
    with pytest.raises(AssertionError, match="could not sign in"):
        sign_in(app, who, *(password,) if password else ())
    assert profile_email(app) is None


def test_attempt_sign_in_returns_the_refusal_as_it_is(site):
    wsgi, _ = site
    app = webtest.TestApp(wsgi)
    page = attempt_sign_in(app, "candidat_a")
    assert page.status_int == 400 and "attend la validation" in page.text
    assert profile_email(app) is None and signed_in_as(app) is None


def test_set_state_takes_a_name_or_an_address(site):
    wsgi, _ = site
    set_state(wsgi, "membre_c", "disabled")
    assert attempt_sign_in(webtest.TestApp(wsgi), "membre_c").status_int == 400
    set_state(wsgi, email_of("membre_c"), "active")
    assert profile_email(signed_in(wsgi, "membre_c")) == email_of("membre_c")
