"""conseils-reminders INI [--date AAAA-MM-JJ] [--dry-run] [--no-deliver]: the morning reminders.

For cron at 07:30 (Paris time), and again during the day if you want corrections to leave soon
after a change. For each event of the day, an email and/or an SMS to the members of its council
who want reminders (when, where, the link). Running it again sends nothing twice; an event whose
time or place changed after its reminder gets a correction, a cancelled (or deleted) one a
cancellation, to the people who had the reminder. SMS queued before 08:00 leave at 08:00.

After committing, the mail and SMS queues are delivered (unless --no-deliver), and the exit
status is 1 when a delivery failed (the details are printed), 3 when another run holds the lock,
2 for a bad argument."""
import argparse
import datetime
import sys

from ..notify import clock
from ..notify.locks import exclusive
from ..notify.mail import deliver_queue
from ..notify.recheck import Recheck
from ..notify.reminders import forget_before, run_reminders
from ..notify.sms import deliver_sms
from . import Progress, open_site

KEEP_DAYS = 30


def _day(text):
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"« {text} » n'est pas une date AAAA-MM-JJ (par exemple 2030-06-03)") from None


def main(argv=None, out=None, err=None):
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="conseils-reminders",
        description="Envoie les rappels du matin des événements du jour aux membres de leur "
                    "conseil qui le souhaitent, puis les corrections et annulations. Sans risque "
                    "de doublon si on le relance.")
    parser.add_argument("ini_file")
    parser.add_argument("--date", type=_day, metavar="AAAA-MM-JJ",
                        help="le jour des événements (par défaut aujourd'hui, heure de Paris)")
    parser.add_argument("--dry-run", action="store_true",
                        help="montrer ce qui serait envoyé, sans rien envoyer ni enregistrer")
    parser.add_argument("--no-deliver", action="store_true",
                        help="mettre en file sans distribuer (conseils-mail et conseils-sms le "
                             "feront)")
    args = parser.parse_args(argv)
    with open_site(args.ini_file) as (root, tm):
        from pyramid.threadlocal import get_current_registry
        settings = get_current_registry().settings
        with exclusive(settings, "reminders") as locked:
            if not locked:
                print("Une autre exécution de conseils-reminders est en cours : rien n'a été "
                      "envoyé.", file=err)
                return 3
            now = clock.now()
            day = args.date or clock.paris_day(now)
            report = run_reminders(root, settings, tm, day, now=now, dry_run=args.dry_run,
                                   progress=Progress(f"Rappels du {day.isoformat()}", err))
            if args.dry_run:
                tm.abort()
            else:
                forget_before(root.alerts, clock.paris_day(now) - datetime.timedelta(KEEP_DAYS))
                tm.commit()
    if args.dry_run:
        for line in report.planned:
            print(f"serait envoyé : {line}", file=out)
        print(f"{report} (essai : rien n'a été envoyé ni enregistré)", file=out)
        return 0
    print(report, file=out)
    for line in report.failures:
        print(f"échec : {line}", file=out)
    problems = len(report.failures)
    if not args.no_deliver:  # each delivery prints its problems and its summary line
        with Recheck(lambda: open_site(args.ini_file)) as recheck:  # the run's site is closed
            problems += len(deliver_queue(settings, out=out, recheck=recheck).problems)
            problems += len(deliver_sms(settings, out=out, recheck=recheck).problems)
    if problems:
        print(f"{problems} problème(s) de distribution, voir ci-dessus.", file=out)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
