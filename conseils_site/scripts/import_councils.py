"""conseils-import INI FILE.csv: import or update the directory of councils."""
import argparse
import sys

from ..importer import ImportFileError, import_councils
from . import Progress, open_site


def main(argv=None, out=None, err=None):
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="conseils-import",
        description="Importe l'annuaire des conseils (CSV : code, nom, commune, latitude, "
                    "longitude, email, site). Relancer le même fichier ne crée aucun doublon.")
    parser.add_argument("ini_file")
    parser.add_argument("csv_file")
    parser.add_argument("--demo", action="store_true",
                        help="marquer les conseils importés comme données de démonstration")
    args = parser.parse_args(argv)
    try:
        with open(args.csv_file, "rb") as f:
            data = f.read()
    except OSError as exc:
        print(f"Impossible de lire {args.csv_file} : {exc.strerror}", file=err)
        return 2
    with open_site(args.ini_file) as (root, tm):
        try:
            summary = import_councils(root, data, demo=args.demo, progress=Progress("Import", err),
                                      commit_every=200, commit=lambda: (tm.commit(), tm.begin()))
        except ImportFileError as exc:
            print(f"Fichier refusé : {exc}", file=err)
            return 2
        tm.commit()
    for rejected in summary.rejected:
        print(f"ligne {rejected.line} rejetée : {rejected.reason}", file=out)
    print(f"Import terminé : {summary}", file=out)
    return 1 if summary.rejected else 0


if __name__ == "__main__":
    sys.exit(main())
