"""SMS delivery that is idempotent and fair (#21.11): a provider that answers too late has
probably sent the SMS, so the retry carries the same id for the provider to drop; a timeout
counts against that message only; messages a stopped run never offered keep their attempts; the
reason written into dead/ is what really happened."""
import datetime
import io
import json
import os

import pytest

from conseils_site.notify.sms import deliver_sms
from tests.fake_sms_provider import FakeSmsProvider
from tests.functional.test_sms import DAY, files, queue_sms
from tests.mailserver import free_port

NUMBERS = ("+33611111111", "+33622222222", "+33633333333")


@pytest.fixture
def provider():
    with FakeSmsProvider() as running:
        yield running


def slow_settings(tmp_path, provider, **extra):
    settings = {"sms.queue_path": str(tmp_path / "sms"), **provider.settings,
                "sms.timeout": "1.5", "sms.retry_delay": "0"}  # ample for a loaded machine
    settings.update(extra)
    return settings


def queued_messages(settings, sub="new"):
    found = []
    for name in files(settings, sub):
        with open(os.path.join(settings["sms.queue_path"], sub, name), encoding="utf-8") as f:
            found.append(json.load(f))
    return found


def test_a_timed_out_sms_goes_once_and_the_others_leave_in_the_same_run(tmp_path, provider):
    settings = slow_settings(tmp_path, provider)
    for number in NUMBERS:
        queue_sms(settings, number=number)
    ids = {m["id"] for m in queued_messages(settings)}
    provider.slow_next(4)  # the first SMS is accepted, its answer comes after the timeout
    out = io.StringIO()

    first = deliver_sms(settings, out=out, now=DAY)

    assert (first.sent, first.retried, first.dead) == (2, 1, 0)
    assert "injoignable" not in out.getvalue()
    assert "pas de réponse du fournisseur" in out.getvalue()
    [waiting] = queued_messages(settings)
    assert waiting["attempts"] == 1
    second = deliver_sms(settings, out=out, now=DAY)
    assert (second.sent, second.retried) == (1, 0)
    assert sorted(m["to"] for m in provider.messages) == sorted(NUMBERS)  # each once
    assert provider.duplicates == 1  # the retry, dropped by the provider thanks to its id
    assert set(provider.keys) == ids  # every request carried the message's own id
    assert deliver_sms(settings, now=DAY).sent == 0 and len(provider.messages) == 3
    assert files(settings, "new") == [] and files(settings, "dead") == []


def test_messages_a_stopped_run_never_offered_keep_their_attempts(tmp_path):
    settings = {"sms.queue_path": str(tmp_path / "sms"), "sms.backend": "http",
                "sms.http.url": f"http://127.0.0.1:{free_port()}/sms", "sms.retry_delay": "0",
                "sms.max_attempts": "2"}
    for number in NUMBERS:
        queue_sms(settings, number=number)
    out = io.StringIO()

    report = deliver_sms(settings, out=out, now=DAY)

    assert (report.sent, report.retried, report.not_offered) == (0, 1, 2)
    assert sorted(m["attempts"] for m in queued_messages(settings)) == [0, 0, 1]
    assert "fournisseur injoignable" in out.getvalue()
    assert "2 non proposé(s)" in out.getvalue()
    assert report.dead == 0


def test_the_dead_letter_reason_is_what_happened(tmp_path, provider):
    settings = slow_settings(tmp_path, provider, **{"sms.max_attempts": "1"})
    queue_sms(settings)
    provider.slow_next(4)
    report = deliver_sms(settings, now=DAY)
    assert report.dead == 1
    [dead] = queued_messages(settings, "dead")
    assert "pas de réponse du fournisseur" in dead["dead_reason"]
    assert "injoignable" not in dead["dead_reason"]
    assert "peut-être" in dead["dead_reason"]  # the person may have received it

    unreachable = {"sms.queue_path": str(tmp_path / "sms2"), "sms.backend": "http",
                   "sms.http.url": f"http://127.0.0.1:{free_port()}/sms", "sms.max_attempts": "1"}
    queue_sms(unreachable)
    assert deliver_sms(unreachable, now=DAY).dead == 1
    [dead] = queued_messages(unreachable, "dead")
    assert "fournisseur injoignable" in dead["dead_reason"]


def test_a_provider_that_never_answers_stops_the_run_after_a_few_timeouts(tmp_path, provider):
    settings = slow_settings(tmp_path, provider, **{"sms.timeout": "0.2"})
    for n in range(6):
        queue_sms(settings, number=f"+3361111111{n}")
    provider.slow_next(1, count=6)  # nothing answers in time: no fast answer is expected
    started = datetime.datetime.now()

    report = deliver_sms(settings, now=DAY)

    assert (report.sent, report.retried) == (0, 3)
    assert report.not_offered == 3  # not charged an attempt for a run that gave up
    assert datetime.datetime.now() - started < datetime.timedelta(seconds=5)
    assert sorted(m["attempts"] for m in queued_messages(settings)) == [0, 0, 0, 1, 1, 1]
