"""French administrative geography shipped with the package.

Régions, départements, EPCI and communes (with municipal arrondissements) are
read once from the TSV files in ``conseils_site/data/`` (written by
``tools/derive_geography.py``), so the app and the import script share one
read-only, in-memory reference without touching the database.
"""

from dataclasses import dataclass
from functools import cache
from importlib.resources import files

__all__ = [
    "Region", "Departement", "Epci", "Commune", "Geography", "get_geography", "in_france",
]


@dataclass(frozen=True)
class Region:
    code: str
    name: str


@dataclass(frozen=True)
class Departement:
    code: str
    name: str
    region_code: str


@dataclass(frozen=True)
class Epci:
    code: str
    name: str
    kind: str  # CC, CA, CU, METRO, MET69


@dataclass(frozen=True)
class Commune:
    code: str
    name: str
    departement_code: str
    region_code: str
    epci_code: str | None
    postcodes: tuple[str, ...]
    population: int
    latitude: float | None
    longitude: float | None


class Geography:
    """Lookup tables by code; immutable after loading, so safe to share across threads."""

    def __init__(self, regions, departements, epcis, communes):
        self.regions = regions
        self.departements = departements
        self.epcis = epcis
        self.communes = communes
        by_departement = {code: [] for code in departements}
        for commune in communes.values():
            by_departement.setdefault(commune.departement_code, []).append(commune)
        self._communes_by_departement = {
            code: tuple(sorted(found, key=lambda c: c.code))
            for code, found in by_departement.items()
        }

    def region_of_departement(self, code):
        """The Region a département belongs to (KeyError for an unknown code)."""
        return self.regions[self.departements[code].region_code]

    def departements_in(self, region_code):
        """The départements of a region, sorted by code."""
        return tuple(d for code, d in sorted(self.departements.items())
                     if d.region_code == region_code)

    def communes_in(self, departement_code):
        """The communes (and municipal arrondissements) of a département, sorted by code."""
        return self._communes_by_departement.get(departement_code, ())


def _rows(name):
    """Yield each data row of a shipped TSV file as a dict keyed by its header."""
    text = files(__package__).joinpath("data", name).read_text(encoding="utf-8")
    lines = text.splitlines()
    header = lines[0].split("\t")
    for line in lines[1:]:
        if line:
            yield dict(zip(header, line.split("\t"), strict=False))


def _float(text):
    return float(text) if text else None


@cache
def get_geography():
    """Load the shipped geography once per process."""
    regions = {r["code"]: Region(r["code"], r["nom"]) for r in _rows("regions.tsv")}
    departements = {
        d["code"]: Departement(d["code"], d["nom"], d["region"])
        for d in _rows("departements.tsv")
    }
    epcis = {e["code"]: Epci(e["code"], e["nom"], e["type"]) for e in _rows("epci.tsv")}
    communes = {
        c["code"]: Commune(
            code=c["code"],
            name=c["nom"],
            departement_code=c["departement"],
            region_code=c["region"],
            epci_code=c["epci"] or None,
            postcodes=tuple(c["codes_postaux"].split()),
            population=int(c["population"] or 0),
            latitude=_float(c["latitude"]),
            longitude=_float(c["longitude"]),
        )
        for c in _rows("communes.tsv")
    }
    return Geography(regions, departements, epcis, communes)


# Generous (south, north, west, east) boxes: metropolitan France with Corsica,
# then the five overseas départements. They also cover bits of neighbouring
# countries; the point is to catch swapped or missing coordinates, not borders.
_FRANCE_BOXES = (
    (41.2, 51.3, -5.5, 9.8),  # metropolitan France and Corsica
    (15.7, 16.6, -62.0, -60.9),  # Guadeloupe
    (14.3, 15.0, -61.3, -60.7),  # Martinique
    (2.0, 5.9, -54.7, -51.5),  # Guyane
    (-21.5, -20.8, 55.1, 55.9),  # La Réunion
    (-13.1, -12.5, 44.9, 45.4),  # Mayotte
)


def in_france(latitude, longitude):
    """True if the point lies in metropolitan France or an overseas département."""
    if latitude is None or longitude is None:
        return False
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        return False
    return any(south <= lat <= north and west <= lon <= east
               for south, north, west, east in _FRANCE_BOXES)
