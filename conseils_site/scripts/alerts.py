"""conseils-alerts INI [--no-deliver]: send the alerts that are due, the digests, then the SMS.

For cron every five minutes. Alerts wait 15 minutes after an item's first change (so that
several changes make one alert), then go to the people allowed to see the item as it is now;
daily digests leave at the first run after 07:30 (Paris time), weekly ones on Mondays. Then the
SMS queue is handed to the SMS backend, except between 21:00 and 08:00.

Exit status: 0; 1 when a message could not be queued or an SMS was given up on (details on
standard output); 3 when another run is under way (nothing done)."""
import argparse
import sys

from ..notify import clock
from ..notify.alerts import process_alerts
from ..notify.digests import send_digests
from ..notify.locks import exclusive
from ..notify.recheck import Recheck
from ..notify.sms import deliver_sms
from . import Progress, open_registry_root, open_site


def main(argv=None, out=None, err=None):
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="conseils-alerts",
        description="Envoie les alertes arrivées à échéance et les résumés (quotidien à 7 h 30, "
                    "hebdomadaire le lundi), puis distribue les SMS en attente. Sans risque de "
                    "doublon si on le relance.")
    parser.add_argument("ini_file")
    parser.add_argument("--no-deliver", action="store_true",
                        help="mettre en file sans distribuer les SMS")
    args = parser.parse_args(argv)
    with open_site(args.ini_file) as (root, tm):
        from pyramid.threadlocal import get_current_registry
        settings = get_current_registry().settings
        with exclusive(settings, "alerts") as locked:
            if not locked:
                print("Une autre exécution de conseils-alerts est en cours : rien n'a été fait.",
                      file=err)
                return 3
            now = clock.now()
            alerts = process_alerts(root, settings, tm, now=now,
                                    progress=Progress("Alertes", err))
            tm.commit()
            tm.begin()
            digests = send_digests(root, settings, tm, now=now, progress=Progress("Résumés", err))
            tm.commit()
            print(alerts, file=out)
            print(digests, file=out)
            failures = alerts.failures + digests.failures
            for line in failures:
                print(f"échec : {line}", file=out)
            dead = 0
            if not args.no_deliver:  # each SMS about an item is checked again as it leaves
                registry = get_current_registry()
                with Recheck(lambda: open_registry_root(registry)) as recheck:
                    dead = deliver_sms(settings, out=out, now=now, recheck=recheck).dead
    return 1 if failures or dead else 0


if __name__ == "__main__":
    sys.exit(main())
