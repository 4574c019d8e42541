"""The SMS queue against a slow provider (#21.11): what leaves, how often, and how many copies
the provider received.

The provider is the fake HTTP gateway of the tests (tests/fake_sms_provider.py), which accepts a
message and then answers late when told to, as a congested gateway does: the client's timeout
fires although the SMS went out. Every request carries the message's id in `Idempotency-Key`, so
the retry of a « maybe sent » message is dropped by the provider instead of reaching the phone
twice. Two scenarios:

- one message in ten answered after the timeout: runs until the queue is empty;
- a provider that never answers in time: one run, which must stop after a few timeouts and leave
  the other messages their attempts.

    python -m bench.sms_slow [--messages 200]
"""
import argparse
import datetime
import sys
import tempfile
import time

import transaction

from bench.run import write_results_section
from conseils_site.notify.sms import SILENT_LIMIT, SmsQueue, deliver_sms
from conseils_site.resources.content import PARIS
from tests.fake_sms_provider import FakeSmsProvider

DAY = datetime.datetime(2031, 6, 4, 10, 0, tzinfo=PARIS)
TIMEOUT = 0.3


def queue(settings, count):
    tm = transaction.TransactionManager(explicit=True)
    tm.begin()
    sms = SmsQueue(settings, tm)
    for n in range(count):
        sms.send(f"+336{n:08d}", f"Message {n} : réunion jeudi à 18 h.", user_id=f"u{n}")
    tm.commit()


def one_in_ten_slow(count):
    with FakeSmsProvider() as provider, tempfile.TemporaryDirectory() as tmp:
        settings = {"sms.queue_path": tmp, **provider.settings, "sms.timeout": str(TIMEOUT),
                    "sms.retry_delay": "0", "sms.max_attempts": "5"}
        queue(settings, count)
        runs, started, first = 0, time.perf_counter(), None
        sent = retried = dead = 0
        provider.slow_every(10, TIMEOUT * 3)  # every tenth new SMS: accepted, answered late
        while True:
            report = deliver_sms(settings, now=DAY)
            runs += 1
            first = first or report
            sent, retried, dead = sent + report.sent, retried + report.retried, dead + report.dead
            if not report.retried or runs > 10:
                break
        elapsed = time.perf_counter() - started
        phones = len({m["to"] for m in provider.messages})
        return {"messages": count, "runs": runs, "seconds": elapsed, "first_sent": first.sent,
                "first_retried": first.retried, "requests": provider.requests,
                "accepted": len(provider.messages), "duplicates_dropped": provider.duplicates,
                "phones": phones, "dead": dead}


def never_answers(count):
    with FakeSmsProvider() as provider, tempfile.TemporaryDirectory() as tmp:
        settings = {"sms.queue_path": tmp, **provider.settings, "sms.timeout": str(TIMEOUT),
                    "sms.retry_delay": "0"}
        queue(settings, count)
        provider.slow_next(TIMEOUT * 3, count=count)
        started = time.perf_counter()
        report = deliver_sms(settings, now=DAY)
        return {"messages": count, "seconds": time.perf_counter() - started,
                "retried": report.retried, "not_offered": report.not_offered,
                "requests": provider.requests}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args(argv)
    slow = one_in_ten_slow(args.messages)
    silent = never_answers(args.messages)
    header = ("scenario", "messages", "runs", "time", "provider requests",
              "SMS accepted (distinct phones)", "duplicates dropped by id", "sent twice", "dead")
    row = ("one answer in ten too late", slow["messages"], slow["runs"], f"{slow['seconds']:.1f} s",
           slow["requests"], f"{slow['accepted']} ({slow['phones']})", slow["duplicates_dropped"],
           slow["accepted"] - slow["phones"], slow["dead"])
    table = "\n".join(["| " + " | ".join(header) + " |", "| --- |" + " ---: |" * (len(header) - 1),
                       "| " + " | ".join(str(cell) for cell in row) + " |"])
    body = f"""## SMS queue against a slow provider (bench/sms_slow.py)

Measured {datetime.date.today().isoformat()}; fake HTTP gateway on loopback, client timeout
{TIMEOUT} s, a slow answer comes after {TIMEOUT * 3:.1f} s (the SMS was accepted before it).

{table}

First run of that scenario: {slow['first_sent']} sent, {slow['first_retried']} « maybe sent »
kept for a retry with the same id (the others were not held back by them).
A provider that never answers in time: the run stopped after {silent['retried']} timeouts
(`SILENT_LIMIT` = {SILENT_LIMIT}) in {silent['seconds']:.1f} s, after {silent['requests']}
requests; {silent['not_offered']} of {silent['messages']} messages were not offered and kept
their attempts.
"""
    write_results_section("sms-slow", body)
    print(body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
