"""conseils-adduser INI EMAIL --role animateur|conseiller [--council CODE]: an account ready to use.

For the team: the account is created validated, with its role, without the emailed confirmation.
The password never appears on the command line (where `ps` and the shell history would keep it):
it is read from standard input when that is not a terminal (`… < fichier`, a pipe), otherwise
asked twice without echo.
"""
import argparse
import getpass
import re
import sys

from colander import EMAIL_RE

from ..resources.users import User, now
from ..security.passwords import hash_password, password_problems
from . import open_site

ROLES = ("animateur", "conseiller")


def read_password(stdin, err):
    """From a pipe or a file: its first line. From a terminal: typed twice, never shown."""
    if not stdin.isatty():
        return stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Mot de passe : ", stream=err)
    second = getpass.getpass("Le même mot de passe, encore une fois : ", stream=err)
    if first != second:
        raise ValueError("Les deux mots de passe tapés sont différents : rien n'a été créé.")
    return first


def main(argv=None, stdin=None, out=None, err=None):
    stdin, out, err = stdin or sys.stdin, out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="conseils-adduser",
        description="Crée un compte déjà validé (animateur ou conseiller). Le mot de passe est lu "
                    "sur l'entrée standard, ou demandé deux fois s'il s'agit d'un terminal.")
    parser.add_argument("ini_file", help="fichier de configuration (development.ini…)")
    parser.add_argument("email", help="adresse électronique de la personne")
    parser.add_argument("--role", required=True, choices=ROLES, help="animateur ou conseiller")
    parser.add_argument("--council", metavar="CODE", help="code du conseil de la personne")
    parser.add_argument("--first-name", default="", help="prénom")
    parser.add_argument("--last-name", default="", help="nom")
    args = parser.parse_args(argv)

    email = args.email.strip().lower()
    if not re.match(EMAIL_RE, email):
        print(f"Adresse électronique invalide : {args.email}", file=err)
        return 1
    first_name = " ".join(args.first_name.split()) or email.partition("@")[0]
    last_name = " ".join(args.last_name.split())
    try:
        password = read_password(stdin, err)
    except ValueError as exc:
        print(exc, file=err)
        return 1
    except (EOFError, KeyboardInterrupt):
        print("\nAbandon : rien n'a été créé.", file=err)
        return 1
    if refused(password_problems(password, email, [first_name, last_name]), err):
        return 1

    try:
        return _create(args, email, first_name, last_name, password, out, err)
    except (OSError, LookupError) as exc:
        print(f"Impossible d'ouvrir le site avec {args.ini_file} : {exc}", file=err)
        return 2


def refused(problems, err):
    """Say why the password is refused (the rule of every form: security.passwords)."""
    if problems:
        print("Mot de passe refusé :", file=err)
        for problem in problems:
            print(f"  - {problem}", file=err)
    return bool(problems)


def _create(args, email, first_name, last_name, password, out, err):
    with open_site(args.ini_file) as (root, tm):
        if root.users.find_by_email(email) is not None:
            print(f"Un compte existe déjà avec l'adresse {email} : rien n'a été créé.", file=err)
            return 1
        council = None
        if args.council:
            council = root.territoires.council_by_code(args.council.strip())
            if council is None:
                print(f"Aucun conseil n'a le code « {args.council} » : rien n'a été créé. "
                      "(Les codes sont dans l'annuaire : /conseils.csv)", file=err)
                return 1
            # judged again now that the council's commune is known
            if refused(password_problems(password, email, [first_name, last_name],
                                         commune=council.commune_name), err):
                return 1
        user = User(email, first_name, last_name, hash_password(password),
                    roles=("animateur",) if args.role == "animateur" else (), state="active",
                    council_ids=[council.id] if council is not None else [])
        user.confirmed_at = user.decided_at = now()
        root.users.add_user(user)
        where = f", membre du conseil « {council.title} » ({council.code})" if council else ""
        tm.commit()
    print(f"Compte créé et validé : {email} ({args.role}{where}).", file=out)
    if args.role == "conseiller" and council is None:
        print("Attention : ce compte n'est rattaché à aucun conseil (option --council).",
              file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
