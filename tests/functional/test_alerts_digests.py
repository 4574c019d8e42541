"""Daily and weekly digests: grouped by council or group, newest first, « À venir » first; each
line checked again when the digest leaves; sent once per day (or Monday)."""
import datetime

from conseils_site.notify.preferences import CATEGORIES, DAILY, NEVER, WEEKLY
from conseils_site.resources.content import PARIS
from tests.functional.test_alerts import (  # noqa: F401 (fixtures)
    after_window,
    body_text,
    delete,
    edit,
    frozen,
    mail_server,
    publish,
    sms_provider,
    world,
)
from tests.support import email_of


def at(day, hour, minute=0):
    return datetime.datetime(2031, 6, day, hour, minute, tzinfo=PARIS)


def test_the_daily_digest_groups_news_with_the_week_ahead_first(world):
    world.preferences("autre_a", {("email", c): DAILY for c in CATEGORIES}
                      | {("sms", c): NEVER for c in CATEGORIES})
    publish(world, "membre_a", "Permanence du vendredi", kind="event",
            day=datetime.date(2031, 6, 6), place="Local du conseil")
    world.clock.advance(hours=1)
    publish(world, "membre_a", "Premier compte rendu")
    world.clock.advance(hours=1)
    publish(world, "membre_b", "Partagé avec le groupe", "groupes", code="B")
    world.clock.advance(hours=1)
    publish(world, "membre_a", "Second compte rendu")
    world.clock.advance(minutes=1)
    publish(world, "membre_a", "Retiré avant le résumé")
    world.clock.advance(minutes=1)
    gone = publish(world, "membre_a", "Bientôt réservé", "groupes", code="A")
    after_window(world)
    world.run_alerts()
    assert email_of("autre_a") not in world.take_mails()  # nothing at once: all in the digest
    delete(world, "membre_a", world.ids["path_A"] + "/retire-avant-le-resume/")
    edit(world, "membre_a", gone, visibility="conseil")  # still visible to autre_a (same council)

    world.clock.set(at(5, 7, 29))
    world.run_alerts(digests=True)
    assert email_of("autre_a") not in world.take_mails()  # before 07:30

    world.clock.set(at(5, 7, 31))
    alerts, digests = world.run_alerts(digests=True)
    [digest] = world.take_mails()[email_of("autre_a")]
    assert digest["Subject"] == "Votre résumé du jour : 5 nouveautés"
    assert digest["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = body_text(digest)
    assert "Retiré avant le résumé" not in text  # deleted since: left out
    headings = [text.index(s) for s in (
        "À VENIR CETTE SEMAINE", "CONSEIL DES TILLEULS", "CONSEIL DE MONTREYNAUD")]
    assert headings == sorted(headings)  # the week ahead, then by newest news
    assert "Permanence du vendredi vendredi 6 juin 2031, de 18 h à 20 h — Local du conseil" in text
    tilleuls = text[headings[1]:headings[2]]
    assert [tilleuls.index(t) for t in ("Bientôt réservé", "Second compte rendu",
                                        "Premier compte rendu", "Permanence du vendredi")] == \
        sorted(tilleuls.index(t) for t in ("Bientôt réservé", "Second compte rendu",
                                           "Premier compte rendu", "Permanence du vendredi"))
    assert "Partagé avec le groupe" in text[headings[2]:]
    assert "Local du conseil" in text and "Activité de mes groupes de travail" in text
    assert digests.emails >= 1

    world.clock.set(at(5, 7, 45))  # the same day again: nothing twice
    world.run_alerts(digests=True)
    assert email_of("autre_a") not in world.take_mails()


def test_the_weekly_digest_leaves_on_monday_and_an_emptied_one_not_at_all(world):
    world.preferences("membre_b", {("email", "group"): WEEKLY})
    world.preferences("autre_a", {("email", "document"): WEEKLY, ("sms", "document"): NEVER})
    publish(world, "membre_a", "Pour la semaine", "groupes")
    after_window(world)
    world.run_alerts()
    assert world.take_mails() == {}
    publish(world, "membre_a", "Vite retiré")
    after_window(world)
    world.run_alerts()
    delete(world, "membre_a", world.ids["path_A"] + "/vite-retire/")

    world.clock.set(at(5, 7, 31))  # Thursday: daily digests only
    world.run_alerts(digests=True)
    assert email_of("membre_b") not in world.take_mails()

    world.clock.set(at(9, 7, 35))  # Monday
    world.run_alerts(digests=True)
    mails = world.take_mails()
    [weekly] = mails[email_of("membre_b")]
    assert weekly["Subject"] == "Votre résumé de la semaine : 1 nouveauté"
    assert "Pour la semaine" in body_text(weekly)
    [for_autre] = mails[email_of("autre_a")]
    assert "Pour la semaine" in body_text(for_autre) and "Vite retiré" not in body_text(for_autre)
    world.clock.set(at(9, 9, 0))
    world.run_alerts(digests=True)
    assert world.take_mails() == {}


def test_an_sms_digest_is_one_line_held_until_eight(world):
    world.preferences("autre_a", {("email", "document"): NEVER, ("sms", "document"): DAILY})
    publish(world, "membre_a", "Affiche de la fête")
    publish(world, "membre_a", "Plan du quartier")
    after_window(world)
    world.run_alerts()
    assert world.take_sms() == []
    world.clock.set(at(5, 7, 30))
    world.run_alerts(digests=True)
    assert world.take_sms() == []  # queued, held until 08:00
    world.clock.set(at(5, 8, 0))
    world.deliver_sms()
    [sms] = world.take_sms()
    assert sms["text"] == ("Conseils citoyens, résumé du jour : 2 nouveautés dans vos conseils "
                           "et groupes. https://conseils.test/gerer")
