"""conseils-newsletter INI list | send ID [--batch N] | send-ready: send the monthly letter.

`send ID` (the letter's name, e.g. 2030-06, as /admin/lettre shows it) freezes its recipients if
the animators have not already pressed « Envoyer », then queues one mail per recipient in
batches, each committed with the record of who got it: run it again after an interruption and it
goes on where it stopped, nobody gets the letter twice. `send-ready` does it for every letter the
animators sent from /admin/lettre (for cron). The mails then leave with conseils-mail.

Exit status: 0; 1 when some mails could not be queued; 2 for an unknown letter; 3 when another
run is under way."""
import argparse
import sys

from ..notify.links import base_url
from ..notify.locks import exclusive
from ..notify.newsletter import BATCH, find_letter, send_letter
from ..resources.newsletter import SENDING, STATE_LABELS
from . import Progress, open_site


def main(argv=None, out=None, err=None):
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="conseils-newsletter",
        description="Envoie la lettre d'information mensuelle à ses abonnés, par lots. Sans "
                    "risque de doublon si on le relance après une interruption.")
    parser.add_argument("ini_file")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMANDE")
    commands.add_parser("list", help="les lettres, leur état et leurs envois")
    send = commands.add_parser("send", help="envoyer une lettre")
    send.add_argument("letter", metavar="ID", help="le nom de la lettre (par exemple 2030-06)")
    send.add_argument("--batch", type=int, default=BATCH, help=f"taille des lots ({BATCH})")
    ready = commands.add_parser("send-ready", help="envoyer les lettres lancées depuis le site")
    ready.add_argument("--batch", type=int, default=BATCH, help=f"taille des lots ({BATCH})")
    args = parser.parse_args(argv)
    if getattr(args, "batch", 1) < 1:
        parser.error("--batch attend un nombre positif")
    with open_site(args.ini_file) as (root, tm):
        from pyramid.threadlocal import get_current_registry
        settings = get_current_registry().settings
        folder = root["lettre"]
        if args.command == "list":
            for letter in folder.letters(published_only=False):
                print(f"{letter.__name__}\t{STATE_LABELS[letter.state]}\t"
                      f"{letter.sent_count()}/{letter.planned or '-'}\t{letter.title}", file=out)
            return 0
        with exclusive(settings, "newsletter") as locked:
            if not locked:
                print("Un autre envoi de la lettre est en cours : rien n'a été fait.", file=err)
                return 3
            if args.command == "send":
                letter = find_letter(root, args.letter)
                if letter is None:
                    print(f"Aucune lettre « {args.letter} ». Les lettres : "
                          f"{', '.join(folder.keys()) or 'aucune'}.", file=err)
                    return 2
                letters = [letter]
            else:
                letters = [letter for letter in folder.letters() if letter.state == SENDING]
                if not letters:
                    print("Aucune lettre à envoyer.", file=out)
            failures = 0
            for letter in letters:
                report = send_letter(root, settings, tm, letter, base_url(settings),
                                     batch=args.batch,
                                     progress=Progress(f"Lettre {letter.__name__}", err))
                tm.commit()
                print(f"{letter.__name__} — {report}", file=out)
                for line in report.failures:
                    print(f"échec : {line}", file=out)
                failures += len(report.failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
