"""What conseils-mail and conseils-sms share: read the settings (the database is opened only to
re-check a message about an item, `checked`), deliver a queue once or every --loop seconds, and exit 1
when something was given up on (moved to dead/), so that cron mails the operator."""
import argparse
import signal
import sys
import threading

from pyramid.paster import get_appsettings, setup_logging

from ..notify.recheck import Recheck


def checked(deliver):
    """`deliver` with each message about an item re-checked against the site of the ini file
    (notify/recheck.py), the database opened only if such a message is queued."""
    def run(settings, out=None, ini_file=None):
        from . import open_site

        with Recheck(lambda: open_site(ini_file)) as recheck:
            return deliver(settings, out=out, recheck=recheck)
    return run


def delivery_main(prog, description, deliver, what, argv=None, out=None, err=None, stop=None,
                  with_ini=False):
    """`deliver(settings, out=...)` (and `ini_file=` when `with_ini`) returns a report with
    `dead`; `stop` (a threading.Event) ends a --loop between two runs, as SIGTERM and ^C do."""
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("ini_file")
    parser.add_argument("--loop", type=float, metavar="SECONDES",
                        help="recommencer toutes les SECONDES secondes jusqu'à interruption")
    args = parser.parse_args(argv)
    if args.loop is not None and args.loop <= 0:
        parser.error("--loop attend un nombre de secondes positif")
    try:
        setup_logging(args.ini_file)
        settings = get_appsettings(args.ini_file)
    except (OSError, LookupError, ValueError) as exc:
        print(f"Impossible de lire la configuration {args.ini_file} : {exc}", file=err)
        return 2
    stop = stop or threading.Event()
    if args.loop is not None:
        _stop_on_signals(stop)
    dead = 0
    try:
        while True:
            try:
                extra = {"ini_file": args.ini_file} if with_ini else {}
                dead += deliver(settings, out=out, **extra).dead
            except ValueError as exc:  # a bad setting
                print(f"Configuration {what} invalide : {exc}", file=err)
                return 2
            if args.loop is None or stop.wait(args.loop):
                break
    except KeyboardInterrupt:
        pass  # between two deliveries or inside one: either way, nothing is lost
    return 1 if dead else 0


def _stop_on_signals(stop):
    """A service manager's SIGTERM finishes the delivery under way instead of cutting it."""
    if threading.current_thread() is not threading.main_thread():
        return
    handler = lambda signum, frame: stop.set()  # noqa: E731
    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)
