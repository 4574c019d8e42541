"""Held SMS re-checked when they leave (#21.12): an alert queued at night waits for 08:00; if its
item was deleted or made private meanwhile, it does not go to whoever can no longer see it."""
import datetime

from conseils_site.notify.preferences import IMMEDIATE
from conseils_site.resources.content import PARIS
from tests.functional.test_alerts import (  # noqa: F401 (fixtures)
    MOBILE_AUTRE,
    after_window,
    delete,
    edit,
    frozen,
    mail_server,
    publish,
    sms_provider,
    world,
)
from tests.support import email_of

MOBILE_B = "+33655443322"


def at(hour, minute=0, day=4):
    return datetime.datetime(2031, 6, day, hour, minute, tzinfo=PARIS)


def sms_for_membre_b(world):
    """membre_b (council B, in A's working group) gets group activity by SMS at once."""
    world.preferences("membre_b", {("sms", "group"): IMMEDIATE}, mobile=MOBILE_B,
                      mobile_verified=MOBILE_B, sms_alerts=True)


def test_an_sms_held_for_the_night_is_dropped_for_who_lost_sight_of_its_item(world):
    sms_for_membre_b(world)
    world.clock.set(at(22, 30))
    path = publish(world, "membre_a", "Projet de fresque", "groupes")
    after_window(world)
    world.run_alerts()
    assert world.take_sms() == []  # both held for 08:00
    world.clock.set(at(23, 30))
    edit(world, "membre_a", path, visibility="conseil")  # council B may no longer see it
    world.clock.set(at(8, 0, day=5))

    report = world.deliver_sms()

    received = world.take_sms()
    assert [m["to"] for m in received] == [MOBILE_AUTRE]
    assert all("fresque" not in m["text"] or m["to"] != MOBILE_B for m in received)
    assert report.dropped == 1 and report.sent == 1
    assert world.deliver_sms().sent == 0  # dropped for good, not merely postponed


def test_an_sms_about_a_deleted_item_is_dropped(world):
    world.clock.set(at(22, 30))
    path = publish(world, "membre_a", "Compte rendu à relire")
    after_window(world)
    world.run_alerts()
    delete(world, "membre_a", path)
    world.clock.set(at(8, 0, day=5))

    report = world.deliver_sms()

    assert world.take_sms() == []
    assert report.dropped == 1 and report.held == 0


def test_without_the_database_an_sms_about_an_item_waits(world):
    from conseils_site.notify.sms import deliver_sms

    world.clock.set(at(22, 30))
    publish(world, "membre_a", "Ordre du jour")
    after_window(world)
    world.run_alerts()
    world.clock.set(at(8, 0, day=5))
    assert deliver_sms(world.settings, now=world.clock.now).unchecked == 1
    assert world.take_sms() == []
    assert world.deliver_sms().sent == 1
    assert "Ordre du jour" in world.take_sms()[0]["text"]


def queue_alerts_only(world):
    """conseils-alerts with the mail server unreachable: the alert mails wait in the queue."""
    from conseils_site.notify.alerts import process_alerts
    from conseils_site.scripts import open_registry_root

    with open_registry_root(world.wsgi.registry) as (root, tm):
        process_alerts(root, world.settings, tm, now=world.clock.now)
        tm.commit()


def test_a_held_alert_mail_is_dropped_for_who_lost_sight_of_its_item(world):
    path = publish(world, "membre_a", "Projet de fresque", "groupes")
    after_window(world)
    queue_alerts_only(world)  # to autre_a (council A) and membre_b (council B, group activity)
    edit(world, "membre_a", path, visibility="conseil")  # before the mail server is back

    report = world.deliver_mail()

    received = world.take_mails()
    assert email_of("membre_b") not in received  # no longer allowed to see it
    assert email_of("autre_a") in received
    assert report.dropped == 1


def test_a_held_alert_mail_about_a_deleted_item_is_dropped(world):
    path = publish(world, "membre_a", "Brouillon du tract")
    after_window(world)
    queue_alerts_only(world)
    delete(world, "membre_a", path)
    report = world.deliver_mail()
    assert world.take_mails() == {} and report.dropped == 1


def test_a_database_that_cannot_be_opened_holds_back_only_the_messages_about_an_item(
        tmp_path, mail_server, sms_provider):
    import transaction

    from conseils_site.notify.mail import Mailer, deliver_queue
    from conseils_site.notify.sms import SmsQueue, deliver_sms
    from tests.functional.test_alerts import NOW, notify_settings

    settings = notify_settings(tmp_path, mail_server, sms_provider)
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    SmsQueue(settings, tm).send(MOBILE_B, "Un code : 123456", user_id="u1", urgent=1)
    SmsQueue(settings, tm).send(MOBILE_B, "Nouveau document", user_id="u1", item="id:x")
    Mailer(settings, tm).send("a@exemple.fr", "Bienvenue", "Bonjour.")
    Mailer(settings, tm).send("a@exemple.fr", "Nouveau document", "Voir.", about=("id:x", "u1"))
    tm.commit()
    tries = []

    def locked_database(message):
        tries.append(message)
        raise OSError("Data.fs.lock: déjà ouvert")

    sms = deliver_sms(settings, now=NOW, recheck=locked_database)
    mail = deliver_queue(settings, recheck=locked_database)

    assert (sms.sent, sms.unchecked, sms.dead) == (1, 1, 0)
    assert (mail.sent, mail.unchecked, mail.dead) == (1, 1, 0)
    assert [m["text"] for m in sms_provider.messages] == ["Un code : 123456"]
    assert [m["Subject"] for m in mail_server.wait_for(1)] == ["Bienvenue"]
    assert len(tries) == 2  # one failed opening per run, not one per message
