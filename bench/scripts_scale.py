"""The cron scripts at national size: `python -m bench.scripts_scale` (after `make bench` built
bench/work/). On a copy of the bench database it schedules 2,000 events for today and subscribes
all 30,000 accounts to the letter, then times, as cron would run them, `conseils-reminders`
(the morning reminders, queued without delivery) and `conseils-newsletter send` (one mail per
subscriber, in committed batches), with each process's peak memory. A section of
bench/RESULTS.md says what was measured."""
import datetime
import os
import random
import shutil
import subprocess
import sys
import time

from bench.run import INI, ROOT, WORK, BenchError, machine_info, write_results_section

HERE = WORK / "scale"
SCALE_INI = HERE / "scale.ini"
EVENTS = 2_000
LETTER = "banc-d-essai"


def prepare():
    """A copy of the bench database with today's events and every account subscribed."""
    if not (WORK / "Data.fs").exists():
        raise BenchError("bench/work/Data.fs is missing: run `make bench` first")
    shutil.rmtree(HERE, ignore_errors=True)
    (HERE / "blobs").mkdir(parents=True)
    for name in ("Data.fs", "Data.fs.index"):
        if (WORK / name).exists():
            shutil.copy2(WORK / name, HERE / name)
    text = INI.read_text(encoding="utf-8")
    lines = []
    for line in text.splitlines():
        key = line.split("=", 1)[0].strip()
        if key in ("zodbconn.uri", "mail.queue_path", "sms.queue_path", "conseils.public_url"):
            continue
        lines.append(line)
    lines += [f"zodbconn.uri = fsblobs://{HERE}/Data.fs?blob_dir={HERE}/blobs",
              f"mail.queue_path = {HERE}/mail", f"sms.queue_path = {HERE}/sms",
              "conseils.public_url = https://conseils-citoyens.example.org"]
    SCALE_INI.write_text("\n".join(lines) + "\n", encoding="utf-8")

    from conseils_site.resources.content import PARIS, Event
    from conseils_site.resources.newsletter import Letter
    from conseils_site.scripts import open_site

    rng = random.Random(5)
    today = datetime.datetime.now(PARIS).date()
    with open_site(str(SCALE_INI)) as (root, tm):
        councils = sorted(root.territoires._councils.values(), key=lambda c: c.code)
        for number in range(EVENTS):
            council = councils[rng.randrange(len(councils))]
            start = datetime.datetime.combine(today, datetime.time(18, 30), PARIS)
            council.add(f"rappel-{number}", Event(f"Réunion du soir n° {number}", council.id, start,
                                                  start + datetime.timedelta(hours=2),
                                                  place="Maison de quartier",
                                                  visibility=("conseil", "membres")[number % 2]))
        tm.commit()
        tm.begin()
        accounts = 0
        for user in root.users.values():
            user.newsletter = True
            accounts += 1
        root["lettre"].add(LETTER, Letter("Lettre du banc d'essai", today.strftime("%Y-%m"),
                                          intro="<p>Bonjour.</p>"))
        tm.commit()
    return accounts, today


def timed(command):
    """Run a console script; (seconds, peak resident memory in MiB, exit status, last lines)."""
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    seconds = time.monotonic() - started
    tail = [line for line in output.replace("\r", "\n").splitlines() if line.strip()][-2:]
    return seconds, usage.ru_maxrss / 1024, proc.returncode, tail


def count_queued(folder):
    path = folder / "new"
    return sum(1 for _ in path.iterdir()) if path.exists() else 0


def main():
    print("Preparing a copy of the bench database (2,000 events today, every account "
          "subscribed)…", flush=True)
    accounts, today = prepare()
    bin_dir = os.path.dirname(sys.executable)
    reminders = timed([os.path.join(bin_dir, "conseils-reminders"), str(SCALE_INI),
                       "--date", today.isoformat(), "--no-deliver"])
    reminder_mails = count_queued(HERE / "mail")
    print(f"conseils-reminders: {reminders[0]:.0f} s, {reminders[1]:.0f} MiB, exit {reminders[2]}, "
          f"{reminder_mails:,} mails queued", flush=True)
    shutil.rmtree(HERE / "mail", ignore_errors=True)
    letter = timed([os.path.join(bin_dir, "conseils-newsletter"), str(SCALE_INI), "send", LETTER])
    letter_mails = count_queued(HERE / "mail")
    print(f"conseils-newsletter: {letter[0]:.0f} s, {letter[1]:.0f} MiB, exit {letter[2]}, "
          f"{letter_mails:,} mails queued", flush=True)
    info = machine_info(None)
    section = "\n".join([
        "## The cron scripts at national size",
        "",
        f"Written by `python -m bench.scripts_scale` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} ({info['cores (nproc)']} cores), on a "
        f"copy of the bench database with {EVENTS:,} events today and all {accounts:,} accounts "
        "subscribed to the letter. Mails are queued (maildir), not delivered.",
        "",
        "| script | time | peak memory | exit | result |",
        "| --- | ---: | ---: | :---: | --- |",
        f"| `conseils-reminders --date {today} --no-deliver` | {reminders[0]:.0f} s | "
        f"{reminders[1]:.0f} MiB | {reminders[2]} | {reminder_mails:,} reminders queued; "
        f"{' / '.join(reminders[3])[-200:]} |",
        f"| `conseils-newsletter send {LETTER}` | {letter[0]:.0f} s | {letter[1]:.0f} MiB | "
        f"{letter[2]} | {letter_mails:,} letters queued; {' / '.join(letter[3])[-200:]} |",
    ]) + "\n"
    write_results_section("scripts-scale", section)
    return 0 if reminders[2] == 0 and letter[2] == 0 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        sys.exit(1)
