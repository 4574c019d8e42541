"""Numbers nobody proved (#21.13): a mobile number gets SMS only once a code sent to it was typed
back (/mon-profil/verifier-mobile); changing the number un-verifies it; the monthly cap counts per
number as well as per account."""
import datetime
import html
import re

from conseils_site.resources.content import PARIS
from tests.conftest import make_app
from tests.functional.test_alerts import (  # noqa: F401 (fixtures)
    MOBILE_AUTRE,
    World,
    add_member,
    after_window,
    frozen,
    mail_server,
    notify_settings,
    publish,
    sms_provider,
    world,
)
from tests.support import build_site, email_of

MOBILE_TEL = "+33698765432"
PAGE = "/mon-profil/verifier-mobile"


def with_unproved_number(world):
    """tel_a, a member of A who typed a mobile number and asked for SMS, but never proved it."""
    add_member(world.wsgi, world.ids, "tel_a", mobile=MOBILE_TEL, sms_alerts=True)


def csrf_of(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def ask_code(world, app):
    page = app.get(PAGE)
    app.post(PAGE, {"csrf_token": csrf_of(page), "action": "envoyer"}, status=303)
    world.deliver_sms()
    [sms] = [m for m in world.take_sms() if m["to"] == MOBILE_TEL]
    return re.search(r"\b(\d{6})\b", sms["text"]).group(1)


def type_code(app, code, status=303):
    page = app.get(PAGE)
    return app.post(PAGE, {"csrf_token": csrf_of(page), "action": "verifier", "code": code},
                    status=status)


def test_an_unproved_number_gets_no_sms(world):
    with_unproved_number(world)
    publish(world, "membre_a", "Compte rendu de la plénière")
    after_window(world)
    world.run_alerts()
    assert [m["to"] for m in world.take_sms()] == [MOBILE_AUTRE]  # the proved one only
    assert email_of("tel_a") in world.take_mails()  # told by email instead


def test_the_code_sent_to_the_number_proves_it(world):
    with_unproved_number(world)
    app = world.app("tel_a")
    profile = html.unescape(app.get("/mon-profil").text)
    assert "numéro non vérifié" in profile and PAGE in profile

    code = ask_code(world, app)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    refused = type_code(app, wrong, status=400)
    assert "Ce n'est pas le bon code" in html.unescape(refused.text)
    assert "il vous reste 4 essais" in html.unescape(refused.text)
    again = type_code(app, wrong, status=400)  # the refused try was kept, though answered 400
    assert "il vous reste 3 essais" in html.unescape(again.text)
    type_code(app, code)

    assert "numéro non vérifié" not in html.unescape(app.get("/mon-profil").text)
    publish(world, "membre_a", "Ordre du jour de jeudi")
    after_window(world)
    world.run_alerts()
    assert sorted(m["to"] for m in world.take_sms()) == sorted([MOBILE_AUTRE, MOBILE_TEL])


def test_a_wrong_code_counts_and_a_code_proves_only_its_number(world):
    with_unproved_number(world)
    app = world.app("tel_a")
    code = ask_code(world, app)
    profile = app.get("/mon-profil").forms["profil"]
    profile["mobile"] = "06 11 22 33 99"  # another number, after the code left
    profile.submit(status=303)
    refused = type_code(app, code, status=400)
    assert "numéro a changé" in html.unescape(refused.text)
    assert "numéro non vérifié" in html.unescape(app.get("/mon-profil").text)


def test_changing_the_number_unverifies_it(world):
    with_unproved_number(world)
    app = world.app("tel_a")
    type_code(app, ask_code(world, app))
    profile = app.get("/mon-profil").forms["profil"]
    profile["mobile"] = "06 11 22 33 99"
    profile.submit(status=303)
    assert "numéro non vérifié" in html.unescape(app.get("/mon-profil").text)
    publish(world, "membre_a", "Affiche")
    after_window(world)
    world.run_alerts()
    assert [m["to"] for m in world.take_sms()] == [MOBILE_AUTRE]


def test_the_code_leaves_at_night_too(world):
    with_unproved_number(world)
    world.clock.set(datetime.datetime(2031, 6, 4, 23, 0, tzinfo=PARIS))
    assert ask_code(world, world.app("tel_a"))  # the person is waiting for it


def test_visitors_are_sent_to_sign_in(world):
    page = world.app().get(PAGE, status=303)
    assert "/connexion" in page.location


def test_the_monthly_cap_counts_per_number_too(tmp_path, mail_server, sms_provider, frozen):
    wsgi = make_app(**notify_settings(tmp_path, mail_server, sms_provider, sms__monthly_cap="2"))
    ids = build_site(wsgi)
    for name in ("un_a", "deux_a", "trois_a"):  # three accounts, one phone
        add_member(wsgi, ids, name, mobile=MOBILE_TEL, mobile_verified=MOBILE_TEL,
                   sms_alerts=True)
    world = World(wsgi, ids, mail_server, sms_provider, frozen)
    for n in range(3):
        publish(world, "membre_a", f"Document {n}")
        frozen.advance(minutes=1)
    after_window(world)
    report = world.run_alerts()
    assert len(world.take_sms()) == 2 and report.sms == 2
    assert report.capped == 7  # the other SMS came by email
    wsgi.registry._zodb_databases[""].close()
