"""conseils-evolve INI [--list]: apply the evolve steps the database has not recorded yet.

Run it once after installing a new version of the code. With the embedded FileStorage, stop the
site first (the database is locked by the process serving it); with ZEO or RelStorage it can
run while the site serves. It opens the database named by the ini's `zodbconn.uri` directly,
without starting the application, so it never creates a site in an empty database.
See conseils_site/evolve.py for what a step is and how it relates to the start-up checks.

Exit status: 0 up to date, 1 a step failed (the ones before it stay applied), 2 unusable
database or file (locked, no site, evolved by a newer version of the code)."""
import argparse
import contextlib
import sys

import transaction
from pyramid.config import Configurator
from pyramid.paster import get_appsettings, setup_logging
from pyramid.threadlocal import manager

from .. import evolve as evolution
from . import Progress


def ini_settings(ini_file):
    """The [app:main] settings as the application sees them; `%(ENV_NAME)s` in the file reads
    the environment variable NAME (production*.ini keep their secrets there)."""
    import os

    env = {f"ENV_{k}": v.replace("%", "%%") for k, v in os.environ.items()}
    return get_appsettings(ini_file, options=env)


def open_database(uri):
    """A ZODB.DB on the storage `uri` names (file://, zeo://, postgres://…)."""
    import ZODB
    import zodburi

    factory, dbkw = zodburi.resolve_uri(uri)
    return ZODB.DB(factory(), **dbkw)


@contextlib.contextmanager
def opened_root(settings):
    """(root or None, transaction manager), with a registry carrying the catalog's and the
    tree's event subscribers, so steps that add or change objects keep the catalog in step."""
    from ..resources import APP_KEY

    config = Configurator(settings=settings)
    config.include("conseils_site.catalog")
    config.include("conseils_site.resources")
    config.commit()
    db = open_database(settings["zodbconn.uri"])
    tm = transaction.TransactionManager(explicit=True)
    conn = db.open(transaction_manager=tm)
    manager.push({"registry": config.registry, "request": None})
    try:
        tm.begin()
        yield conn.root().get(APP_KEY), tm
    finally:
        with contextlib.suppress(Exception):
            tm.abort()
        manager.pop()
        conn.close()
        db.close()


def describe(root, out):
    record = getattr(root, evolution.RECORD, None) or {}
    for step in evolution.STEPS:
        when = record.get(step.name)
        status = f"faite le {when:%d/%m/%Y à %H:%M} UTC" if when else "à faire"
        print(f"{step.name:<28} {status:<30} {step.description}", file=out)
    for name in evolution.unknown_steps(root):
        print(f"{name:<28} {'inconnue de ce code':<30} (base évoluée par une version plus récente)",
              file=out)


def main(argv=None, out=None, err=None):
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="conseils-evolve",
        description="Applique à la base les étapes d'évolution qu'elle n'a pas encore reçues.")
    parser.add_argument("ini_file")
    parser.add_argument("--list", action="store_true",
                        help="montre les étapes et leur état, sans rien changer")
    args = parser.parse_args(argv)
    setup_logging(args.ini_file)
    settings = ini_settings(args.ini_file)
    try:
        opened = opened_root(settings)
        root, tm = opened.__enter__()
    except Exception as exc:  # noqa: BLE001 (a locked FileStorage, an unreachable server, a bad URI: said in French, exit 2)
        print(f"Impossible d'ouvrir la base ({type(exc).__name__}: {exc}). Avec la base "
              "embarquée (file://), arrêtez d'abord le site.", file=err)
        return 2
    try:
        if root is None:
            print("Cette base ne contient pas encore de site : démarrez le site une première "
                  "fois (il la crée à jour), rien à faire ici.", file=err)
            return 2
        if args.list:
            describe(root, out)
            return 0
        unknown = evolution.unknown_steps(root)
        if unknown:
            print(f"La base a reçu des étapes que ce code ne connaît pas ({', '.join(unknown)}) : "
                  "elle a été évoluée par une version plus récente. Rien n'est changé.", file=err)
            return 2
        try:
            applied, already = evolution.evolve(
                root, tm, out=out, progress_factory=lambda name: Progress(f"  {name}", err))
        except evolution.EvolveError as exc:
            print(f"Échec de l'étape {exc}. Les étapes précédentes restent appliquées ; "
                  "corrigez puis relancez conseils-evolve.", file=err)
            return 1
        seconds = sum(s for _, s, _ in applied)
        print(f"Évolution terminée : {len(applied)} étape(s) appliquée(s) en "
              f"{seconds:.1f} s, {len(already)} déjà faite(s) ; la base est à jour.".replace(".", ",", 1)
              if applied else
              f"La base est à jour : {len(already)} étape(s) déjà faite(s), rien à faire.", file=out)
        return 0
    finally:
        opened.__exit__(None, None, None)


if __name__ == "__main__":
    sys.exit(main())
