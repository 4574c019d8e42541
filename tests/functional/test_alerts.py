"""Alerts, end to end: people publish through the site, `process_alerts` runs with an injected
clock, and what reaches the real loopback SMTP server and the fake SMS provider is checked.

The helpers here (the `world` fixture, `publish`, `edit`, `run_alerts`) serve the other
notification tests too."""
import dataclasses
import datetime
import html
import re
from urllib.parse import urlsplit

import pytest
import webtest
from pyramid.config import Configurator

from conseils_site.notify import clock
from conseils_site.notify.alerts import process_alerts
from conseils_site.notify.digests import send_digests
from conseils_site.notify.mail import deliver_queue
from conseils_site.notify.preferences import IMMEDIATE, set_preferences
from conseils_site.notify.recheck import Recheck
from conseils_site.notify.sms import deliver_sms, gsm_length
from conseils_site.resources.content import PARIS
from conseils_site.resources.events import ObjectAdded
from conseils_site.resources.users import User
from conseils_site.scripts import open_registry_root
from conseils_site.security.passwords import hash_password
from conseils_site.security.roles import grant_role
from tests.conftest import make_app
from tests.fake_sms_provider import FakeSmsProvider
from tests.functional.test_content import set_moment, submit
from tests.mailserver import MailServer
from tests.support import PASSWORD, build_site, email_of, sign_in

PUBLIC = "https://conseils.test"
NOW = datetime.datetime(2031, 6, 4, 10, 0, tzinfo=PARIS)  # a Wednesday morning
MOBILE_AUTRE = "+33611223344"
NEVER_ALERTED = ("membre_c", "animateur", "candidat_a", "nouveau_a", "refuse_a", "desactive_a")
CREATE_VIEWS = {"document": "@@nouveau-document", "action_report": "@@nouvelle-action",
                "event": "@@nouvel-evenement"}


class Clock:
    def __init__(self, start):
        self.now = start.astimezone(datetime.UTC)

    def __call__(self):
        return self.now

    def set(self, moment):
        self.now = moment.astimezone(datetime.UTC)

    def advance(self, **delta):
        self.now += datetime.timedelta(**delta)


@pytest.fixture
def frozen(monkeypatch):
    """The notifications' clock, stopped at NOW; tests move it."""
    stopped = Clock(NOW)
    monkeypatch.setattr(clock, "now", stopped)
    return stopped


@pytest.fixture
def mail_server():
    with MailServer() as server:
        yield server


@pytest.fixture
def sms_provider():
    with FakeSmsProvider() as provider:
        yield provider


def notify_settings(tmp_path, mail_server, sms_provider=None, **extra):
    settings = {"mail.queue_path": str(tmp_path / "mail"), "mail.host": "127.0.0.1",
                "mail.port": str(mail_server.port), "mail.retry_delay": "0",
                "mail.timeout": "5", "sms.queue_path": str(tmp_path / "sms"),
                "sms.retry_delay": "0", "conseils.public_url": PUBLIC}
    if sms_provider is not None:
        settings.update(sms_provider.settings)
    settings.update({k.replace("__", "."): v for k, v in extra.items()})
    return settings


@dataclasses.dataclass
class World:
    wsgi: object
    ids: dict
    mail: MailServer
    sms: FakeSmsProvider
    clock: Clock

    @property
    def settings(self):
        return self.wsgi.registry.settings

    def app(self, who=None):
        app = webtest.TestApp(self.wsgi)
        if who:
            sign_in(app, who)
        return app

    def run_alerts(self, digests=False):
        """What cron does: the due alerts (and digests), committed, then both queues delivered."""
        with open_registry_root(self.wsgi.registry) as (root, tm):
            report = process_alerts(root, self.settings, tm, now=self.clock.now)
            tm.commit()
            tm.begin()
            if digests:
                report = (report, send_digests(root, self.settings, tm, now=self.clock.now))
                tm.commit()
        self.deliver_mail()
        self.deliver_sms()
        return report

    def deliver_mail(self):
        """What conseils-mail does: mail about an item re-checked against the database."""
        with Recheck(lambda: open_registry_root(self.wsgi.registry)) as recheck:
            return deliver_queue(self.settings, recheck=recheck)

    def deliver_sms(self):
        """What the scripts do: SMS about an item re-checked against the database as it is."""
        with Recheck(lambda: open_registry_root(self.wsgi.registry)) as recheck:
            return deliver_sms(self.settings, now=self.clock.now, recheck=recheck)

    def take_mails(self):
        """The messages received since the last call, {recipient: [message, ...]}."""
        received, self.mail.messages[:] = list(self.mail.messages), []
        found = {}
        for message in received:
            for address in message.envelope_to:
                found.setdefault(address, []).append(message)
        return found

    def take_sms(self):
        received, self.sms.messages[:] = list(self.sms.messages), []
        return received

    def preferences(self, who, frequencies=None, reminders=None, **attributes):
        with open_registry_root(self.wsgi.registry) as (root, tm):
            user = root.users[self.ids[who]]
            set_preferences(user, frequencies or {}, reminders or {})
            for name, value in attributes.items():
                setattr(user, name, value)
            tm.commit()


def add_member(wsgi, ids, name, code="A", **attributes):
    with open_registry_root(wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code(code)
        first, _, last = name.partition("_")
        user = User(email_of(name), first.capitalize(), last.upper(), hash_password(PASSWORD),
                    state="active", council_ids=[council.id])
        for key, value in attributes.items():
            setattr(user, key, value)
        root.users.add_user(user)
        ids[name] = user.id
        tm.commit()


@pytest.fixture
def world(tmp_path, mail_server, sms_provider, frozen):
    """Councils A and B (group « Loire ») and C; autre_a, a second member of A, gets SMS;
    membre_b and autre_a want their groups' activity at once."""
    wsgi = make_app(**notify_settings(tmp_path, mail_server, sms_provider))
    ids = build_site(wsgi)
    add_member(wsgi, ids, "autre_a", mobile=MOBILE_AUTRE, mobile_verified=MOBILE_AUTRE,
               sms_alerts=True)
    built = World(wsgi, ids, mail_server, sms_provider, frozen)
    for who in ("membre_b", "autre_a"):
        built.preferences(who, {("email", "group"): IMMEDIATE})
    yield built
    wsgi.registry._zodb_databases[""].close()


def publish(world, who, title, level="conseil", kind="document", code="A", day=None, **fields):
    """Create an item through the site; its path."""
    app = world.app(who)
    form = app.get(world.ids[f"path_{code}"] + "/" + CREATE_VIEWS[kind]).forms[kind]
    if kind == "event":
        set_moment(form, "start", (day or NOW.date() + datetime.timedelta(days=7)).isoformat(),
                   "18:00")
        set_moment(form, "end", "", "20:00")
    result = submit(app, form, title=title, visibility=level, status=303, **fields)
    return urlsplit(result.location).path


def edit(world, who, path, kind="document", **changes):
    app = world.app(who)
    form = app.get(path + "@@modifier").forms[kind]
    submit(app, form, status=303, **changes)


def delete(world, who, path):
    page = world.app(who).get(path + "@@supprimer")
    next(f for f in page.forms.values() if f.method.lower() == "post" and not f.action).submit(
        status=303)


def body_text(message):
    """The text part, its lines joined (paragraphs are wrapped at 78 characters)."""
    return " ".join(message.get_body(("plain",)).get_content().split())


def body_html(message):
    return html.unescape(message.get_body(("html",)).get_content())


def after_window(world):
    world.clock.advance(minutes=16)


# --- who receives an alert ------------------------------------------------------------------

EXPECTED = {
    "conseil": {"autre_a"},
    "groupes": {"autre_a", "membre_b"},
    "membres": {"autre_a", "membre_b"},  # membre_c may see it, but C shares nothing with A
    "public": {"autre_a", "membre_b"},
}


@pytest.mark.parametrize("level", sorted(EXPECTED))
def test_an_alert_reaches_exactly_the_allowed_people_never_the_author(world, level):
    path = publish(world, "membre_a", f"Compte rendu {level}", level)

    after_window(world)
    report = world.run_alerts()

    mails = world.take_mails()
    assert set(mails) == {email_of(who) for who in EXPECTED[level]}
    assert email_of("membre_a") not in mails  # the author
    for who in NEVER_ALERTED:
        assert email_of(who) not in mails
    assert report.alerts == 1 and report.emails == len(EXPECTED[level])
    [mail] = mails[email_of("autre_a")]
    assert mail["Subject"] == f"Nouveau document : Compte rendu {level}"
    assert mail.get_content_type() == "multipart/alternative"
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail["List-Unsubscribe"].strip().startswith(f"<{PUBLIC}/desabonnement?jeton=")
    text = body_text(mail)
    assert "Membre A (Conseil des Tilleuls) a publié : « Compte rendu" in text
    assert PUBLIC + path in text and PUBLIC + "/mon-profil#alertes" in text
    assert f'href="{PUBLIC}{path}"' in body_html(mail)
    if "membre_b" in EXPECTED[level]:
        [other] = mails[email_of("membre_b")]
        assert "Activité de mes groupes de travail" in body_text(other)
    # SMS: only autre_a asked for them
    [sms] = world.take_sms()
    assert sms["to"] == MOBILE_AUTRE
    # a second run sends nothing again
    world.run_alerts()
    assert world.take_mails() == {} and world.take_sms() == []


def test_several_changes_within_15_minutes_make_one_alert(world):
    path = publish(world, "membre_a", "Ordre du jour")
    world.clock.advance(minutes=5)
    edit(world, "membre_a", path, title="Ordre du jour de jeudi")
    world.clock.advance(minutes=5)
    edit(world, "membre_a", path, description="Avec le point sur le square.")

    world.run_alerts()  # 10 minutes after the first change: too early
    assert world.take_mails() == {}

    world.clock.advance(minutes=6)
    world.run_alerts()
    mails = world.take_mails()
    [mail] = mails[email_of("autre_a")]
    assert mail["Subject"] == "Nouveau document : Ordre du jour de jeudi"  # as it is now
    assert len(world.take_sms()) == 1

    # A change later is a new alert; a save that changes nothing visible alerts nobody.
    world.clock.advance(minutes=30)
    edit(world, "membre_a", path, title="Ordre du jour de jeudi")
    after_window(world)
    world.run_alerts()
    assert world.take_mails() == {}
    edit(world, "membre_a", path, title="Ordre du jour de vendredi")
    after_window(world)
    world.run_alerts()
    [changed] = world.take_mails()[email_of("autre_a")]
    assert changed["Subject"] == "Document modifié : Ordre du jour de vendredi"


def test_an_item_made_less_visible_stops_pending_alerts_to_who_lost_access(world):
    path = publish(world, "membre_a", "Projet de budget", "groupes")
    world.clock.advance(minutes=3)
    edit(world, "membre_a", path, visibility="conseil")
    after_window(world)
    world.run_alerts()
    assert set(world.take_mails()) == {email_of("autre_a")}


def test_editors_are_not_alerted_of_their_own_changes(world):
    add_member(world.wsgi, world.ids, "troisieme_a")
    path = publish(world, "membre_a", "Charte", mode="collaboratif", body="Article 1.")
    after_window(world)
    world.run_alerts()
    assert set(world.take_mails()) == {email_of("autre_a"), email_of("troisieme_a")}
    world.clock.advance(minutes=30)
    with open_registry_root(world.wsgi.registry) as (root, tm):  # a référent edits others' items
        grant_role(root.territoires.council_by_code("A"), root.users[world.ids["autre_a"]],
                   "referent", "test", root.audit)
        tm.commit()
    edit(world, "autre_a", path, title="Charte du conseil")
    after_window(world)
    world.run_alerts()
    assert set(world.take_mails()) == {email_of("troisieme_a")}  # not the editor, not the author


def test_a_deleted_item_alerts_nobody(world):
    delete(world, "membre_a", publish(world, "membre_a", "Brouillon"))
    after_window(world)
    report = world.run_alerts()
    assert report.dropped == 1 and world.take_mails() == {}


def test_an_aborted_request_records_and_sends_nothing(world):
    def boom(event):
        if getattr(event.object, "title", "") == "Boum":
            raise RuntimeError("la requête échoue après l'ajout")

    config = Configurator(registry=world.wsgi.registry)
    config.add_subscriber(boom, ObjectAdded)
    config.commit()
    app = world.app("membre_a")
    form = app.get(world.ids["path_A"] + "/@@nouveau-document").forms["document"]
    submit(app, form, title="Boum", status=500)
    with open_registry_root(world.wsgi.registry) as (root, tm):
        assert len(root.alerts.pending) == 0
        assert "boum" not in root.territoires.council_by_code("A")
    after_window(world)
    world.run_alerts()
    assert world.take_mails() == {} and world.take_sms() == []


def test_a_run_that_fails_before_committing_sends_nothing_and_loses_nothing(world):
    publish(world, "membre_a", "Rapport annuel")
    after_window(world)
    with open_registry_root(world.wsgi.registry) as (root, tm):
        report = process_alerts(root, world.settings, tm, now=world.clock.now)
        assert (report.emails, report.sms) == (1, 1)
        tm.abort()  # the run dies before its commit
    deliver_queue(world.settings)
    assert deliver_sms(world.settings, now=world.clock.now).sent == 0
    assert world.take_mails() == {} and world.take_sms() == []
    world.run_alerts()  # the next run sends it, once
    assert list(world.take_mails()) == [email_of("autre_a")] and len(world.take_sms()) == 1


def test_events_say_when_and_where_and_a_cancellation_is_one_alert(world):
    path = publish(world, "membre_a", "Fête du quartier", kind="event", place="Square Villon")
    after_window(world)
    world.run_alerts()
    [mail] = world.take_mails()[email_of("autre_a")]
    assert mail["Subject"] == "Nouvel événement : Fête du quartier"
    text = body_text(mail)
    assert "mercredi 11 juin 2031, de 18 h à 20 h" in text and "Square Villon" in text
    [sms] = world.take_sms()
    assert "Fete du quartier" in sms["text"] and "le 11 juin 2031" in sms["text"]

    world.clock.advance(hours=1)
    edit(world, "membre_a", path, kind="event", cancelled=True)
    after_window(world)
    world.run_alerts()
    [cancelled] = world.take_mails()[email_of("autre_a")]
    assert cancelled["Subject"] == "Événement annulé : Fête du quartier"


# --- SMS --------------------------------------------------------------------------------------

def test_an_sms_alert_fits_one_sms_and_its_short_link_checks_access(world):
    long_title = "Compte rendu très détaillé de la réunion plénière " * 4
    path = publish(world, "membre_a", long_title.strip(), "membres")
    after_window(world)
    world.run_alerts()
    [sms] = world.take_sms()
    text = sms["text"]
    assert gsm_length(text) <= 160 and "..." in text
    assert "très détaillé" in text  # GSM 03.38 has è and é
    link = re.search(r"https://conseils\.test(/i/[0-9a-f]{12})$", text)
    assert link, text
    short = link.group(1)
    anonymous = world.app().get(short, status=303)
    assert "/connexion?came_from=" in anonymous.location and path not in anonymous.location
    world.app("membre_c").get(short, status=303)  # a validated councillor may see « membres »
    assert world.app("membre_b").get(short, status=303).location == "http://localhost" + path
    private = publish(world, "membre_a", "Réservé", "conseil")
    after_window(world)
    world.run_alerts()
    short_private = re.search(r"(/i/[0-9a-f]{12})$", world.take_sms()[0]["text"]).group(1)
    page = world.app("membre_c").get(short_private, status=403)
    assert private not in page.text
    world.app().get("/i/000000000000", status=404)


def test_no_sms_between_21_and_8_they_wait_for_8(world):
    world.clock.set(datetime.datetime(2031, 6, 4, 22, 30, tzinfo=PARIS))
    publish(world, "membre_a", "Tard le soir")
    after_window(world)
    world.run_alerts()
    assert world.take_sms() == []  # held
    assert email_of("autre_a") in world.take_mails()  # email is not held
    world.clock.set(datetime.datetime(2031, 6, 5, 7, 59, tzinfo=PARIS))
    assert world.deliver_sms().held == 1
    assert world.take_sms() == []
    world.clock.set(datetime.datetime(2031, 6, 5, 8, 0, tzinfo=PARIS))
    report = world.deliver_sms()
    assert (report.sent, report.held) == (1, 0)
    assert "Tard le soir" in world.take_sms()[0]["text"]


def test_past_the_monthly_cap_sms_alerts_come_by_email(tmp_path, mail_server, sms_provider,
                                                      frozen):
    wsgi = make_app(**notify_settings(tmp_path, mail_server, sms_provider, sms__monthly_cap="2"))
    ids = build_site(wsgi)
    add_member(wsgi, ids, "autre_a", mobile=MOBILE_AUTRE, mobile_verified=MOBILE_AUTRE,
               sms_alerts=True)
    world = World(wsgi, ids, mail_server, sms_provider, frozen)
    world.preferences("autre_a", {("email", "document"): "never"})  # SMS only, while it lasts
    for n in range(3):
        publish(world, "membre_a", f"Document {n}")
        frozen.advance(minutes=1)
    after_window(world)
    report = world.run_alerts()
    assert (report.sms, report.capped) == (2, 1)
    assert len(world.take_sms()) == 2
    [mail] = world.take_mails()[email_of("autre_a")]
    assert "les 2 SMS prévus au plus par mois" in body_text(mail)
    # A new month, new SMS.
    frozen.set(datetime.datetime(2031, 7, 1, 9, 0, tzinfo=PARIS))
    publish(world, "membre_a", "En juillet")
    after_window(world)
    world.run_alerts()
    assert len(world.take_sms()) == 1 and world.take_mails() == {}
    wsgi.registry._zodb_databases[""].close()


# --- the forum and the working groups ----------------------------------------------------------

def forum_topic(world, who, title, section="/forum/questions-et-entraide/"):
    app = world.app(who)
    form = app.get(section + "@@nouveau-sujet").forms["sujet"]
    form["title"] = title
    form["text"] = "Comment faites-vous ?"
    return urlsplit(form.submit(status=303).location).path


def forum_reply(world, who, topic_path, text="Voici comment nous faisons."):
    app = world.app(who)
    form = app.get(topic_path + "@@repondre").forms["reponse"]
    form["text"] = text
    form.submit(status=303)


def test_forum_replies_reach_the_topics_followers_only(world):
    topic = forum_topic(world, "membre_a", "Budget participatif")
    assert world.run_alerts().alerts == 0  # a new topic in a rubrique alerts nobody
    follower = world.app("membre_c")
    page = follower.get(topic)
    follower.post(topic + "@@suivre", {"csrf_token": re.search(
        r'name="csrf_token" value="([^"]+)"', page.text).group(1)}, status=303)
    forum_reply(world, "membre_b", topic)
    after_window(world)
    world.run_alerts()
    mails = world.take_mails()
    assert set(mails) == {email_of("membre_a"), email_of("membre_c")}  # not membre_b, its author
    [mail] = mails[email_of("membre_a")]
    assert mail["Subject"] == "Nouvelle réponse : Budget participatif"
    assert "Membre B a répondu au sujet « Budget participatif » du forum." in body_text(mail)
    assert "« Voici comment nous faisons. »" in body_text(mail)
    assert world.take_sms() == []  # forum replies by SMS are off by default


def test_a_group_forum_topic_is_group_activity_for_its_councils_only(world):
    from conseils_site.resources.forum import ensure_group_forum

    with open_registry_root(world.wsgi.registry) as (root, tm):
        ensure_group_forum(root.groups["loire"])
        tm.commit()
    forum_topic(world, "membre_a", "Réunion inter-conseils", section="/groupes/loire/forum/")
    after_window(world)
    world.run_alerts()
    mails = world.take_mails()
    assert set(mails) == {email_of("autre_a"), email_of("membre_b")}
    [mail] = mails[email_of("membre_b")]
    assert mail["Subject"] == "Nouveau sujet : Réunion inter-conseils"
    assert "(Groupe de travail Loire) a publié" in body_text(mail)


# --- the script -------------------------------------------------------------------------------

def test_the_alerts_command_on_a_real_database(tmp_path, mail_server, sms_provider, frozen,
                                               capsys):
    import fcntl
    import os

    from conseils_site.scripts.alerts import main as alerts_main
    from conseils_site.scripts.mail import main as mail_main

    settings = notify_settings(tmp_path, mail_server, sms_provider,
                               **{"zodbconn.uri": f"file://{tmp_path}/Data.fs"})
    ini = tmp_path / "app.ini"
    ini.write_text("[app:main]\nuse = egg:conseils_site\nconseils.session_secret = test-secret\n"
                   "conseils.load_demo = false\nconseils.admin_password = un-long-mot-de-passe\n"
                   + "".join(f"{key} = {value}\n" for key, value in settings.items()))
    wsgi = make_app(**settings)
    ids = build_site(wsgi)
    add_member(wsgi, ids, "autre_a", mobile=MOBILE_AUTRE, mobile_verified=MOBILE_AUTRE,
               sms_alerts=True)
    world = World(wsgi, ids, mail_server, sms_provider, frozen)
    publish(world, "membre_a", "Compte rendu de la réunion")
    wsgi.registry._zodb_databases[""].close()

    assert alerts_main([str(ini)]) == 0  # too early: the window is open
    assert "Alertes : 0 traitée(s)" in capsys.readouterr().out
    after_window(world)
    with open(os.path.join(settings["mail.queue_path"], ".alerts.lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        assert alerts_main([str(ini)]) == 3
    assert "Une autre exécution de conseils-alerts est en cours" in capsys.readouterr().err
    assert alerts_main([str(ini)]) == 0
    out = capsys.readouterr()
    assert "Alertes : 1 traitée(s) (0 sans objet), 1 personne(s) prévenue(s) tout de suite" in \
        out.out
    assert "1 courriel(s), 1 SMS" in out.out and "SMS : 1 envoyé(s)" in out.out
    assert "100 %" in out.err
    assert sms_provider.wait_for(1)[0]["to"] == MOBILE_AUTRE  # delivered by the command
    assert mail_main([str(ini)]) == 0  # mail leaves with conseils-mail, re-checked
    assert [m["To"] for m in mail_server.wait_for(1)] == [email_of("autre_a")]
    assert alerts_main([str(ini)]) == 0
    assert "Alertes : 0 traitée(s)" in capsys.readouterr().out
