"""The retry policy conseils-mail and conseils-sms share (scripts/delivery.py runs both queues):
a transport that cannot be reached keeps every message and each run counts one attempt; after
`max_attempts` the message is set aside in dead/ and that run exits 1, so that cron mails the
operator; a run that gave up nothing exits 0; --loop delivers until stopped. One test per rule,
for both channels; each channel's own transport (SMTP answers, the provider's HTTP) is tested in
test_mail.py and test_sms.py."""
import datetime
import io
import os
import threading

import pytest

from conseils_site.notify import clock
from conseils_site.scripts.mail import main as mail_main
from conseils_site.scripts.sms import main as sms_main
from tests.fake_sms_provider import FakeSmsProvider
from tests.functional.test_mail import queue_message, settings_for, write_ini
from tests.functional.test_sms import DAY, queue_sms
from tests.mailserver import MailServer, free_port

CHANNELS = ("mail", "sms")


@pytest.fixture(autouse=True)
def daytime(monkeypatch):
    """SMS leave only by day."""
    monkeypatch.setattr(clock, "now", lambda: DAY.astimezone(datetime.UTC))


class Channel:
    """One queue, its script and its ini, the transport at `port` (nobody listening, or not)."""

    def __init__(self, name, tmp_path, port, extra=None):
        self.name, self.queue = name, str(tmp_path / name)
        self.main = mail_main if name == "mail" else sms_main
        if name == "mail":
            self.ini = write_ini(tmp_path, self.queue, port, max_attempts=2)
        else:
            settings = extra or {"sms.backend": "http", "sms.http.url": f"http://127.0.0.1:{port}/sms"}
            lines = "".join(f"{key} = {value}\n" for key, value in settings.items())
            path = tmp_path / "sms.ini"
            path.write_text(f"[app:main]\nuse = egg:conseils_site\nsms.queue_path = {self.queue}\n"
                            f"sms.retry_delay = 0\nsms.max_attempts = 2\n{lines}")
            self.ini = str(path)

    def queue_one(self, port, subject="Réunion du conseil"):
        if self.name == "mail":
            queue_message(settings_for(self.queue, port), subject=subject)
        else:
            queue_sms({"sms.queue_path": self.queue}, text=subject)

    def files(self, sub):
        folder = os.path.join(self.queue, sub)
        return [f for f in os.listdir(folder) if not f.startswith(".")] if os.path.isdir(folder) else []


@pytest.mark.parametrize("name", CHANNELS)
def test_an_unreachable_transport_keeps_the_message_then_gives_up_and_the_run_fails(
        name, tmp_path, capsys):
    port = free_port()  # nobody listens there
    channel = Channel(name, tmp_path, port)
    channel.queue_one(port)
    assert channel.main([channel.ini]) == 0  # one attempt counted, kept for later
    assert "1 à réessayer" in capsys.readouterr().out
    assert len(channel.files("new")) == 1 and channel.files("dead") == []
    assert channel.main([channel.ini]) == 1  # the second and last attempt: set aside, cron mails
    assert "abandon après 2 tentative(s)" in capsys.readouterr().out
    assert channel.files("new") == [] and len(channel.files("dead")) == 1  # never lost
    assert channel.main([channel.ini]) == 0  # a run that gave up nothing succeeds


@pytest.mark.parametrize("name", CHANNELS)
def test_the_loop_delivers_until_stopped(name, tmp_path):
    with (MailServer() if name == "mail" else FakeSmsProvider()) as transport:
        port = getattr(transport, "port", None)
        channel = Channel(name, tmp_path, port, extra=None if name == "mail" else transport.settings)
        stop = threading.Event()
        runner = threading.Thread(target=channel.main, kwargs=dict(
            argv=[channel.ini, "--loop", "0.05"], out=io.StringIO(), stop=stop))
        runner.start()
        try:
            channel.queue_one(port, subject="Pendant la boucle")
            [received] = transport.wait_for(1)
            assert (received["Subject"] if name == "mail" else received["text"]) == "Pendant la boucle"
        finally:
            stop.set()
            runner.join(5)
        assert not runner.is_alive()
        assert channel.files("new") == []
