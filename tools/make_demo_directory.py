#!/usr/bin/env python3
"""Write ``conseils_site/data/demo-conseils.csv``: 1,514 made-up councils on real communes.

The real directory is imported from an official CSV; this demo file has the
same format so that the site, its map and its benchmarks can be shown and
measured at full size without publishing invented data as real. It is
deterministic (fixed seed): running it twice gives the same bytes.

Run from anywhere, after ``tools/derive_geography.py`` wrote the TSV files::

    python3 tools/make_demo_directory.py [--output PATH]
"""

import argparse
import csv
import importlib.util
import math
import os
import random
import re
import sys
import unicodedata

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUTPUT = os.path.join(REPO_ROOT, "conseils_site", "data", "demo-conseils.csv")

COUNCIL_COUNT = 1514
SEED = 20140221  # the day the loi Lamy created the conseils citoyens
MIN_POPULATION = 8000
MIN_OFFSET_KM, MAX_OFFSET_KM = 0.3, 1.5
EMAIL_SHARE = 0.10
HEADER = ("code", "nom", "commune", "latitude", "longitude", "email", "site")

# Word lists for neighbourhood names, in the styles French priority
# neighbourhoods are actually called (trees, flowers, hills, estates, people).
TREES = ["Tilleuls", "Peupliers", "Acacias", "Châtaigniers", "Marronniers", "Érables",
         "Platanes", "Saules", "Bouleaux", "Cèdres", "Pins", "Chênes", "Ormeaux", "Sapins",
         "Noyers", "Cerisiers", "Pommiers", "Amandiers", "Oliviers", "Mûriers", "Aulnes",
         "Frênes", "Charmes", "Hêtres", "Mélèzes", "Cyprès", "Palmiers", "Flamboyants"]
FLOWERS = ["Lilas", "Glycines", "Bleuets", "Coquelicots", "Mimosas", "Iris", "Violettes",
           "Jonquilles", "Églantines", "Hortensias", "Magnolias", "Camélias", "Capucines",
           "Pervenches", "Myosotis", "Marguerites", "Genêts", "Bruyères", "Lauriers",
           "Jasmins", "Primevères", "Pâquerettes", "Tournesols", "Bougainvillées"]
PLACES = ["La Croix-Rouge", "La Croix-Blanche", "La Fontaine", "Le Moulin", "La Butte",
          "Le Plateau", "La Source", "La Roseraie", "La Pépinière", "Le Parc", "La Prairie",
          "Les Coteaux", "Les Collines", "La Colline", "Les Terrasses", "Le Vallon",
          "La Plaine", "Les Prés", "Les Grands Champs", "La Gare", "Le Canal", "Le Port",
          "Les Jardins", "Le Verger", "La Forêt", "Les Vignes", "Le Clos", "La Garenne",
          "La Bergerie", "La Ferme", "Les Sablons", "Les Rochers", "La Chapelle",
          "Le Château", "La Tour", "Les Remparts", "La Briqueterie", "La Filature",
          "Les Tanneries", "La Verrerie", "Les Forges", "La Mine", "Le Lavoir", "Les Écluses",
          "La Madeleine", "La Cité Verte", "Le Bourg", "Les Quatre Chemins", "La Pointe",
          "Les Courtilles", "Les Mazades", "La Ravine", "Les Salines", "Le Grand Ensemble"]
PLACE_HEADS = ["Val", "Bois", "Clos", "Mont", "Champ", "Pré", "Parc", "Pont", "Mas",
               "Chêne", "Jardin", "Puits"]
PLACE_TAILS = ["Fleuri", "Joli", "Vert", "Doré", "Blanc", "Rouge", "Neuf", "Sec",
               "Saint-Jean", "Saint-Martin", "Saint-Pierre", "Saint-Michel", "Saint-Roch",
               "Saint-Éloi", "Sainte-Anne", "Notre-Dame", "du Roy", "aux Dames", "Lumière"]
HEIGHTS = ["Les Hauts de", "Les Coteaux de", "Les Balcons de", "Les Terrasses de"]
HEIGHT_PLACES = ["la Ville", "Bellevue", "Montplaisir", "Saint-Jean", "la Butte",
                 "Beaulieu", "Sainte-Croix", "la Colline", "Val Fleuri", "Belair"]
FANCY = ["Bellevue", "Beausoleil", "Montplaisir", "Beaulieu", "Bellefontaine", "Beauregard",
         "Bel-Air", "Champfleury", "Montfleury", "Clairval", "Mon Repos", "Bon Accueil",
         "Beauséjour", "Belle-Île", "Clairefontaine", "Fontvert", "Mirabeau", "Plaisance"]
ESTATES = ["Cité", "Résidence", "Quartier", "Ensemble"]
ESTATE_TAILS = ["des Fleurs", "Jardin", "de la Gare", "Lumière", "du Moulin", "des Cheminots",
                "du Stade", "de l'Europe", "des Arts", "du Soleil", "des Sports", "Nouvelle",
                "des Poètes", "des Musiciens", "des Peintres", "de la Paix", "du Lac"]
PEOPLE = ["Jean Jaurès", "Jean Moulin", "Victor Hugo", "Pablo Picasso", "Paul Éluard",
          "Louis Aragon", "Pierre et Marie Curie", "Jules Ferry", "Gambetta", "Voltaire",
          "Romain Rolland", "Paul Langevin", "Anatole France", "Salvador Allende",
          "Gabriel Péri", "Henri Barbusse", "Louise Michel", "Jacques Prévert", "Albert Camus",
          "Léo Lagrange", "Émile Zola", "Condorcet", "Lamartine", "Molière", "Rabelais",
          "Georges Brassens", "Nelson Mandela", "Lucie Aubrac", "Olympe de Gouges",
          "Jean Macé", "Pasteur", "Jean Zay", "Simone Veil", "Aimé Césaire", "Frantz Fanon",
          "Joséphine Baker", "George Sand", "Berlioz", "Debussy", "Ravel"]
COMPASS = ["Nord", "Sud", "Est", "Ouest", "Centre"]


def load_geography():
    """Import conseils_site.geography without running the package __init__ (it needs Pyramid)."""
    package_dir = os.path.join(REPO_ROOT, "conseils_site")
    spec = importlib.util.spec_from_file_location(
        "conseils_site", os.path.join(package_dir, "__init__.py"),
        submodule_search_locations=[package_dir])
    sys.modules.setdefault("conseils_site", importlib.util.module_from_spec(spec))
    from conseils_site import geography

    return geography


def base_name(commune):
    """'Paris 15e Arrondissement' -> 'Paris', so names read like a town."""
    return re.sub(r" \d+(er|e) Arrondissement$", "", commune.name)


def neighbourhood(rng, commune):
    """One made-up but plausible neighbourhood name (without 'Conseil citoyen')."""
    style = rng.random()
    if style < 0.16:
        name = "Les " + rng.choice(TREES)
    elif style < 0.26:
        name = "Les " + rng.choice(FLOWERS)
    elif style < 0.40:
        name = rng.choice(PLACES)
    elif style < 0.52:
        name = f"Le {rng.choice(PLACE_HEADS)} {rng.choice(PLACE_TAILS)}"
    elif style < 0.60:
        place = rng.choice(HEIGHT_PLACES + [base_name(commune)] * 3)
        name = f"{rng.choice(HEIGHTS)} {place}"
    elif style < 0.70:
        name = rng.choice(FANCY)
    elif style < 0.80:
        name = f"{rng.choice(ESTATES)} {rng.choice(ESTATE_TAILS)}"
    elif style < 0.90:
        name = f"{rng.choice(['Quartier', 'Résidence', 'Cité', 'Avenue'])} {rng.choice(PEOPLE)}"
    elif style < 0.95:
        name = f"Quartier {rng.choice(COMPASS[:4])}"
    else:
        first = "Les " + rng.choice(TREES + FLOWERS)
        name = f"{first} – {rng.choice(PLACES + FANCY)}"
    if rng.random() < 0.12 and " – " not in name:
        name = f"{name} – {rng.choice(COMPASS)}"
    return name


def council_name(rng, name):
    """'Conseil citoyen Les Tilleuls' or, contracted, 'Conseil citoyen des Tilleuls'."""
    if rng.random() < 0.4:
        for article, contracted in (("Les ", "des "), ("Le ", "du "), ("La ", "de la ")):
            if name.startswith(article):
                name = contracted + name[len(article):]
                break
    return "Conseil citoyen " + name


def slug(text):
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def email_for(name, commune, taken):
    """contact@<slug>.example.org: the reserved .example domain can never reach anyone."""
    label = slug(name.removeprefix("Conseil citoyen ") + " " + base_name(commune))
    if label in taken:
        label = f"{label}-{commune.code.lower()}"
    if len(label) > 63:
        label = label[:63].rsplit("-", 1)[0]
    taken.add(label)
    return f"contact@{label}.example.org"


def offset_point(rng, latitude, longitude):
    """A point a few hundred metres to ~1.5 km from the commune's point."""
    distance = rng.uniform(MIN_OFFSET_KM, MAX_OFFSET_KM)
    bearing = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(bearing) / 111.32
    dlon = distance * math.sin(bearing) / (111.32 * math.cos(math.radians(latitude)))
    return round(latitude + dlat, 5), round(longitude + dlon, 5)


def eligible_communes(geo):
    """Towns big enough to have priority neighbourhoods, in France with a point.

    Paris, Lyon and Marseille are replaced by their arrondissements, so that
    their councils spread over the city instead of piling on one point.
    """
    split = set()
    for commune in geo.communes.values():
        found = re.match(r"^(.*) \d+(er|e) Arrondissement$", commune.name)
        if found:
            split.update(c.code for c in geo.communes_in(commune.departement_code)
                         if c.name == found.group(1))
    return sorted(
        (c for c in geo.communes.values()
         if c.population >= MIN_POPULATION and c.latitude is not None
         and c.code not in split and len(c.region_code) == 2),
        key=lambda c: c.code)


def allocate(communes, total):
    """Largest-remainder split of ``total`` councils proportional to population."""
    population = sum(c.population for c in communes)
    quotas = [(c, c.population * total / population) for c in communes]
    counts = {c.code: int(q) for c, q in quotas}
    left = total - sum(counts.values())
    by_remainder = sorted(quotas, key=lambda cq: (-(cq[1] - int(cq[1])), cq[0].code))
    for commune, _ in by_remainder[:left]:
        counts[commune.code] += 1
    return counts


def build(geo, in_france):
    """Return the CSV rows (without header), deterministic for a given geography."""
    rng = random.Random(SEED)
    communes = eligible_communes(geo)
    counts = allocate(communes, COUNCIL_COUNT)
    councils = []
    for commune in communes:
        places = set()  # unique per commune, whatever the article's form
        while len(places) < counts[commune.code]:
            places.add(neighbourhood(rng, commune))
        for name in sorted(council_name(rng, place) for place in sorted(places)):
            while True:
                lat, lon = offset_point(rng, commune.latitude, commune.longitude)
                if in_france(lat, lon):
                    break
            councils.append([name, commune.code, f"{lat:.5f}", f"{lon:.5f}", "", ""])
    with_email = set(rng.sample(range(len(councils)), round(len(councils) * EMAIL_SHARE)))
    rows, labels = [], set()
    for index, (name, code, lat, lon, email, site) in enumerate(councils):
        if index in with_email:
            email = email_for(name, geo.communes[code], labels)
        rows.append([f"DEMO{index + 1:04d}", name, code, lat, lon, email, site])
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    geography = load_geography()
    rows = build(geography.get_geography(), geography.in_france)
    assert len(rows) == COUNCIL_COUNT
    with open(args.output, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows(rows)
    towns = len({row[2] for row in rows})
    emails = sum(1 for row in rows if row[5])
    print(f"wrote {len(rows)} demo councils in {towns} communes ({emails} with an email) "
          f"to {args.output}")


if __name__ == "__main__":
    main()
