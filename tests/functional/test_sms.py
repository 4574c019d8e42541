"""SMS: queued at commit time, handed to the spool or to an HTTP provider (a fake one on
loopback); failures keep messages queued and reported, none lost."""
import datetime
import io
import json
import os

import pytest
import transaction

from conseils_site.notify.sms import SmsQueue, deliver_sms
from conseils_site.resources.content import PARIS
from conseils_site.scripts.sms import main as sms_main
from tests.fake_sms_provider import FakeSmsProvider
from tests.mailserver import free_port

DAY = datetime.datetime(2031, 6, 4, 10, 0, tzinfo=PARIS)  # daytime: SMS may leave
NIGHT = datetime.datetime(2031, 6, 4, 23, 0, tzinfo=PARIS)


@pytest.fixture
def provider():
    with FakeSmsProvider() as running:
        yield running


def queue_sms(settings, commit=True, number="+33612345678", text="Réunion ce soir à 18 h."):
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    SmsQueue(settings, tm).send(number, text, user_id="u1")
    tm.commit() if commit else tm.abort()


def files(settings, sub):
    folder = os.path.join(settings["sms.queue_path"], sub)
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_a_committed_sms_goes_to_the_spool_an_aborted_one_nowhere(tmp_path):
    settings = {"sms.queue_path": str(tmp_path / "sms")}
    queue_sms(settings, commit=False)
    assert files(settings, "new") == [] and files(settings, "tmp") == []
    queue_sms(settings)
    [queued] = files(settings, "new")
    report = deliver_sms(settings, now=DAY)
    assert (report.sent, report.retried, report.dead) == (1, 0, 0)
    [sent] = files(settings, "outbox")
    with open(os.path.join(settings["sms.queue_path"], "outbox", sent), encoding="utf-8") as f:
        record = json.load(f)
    assert record["to"] == "+33612345678" and record["text"] == "Réunion ce soir à 18 h."
    assert files(settings, "new") == []
    assert deliver_sms(settings, now=DAY).sent == 0  # nothing twice


def test_the_http_backend_posts_to_the_provider_with_its_credentials(tmp_path, provider):
    settings = {"sms.queue_path": str(tmp_path / "sms"), **provider.settings,
                "sms.sender": "Conseils"}
    queue_sms(settings, text="Fête du quartier : rendez-vous au square à 15 h.")
    report = deliver_sms(settings, now=DAY)
    assert report.sent == 1
    [received] = provider.wait_for(1)
    assert received == {"to": "+33612345678", "sender": "Conseils",  # GSM 03.38 has no « ê »
                        "text": "Fete du quartier : rendez-vous au square à 15 h."}
    assert files(settings, "new") == []


def test_a_form_encoded_body_template(tmp_path):
    from conseils_site.notify.sms import SmsSettings
    from conseils_site.notify.sms_backends import HttpBackend
    settings = {"sms.queue_path": str(tmp_path), "sms.backend": "http",
                "sms.http.url": "http://127.0.0.1:9/", "sms.http.content_type":
                "application/x-www-form-urlencoded", "sms.http.body": "dest=$to&msg=$text"}
    body = HttpBackend(SmsSettings.from_settings(settings)).body(
        {"to": "+33612345678", "text": "A & B = 2", "id": "x"})
    assert body == b"dest=%2B33612345678&msg=A%20%26%20B%20%3D%202"


def test_a_provider_failure_leaves_messages_queued_and_reported(tmp_path, provider):
    settings = {"sms.queue_path": str(tmp_path / "sms"), **provider.settings,
                "sms.retry_delay": "60", "sms.max_attempts": "3"}
    queue_sms(settings, number="+33611111111")
    queue_sms(settings, number="+33622222222")
    provider.fail_next(503, count=2)
    out = io.StringIO()

    first = deliver_sms(settings, out=out, now=DAY)

    assert (first.sent, first.retried, first.dead) == (0, 2, 0)
    assert len(files(settings, "new")) == 2  # none lost
    assert "à réessayer" in out.getvalue() and "503" in out.getvalue()
    assert "SMS : 0 envoyé(s), 2 à réessayer, 0 abandonné(s)" in out.getvalue()
    assert deliver_sms(settings, now=DAY).deferred == 2  # not before their retry delay
    later = deliver_sms(settings, now=DAY + datetime.timedelta(minutes=2))
    assert later.sent == 2
    assert sorted(m["to"] for m in provider.wait_for(2)) == ["+33611111111", "+33622222222"]
    assert files(settings, "new") == [] and files(settings, "dead") == []


def test_a_permanent_refusal_goes_to_dead_letters_with_the_reason(tmp_path, provider):
    settings = {"sms.queue_path": str(tmp_path / "sms"), **provider.settings}
    queue_sms(settings)
    provider.fail_next(400)
    report = deliver_sms(settings, now=DAY)
    assert (report.sent, report.dead) == (0, 1)
    [dead] = files(settings, "dead")
    with open(os.path.join(settings["sms.queue_path"], "dead", dead), encoding="utf-8") as f:
        record = json.load(f)
    assert "400" in record["dead_reason"] and record["to"] == "+33612345678"


def test_an_unreachable_provider_keeps_everything_and_stops_the_run(tmp_path, capsys, monkeypatch):
    """Giving up after sms.max_attempts, and the run's exit status: test_delivery_policy.py."""
    ini = tmp_path / "sms.ini"
    ini.write_text(f"""
[app:main]
use = egg:conseils_site
sms.queue_path = {tmp_path / "sms"}
sms.backend = http
sms.http.url = http://127.0.0.1:{free_port()}/sms
sms.retry_delay = 0
sms.max_attempts = 2
""")
    settings = {"sms.queue_path": str(tmp_path / "sms")}
    queue_sms(settings)
    queue_sms(settings, number="+33699999999")
    from conseils_site.notify import clock
    monkeypatch.setattr(clock, "now", lambda: DAY.astimezone(datetime.UTC))
    assert sms_main([str(ini)]) == 0  # kept for later
    out = capsys.readouterr().out
    assert "fournisseur injoignable" in out and "1 à réessayer" in out
    assert "1 non proposé(s)" in out  # the run stopped: the other keeps its attempts
    assert len(files(settings, "new")) == 2 and files(settings, "dead") == []


def test_nothing_leaves_at_night(tmp_path, provider):
    settings = {"sms.queue_path": str(tmp_path / "sms"), **provider.settings}
    queue_sms(settings)
    out = io.StringIO()
    report = deliver_sms(settings, out=out, now=NIGHT)
    assert (report.sent, report.held) == (0, 1)
    assert "retenu(s) jusqu'à 8 h" in out.getvalue()
    assert provider.messages == []


def test_an_unusable_number_is_refused_before_queueing(tmp_path):
    settings = {"sms.queue_path": str(tmp_path / "sms")}
    with pytest.raises(ValueError):
        queue_sms(settings, number="0612345678")
    with pytest.raises(ValueError):
        queue_sms(settings, text="x" * 161)
    assert files(settings, "new") == []
