"""« Inscription » answers the same for a new and a known address; the known address's owner
gets « Vous avez déjà un compte » by mail, and nothing else about that account changes."""
import html
import re

import pytest
import webtest

from conseils_site.notify.mail import deliver_queue
from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.functional.test_registration import GOOD, register
from tests.mailserver import MailServer
from tests.support import build_site, email_of
from tests.support_mail import mails_to, queued, text_of


@pytest.fixture
def site(tmp_path):
    wsgi = make_app(**{"mail.queue_path": str(tmp_path / "mail")})
    ids = build_site(wsgi)
    return wsgi, ids, tmp_path / "mail"


def snapshot(wsgi, address):
    with open_registry_root(wsgi.registry) as (root, tm):
        user = root.users.find_by_email(address)
        user._p_activate()
        return {k: v for k, v in vars(user).items() if not k.startswith("_p_")} | {
            "tokens": dict(user.tokens), "count": len(root.users)}


def answer(wsgi, address):
    """What a stranger sees after submitting the form with `address`: status, where to, page."""
    app = webtest.TestApp(wsgi)
    sent = register(app, email=address)
    page = sent.follow() if sent.status_int == 303 else sent
    return sent.status_int, sent.headers.get("Location"), page.text


def test_known_and_new_addresses_get_the_same_answer(site):
    wsgi, _, _ = site
    known = email_of("membre_a")
    new = "camille.durand@exemple.fr"
    status_known, where_known, page_known = answer(wsgi, known)
    status_new, where_new, page_new = answer(wsgi, new)
    assert status_known == status_new == 303
    assert where_known == where_new
    assert page_known.replace(known, "ADDRESS") == page_new.replace(new, "ADDRESS")
    assert "Un compte existe déjà" not in html.unescape(page_known)


def test_the_known_owner_is_told_by_mail_and_nothing_else_changes(site):
    wsgi, _, mail_dir = site
    known = email_of("membre_a")
    before = snapshot(wsgi, known)
    status, _, _ = answer(wsgi, "  MEMBRE.A@Exemple.fr ")
    assert status == 303
    assert snapshot(wsgi, known) == before
    [mail] = mails_to(mail_dir, known)
    assert [m["To"] for m in queued(mail_dir)] == [known]
    with MailServer() as server:
        report = deliver_queue({**wsgi.registry.settings, **server.settings})
        assert report.sent == 1
        [received] = server.wait_for(1)
    assert received.envelope_to == [known]
    assert received["Subject"] == "Vous avez déjà un compte"
    text = text_of(received)
    assert re.search(r"http://localhost(:6543)?/connexion\b", text)
    assert re.search(r"http://localhost(:6543)?/mot-de-passe-oublie\b", text)
    assert "jeton" not in text  # no reset token: only the owner can ask for one
    assert "Membre" in text  # greeted by their name


def test_a_new_address_still_gets_its_confirmation_only(site):
    wsgi, _, mail_dir = site
    answer(wsgi, GOOD["email"])
    [mail] = queued(mail_dir)
    assert mail["Subject"] == "Confirmez votre adresse électronique"


def test_a_known_address_with_other_mistakes_shows_them_not_the_account(site):
    wsgi, _, mail_dir = site
    page = register(webtest.TestApp(wsgi), email=email_of("membre_a"), terms=False)
    assert page.status_int == 400
    text = html.unescape(page.text)
    assert "cochez cette case" in text and "Un compte existe déjà" not in text
    assert queued(mail_dir) == []


def test_the_known_owner_gets_at_most_one_mail_in_five_minutes(site):
    """Registering someone's address again and again must not flood their mailbox."""
    wsgi, _, mail_dir = site
    known = email_of("membre_a")
    for _ in range(3):
        assert answer(wsgi, known)[0] == 303
    assert len(mails_to(mail_dir, known)) == 1
