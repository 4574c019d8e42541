"""conseils-sms INI [--loop SECONDS]: hand the queued SMS to the backend of the settings.

Like conseils-mail: only the settings are read (no database). Nothing leaves between 21:00 and
08:00, Paris time. Temporary failures stay queued with a growing delay; permanent ones go to
`<sms.queue_path>/dead/` with the reason, and the exit status is then 1."""
import argparse
import sys
import threading

from pyramid.paster import get_appsettings, setup_logging

from ..notify.sms import deliver_sms


def main(argv=None, out=None, err=None, stop=None):
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="conseils-sms",
        description="Distribue les SMS en attente (réglages sms.*), sauf entre 21 h et 8 h. Un "
                    "SMS refusé définitivement, ou après sms.max_attempts tentatives, est mis de "
                    "côté dans le dossier dead/ de la file.")
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
    dead = 0
    try:
        while True:
            try:
                dead += deliver_sms(settings, out=out).dead
            except ValueError as exc:
                print(f"Configuration des SMS invalide : {exc}", file=err)
                return 2
            if args.loop is None or stop.wait(args.loop):
                break
    except KeyboardInterrupt:
        pass
    return 1 if dead else 0


if __name__ == "__main__":
    sys.exit(main())
