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


def test_send_ready_leaves_out_what_became_private_and_says_so(tmp_path, capsys):
    from conseils_site.notify.newsletter import build_sections, candidates, freeze, recipients
    from conseils_site.resources.newsletter import Letter
    from conseils_site.scripts.newsletter import main as newsletter_main
    from tests.conftest import make_app
    from tests.mailserver import MailServer
    from tests.support import build_site

    with MailServer() as server:
        settings = {"zodbconn.uri": f"file://{tmp_path}/Data.fs",
                    "mail.queue_path": str(tmp_path / "mail"), "mail.host": "127.0.0.1",
                    "mail.port": str(server.port), "conseils.public_url": PUBLIC}
        ini = tmp_path / "app.ini"
        ini.write_text("[app:main]\nuse = egg:conseils_site\nconseils.session_secret = s\n"
                       "conseils.load_demo = false\nconseils.admin_password = un-long-mot-de-passe\n"
                       + "".join(f"{k} = {v}\n" for k, v in settings.items()))
        wsgi = make_app(**settings)
        ids = build_site(wsgi)
        month_content(wsgi, ids)
        with open_registry_root(wsgi.registry) as (root, tm):
            found = candidates(root, "2031-06")
            chosen = {name: {obj.id for obj in objs} for name, objs in found.items()}
            letter = Letter("Lettre de juin", "2031-06", sections=build_sections(found, chosen))
            root["lettre"].add("2031-06", letter)
            freeze(letter, recipients(root))  # « Envoyer » pressed on the site
            tm.commit()
        with open_registry_root(wsgi.registry) as (root, tm):
            document = root.territoires.council_by_code("A")["public"]
            document.visibility = "conseil"  # lowered after « Envoyer », before cron
            from conseils_site.resources.events import ObjectModified, notify
            notify(ObjectModified(document))
            tm.commit()
        wsgi.registry._zodb_databases[""].close()

        assert newsletter_main([str(ini), "send-ready"]) == 0
        out = capsys.readouterr().out
        assert f"retiré de la lettre (plus public ou supprimé) : « {PUBLIC_DOC} »" in out
        deliver_queue(settings)
        assert server.messages and all(PUBLIC_DOC not in m.get_body(("plain",)).get_content()
                                       for m in server.messages)
