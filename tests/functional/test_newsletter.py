"""The monthly letter: composed at /admin/lettre from the month's news, resources and public
publications plus a revue de presse; previewed with the exact number of recipients; a test to
oneself; sent in batches, safe to re-run; the public archive; subscribing by double opt-in."""
import datetime
import html
import re

import pytest

from conseils_site.notify.mail import deliver_queue
from conseils_site.notify.newsletter import recipients, send_letter
from conseils_site.resources.content import PARIS, Document, NewsItem, ResourceItem
from conseils_site.resources.newsletter import Letter
from conseils_site.scripts import open_registry_root
from conseils_site.scripts.newsletter import main as newsletter_main
from tests.conftest import make_app
from tests.functional.test_alerts import PUBLIC, body_text, frozen, mail_server, sms_provider, world  # noqa: F401 (fixtures)
from tests.mailserver import MailServer
from tests.support import build_site, email_of

UTC = datetime.UTC
JUNE = datetime.datetime(2031, 6, 2, 12, 0, tzinfo=PARIS).astimezone(UTC)  # ZODB stores UTC
MAY = datetime.datetime(2031, 5, 20, 12, 0, tzinfo=PARIS).astimezone(UTC)
READERS = ("membre_a", "membre_b", "membre_c", "candidat_a", "refuse_a")  # ticked the letter


def month_content(wsgi, ids):
    """News, resources and publications in June 2031 (and a few that must not be proposed)."""
    with open_registry_root(wsgi.registry) as (root, tm):
        root["actualites"].add("rencontre", NewsItem(
            "Rencontre nationale à Lyon", summary="Inscriptions ouvertes.", date=JUNE))
        root["actualites"].add("ancienne", NewsItem("Nouvelle de mai", date=MAY))
        resource = ResourceItem("Guide du porteur de projet", description="<p>Un guide.</p>",
                                category="Méthodes")
        resource.created = JUNE
        root["ressources"].add("guide", resource)
        a = root.territoires.council_by_code("A")
        for name, title, level in (("public", "Diagnostic du quartier", "public"),
                                   ("prive", "Notes internes", "conseil")):
            doc = Document(title, a.id, author_id=ids["membre_a"], visibility=level,
                           description="<p>Ce que nous avons appris.</p>")
            doc.created = JUNE
            a.add(name, doc)
        for who in READERS:
            root.users[ids[who]].newsletter = True
        tm.commit()


def csrf_of(page):
    return re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)


def test_compose_preview_test_send_and_send_in_batches(world):
    month_content(world.wsgi, world.ids)
    app = world.app("animateur")
    home = app.get("/admin/lettre")
    assert "Composer la lettre de juin 2031" in home.text
    page = app.get("/admin/lettre/nouvelle?mois=2031-06")
    form = page.forms["lettre"]
    assert form["title"].value == "La lettre des conseils citoyens — juin 2031"
    text = html.unescape(page.text)
    assert "Rencontre nationale à Lyon" in text and "Guide du porteur de projet" in text
    assert "Diagnostic du quartier" in text
    assert "Nouvelle de mai" not in text and "Notes internes" not in text  # other month, private
    checked = [f for f in form.fields.get("checkbox", []) if f.checked]
    assert len(checked) == 3  # all proposed, all kept at first

    form["intro"] = "Bonjour à toutes et à tous,\n\nVoici les nouvelles de juin."
    form["press"] = "www.exemple.fr/article\nUn titre"
    page = form.submit(status=400)
    assert "Lien 1 : « www.exemple.fr/article » n'est pas une adresse web" in html.unescape(
        page.text)
    form = page.forms["lettre"]
    assert form["intro"].value.startswith("Bonjour à toutes et à tous")  # kept
    form["press"] = ("https://www.exemple.fr/jardin\nUn jardin partagé à Saint-Étienne\n"
                     "Une belle initiative.\n\nhttps://www.exemple.org/debat\nDébat public")
    preview = form.submit(status=303).follow()
    text = html.unescape(preview.text)
    assert "Revue de presse" in text and "Une belle initiative." in text
    # membre_a, membre_b, membre_c, candidat_a (address confirmed); not refuse_a
    assert re.search(r'id="destinataires">4<', preview.text)

    app.post("/admin/lettre/2031-06/essai", {"csrf_token": csrf_of(preview)}, status=303)
    deliver_queue(world.settings)
    [test] = world.take_mails()[email_of("animateur")]
    assert test["Subject"] == "[Essai] La lettre des conseils citoyens — juin 2031"
    assert "Un jardin partagé à Saint-Étienne" in body_text(test)
    assert "Diagnostic du quartier" in body_text(test)
    assert f"{PUBLIC}/territoires/" in body_text(test)

    # A new reader between the preview and the click: the count is shown again.
    with open_registry_root(world.wsgi.registry) as (root, tm):
        root.users[world.ids["autre_a"]].newsletter = True
        tm.commit()
    sent = app.post("/admin/lettre/2031-06/envoyer",
                    {"csrf_token": csrf_of(preview), "attendu": "4"}, status=303).follow()
    assert "Le nombre de destinataires a changé depuis l'aperçu : 5 au lieu de 4" in \
        html.unescape(sent.text)
    count = int(re.search(r'id="destinataires">(\d+)<', sent.text).group(1))
    assert count == 5
    done = app.post("/admin/lettre/2031-06/envoyer",
                    {"csrf_token": csrf_of(sent), "attendu": str(count)}, status=303).follow()
    assert "la lettre est envoyée à 5 personnes" in html.unescape(done.text)

    # The batches: an interruption after the first one, then a second run.
    with open_registry_root(world.wsgi.registry) as (root, tm):
        letter = root["lettre"]["2031-06"]

        def interrupt(done, total):
            if done == 3:
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            send_letter(root, world.settings, tm, letter, PUBLIC, batch=2, progress=interrupt)
    with open_registry_root(world.wsgi.registry) as (root, tm):
        letter = root["lettre"]["2031-06"]
        assert len(letter.sent) == 2  # the first batch was committed, the second was not
        report = send_letter(root, world.settings, tm, letter, PUBLIC, batch=2)
        assert (report.sent_before, report.sent_now, report.planned) == (2, 3, 5)
        assert letter.state == "envoyee"
        tm.commit()
    deliver_queue(world.settings)
    mails = world.take_mails()
    assert sorted(mails) == sorted(email_of(w) for w in (
        "membre_a", "membre_b", "membre_c", "candidat_a", "autre_a"))
    assert all(len(received) == 1 for received in mails.values())  # nobody twice
    letter_mail = mails[email_of("membre_c")][0]
    assert letter_mail["Subject"] == "La lettre des conseils citoyens — juin 2031"
    assert letter_mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert "Se désabonner en un clic" in body_text(letter_mail)
    assert f"{PUBLIC}/lettre/2031-06/" in body_text(letter_mail)

    # The public archive.
    anonymous = world.app()
    archive = anonymous.get("/lettre")
    assert "La lettre des conseils citoyens — juin 2031" in html.unescape(archive.text)
    page = anonymous.get("/lettre/2031-06/")
    assert "Un jardin partagé à Saint-Étienne" in html.unescape(page.text)
    edit = app.get("/admin/lettre/2031-06/modifier", status=303)
    assert edit.location.endswith("/admin/lettre/2031-06")


def test_drafts_are_not_public_and_can_be_deleted(world):
    app = world.app("animateur")
    form = app.get("/admin/lettre/nouvelle?mois=2031-06").forms["lettre"]
    preview = form.submit(status=303).follow()
    anonymous = world.app()
    assert "juin 2031" not in html.unescape(anonymous.get("/lettre").text)
    draft = anonymous.get("/lettre/2031-06/", expect_errors=True)  # 403, or 404 as if missing
    assert draft.status_int >= 400 and "La lettre des conseils citoyens" not in draft.text
    refused = world.app("membre_a").get("/admin/lettre", expect_errors=True)
    assert refused.status_int >= 400 and "Composer la lettre" not in refused.text
    assert "Personne" not in preview.text
    app.post("/admin/lettre/2031-06/supprimer", {"csrf_token": csrf_of(preview)}, status=303)
    app.get("/admin/lettre/2031-06", status=404)
    app.get("/admin/lettre/nouvelle?mois=juin", status=400)


def test_a_letter_for_some_regions_or_departements(world):
    month_content(world.wsgi, world.ids)
    with open_registry_root(world.wsgi.registry) as (root, tm):
        everyone = recipients(root)
        rhone_alpes = recipients(root, regions=["84"])
        seine_saint_denis = recipients(root, departements=["93"])
    assert len(everyone) == 4
    assert sorted(rhone_alpes) == sorted(email_of(w) for w in ("membre_a", "membre_b",
                                                                "candidat_a"))
    assert sorted(seine_saint_denis) == [email_of("membre_c")]
    app = world.app("animateur")
    form = app.get("/admin/lettre/nouvelle?mois=2031-06").forms["lettre"]
    form["departements"] = "42, 99"
    page = form.submit(status=400)
    assert "Département inconnu : 99" in html.unescape(page.text)
    form = page.forms["lettre"]
    form["departements"] = "42"
    preview = form.submit(status=303).follow()
    assert re.search(r'id="destinataires">3<', preview.text)
    assert "départements : 42" in html.unescape(preview.text)


def test_anyone_subscribes_with_a_confirmed_address(world):
    anonymous = world.app()
    form = anonymous.get("/lettre/abonnement").forms["abonnement"]
    form["email"] = "pas une adresse"
    page = form.submit(status=400)
    assert "Cette adresse électronique n'est pas valide" in html.unescape(page.text)
    form = page.forms["abonnement"]
    form["email"] = "Camille@Exemple.org"
    form["departement"] = "42"
    done = form.submit(status=303).follow()
    assert "Vérifiez votre boîte" in html.unescape(done.text)
    deliver_queue(world.settings)
    [mail] = world.take_mails()["camille@exemple.org"]
    assert mail["Subject"] == "Confirmez votre abonnement à la lettre des conseils citoyens"
    link = re.search(r"(/lettre/confirmer\?jeton=\S+)", body_text(mail)).group(1)
    with open_registry_root(world.wsgi.registry) as (root, tm):
        assert "camille@exemple.org" not in recipients(root)  # not before confirming
    page = world.app().get(link)  # a mail scanner opening the link changes nothing
    with open_registry_root(world.wsgi.registry) as (root, tm):
        assert "camille@exemple.org" not in recipients(root)
    assert "Confirmer mon abonnement" in page.text
    confirmed = world.app().post(link, {})
    assert "Abonnement confirmé" in html.unescape(confirmed.text)
    with open_registry_root(world.wsgi.registry) as (root, tm):
        assert recipients(root)["camille@exemple.org"] == ("abonne", "camille@exemple.org")
        assert "camille@exemple.org" in recipients(root, regions=["84"])
        assert "camille@exemple.org" not in recipients(root, departements=["93"])
    assert "Vous êtes déjà abonné·e" in html.unescape(world.app().post(link, {}).text)
    world.app().get("/lettre/confirmer?jeton=abime", status=400)

    # Asking again: a mail saying so, and the same page (nobody learns who is subscribed).
    form = world.app().get("/lettre/abonnement").forms["abonnement"]
    form["email"] = "camille@exemple.org"
    assert form.submit(status=303).location.endswith("/lettre/abonnement?envoye=1")
    deliver_queue(world.settings)
    [again] = world.take_mails()["camille@exemple.org"]
    assert again["Subject"] == "Vous êtes déjà abonné·e à la lettre des conseils citoyens"


def test_a_councillor_subscribing_from_the_site_ticks_the_profile_choice(world):
    form = world.app().get("/lettre/abonnement").forms["abonnement"]
    form["email"] = email_of("membre_c")
    form.submit(status=303)
    deliver_queue(world.settings)
    [mail] = world.take_mails()[email_of("membre_c")]
    link = re.search(r"(/lettre/confirmer\?jeton=\S+)", body_text(mail)).group(1)
    world.app().post(link, {})
    with open_registry_root(world.wsgi.registry) as (root, tm):
        assert root.users[world.ids["membre_c"]].newsletter is True
        assert email_of("membre_c") not in root["lettre"].subscribers
    member = world.app("membre_c")
    profile = member.get("/mon-profil").forms["profil"]
    assert profile["newsletter"].checked
    profile["newsletter"] = False
    profile.submit(status=303)
    with open_registry_root(world.wsgi.registry) as (root, tm):
        assert email_of("membre_c") not in recipients(root)


def test_the_send_command_counts_what_the_preview_counted_and_is_safe_to_rerun(
        tmp_path, capsys):
    with MailServer() as server:
        ini = tmp_path / "app.ini"
        ini.write_text(f"""
[app:main]
use = egg:conseils_site
zodbconn.uri = file://{tmp_path}/Data.fs
conseils.session_secret = test-secret
conseils.load_demo = false
conseils.admin_password = un-mot-de-passe-long
conseils.public_url = https://conseils.test
mail.queue_path = {tmp_path}/mail
mail.host = 127.0.0.1
mail.port = {server.port}
""")
        wsgi = make_app(**{"zodbconn.uri": f"file://{tmp_path}/Data.fs",
                           "mail.queue_path": str(tmp_path / "mail")})
        ids = build_site(wsgi)
        month_content(wsgi, ids)
        with open_registry_root(wsgi.registry) as (root, tm):
            root["lettre"].add("2031-06", Letter("Lettre de juin", "2031-06", intro="Bonjour."))
            previewed = len(recipients(root))
            tm.commit()
        wsgi.registry._zodb_databases[""].close()

        assert newsletter_main([str(ini), "list"]) == 0
        assert "2031-06\tbrouillon\t0/-\tLettre de juin" in capsys.readouterr().out
        assert newsletter_main([str(ini), "send", "2031-06", "--batch", "2"]) == 0
        out = capsys.readouterr()
        assert f"Lettre : {previewed} envoyée(s) sur {previewed} prévue(s)" in out.out
        assert "100 %" in out.err
        assert newsletter_main([str(ini), "send", "2031-06"]) == 0
        assert f"Lettre : {previewed} envoyée(s) sur {previewed} prévue(s) (0 maintenant" in \
            capsys.readouterr().out
        assert newsletter_main([str(ini), "send-ready"]) == 0
        assert "Aucune lettre à envoyer." in capsys.readouterr().out
        assert newsletter_main([str(ini), "send", "2031-13"]) == 2
        deliver_queue({"mail.queue_path": str(tmp_path / "mail"), "mail.host": "127.0.0.1",
                       "mail.port": str(server.port)})
        assert len(server.wait_for(previewed)) == previewed
        assert len({m["To"] for m in server.messages}) == previewed
