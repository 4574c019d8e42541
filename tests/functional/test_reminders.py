"""conseils-reminders on a real database: the morning reminders by email and SMS, idempotent over
two runs, corrections after a change, cancellations, --dry-run, the lock and failures."""
import datetime
import fcntl
import os

import pytest

from conseils_site.notify import clock
from conseils_site.resources.content import PARIS, Event
from conseils_site.resources.events import ObjectModified, notify
from conseils_site.scripts import open_site
from conseils_site.scripts.reminders import main as reminders_main
from conseils_site.scripts.sms import main as sms_main
from tests.conftest import make_app
from tests.fake_sms_provider import FakeSmsProvider
from tests.functional.test_alerts import MOBILE_AUTRE, add_member, body_text
from tests.mailserver import MailServer
from tests.support import build_site, email_of

DAY = datetime.date(2031, 6, 4)
INI = """
[app:main]
use = egg:conseils_site
zodbconn.uri = file://{tmp}/Data.fs
conseils.session_secret = test-secret
conseils.load_demo = false
conseils.admin_password = un-mot-de-passe-long
conseils.public_url = https://conseils.test
mail.queue_path = {tmp}/mail
mail.host = 127.0.0.1
mail.port = {port}
mail.retry_delay = 0
mail.timeout = 5
sms.queue_path = {tmp}/sms
sms.retry_delay = 0
{sms}
"""


def paris(hour, minute=0, day=DAY):
    return datetime.datetime.combine(day, datetime.time(hour, minute), PARIS)


class Site:
    def __init__(self, tmp_path, mail, provider, monkeypatch):
        self.mail, self.provider, self.monkeypatch = mail, provider, monkeypatch
        sms = "\n".join(f"{k} = {v}" for k, v in provider.settings.items())
        self.ini = str(tmp_path / "app.ini")
        with open(self.ini, "w") as f:
            f.write(INI.format(tmp=tmp_path, port=mail.port, sms=sms))
        wsgi = make_app(**{"zodbconn.uri": f"file://{tmp_path}/Data.fs",
                           "mail.queue_path": str(tmp_path / "mail"),
                           "conseils.admin_password": "un-mot-de-passe-long"})
        self.ids = build_site(wsgi)
        add_member(wsgi, self.ids, "autre_a", mobile=MOBILE_AUTRE, mobile_verified=MOBILE_AUTRE,
                   sms_alerts=True)
        wsgi.registry._zodb_databases[""].close()
        self.queue = str(tmp_path / "mail")
        with self.open() as (root, tm):
            a, b = (root.territoires.council_by_code(c) for c in "AB")
            for council, name, title, start, place in (
                    (a, "reunion", "Réunion du soir", paris(18), "Maison de quartier, 3 rue Haute"),
                    (a, "atelier", "Atelier vélo", paris(14), "Square Villon"),
                    (a, "demain", "Demain", paris(18, day=DAY + datetime.timedelta(1)), ""),
                    (b, "fete", "Fête de Montreynaud", paris(16), "Place centrale")):
                end = start + datetime.timedelta(hours=2)
                council.add(name, Event(title, council.id, start, end, place=place,
                                        author_id=self.ids["membre_a"]))
            tm.commit()
        self.at(paris(7, 30))

    def open(self):
        return open_site(self.ini)

    def at(self, moment):
        self.monkeypatch.setattr(clock, "now", lambda: moment.astimezone(datetime.UTC))

    def run(self, *args, capsys=None):
        try:
            code = reminders_main([self.ini, *args])
        except SystemExit as exc:  # argparse refusing an argument
            code = exc.code
        captured = capsys.readouterr() if capsys else None
        return code, captured

    def take_mails(self):
        received, self.mail.messages[:] = list(self.mail.messages), []
        return sorted((m["To"], m["Subject"], body_text(m)) for m in received)

    def change(self, name, **values):
        with self.open() as (root, tm):
            event = root.territoires.council_by_code("A")[name]
            for key, value in values.items():
                setattr(event, key, value)
            notify(ObjectModified(event))
            tm.commit()


@pytest.fixture
def site(tmp_path, monkeypatch):
    with MailServer() as mail, FakeSmsProvider() as provider:
        yield Site(tmp_path, mail, provider, monkeypatch)


def test_reminders_are_sent_once_then_corrected_and_cancelled(site, capsys):
    code, out = site.run(capsys=capsys)
    assert code == 0, out.out
    assert "Rappels : 4 événement(s)" not in out.out  # tomorrow's event is not today's
    assert ("Rappels : 3 événement(s), 5 rappel(s), 0 correction(s), 0 annulation(s) ; "
            "5 courriel(s), 2 SMS, 0 échec(s)") in out.out
    assert "100 %" in out.err  # the progress bar
    assert "retenu(s) jusqu'à 8 h" in out.out  # 07:30: SMS wait for 08:00
    mails = site.take_mails()
    assert [(to, subject) for to, subject, _ in mails] == [
        (email_of("autre_a"), "Rappel : Atelier vélo, aujourd'hui à 14 h"),
        (email_of("autre_a"), "Rappel : Réunion du soir, aujourd'hui à 18 h"),
        (email_of("membre_a"), "Rappel : Atelier vélo, aujourd'hui à 14 h"),
        (email_of("membre_a"), "Rappel : Réunion du soir, aujourd'hui à 18 h"),
        (email_of("membre_b"), "Rappel : Fête de Montreynaud, aujourd'hui à 16 h"),
    ]
    reunion = next(text for to, subject, text in mails if "Réunion" in subject)
    assert "mercredi 4 juin 2031, de 18 h à 20 h" in reunion
    assert "Maison de quartier, 3 rue Haute" in reunion
    assert "https://conseils.test/territoires/" in reunion and "/reunion/" in reunion
    assert site.provider.messages == []
    site.at(paris(8, 0))
    assert sms_main([site.ini]) == 0
    texts = sorted(m["text"] for m in site.provider.wait_for(2))
    assert texts[1].startswith("Rappel : \"Réunion du soir\" aujourd'hui 18 h, Maison de "
                               "quartier, 3 rue Haute. https://conseils.test/i/")
    assert all(m["to"] == MOBILE_AUTRE for m in site.provider.messages)
    site.provider.messages.clear()

    # Twice: nothing twice.
    code, out = site.run(capsys=capsys)
    assert code == 0
    assert "0 rappel(s), 0 correction(s), 0 annulation(s) ; 0 courriel(s), 0 SMS" in out.out
    assert site.take_mails() == []

    # The meeting moves, the workshop is cancelled: corrections and cancellations.
    site.change("reunion", start=paris(19), end=paris(21), place="Salle des fêtes")
    site.change("atelier", cancelled=True)
    site.at(paris(11, 0))
    code, out = site.run(capsys=capsys)
    assert code == 0
    assert "0 rappel(s), 2 correction(s), 2 annulation(s) ; 4 courriel(s), 2 SMS" in out.out
    mails = site.take_mails()
    assert [(to, subject) for to, subject, _ in mails] == [
        (email_of("autre_a"), "Annulé : Atelier vélo"),
        (email_of("autre_a"), "Changement : Réunion du soir, aujourd'hui à 19 h"),
        (email_of("membre_a"), "Annulé : Atelier vélo"),
        (email_of("membre_a"), "Changement : Réunion du soir, aujourd'hui à 19 h"),
    ]
    assert "Salle des fêtes" in mails[1][2]
    texts = sorted(m["text"] for m in site.provider.wait_for(2))  # daytime: sent at once
    assert texts[0].startswith("Annulé : \"Atelier vélo\" prévu aujourd'hui n'aura pas lieu.")
    assert texts[1].startswith("Changement : \"Réunion du soir\" aujourd'hui à 19 h, Salle des")

    code, out = site.run(capsys=capsys)
    assert "0 rappel(s), 0 correction(s), 0 annulation(s)" in out.out
    assert site.take_mails() == []

    # Moved to another day: the people reminded are told.
    site.change("reunion", start=paris(18, day=DAY + datetime.timedelta(2)),
                end=paris(20, day=DAY + datetime.timedelta(2)))
    site.run(capsys=capsys)
    subjects = {subject for _, subject, _ in site.take_mails()}
    assert subjects == {"Changement : Réunion du soir, le vendredi 6 juin 2031 à 18 h"}


def test_dry_run_shows_and_sends_nothing_and_a_date_can_be_given(site, capsys):
    code, out = site.run("--date", "2031-06-05", "--dry-run", capsys=capsys)
    assert code == 0
    assert "serait envoyé : courriel à membre.a@exemple.fr : Rappel : Demain, aujourd'hui à 18 h" \
        in out.out
    assert "rien n'a été envoyé ni enregistré" in out.out
    assert site.take_mails() == []
    site.at(paris(7, 30, day=DAY + datetime.timedelta(1)))
    code, out = site.run("--date", "2031-06-05", capsys=capsys)
    assert "1 événement(s), 2 rappel(s)" in out.out
    assert len(site.take_mails()) == 2
    code, out = site.run("--date", "juin", capsys=capsys)
    assert code == 2 and "n'est pas une date AAAA-MM-JJ" in out.err


def test_one_run_at_a_time(site, capsys):
    os.makedirs(site.queue, exist_ok=True)
    with open(os.path.join(site.queue, ".reminders.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        code, out = site.run(capsys=capsys)
    assert code == 3 and "Une autre exécution de conseils-reminders est en cours" in out.err
    assert site.take_mails() == []
    assert site.run(capsys=capsys)[0] == 0


def test_delivery_failures_give_a_non_zero_status_and_the_details(site, capsys):
    site.mail.refuse_next(550, stage="rcpt", address=email_of("membre_b"))
    code, out = site.run(capsys=capsys)
    assert code == 1
    assert f"abandonné « Rappel : Fête de Montreynaud, aujourd'hui à 16 h » pour " \
           f"{email_of('membre_b')} : 550" in out.out
    assert "1 problème(s) de distribution" in out.out
    assert len(site.take_mails()) == 4  # the others arrived
    # the refused one is not sent again as a reminder: it was recorded, and set aside in dead/
    code, out = site.run(capsys=capsys)
    assert code == 0 and site.take_mails() == []
