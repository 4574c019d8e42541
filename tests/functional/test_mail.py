"""Mail from a transaction to a real loopback SMTP server, through the production delivery code."""
import io
import os
import threading
import time

import pytest
import transaction

from conseils_site.notify.mail import Mailer, deliver_queue
from conseils_site.scripts.mail import main as mail_main
from tests.mailserver import MailServer, free_port

INI = """
[app:main]
use = egg:conseils_site
zodbconn.uri = memory://
conseils.session_secret = test
mail.queue_path = {queue}
mail.host = 127.0.0.1
mail.port = {port}
mail.max_attempts = {max_attempts}
mail.retry_delay = 0
mail.timeout = 5
"""


@pytest.fixture
def server():
    with MailServer() as running:
        yield running


@pytest.fixture
def queue(tmp_path):
    return str(tmp_path / "mail")


def settings_for(queue, port, **extra):
    settings = {"mail.queue_path": queue, "mail.host": "127.0.0.1", "mail.port": str(port),
                "mail.retry_delay": "0", "mail.timeout": "5"}
    settings.update({k.replace("__", "."): v for k, v in extra.items()})
    return settings


def queue_message(settings, commit=True, **kwargs):
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    message = dict(to="camille@example.org", subject="Réunion du conseil",
                   text="Bonjour Camille,\nla réunion a lieu à 18 h.\n")
    message.update(kwargs)
    message_id = Mailer(settings, tm).send(**message)
    tm.commit() if commit else tm.abort()
    return message_id


def queued_files(queue, sub=None):
    subs = [sub] if sub else ["new", "cur"]
    return sorted(f for s in subs for f in os.listdir(os.path.join(queue, s))
                  if not f.startswith("."))


def write_ini(tmp_path, queue, port, max_attempts=5):
    path = tmp_path / "mail.ini"
    path.write_text(INI.format(queue=queue, port=port, max_attempts=max_attempts))
    return str(path)


def test_committed_message_arrives_with_both_parts_and_accents(server, queue):
    settings = settings_for(queue, server.port)
    message_id = queue_message(
        settings, to=["Élodie Lefèvre <elodie@example.org>", "noe@example.org"],
        subject="Votre compte : dernière étape", headers={"Reply-To": "equipe@example.org"},
        text="Bonjour Élodie,\nconfirmez votre adresse : https://exemple.test/confirmer/abc\n",
        html="<p>Bonjour Élodie, <a href=\"https://exemple.test/confirmer/abc\">confirmer</a> "
             "— à très bientôt</p>")
    assert len(queued_files(queue, "new")) == 1

    report = deliver_queue(settings)

    assert (report.sent, report.retried, report.dead) == (1, 0, 0)
    [received] = server.wait_for(1)
    assert received["Subject"] == "Votre compte : dernière étape"
    assert received["Message-Id"] == message_id
    assert received["Reply-To"] == "equipe@example.org"
    assert received["Content-Language"] == "fr"
    assert received.envelope_from == "ne-pas-repondre@conseils-citoyens.localhost"
    assert sorted(received.envelope_to) == ["elodie@example.org", "noe@example.org"]
    assert received["To"].addresses[0].display_name == "Élodie Lefèvre"
    assert received.get_content_type() == "multipart/alternative"
    text = received.get_body(("plain",)).get_content()
    html = received.get_body(("html",)).get_content()
    assert "Bonjour Élodie,\nconfirmez votre adresse : https://exemple.test/confirmer/abc" in text
    assert "— à très bientôt" in html
    for private in ("X-Actually-To", "X-Actually-From", "X-Conseils-Attempts"):
        assert private not in received
    assert queued_files(queue) == []


def test_text_only_message_is_a_single_utf8_part(server, queue):
    settings = settings_for(queue, server.port)
    queue_message(settings, text="Ça marche, même sans HTML.\n")
    deliver_queue(settings)
    [received] = server.wait_for(1)
    assert received.get_content_type() == "text/plain"
    assert received.get_content_charset() == "utf-8"
    assert received.get_content() == "Ça marche, même sans HTML.\n"


def test_aborted_transaction_sends_nothing(server, queue):
    settings = settings_for(queue, server.port)
    queue_message(settings, commit=False)
    assert queued_files(queue) == [] and os.listdir(os.path.join(queue, "tmp")) == []
    report = deliver_queue(settings)
    assert (report.sent, report.retried, report.dead) == (0, 0, 0)
    assert server.messages == []


def test_temporary_refusal_keeps_the_message_for_a_later_run(server, queue):
    settings = settings_for(queue, server.port)
    queue_message(settings)
    server.refuse_next(451)
    out = io.StringIO()

    first = deliver_queue(settings, out=out)

    assert (first.sent, first.retried, first.dead) == (0, 1, 0)
    assert server.messages == []
    [name] = queued_files(queue)
    assert "à réessayer « Réunion du conseil » pour camille@example.org (tentative 1/5)" \
        in out.getvalue()
    assert "451 Try again later" in out.getvalue()
    assert "Courriels : 0 envoyé(s), 1 à réessayer, 0 abandonné(s)" in out.getvalue()

    second = deliver_queue(settings)

    assert (second.sent, second.retried, second.dead) == (1, 0, 0)
    [received] = server.wait_for(1)
    assert received["Subject"] == "Réunion du conseil"
    assert "X-Conseils-Attempts" not in received and "X-Conseils-Last-Error" not in received
    assert queued_files(queue) == []


def test_retry_waits_for_its_delay(server, queue):
    settings = settings_for(queue, server.port, mail__retry_delay="600")
    queue_message(settings)
    server.refuse_next(421, stage="rcpt")
    assert deliver_queue(settings).retried == 1
    assert deliver_queue(settings).deferred == 1  # too early: not even tried
    assert server.messages == []
    assert deliver_queue(settings, now=time.time() + 601).sent == 1
    server.wait_for(1)


def test_permanent_refusal_goes_to_dead_letters_and_the_script_fails(server, queue, tmp_path,
                                                                     capsys):
    settings = settings_for(queue, server.port)
    queue_message(settings, subject="Message refusé")
    queue_message(settings, subject="Message accepté")
    server.refuse_next(550)

    status = mail_main([write_ini(tmp_path, queue, server.port)])

    out = capsys.readouterr().out
    assert status == 1
    assert "abandonné « Message refusé » pour camille@example.org : 550 Refused by the test " \
           "server" in out
    assert "Courriels : 1 envoyé(s), 0 à réessayer, 1 abandonné(s) (dead/)" in out
    [received] = server.wait_for(1)
    assert received["Subject"] == "Message accepté"
    assert queued_files(queue) == []
    [dead] = queued_files(queue, "dead")
    with open(os.path.join(queue, "dead", dead), "rb") as f:
        content = f.read().decode("ascii")
    assert "X-Conseils-Dead-Reason:" in content and "camille" in content
    # A run with nothing given up on succeeds.
    assert mail_main([write_ini(tmp_path, queue, server.port)]) == 0


def test_one_recipient_refused_the_others_delivered(server, queue):
    settings = settings_for(queue, server.port)
    queue_message(settings, to=["ok@example.org", "inconnu@example.org", "plein@example.org"])
    server.refuse_next(550, stage="rcpt", address="inconnu@example.org")
    server.refuse_next(452, stage="rcpt", address="plein@example.org")

    report = deliver_queue(settings)

    assert (report.sent, report.retried, report.dead) == (1, 1, 1)
    [first] = server.wait_for(1)
    assert first.envelope_to == ["ok@example.org"]
    deliver_queue(settings)  # only the temporarily refused recipient is tried again
    second = server.wait_for(2)[1]
    assert second.envelope_to == ["plein@example.org"]
    assert queued_files(queue) == []


def test_server_down_keeps_everything_until_it_is_back(queue, tmp_path, capsys):
    port = free_port()  # nobody listens there
    settings = settings_for(queue, port, mail__max_attempts="2")
    queue_message(settings, subject="Premier")
    queue_message(settings, subject="Second")
    ini = write_ini(tmp_path, queue, port, max_attempts=2)

    assert mail_main([ini]) == 0
    out = capsys.readouterr().out
    assert "Courriels : 0 envoyé(s), 2 à réessayer, 0 abandonné(s)" in out
    assert "injoignable (connexion refusée" in out
    assert len(queued_files(queue)) == 2

    with MailServer(port=port) as server:  # the server is back
        report = deliver_queue(settings)
        assert (report.sent, report.retried, report.dead) == (2, 0, 0)
        assert sorted(m["Subject"] for m in server.wait_for(2)) == ["Premier", "Second"]


def test_a_crash_after_the_server_accepted_sends_twice_never_zero(server, queue, monkeypatch):
    settings = settings_for(queue, server.port)
    queue_message(settings)
    real_unlink = os.unlink

    def crash(path, *args, **kwargs):
        if str(path).startswith(queue):
            raise KeyboardInterrupt  # the process dies before forgetting the message
        return real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", crash)
    with pytest.raises(KeyboardInterrupt):
        deliver_queue(settings)
    monkeypatch.setattr(os, "unlink", real_unlink)
    assert len(queued_files(queue)) == 1
    assert deliver_queue(settings).sent == 1
    assert len(server.wait_for(2)) == 2
    assert queued_files(queue) == []


def test_only_one_delivery_at_a_time(server, queue):
    import fcntl
    settings = settings_for(queue, server.port)
    queue_message(settings)
    out = io.StringIO()
    with open(os.path.join(queue, ".lock"), "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        report = deliver_queue(settings, out=out)
    assert (report.sent, report.retried, report.dead) == (0, 0, 0)
    assert "Une autre distribution du courrier est en cours" in out.getvalue()
    assert deliver_queue(settings).sent == 1


def test_an_unreadable_queued_file_is_set_aside_not_retried_forever(server, queue):
    settings = settings_for(queue, server.port)
    queue_message(settings, subject="Lisible")
    os.makedirs(os.path.join(queue, "new"), exist_ok=True)
    with open(os.path.join(queue, "new", "abime"), "wb") as f:
        f.write(b"X-Actually-To: =?utf-8?b?////?=\nSubject: x\n\ncorps\n")
    report = deliver_queue(settings)
    assert (report.sent, report.dead) == (1, 1)
    assert "abandonné abime : fichier illisible" in report.problems[0]
    assert queued_files(queue, "dead") == ["abime"]
    assert server.wait_for(1)[0]["Subject"] == "Lisible"


def make_web_app(queue):
    from pyramid.config import Configurator
    from pyramid.response import Response

    config = Configurator(settings={"mail.queue_path": queue,
                                    "tm.manager_hook": "pyramid_tm.explicit_manager"})
    config.include("pyramid_tm")
    config.include("conseils_site.notify.mail")

    def send(request):
        request.mailer.send("lea@example.org", "Bienvenue", "Bonjour Léa")
        if request.params.get("echec"):
            raise RuntimeError("la requête échoue après avoir préparé le courriel")
        return Response("ok")

    config.add_route("send", "/send")
    config.add_view(send, route_name="send")
    return config.make_wsgi_app()


def test_requests_queue_mail_in_their_own_transaction(server, queue):
    import webtest
    app = webtest.TestApp(make_web_app(queue))
    assert {"cur", "dead", "new", "tmp"} <= set(os.listdir(queue))  # made at startup
    with pytest.raises(RuntimeError):
        app.get("/send?echec=1")
    assert queued_files(queue) == [] and os.listdir(os.path.join(queue, "tmp")) == []
    app.get("/send")
    assert len(queued_files(queue)) == 1
    assert deliver_queue(settings_for(queue, server.port)).sent == 1
    assert server.wait_for(1)[0]["Subject"] == "Bienvenue"
