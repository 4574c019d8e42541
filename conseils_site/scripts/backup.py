"""conseils-backup INI: back up the FileStorage (repozo) and its blobs; restore them elsewhere.

  conseils-backup INI [--dir DIR] [--full] [--gzip]   back up (incremental when possible)
  conseils-backup INI [--dir DIR] --list              what the backup directory holds
  conseils-backup INI [--dir DIR] --restore TARGET [--date YYYY-MM-DD-HH-MM-SS]
                                                      rebuild TARGET/Data.fs and TARGET/blobs

The database is backed up while the site runs. `repozo` copies Data.fs up to its last
complete transaction (a full copy, then only what was appended since: an incremental); then
the blob directory is copied into a snapshot named like repozo's file. Committed blob files
never change (one file per object revision), so each snapshot hard-links the files of the
previous one and copies only the new files: every snapshot is complete, and costs only what
changed. The blobs are copied *after* Data.fs, so a snapshot holds every blob that the Data.fs
of the same name refers to (and perhaps a few newer ones, which nothing refers to).

Layout of DIR: `filestorage/` (repozo's files: .fs, .deltafs, .dat, .index) and
`blobs/<date>/` (one snapshot per backup). The restore picks the repozo state as of --date
(UTC; default: the newest) and the blob snapshot of the same backup, checks repozo's checksums
on the way, and refuses to write into a TARGET that already holds a database.

With ZEO, run it on the ZEO server's machine with `--data-fs` and `--blobs` (the paths of
zeo.conf); with RelStorage the database and its blobs are in PostgreSQL: use pg_dump.

Exit status: 0 done, 1 failed, 2 nothing to back up or restore from (bad settings or paths)."""
import argparse
import os
import re
import shutil

# subprocess runs ZODB's repozo only, with a fixed command and no shell.
import subprocess  # nosec B404
import sys
import time
from urllib.parse import parse_qsl, unquote, urlsplit

STAMP_RE = re.compile(r"^(\d{4}(?:-\d\d){5})\.(?:delta)?fsz?$")


class BackupError(Exception):
    """A French message for the person running the script."""


def raw_setting(ini_file, name, section="app:main"):
    """A setting of the ini with only %(here)s and %(ENV_NAME)s filled in: a backup must not
    need the site's secrets in its environment."""
    import configparser

    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str
    if not parser.read(ini_file):
        raise BackupError(f"Fichier de configuration introuvable : {ini_file}")
    value = parser.get(section, name, fallback=None)
    if value is None:
        raise BackupError(f"{ini_file} n'a pas de réglage {name} dans [{section}]")
    here = os.path.dirname(os.path.abspath(ini_file))

    def fill(match):
        key = match.group(1)
        if key == "here":
            return here
        if key.startswith("ENV_") and key[4:] in os.environ:
            return os.environ[key[4:]]
        raise BackupError(f"{name} utilise %({key})s, que ce script ne sait pas remplacer")

    return re.sub(r"%\(([^)]+)\)s", fill, value).replace("%%", "%")


def storage_paths(uri):
    """(Data.fs, blob directory or None) of an embedded FileStorage's zodbconn.uri
    (file://…?blobstorage_dir=… or fsblobs://…?blob_dir=…)."""
    parts = urlsplit(uri)
    if parts.scheme == "zeo":
        raise BackupError("La base est servie par ZEO : lancez ce script sur la machine du "
                          "serveur ZEO avec --data-fs et --blobs (les chemins de zeo.conf).")
    if parts.scheme in ("postgres", "postgresql", "mysql", "oracle", "sqlite"):
        raise BackupError("La base est dans RelStorage (avec ses fichiers) : sauvegardez-la "
                          "avec les outils de la base de données (pg_dump pour PostgreSQL).")
    if parts.scheme not in ("file", "fsblobs"):
        raise BackupError(f"Adresse de base non prise en charge : {parts.scheme}://")
    path = unquote(parts.netloc + parts.path)
    query = dict(parse_qsl(parts.query))
    return path, query.get("blobstorage_dir") or query.get("blob_dir")


def repozo(*args):
    """Run ZODB's repozo; its messages go to our stderr, its failure becomes a BackupError."""
    result = subprocess.run([sys.executable, "-m", "ZODB.scripts.repozo", *args],  # nosec B603
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"repozo a échoué (code {result.returncode}) : {result.stdout.strip()}")
    return result.stdout


def repozo_stamps(repository):
    """The dates of repozo's data files, oldest first."""
    if not os.path.isdir(repository):
        return []
    return sorted(m.group(1) for m in map(STAMP_RE.match, os.listdir(repository)) if m)


def _utc_stamp():
    return time.strftime("%Y-%m-%d-%H-%M-%S", time.gmtime())


def snapshot_blobs(blob_dir, snapshots, stamp):
    """Copy blob_dir into snapshots/stamp, hard-linking what the previous snapshot has.
    Returns (blob files linked, blob files copied, bytes copied)."""
    previous = sorted(d for d in os.listdir(snapshots) if d < stamp and not d.endswith(".partial"))
    previous = os.path.join(snapshots, previous[-1]) if previous else None
    target = os.path.join(snapshots, stamp)
    partial = target + ".partial"
    shutil.rmtree(partial, ignore_errors=True)
    linked = copied = copied_bytes = 0
    for folder, dirs, files in os.walk(blob_dir):
        relative = os.path.relpath(folder, blob_dir)
        if relative == ".":
            dirs[:] = [d for d in dirs if d != "tmp"]  # uncommitted blobs being written
        os.makedirs(os.path.join(partial, relative), exist_ok=True)
        for name in files:
            if name.endswith(".lock"):
                continue
            source = os.path.join(folder, name)
            dest = os.path.join(partial, relative, name)
            old = os.path.join(previous, relative, name) if previous else None
            if (old and name.endswith(".blob") and os.path.exists(old)
                    and os.path.getsize(old) == os.path.getsize(source)):
                try:
                    os.link(old, dest)
                    linked += 1
                    continue
                except OSError:  # a file system without hard links: copy instead
                    pass
            try:
                shutil.copy2(source, dest)
            except FileNotFoundError:  # removed by a pack meanwhile: no longer referenced
                continue
            if name.endswith(".blob"):  # not the layout marker
                copied += 1
                copied_bytes += os.path.getsize(dest)
    os.rename(partial, target)
    return linked, copied, copied_bytes


def backup(data_fs, blob_dir, backup_dir, full=False, gzip=False, out=sys.stdout):
    if not os.path.exists(data_fs):
        raise BackupError(f"Base introuvable : {data_fs}")
    repository = os.path.join(backup_dir, "filestorage")
    snapshots = os.path.join(backup_dir, "blobs")
    os.makedirs(repository, exist_ok=True)
    os.makedirs(snapshots, exist_ok=True)
    before = repozo_stamps(repository)
    while before and before[-1] >= _utc_stamp():  # repozo names its files by the second
        time.sleep(0.2)
    started = time.monotonic()
    repozo("--backup", "--file", data_fs, "--repository", repository,
           *(["--full"] if full else []), *(["--gzip"] if gzip else []))
    after = repozo_stamps(repository)
    new = sorted(set(after) - set(before))
    if not new:
        print("Base inchangée depuis la dernière sauvegarde : rien à copier.", file=out)
        return None
    stamp = new[-1]
    kind = "complète" if any(os.path.exists(os.path.join(repository, stamp + ext))
                             for ext in (".fs", ".fsz")) else "incrémentale"
    data_name = next(f for f in os.listdir(repository) if STAMP_RE.match(f) and f.startswith(stamp))
    data_bytes = os.path.getsize(os.path.join(repository, data_name))
    line = f"Sauvegarde {kind} {stamp} : base {data_bytes / 1e6:.1f} Mo"
    if blob_dir:
        if not os.path.isdir(blob_dir):
            raise BackupError(f"Dossier des fichiers introuvable : {blob_dir}")
        linked, copied, copied_bytes = snapshot_blobs(blob_dir, snapshots, stamp)
        line += (f" ; fichiers : {copied} copié(s) ({copied_bytes / 1e6:.1f} Mo), "
                 f"{linked} inchangé(s) (liens)")
    print(line.replace(".", ",") + f" ; en {time.monotonic() - started:.1f} s.".replace(".", ",", 1),
          file=out)
    return stamp


def restore(backup_dir, target, date=None, out=sys.stdout):
    repository = os.path.join(backup_dir, "filestorage")
    snapshots = os.path.join(backup_dir, "blobs")
    stamps = repozo_stamps(repository)
    if not stamps:
        raise BackupError(f"Aucune sauvegarde dans {repository}")
    if date and not re.fullmatch(r"\d{4}-\d\d-\d\d(?:-\d\d){0,3}", date):
        raise BackupError("Date attendue en UTC : AAAA-MM-JJ[-HH[-MM[-SS]]]")
    usable = [s for s in stamps if not date or s <= date]  # as repozo compares them
    if not usable:
        raise BackupError(f"Aucune sauvegarde antérieure au {date}")
    data_fs = os.path.join(target, "Data.fs")
    blob_target = os.path.join(target, "blobs")
    if os.path.exists(data_fs) or os.path.exists(blob_target):
        raise BackupError(f"{target} contient déjà une base : choisissez un dossier neuf.")
    os.makedirs(target, exist_ok=True)
    started = time.monotonic()
    repozo("--recover", "--with-verify", "--repository", repository, "--output", data_fs,
           *(["--date", date] if date else []))
    snapshot = None
    if os.path.isdir(snapshots):
        candidates = [d for d in sorted(os.listdir(snapshots))
                      if not d.endswith(".partial") and d <= usable[-1]]
        snapshot = candidates[-1] if candidates else None
    if snapshot:
        shutil.copytree(os.path.join(snapshots, snapshot), blob_target)
    print(f"Base restaurée dans {data_fs} (état du {usable[-1]}, UTC)"
          + (f", fichiers dans {blob_target}" if snapshot else ", sans fichiers")
          + f", en {time.monotonic() - started:.1f} s.".replace(".", ",", 1), file=out)
    return data_fs, blob_target if snapshot else None


def list_backups(backup_dir, out=sys.stdout):
    repository = os.path.join(backup_dir, "filestorage")
    snapshots = os.path.join(backup_dir, "blobs")
    have = set(os.listdir(snapshots)) if os.path.isdir(snapshots) else set()
    for name in sorted(f for f in os.listdir(repository) if STAMP_RE.match(f)) \
            if os.path.isdir(repository) else []:
        stamp = STAMP_RE.match(name).group(1)
        kind = "incrémentale" if ".deltafs" in name else "complète"
        size = os.path.getsize(os.path.join(repository, name)) / 1e6
        blobs = "fichiers : oui" if stamp in have else "fichiers : non"
        print(f"{stamp}  {kind:<13} {size:8.1f} Mo  {blobs}".replace(".", ","), file=out)


def main(argv=None, out=None, err=None):
    out, err = out or sys.stdout, err or sys.stderr
    parser = argparse.ArgumentParser(
        prog="conseils-backup",
        description="Sauvegarde (complète puis incrémentale) la base et ses fichiers, "
                    "ou les restaure dans un nouveau dossier.")
    parser.add_argument("ini_file")
    parser.add_argument("--dir", help="dossier des sauvegardes (par défaut : backups/ à côté "
                                      "de Data.fs ; mieux : un autre disque)")
    parser.add_argument("--full", action="store_true", help="forcer une sauvegarde complète")
    parser.add_argument("--gzip", action="store_true", help="compresser la base sauvegardée")
    parser.add_argument("--data-fs", help="chemin de Data.fs (ZEO : celui de zeo.conf)")
    parser.add_argument("--blobs", help="dossier des fichiers (ZEO : celui de zeo.conf)")
    parser.add_argument("--list", action="store_true", help="lister les sauvegardes")
    parser.add_argument("--restore", metavar="TARGET", help="restaurer dans ce dossier neuf")
    parser.add_argument("--date", help="restaurer l'état à cette date UTC (AAAA-MM-JJ-HH-MM-SS)")
    args = parser.parse_args(argv)
    try:
        if args.data_fs:
            data_fs, blob_dir = args.data_fs, args.blobs
        else:
            data_fs, blob_dir = storage_paths(raw_setting(args.ini_file, "zodbconn.uri"))
            blob_dir = args.blobs or blob_dir
        backup_dir = args.dir or os.path.join(os.path.dirname(os.path.abspath(data_fs)), "backups")
        if args.list:
            list_backups(backup_dir, out)
        elif args.restore:
            restore(backup_dir, args.restore, args.date, out)
        else:
            backup(data_fs, blob_dir, backup_dir, full=args.full, gzip=args.gzip, out=out)
    except BackupError as exc:
        print(str(exc), file=err)
        return 1 if "repozo" in str(exc) else 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
