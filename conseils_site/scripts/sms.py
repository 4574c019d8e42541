"""conseils-sms INI [--loop SECONDS]: hand the queued SMS to the backend of the settings.

Like conseils-mail: only the settings are read (no database). Nothing leaves between 21:00 and
08:00, Paris time. Temporary failures stay queued with a growing delay; permanent ones go to
`<sms.queue_path>/dead/` with the reason, and the exit status is then 1."""
import sys

from ..notify.sms import deliver_sms
from .delivery import delivery_main

DESCRIPTION = ("Distribue les SMS en attente (réglages sms.*), sauf entre 21 h et 8 h. Un SMS "
               "refusé définitivement, ou après sms.max_attempts tentatives, est mis de côté "
               "dans le dossier dead/ de la file.")


def main(argv=None, out=None, err=None, stop=None):
    return delivery_main("conseils-sms", DESCRIPTION, deliver_sms, "des SMS", argv, out, err, stop)


if __name__ == "__main__":
    sys.exit(main())
