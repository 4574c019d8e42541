"""conseils-demo INI --remove: take the demo content (docs/demo.md) out of a site.

`--add` puts it in a site that does not have it (printing the demo councillor's password
once); one of the two is required, so a slip never fills a production site. The directory's
councils stay: removal gives the example fiches back as the directory made them."""
import argparse
import sys

from ..demo_content import create_demo_content, remove_demo_content
from . import Progress, open_site


def main(argv=None, out=None, err=None):
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="conseils-demo",
        description="Retire (--remove) ou ajoute les contenus de démonstration : conseils "
                    "exemples, actualités, événement, documents, groupe, rubrique du forum et "
                    "compte conseiller de démonstration. Relancer ne fait rien de plus.")
    parser.add_argument("ini_file")
    action = parser.add_mutually_exclusive_group(required=True)
    action.add_argument("--remove", action="store_true",
                        help="retirer les contenus de démonstration (l'annuaire reste)")
    action.add_argument("--add", action="store_true",
                        help="ajouter les contenus de démonstration à un site qui ne les a pas")
    args = parser.parse_args(argv)
    with open_site(args.ini_file) as (root, tm):
        if args.remove:
            summary = remove_demo_content(root, progress=Progress("Suppression", err))
            tm.commit()
            if summary.total:
                print(f"Données de démonstration retirées : {summary}", file=out)
            else:
                print("Aucune donnée de démonstration à retirer : le site n'en contient plus.",
                      file=out)
            return 0
        animator = next((u for u in root.users.values() if u.is_animator), None)
        summary = create_demo_content(root, animator, out=out)
        tm.commit()
        if not summary.total:
            print("Les contenus de démonstration sont déjà là : rien d'ajouté.", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
