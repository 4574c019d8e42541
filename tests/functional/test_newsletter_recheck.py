"""The letter re-checks its items (#21.3): an item ticked into the letter and then made private,
or deleted, is left out of the preview's letter (which says what was dropped), of every mail,
of the send summary and of the public archive — also when it changes after the letter went."""
import html
import re

from conseils_site.notify.mail import deliver_queue
from conseils_site.notify.newsletter import send_letter
from conseils_site.scripts import open_registry_root
from tests.functional.test_alerts import (  # noqa: F401 (fixtures)
    PUBLIC,
    body_text,
    delete,
    edit,
    frozen,
    mail_server,
    sms_provider,
    world,
)
from tests.functional.test_newsletter import csrf_of, month_content
from tests.support import email_of

PUBLIC_DOC = "Diagnostic du quartier"
SUMMARY = "Ce que nous avons appris."


def compose(world):
    """The June letter, every proposed item kept (the public document among them)."""
    month_content(world.wsgi, world.ids)
    app = world.app("animateur")
    preview = app.get("/admin/lettre/nouvelle?mois=2031-06").forms["lettre"].submit(
        status=303).follow()
    assert PUBLIC_DOC in html.unescape(preview.text)
    return app


def doc_path(world):
    return world.ids["path_A"] + "/public/"


def send(world, app):
    preview = app.get("/admin/lettre/2031-06")
    count = re.search(r'id="destinataires">(\d+)<', preview.text).group(1)
    app.post("/admin/lettre/2031-06/envoyer", {"csrf_token": csrf_of(preview), "attendu": count},
             status=303)
    with open_registry_root(world.wsgi.registry) as (root, tm):
        report = send_letter(root, world.settings, tm, root["lettre"]["2031-06"], PUBLIC)
        tm.commit()
    deliver_queue(world.settings)
    return report


def the_letter_part(page_text):
    """The letter as the preview shows it (below « Aperçu »)."""
    return html.unescape(page_text).split("<h2>Aperçu</h2>", 1)[1]


def test_an_item_made_private_before_sending_is_dropped_everywhere(world):
    app = compose(world)
    edit(world, "membre_a", doc_path(world), visibility="conseil")

    preview = app.get("/admin/lettre/2031-06")
    notice = html.unescape(re.search(r'id="retires".*?</', preview.text, re.S).group(0))
    assert PUBLIC_DOC in notice  # the animator is told what was dropped, and why
    assert PUBLIC_DOC not in the_letter_part(preview.text)
    assert "Rencontre nationale à Lyon" in the_letter_part(preview.text)

    report = send(world, app)

    assert PUBLIC_DOC in str(report) and report.dropped == [PUBLIC_DOC]
    mails = world.take_mails()
    assert mails and all(PUBLIC_DOC not in body_text(m) and SUMMARY not in body_text(m)
                         for received in mails.values() for m in received)
    assert "Rencontre nationale à Lyon" in body_text(mails[email_of("membre_c")][0])
    archive = html.unescape(world.app().get("/lettre/2031-06/").text)
    assert PUBLIC_DOC not in archive and SUMMARY not in archive
    assert "Rencontre nationale à Lyon" in archive


def test_a_deleted_item_is_dropped_from_the_letter(world):
    app = compose(world)
    delete(world, "membre_a", doc_path(world))
    report = send(world, app)
    assert report.dropped == [PUBLIC_DOC]
    assert all(PUBLIC_DOC not in body_text(m)
               for received in world.take_mails().values() for m in received)


def test_the_archive_of_a_sent_letter_drops_an_item_made_private_later(world):
    app = compose(world)
    send(world, app)
    anonymous = world.app()
    assert PUBLIC_DOC in html.unescape(anonymous.get("/lettre/2031-06/").text)

    edit(world, "membre_a", doc_path(world), visibility="conseil")

    archive = html.unescape(world.app().get("/lettre/2031-06/").text)
    assert PUBLIC_DOC not in archive and SUMMARY not in archive
    assert "Rencontre nationale à Lyon" in archive
