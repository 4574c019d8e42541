"""Import of the council directory from CSV: idempotent, line by line, never destructive.

Re-importing updates councils by `code`; a council missing from the file is kept with its content.
Each bad line is rejected with its number and a reason in French, and the good lines still go in:
a code or a name a spreadsheet would run as a formula, and a field longer than FIELD_MAX
characters, are bad lines like the others.
"""
import csv
import io
import re
from dataclasses import dataclass, field
from importlib import resources as package_files

from .csvsafe import FORMULA_STARTS
from .geography import get_geography, in_france
from .resources.events import ObjectModified, notify
from .resources.territory import Council
from .text import one_line

REQUIRED_COLUMNS = ("code", "nom", "commune", "latitude", "longitude")
OPTIONAL_COLUMNS = ("email", "site")
_EMAIL = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+$")
_URL = re.compile(r"^https?://[^\s<>\"]+\.[^\s<>\"]+$", re.IGNORECASE)
_BAD_ENCODING = "\x00BAD-ENCODING\x00"
FIELD_MAX = 4096  # characters in one field; the longest real one (a site's address) is far below


class ImportFileError(Exception):
    """The file as a whole cannot be read (no header, missing columns)."""


@dataclass
class Rejected:
    line: int
    reason: str


@dataclass
class ImportSummary:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list = field(default_factory=list)

    def __str__(self):
        return (f"{self.created} créé(s), {self.updated} mis à jour, "
                f"{self.unchanged} inchangé(s), {len(self.rejected)} rejeté(s)")


@dataclass
class Row:
    line: int
    code: str
    name: str
    commune: object
    latitude: float
    longitude: float
    email: str
    website: str


def decode_lines(data):
    """UTF-8 line by line, so one badly encoded line is rejected instead of the whole file."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    lines = []
    for raw in data.splitlines(keepends=True):
        try:
            lines.append(raw.decode("utf-8"))
        except UnicodeDecodeError:
            lines.append(_BAD_ENCODING + "\n")
    return lines


def parse(data):
    """Yield a Row or a Rejected for each data line of the CSV bytes."""
    lines = decode_lines(data)
    if not lines or _BAD_ENCODING in lines[0]:
        raise ImportFileError("la première ligne (les noms de colonnes) est absente ou illisible")
    delimiter = ";" if lines[0].count(";") > lines[0].count(",") else ","
    limit = csv.field_size_limit(FIELD_MAX)  # the csv module's limit is global: put it back after
    try:
        yield from _rows(csv.reader(io.StringIO("".join(lines)), delimiter=delimiter))
    finally:
        csv.field_size_limit(limit)


def _rows(reader):
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise ImportFileError(f"la première ligne (les noms de colonnes) est illisible : {exc}") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise ImportFileError("colonnes manquantes : " + ", ".join(missing))
    geography = get_geography()
    seen = {}
    line_no = reader.line_num
    while True:
        line = line_no + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:  # the reader goes on at the next line
            line_no = reader.line_num
            yield Rejected(line, _unreadable(exc))
            continue
        line_no = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if any(_BAD_ENCODING in v for v in values):
            yield Rejected(line, "encodage invalide : le fichier doit être en UTF-8")
            continue
        if len(values) != len(header):
            yield Rejected(line, f"{len(values)} colonnes au lieu de {len(header)}")
            continue
        record = {name: value.strip() for name, value in zip(header, values, strict=False)}
        result = _check(line, record, geography, seen)
        if isinstance(result, Row):
            seen[result.code] = line
        yield result


def _unreadable(exc):
    if "field larger than field limit" in str(exc):
        return (f"champ trop long : {FIELD_MAX:,} caractères au plus par champ".replace(",", " "))
    return "ligne illisible : guillemets mal placés ou caractère inattendu"


def _check(line, record, geography, seen):
    code, name = record["code"], one_line(record["nom"])
    if not code:
        return Rejected(line, "code manquant")
    if code in seen:
        return Rejected(line, f"code {code} déjà présent ligne {seen[code]}")
    if not name:
        return Rejected(line, "nom manquant")
    for label, value in (("code", code), ("nom", name)):
        if value.startswith(FORMULA_STARTS):
            return Rejected(line, f"{label} commençant par « {value[0]} » : un tableur le lirait "
                                  f"comme une formule ; retirez ce caractère")
    commune = geography.communes.get(record["commune"])
    if commune is None:
        return Rejected(line, f"commune inconnue : « {record['commune']} » (code INSEE attendu)")
    try:
        latitude = float(record["latitude"].replace(",", "."))
        longitude = float(record["longitude"].replace(",", "."))
    except ValueError:
        return Rejected(line, "latitude ou longitude illisible")
    if not in_france(latitude, longitude):
        return Rejected(line, f"coordonnées hors de France ({latitude}, {longitude})")
    email = record.get("email", "")
    if email and not _EMAIL.match(email):
        return Rejected(line, f"adresse électronique invalide : « {email} »")
    website = record.get("site", "")
    if website and not _URL.match(website):
        return Rejected(line, f"site invalide : « {website} » (adresse en http:// ou https:// attendue)")
    return Row(line, code, name, commune, latitude, longitude, email, website)


def apply_row(territories, row, demo=False):
    """Create or update one council; returns 'created', 'updated' or 'unchanged'."""
    council = territories.council_by_code(row.code)
    if council is None:
        council = Council(row.code, row.name, row.commune, row.latitude, row.longitude)
        council.demo = demo
        council.email, council.website = row.email, row.website
        territories.add_council(council)
        return "created"
    wanted = {"title": row.name, "latitude": row.latitude, "longitude": row.longitude}
    # Contacts filled in on the fiche are kept when the file has none.
    if row.email:
        wanted["email"] = row.email
    if row.website:
        wanted["website"] = row.website
    changed = {k: v for k, v in wanted.items() if getattr(council, k) != v}
    commune_changed = council.commune_code != row.commune.code
    if not changed and not commune_changed:
        return "unchanged"
    for key, value in changed.items():
        setattr(council, key, value)
    if commune_changed:
        council.set_commune(row.commune)
        territories.move_council(council)
    notify(ObjectModified(council))
    return "updated"


def import_councils(root, data, demo=False, progress=None, commit_every=None, commit=None):
    """Import CSV bytes into the site. `commit` is called every `commit_every` lines, so an
    interrupted import keeps what it did and can simply be run again."""
    items = list(parse(data))
    summary = ImportSummary()
    territories = root.territoires
    for n, item in enumerate(items, 1):
        if isinstance(item, Rejected):
            summary.rejected.append(item)
        else:
            outcome = apply_row(territories, item, demo=demo)
            setattr(summary, outcome, getattr(summary, outcome) + 1)
        if commit and commit_every and n % commit_every == 0:
            commit()
        if progress:
            progress(n, len(items))
    return summary


def demo_directory_bytes():
    return package_files.files("conseils_site").joinpath("data", "demo-conseils.csv").read_bytes()


def import_demo_directory(root, progress=None):
    return import_councils(root, demo_directory_bytes(), demo=True, progress=progress)
