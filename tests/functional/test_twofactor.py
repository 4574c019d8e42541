"""The second factor: enrolment from « Mon profil », the code asked after the password (and
throttled like it), recovery codes that work once, and the requirement for animators."""
import datetime
import html
import re

import pyotp
import pytest
import webtest

from conseils_site.notify import clock
from conseils_site.scripts import open_registry_root
from conseils_site.security import totp
from tests.conftest import make_app
from tests.support import PASSWORD, attempt_sign_in, build_site, email_of, sign_in, signed_in_as

START = datetime.datetime(2030, 3, 4, 10, 0, 5, tzinfo=datetime.UTC)
PAGE = "/mon-profil/double-authentification"


@pytest.fixture
def moments(monkeypatch):
    class Moments:
        current = START

        def advance(self, seconds):
            self.current += datetime.timedelta(seconds=seconds)

        def code(self, secret, offset=0):
            return pyotp.TOTP(secret).at(self.current.timestamp() + offset)

    moments = Moments()
    monkeypatch.setattr(clock, "now", lambda: moments.current)
    return moments


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    return wsgi, build_site(wsgi)


@pytest.fixture
def strict(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail"),
                       "conseils.require_2fa_for_animators": "true"})
    return wsgi, build_site(wsgi)


def text(page):
    return " ".join(html.unescape(page.text).split())


def enrol(wsgi, user_id, moments):
    """A second factor put on an account directly: (secret, recovery codes)."""
    with open_registry_root(wsgi.registry) as (root, tm):
        user = root.users[user_id]
        secret = totp.start_enrolment(user)
        codes = totp.confirm_enrolment(user, moments.code(secret), moments.current.timestamp())
        tm.commit()
    assert codes and len(codes) == 10
    moments.advance(30)  # the next code: the one used to enrol works once
    return secret, codes


def password_step(app, who, address="192.0.2.10"):
    """The right password of an account with a second factor: not signed in yet."""
    result = attempt_sign_in(app, email_of(who), address=address)
    assert result.status_int == 303
    assert result.headers["Location"] == "http://localhost/connexion/code"
    assert signed_in_as(app) is None
    return result


def submit_code(app, code, address="192.0.2.10"):
    form = app.get("/connexion/code", extra_environ={"REMOTE_ADDR": address}).forms["code"]
    form["code"] = code
    return form.submit(status="*", extra_environ={"REMOTE_ADDR": address})


def sign_out(app):
    form = next(f for f in app.get("/").forms.values() if f.action == "/deconnexion")
    form.submit()
    assert signed_in_as(app) is None


def secret_on(page):
    match = re.search(r'<code class="secret">([A-Z2-7 ]+)</code>', page.text)
    assert match, page.text
    return match.group(1).replace(" ", "")


def enrol_through_the_pages(app, moments, password=PASSWORD):
    page = app.get(PAGE)
    form = page.forms["commencer"]
    form["password"] = password
    page = form.submit().follow()
    secret = secret_on(page)
    assert "<svg" in page.text and "qr-code" in page.text
    form = page.forms["confirmer"]
    form["code"] = moments.code(secret)
    done = form.submit()
    assert done.status_int == 200
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.text)
    assert len(set(codes)) == 10
    moments.advance(30)
    return secret, codes


# --- enrolment --------------------------------------------------------------------------------

def test_enrolment_from_the_profile_shows_a_qr_code_then_ten_codes_once(site, moments):
    wsgi, ids = site
    app = sign_in(webtest.TestApp(wsgi), "membre_a")
    assert PAGE in app.get("/mon-profil").text
    page = app.get(PAGE)
    form = page.forms["commencer"]
    form["password"] = "pas le mien"
    refused = form.submit(status=400)
    assert "Ce n'est pas votre mot de passe actuel" in text(refused)
    form = refused.forms["commencer"]
    form["password"] = PASSWORD
    page = form.submit().follow()
    # the QR code is inline SVG: no script, no image request, nothing the CSP must allow
    assert re.search(r"<svg[^>]*class=\"qr-code\"", page.text)
    assert "<img" not in page.text.split("<main", 1)[-1] and "data:" not in page.text
    assert "otpauth" not in page.text  # only the QR code and the key itself show the secret
    element_ids = re.findall(r'\bid="([^"]+)"', page.text)  # each label finds its field
    assert len(element_ids) == len(set(element_ids))
    secret = secret_on(page)
    form = page.forms["confirmer"]
    form["code"] = "123 456" if moments.code(secret) != "123456" else "654321"
    wrong = form.submit(status=400)
    assert "Ce code ne correspond pas" in text(wrong)
    assert wrong.forms["confirmer"]["code"].value  # what was typed is kept
    form = wrong.forms["confirmer"]
    form["code"] = moments.code(secret)
    done = form.submit()
    assert "ne seront plus jamais affichés" in text(done)
    assert "no-store" in done.headers["Cache-Control"]
    codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>", done.text)
    assert len(set(codes)) == 10
    status = app.get(PAGE)
    assert "La double authentification est activée" in text(status)
    assert "Il vous reste 10 codes de secours" in text(status)
    assert not any(code in status.text for code in codes)
    with open_registry_root(wsgi.registry) as (root, tm):  # stored hashed, never as typed
        record = root.users[ids["membre_a"]].second_factor
        assert record["secret"] == secret and len(record["recovery"]) == 10
        assert not any(code.replace("-", "") in str(dict(record)) for code in codes)
    download = app.get("/mon-profil/donnees")
    assert secret not in download.text and "second_factor" not in download.text


# --- sign-in ----------------------------------------------------------------------------------

def test_sign_in_asks_the_code_after_the_password(site, moments):
    wsgi, ids = site
    secret, _ = enrol(wsgi, ids["membre_a"], moments)
    app = webtest.TestApp(wsgi)
    form = app.get("/connexion?came_from=/mon-profil").forms["connexion"]
    form["email"], form["password"] = email_of("membre_a"), PASSWORD
    assert form.submit().headers["Location"] == "http://localhost/connexion/code"
    assert signed_in_as(app) is None
    assert app.get("/mon-profil").status_int == 303  # half-signed is not signed in
    result = submit_code(app, moments.code(secret))
    assert result.status_int == 303
    assert result.headers["Location"] == "http://localhost/mon-profil"
    assert signed_in_as(app) == "Membre A"
    # the same code does not work twice
    sign_out(app)
    password_step(app, "membre_a")
    replay = submit_code(app, moments.code(secret))
    assert replay.status_int == 400
    assert "Ce code ne convient pas" in text(replay)
    assert signed_in_as(app) is None
    # an account without a second factor signs in as before
    other = webtest.TestApp(wsgi)
    assert attempt_sign_in(other, email_of("membre_b")).headers["Location"] == "http://localhost/gerer"


def test_wrong_codes_are_refused_and_throttled_like_passwords(site, moments):
    wsgi, ids = site
    secret, _ = enrol(wsgi, ids["membre_a"], moments)
    app = webtest.TestApp(wsgi)
    password_step(app, "membre_a")
    for n in range(3):
        page = submit_code(app, f"00000{n}" if moments.code(secret) != f"00000{n}" else "999999")
        assert page.status_int == 400 and "Ce code ne convient pas" in text(page)
    page = submit_code(app, moments.code(secret))  # even the right one waits now
    assert page.status_int == 400
    assert "Trop de tentatives de connexion" in text(page) and "attendez 1 minute" in text(page)
    assert signed_in_as(app) is None
    moments.advance(61)
    assert submit_code(app, moments.code(secret)).status_int == 303
    assert signed_in_as(app) == "Membre A"


def test_the_half_signed_state_ends_after_five_minutes(site, moments):
    wsgi, ids = site
    secret, _ = enrol(wsgi, ids["membre_a"], moments)
    app = webtest.TestApp(wsgi)
    password_step(app, "membre_a")
    page = app.get("/connexion/code")
    moments.advance(5 * 60 + 1)
    form = page.forms["code"]
    form["code"] = moments.code(secret)
    result = form.submit()
    assert result.headers["Location"] == "http://localhost/connexion"
    assert "Le délai pour saisir le code de vérification est dépassé" in text(result.follow())
    assert signed_in_as(app) is None


def test_a_recovery_code_works_once(site, moments):
    wsgi, ids = site
    _, codes = enrol(wsgi, ids["membre_a"], moments)
    app = webtest.TestApp(wsgi)
    password_step(app, "membre_a")
    result = submit_code(app, codes[3].upper().replace("-", " "))  # typed loosely
    assert result.status_int == 303
    assert "Il vous en reste 9" in text(result.follow().follow())
    assert signed_in_as(app) == "Membre A"
    sign_out(app)
    password_step(app, "membre_a")
    again = submit_code(app, codes[3])
    assert again.status_int == 400 and "Ce code ne convient pas" in text(again)
    assert signed_in_as(app) is None
    assert submit_code(app, codes[4]).status_int == 303


def test_new_codes_and_turning_off_need_the_password(site, moments):
    wsgi, ids = site
    secret, codes = enrol(wsgi, ids["membre_a"], moments)
    app = webtest.TestApp(wsgi)
    password_step(app, "membre_a")
    assert submit_code(app, moments.code(secret)).status_int == 303
    page = app.get(PAGE)
    form = page.forms["codes"]
    form["password"] = "pas le mien"
    assert "Ce n'est pas votre mot de passe actuel" in text(form.submit(status=400))
    form = app.get(PAGE).forms["codes"]
    form["password"] = PASSWORD
    new_codes = re.findall(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>",
                           form.submit().text)
    assert len(new_codes) == 10 and not set(new_codes) & set(codes)
    with open_registry_root(wsgi.registry) as (root, tm):
        user = root.users[ids["membre_a"]]
        assert totp.check_code(user, codes[0], moments.current.timestamp()) is None
        tm.abort()
    form = app.get(PAGE).forms["desactiver"]
    form["password"] = PASSWORD
    assert form.submit().headers["Location"] == "http://localhost/mon-profil"
    sign_out(app)
    assert attempt_sign_in(app, email_of("membre_a")).headers["Location"] == "http://localhost/gerer"
    assert signed_in_as(app) == "Membre A"


# --- required for animators -------------------------------------------------------------------

def test_animators_must_enrol_before_anything_else_when_required(strict, moments):
    wsgi, _ = strict
    app = webtest.TestApp(wsgi)
    result = attempt_sign_in(app, email_of("animateur"))
    assert result.status_int == 303
    for path in ("/gerer", "/admin", "/mon-profil", "/", "/admin/inscriptions"):
        page = app.get(path, status=303)
        assert page.headers["Location"] == "http://localhost" + PAGE, path
    page = app.get(PAGE)
    assert "Les animateurs doivent activer la double authentification" in text(page)
    assert app.get("/deconnexion").status_int == 200
    assert app.get("/static/css/site.css").status_int == 200
    app.post("/admin/inscriptions", {}, status=303)  # posts too, before any check
    secret, _ = enrol_through_the_pages(app, moments)
    assert app.get("/admin").status_int == 200
    # the next sign-in asks the code
    sign_out(app)
    password_step(app, "animateur")
    assert submit_code(app, moments.code(secret)).status_int == 303
    assert app.get("/admin").status_int == 200


def test_the_requirement_is_for_animators_and_off_by_default(site, strict, moments):
    wsgi, _ = strict
    councillor = webtest.TestApp(wsgi)
    assert attempt_sign_in(councillor, email_of("membre_a")).status_int == 303
    assert councillor.get("/mon-profil").status_int == 200
    relaxed, _ = site
    animator = webtest.TestApp(relaxed)
    assert attempt_sign_in(animator, email_of("animateur")).status_int == 303
    assert animator.get("/admin").status_int == 200
