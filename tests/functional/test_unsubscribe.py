"""One-click unsubscribe without signing in: the link of every alert, digest, reminder and letter
(RFC 8058 POST from the mail program, or a button on the page it opens)."""
import html
from urllib.parse import urlsplit

from conseils_site.notify.links import unsubscribe_url
from conseils_site.notify.preferences import frequency, wants_reminder
from conseils_site.resources.newsletter import Subscriber
from conseils_site.scripts import open_registry_root
from tests.functional.test_alerts import PUBLIC, after_window, frozen, mail_server, publish, sms_provider, world  # noqa: F401 (fixtures)
from tests.support import email_of


def local(url):
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def user_state(world, who):
    with open_registry_root(world.wsgi.registry) as (root, tm):
        user = root.users[world.ids[who]]
        return {"email": frequency(user, "email", "document"),
                "sms": frequency(user, "sms", "document"),
                "reminder": wants_reminder(user, "email"), "newsletter": user.newsletter}


def test_the_one_click_link_of_an_alert_stops_email_alerts_only(world):
    publish(world, "membre_a", "Premier")
    after_window(world)
    world.run_alerts()
    [mail] = world.take_mails()[email_of("autre_a")]
    link = mail["List-Unsubscribe"].strip()[1:-1]
    assert link.startswith(PUBLIC + "/desabonnement?jeton=")
    world.take_sms()

    # What a mail program does (RFC 8058): a POST with no cookie, no CSRF token.
    answer = world.app().post(local(link), "List-Unsubscribe=One-Click",
                              content_type="application/x-www-form-urlencoded")
    assert answer.status_int == 200 and "Set-Cookie" not in answer.headers
    state = user_state(world, "autre_a")
    assert (state["email"], state["sms"], state["reminder"]) == ("never", "immediate", True)

    publish(world, "membre_a", "Second")
    after_window(world)
    world.run_alerts()
    assert email_of("autre_a") not in world.take_mails()
    assert len(world.take_sms()) == 1  # SMS alerts go on


def test_the_page_asks_before_stopping_and_a_get_changes_nothing(world):
    link = local(unsubscribe_url(world.settings, PUBLIC, "rappels", world.ids["membre_a"]))
    page = world.app().get(link)
    assert "Set-Cookie" not in page.headers
    assert "Ne plus recevoir les rappels du matin par courriel" in html.unescape(page.text)
    assert user_state(world, "membre_a")["reminder"] is True
    done = page.forms[1].submit()
    assert "C'est fait" in html.unescape(done.text)
    assert user_state(world, "membre_a")["reminder"] is False
    assert user_state(world, "membre_a")["email"] == "immediate"  # alerts unchanged


def test_the_letter_link_works_for_councillors_and_subscribers(world):
    with open_registry_root(world.wsgi.registry) as (root, tm):
        root.users[world.ids["membre_b"]].newsletter = True
        root["lettre"].subscribers["camille@exemple.org"] = Subscriber("camille@exemple.org")
        tm.commit()
    for address in (email_of("membre_b"), "camille@exemple.org"):
        link = local(unsubscribe_url(world.settings, PUBLIC, "lettre", address))
        world.app().post(link, "List-Unsubscribe=One-Click",
                         content_type="application/x-www-form-urlencoded")
        world.app().post(link, "List-Unsubscribe=One-Click",  # twice is fine
                         content_type="application/x-www-form-urlencoded")
    assert user_state(world, "membre_b")["newsletter"] is False
    with open_registry_root(world.wsgi.registry) as (root, tm):
        assert "camille@exemple.org" not in root["lettre"].subscribers


def test_a_broken_or_forged_link_changes_nothing(world):
    page = world.app().get("/desabonnement?jeton=abime", status=400)
    assert "Ce lien n'est pas valide" in html.unescape(page.text)
    world.app().post("/desabonnement?jeton=abime", "List-Unsubscribe=One-Click",
                     content_type="application/x-www-form-urlencoded", status=400)
    good = unsubscribe_url(world.settings, PUBLIC, "alertes", world.ids["membre_a"])
    forged = local(good)[:-3] + "abc"
    world.app().post(forged, status=400)
    assert user_state(world, "membre_a")["email"] == "immediate"
