"""conseils-registrations INI: keep the 48-hour promise (for cron, e.g. every hour).

It also forgets failed sign-in records older than the throttling window, and the files received
with a form that failed more than a day ago (the upload store).

Requests pending for over 24 h are reminded to their council's validators, over 36 h to the
animators. Each reminder is sent once per request (recorded on the account), so running the
script again sends nothing twice; mails leave only when the transaction commits."""
import argparse
import sys

from ..accounts import (
    PENDING_ANIMATOR_REMINDER_HOURS,
    PENDING_PEER_REMINDER_HOURS,
    animators,
    pending_age_hours,
    pending_requests,
    validators_of,
)
from ..addresses import public_url
from ..notify.mail import Mailer
from ..security.throttle import purge_failures
from ..uploads import UploadStore, upload_path
from . import Progress, open_site


def remind(root, settings, tm, base_url, progress=None):
    """Queue the reminders due now; returns (peer reminders, animator reminders)."""
    mailer = Mailer(settings, tm)
    requests = pending_requests(root.catalog)
    peers = animator_count = 0
    for n, user in enumerate(requests, 1):
        hours = pending_age_hours(user)
        done = set(user.reminded)
        if hours >= PENDING_PEER_REMINDER_HOURS and "peers" not in done:
            validators = validators_of(root, user)
            for validator in validators:
                _send(mailer, validator, user, hours, base_url, council_queue=True, root=root)
            peers += len(validators)
            done.add("peers")
        if hours >= PENDING_ANIMATOR_REMINDER_HOURS and "animators" not in done:
            for animator in animators(root):
                _send(mailer, animator, user, hours, base_url, council_queue=False, root=root)
                animator_count += 1
            done.add("animators")
        if done != set(user.reminded):
            user.reminded = tuple(sorted(done))
        if progress:
            progress(n, len(requests))
    return peers, animator_count


def _send(mailer, to_user, applicant, hours, base_url, council_queue, root):
    councils = [root.catalog.by_id(i) for i in applicant.council_ids]
    names = ", ".join(c.title for c in councils if c is not None) or "(aucun conseil)"
    if council_queue and councils and councils[0] is not None:
        from pyramid.traversal import resource_path
        link = base_url + resource_path(councils[0]) + "/@@tableau-de-bord"
    else:
        link = base_url + "/admin/inscriptions"
    text = (
        f"Bonjour {to_user.first_name},\n\n"
        f"{applicant.title} attend depuis {int(hours)} heures la validation de son inscription "
        f"au conseil {names}.\n"
        "Nous nous engageons à répondre sous 48 heures : pouvez-vous accepter ou refuser cette "
        f"demande dès maintenant ?\n\n{link}\n\nMerci !\nL'équipe des conseils citoyens\n"
    )
    mailer.send(to_user.email, f"Inscription à valider : {applicant.title}", text,
                headers={"Auto-Submitted": "auto-generated"})


def main(argv=None, out=None, err=None):
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="conseils-registrations",
        description="Relance les validateurs des inscriptions en attente (24 h : le conseil, "
                    "36 h : les animateurs). Sans risque de doublon si on le relance.")
    parser.add_argument("ini_file")
    parser.add_argument("--url", default=None, help="adresse publique du site (sinon réglage conseils.public_url)")
    args = parser.parse_args(argv)
    with open_site(args.ini_file) as (root, tm):
        from pyramid.threadlocal import get_current_registry
        settings = get_current_registry().settings
        base_url = (args.url or public_url(settings)).rstrip("/")
        peers, animator_count = remind(root, settings, tm, base_url, Progress("Relances", err))
        forgotten = purge_failures(root)
        tm.commit()
        uploads = UploadStore(upload_path(settings)).purge()
    print(f"Relances envoyées : {peers} aux validateurs des conseils, {animator_count} aux animateurs. "
          f"Traces d'échecs de connexion effacées : {forgotten}. "
          f"Fichiers en attente oubliés (plus d'un jour) : {uploads}.", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
