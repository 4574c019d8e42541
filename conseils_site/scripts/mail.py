"""conseils-mail INI [--loop SECONDS]: deliver the mail queue to the SMTP server of the settings.

Only the settings are read, so it can run from cron or as a small service beside the
application; the database is opened only to re-check a mail about an item (an alert, a reminder)
before it leaves. The exit status is 1 when a message was given up on (moved to dead/) during
this run, so cron mails the operator.
"""
import sys

from ..notify.mail import deliver_queue
from .delivery import checked, delivery_main

DESCRIPTION = ("Distribue les courriels en attente au serveur SMTP (réglages mail.*). Un message "
               "refusé définitivement, ou après mail.max_attempts tentatives, est mis de côté "
               "dans le dossier dead/ de la file.")


def main(argv=None, out=None, err=None, stop=None):
    return delivery_main("conseils-mail", DESCRIPTION, checked(deliver_queue), "du courrier",
                         argv, out, err, stop, with_ini=True)


if __name__ == "__main__":
    sys.exit(main())
