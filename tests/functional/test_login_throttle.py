"""Sign-in throttles: a delay that grows per account and per (address, account), a far higher
ceiling per address, the owner's known device still let in, one reset or confirmation mail per
address per 5 minutes."""
import datetime
import html

import pytest
import webtest

from conseils_site.notify import clock
from conseils_site.notify.mail import deliver_queue
from tests.conftest import make_app
from tests.mailserver import MailServer
from tests.support import PASSWORD, attempt_sign_in, build_site, email_of, signed_in_as

START = datetime.datetime(2030, 3, 4, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)
    return wsgi, ids, tmp_path / "mail"


@pytest.fixture
def moments(monkeypatch):
    """The site's clock, moved by the test: `moments.advance(seconds)`."""
    class Moments:
        current = START

        def advance(self, seconds):
            self.current += datetime.timedelta(seconds=seconds)

    moments = Moments()
    monkeypatch.setattr(clock, "now", lambda: moments.current)
    return moments


def text(page):
    return html.unescape(page.text)


def refused_as_too_many(page):
    assert page.status_int == 400
    return "Trop de tentatives de connexion" in text(page)


def sign_out(app):
    form = next(f for f in app.get("/").forms.values() if f.action == "/deconnexion")
    form.submit()
    assert signed_in_as(app) is None


def test_strangers_wrong_passwords_do_not_lock_the_owner_out_of_a_known_device(site, moments):
    wsgi, _, _ = site
    owner = webtest.TestApp(wsgi)
    assert attempt_sign_in(owner, email_of("animateur"), address="192.0.2.44").status_int == 303
    sign_out(owner)
    attacker = webtest.TestApp(wsgi)
    for n in range(12):
        page = attempt_sign_in(attacker, email_of("animateur"), f"devine {n}", address=f"198.51.100.{n}")
        assert page.status_int == 400
    # a new browser, even at the owner's usual address, waits ...
    stranger = webtest.TestApp(wsgi)
    assert refused_as_too_many(attempt_sign_in(stranger, email_of("animateur"), address="192.0.2.44"))
    assert signed_in_as(stranger) is None
    # ... the owner's browser, which signed in before, is let in with the right password
    result = attempt_sign_in(owner, email_of("animateur"), address="203.0.113.80")
    assert result.status_int == 303
    assert signed_in_as(owner) == "Animateur X"
    # and a wrong password from that device is still refused, not taken
    sign_out(owner)
    assert attempt_sign_in(owner, email_of("animateur"), "devine encore",
                   address="203.0.113.80").status_int == 400
    assert signed_in_as(owner) is None


def test_a_device_cookie_only_vouches_for_its_own_account(site, moments):
    wsgi, _, _ = site
    device = webtest.TestApp(wsgi)
    assert attempt_sign_in(device, email_of("membre_b")).status_int == 303
    sign_out(device)
    attacker = webtest.TestApp(wsgi)
    for n in range(8):
        attempt_sign_in(attacker, email_of("membre_a"), f"devine {n}", address=f"198.51.100.{n}")
    assert refused_as_too_many(attempt_sign_in(device, email_of("membre_a")))
    assert signed_in_as(device) is None
    forged = webtest.TestApp(wsgi)
    forged.set_cookie("conseils_appareil", device.cookies["conseils_appareil"][:-3] + "abc")
    assert refused_as_too_many(attempt_sign_in(forged, email_of("membre_a")))


def test_many_accounts_failing_behind_one_address_do_not_lock_its_other_people(site, moments):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    for n in range(12):  # a shared wifi: many people, some mistyping
        for attempt in range(2):
            page = attempt_sign_in(app, f"voisin{n}@exemple.fr", f"oups {attempt}", address="203.0.113.7")
            assert "Adresse électronique ou mot de passe incorrect" in text(page)
    result = attempt_sign_in(webtest.TestApp(wsgi), email_of("membre_b"), address="203.0.113.7")
    assert result.status_int == 303


def test_the_wait_grows_per_account_and_is_said_in_french(site, moments):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    for n in range(5):  # five failures from five addresses are free
        page = attempt_sign_in(app, email_of("membre_a"), f"mauvais {n}", address=f"198.51.100.{n}")
        assert "incorrect" in text(page)
    page = attempt_sign_in(app, email_of("membre_a"), address="198.51.100.50")  # even the right one
    assert refused_as_too_many(page)
    assert "attendez 1 minute avant" in text(page)
    moments.advance(61)
    page = attempt_sign_in(app, email_of("membre_a"), "mauvais 6", address="198.51.100.51")
    assert "incorrect" in text(page)
    page = attempt_sign_in(app, email_of("membre_a"), address="198.51.100.52")
    assert "attendez 2 minutes" in text(page)
    moments.advance(121)
    attempt_sign_in(app, email_of("membre_a"), "mauvais 7", address="198.51.100.53")
    moments.advance(30)
    page = attempt_sign_in(app, email_of("membre_a"), address="198.51.100.54")
    assert "attendez 4 minutes" in text(page)  # 3 min 30 s left, said rounded up
    moments.advance(4 * 60)
    assert attempt_sign_in(app, email_of("membre_a"), address="198.51.100.55").status_int == 303
    assert signed_in_as(app) == "Membre A"
    # another account was never slowed down
    assert attempt_sign_in(webtest.TestApp(wsgi), email_of("membre_b"),
                   address="198.51.100.1").status_int == 303


def test_one_address_guessing_one_account_waits_sooner_than_the_owner_elsewhere(site, moments):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    for n in range(3):
        attempt_sign_in(app, email_of("membre_a"), f"mauvais {n}", address="198.51.100.9")
    assert refused_as_too_many(attempt_sign_in(app, email_of("membre_a"), address="198.51.100.9"))
    owner = webtest.TestApp(wsgi)  # a new browser elsewhere: the account itself is not slowed
    assert attempt_sign_in(owner, email_of("membre_a"), address="192.0.2.200").status_int == 303


# --- one mail per address per 5 minutes -----------------------------------------------------

def delivered(wsgi):
    with MailServer() as server:
        report = deliver_queue({**wsgi.registry.settings, **server.settings})
        return server.wait_for(report.sent) if report.sent else []


def post_email(app, path, formid, address):
    form = app.get(path).forms[formid]
    form["email"] = address
    return form.submit(status=303).follow()


def test_eight_reset_requests_in_a_row_send_one_mail(site, moments):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    answers = {post_email(app, "/mot-de-passe-oublie", "oubli", email_of("membre_a")).text
               for _ in range(8)}
    assert len(answers) == 1  # the page says the same every time
    [mail] = delivered(wsgi)
    assert mail.envelope_to == [email_of("membre_a")]
    # the link of that one mail still works: the refused requests issued no new token
    link = next(word for word in mail.get_body(("plain",)).get_content().split()
                if "/mot-de-passe-oublie/nouveau?jeton=" in word)
    assert "nouveau" in app.get(link.replace("http://localhost", "")).forms
    moments.advance(5 * 60 + 1)
    post_email(app, "/mot-de-passe-oublie", "oubli", email_of("membre_a"))
    assert len(delivered(wsgi)) == 1


def test_eight_confirmation_resends_in_a_row_send_one_mail(site, moments):
    wsgi, _, _ = site
    app = webtest.TestApp(wsgi)
    answers = {post_email(app, "/inscription/renvoyer", "renvoyer", email_of("nouveau_a")).text
               for _ in range(8)}
    assert len(answers) == 1
    [mail] = delivered(wsgi)
    assert mail.envelope_to == [email_of("nouveau_a")]
    moments.advance(5 * 60 + 1)
    post_email(app, "/inscription/renvoyer", "renvoyer", email_of("nouveau_a"))
    assert len(delivered(wsgi)) == 1


def test_strangers_failures_do_not_stop_the_owner_confirming_their_password(site, moments):
    """« Mon profil » asks the password before a change, with the same throttle: the owner's
    device is trusted there too."""
    wsgi, _, _ = site
    owner = webtest.TestApp(wsgi)
    assert attempt_sign_in(owner, email_of("membre_a"), address="192.0.2.44").status_int == 303
    attacker = webtest.TestApp(wsgi)
    for n in range(12):
        attempt_sign_in(attacker, email_of("membre_a"), f"devine {n}", address=f"198.51.100.{n}")
    form = owner.get("/mon-profil/double-authentification").forms["commencer"]
    form["password"] = PASSWORD
    result = form.submit(status="*")
    assert result.status_int == 303, text(result)
    assert 'class="secret"' in result.follow().text
