"""conseils-mail INI [--loop SECONDS]: deliver the mail queue to the SMTP server of the settings.

Only the settings are read (no database), so it can run from cron or as a small service beside
the application. The exit status is 1 when a message was given up on (moved to dead/) during
this run, so cron mails the operator.
"""
import argparse
import signal
import sys
import threading

from pyramid.paster import get_appsettings, setup_logging

from ..notify.mail import deliver_queue


def main(argv=None, out=None, err=None, stop=None):
    """`stop` (a threading.Event) ends a --loop between two runs; SIGTERM and ^C set it."""
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="conseils-mail",
        description="Distribue les courriels en attente au serveur SMTP (réglages mail.*). "
                    "Un message refusé définitivement, ou après mail.max_attempts tentatives, "
                    "est mis de côté dans le dossier dead/ de la file.")
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
                dead += deliver_queue(settings, out=out).dead
            except ValueError as exc:  # a bad mail.* setting
                print(f"Configuration du courrier invalide : {exc}", file=err)
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


if __name__ == "__main__":
    sys.exit(main())
