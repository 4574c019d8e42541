"""The shipped geography and demo directory: what the directory, map and import rely on."""
import csv
import math
from importlib.resources import files

import pytest

from conseils_site.geography import Commune, get_geography, in_france

OVERSEAS_DEPARTEMENTS = {"971": "01", "972": "02", "973": "03", "974": "04", "976": "06"}


def distance_km(lat1, lon1, lat2, lon2):
    p1, p2 = math.radians(lat1), math.radians(lat2)
    h = (math.sin((p2 - p1) / 2) ** 2
         + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2)
    return 6371.0 * 2 * math.asin(math.sqrt(h))


@pytest.fixture(scope="module")
def geo():
    return get_geography()


@pytest.fixture(scope="module")
def demo_rows():
    text = files("conseils_site").joinpath("data", "demo-conseils.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(text.splitlines()))


def test_loaded_once(geo):
    assert get_geography() is geo


def test_counts_are_plausible(geo):
    # 13 metropolitan + 5 overseas régions, plus the overseas collectivities the source lists.
    assert len(geo.regions) == 26
    assert {"11", "84", "93", "94", "01", "02", "03", "04", "06"} <= set(geo.regions)
    assert 100 <= len(geo.departements) <= 110
    assert 1200 <= len(geo.epcis) <= 1300
    assert 34_000 <= len(geo.communes) <= 36_000
    assert sum(c.latitude is not None for c in geo.communes.values()) > 14_000


def test_overseas_departements_present(geo):
    for code, region in OVERSEAS_DEPARTEMENTS.items():
        assert geo.departements[code].region_code == region
        assert geo.region_of_departement(code).code == region
        assert len(geo.communes_in(code)) >= 17
    assert geo.region_of_departement("974").name == "La Réunion"


def test_every_reference_resolves(geo):
    for dep in geo.departements.values():
        assert dep.region_code in geo.regions
    for commune in geo.communes.values():
        assert commune.departement_code in geo.departements
        assert geo.departements[commune.departement_code].region_code == commune.region_code
        assert commune.epci_code is None or commune.epci_code in geo.epcis


def test_saint_etienne(geo):
    commune = geo.communes["42218"]
    assert isinstance(commune, Commune)
    assert commune.name == "Saint-Étienne"
    assert geo.region_of_departement(commune.departement_code).name == "Auvergne-Rhône-Alpes"
    assert distance_km(commune.latitude, commune.longitude, 45.43, 4.39) < 5
    assert commune.population > 150_000
    assert commune in geo.communes_in("42")


def test_marseille_arrondissement(geo):
    arrondissement = geo.communes["13201"]
    assert arrondissement.name == "Marseille 1er Arrondissement"
    assert arrondissement.epci_code == geo.communes["13055"].epci_code
    assert geo.epcis[arrondissement.epci_code].kind == "METRO"
    assert distance_km(arrondissement.latitude, arrondissement.longitude, 43.30, 5.38) < 3
    assert arrondissement.postcodes == ("13001",)


def test_every_arrondissement_has_a_point(geo):
    arrondissements = [c for c in geo.communes.values() if c.name.endswith("Arrondissement")]
    assert len(arrondissements) == 45
    assert all(c.latitude is not None and c.epci_code for c in arrondissements)


def test_postcodes_parse(geo):
    assert geo.communes["75056"].postcodes[:2] == ("75001", "75002")
    assert "42100" in geo.communes["42218"].postcodes
    for commune in geo.communes.values():
        assert all(len(p) == 5 and p.isdigit() for p in commune.postcodes)
        assert isinstance(commune.population, int)


def test_big_towns_have_coordinates(geo):
    big = [c for c in geo.communes.values() if c.population >= 10_000]
    placed = [c for c in big if c.latitude is not None]
    assert len(placed) / len(big) > 0.99


@pytest.mark.parametrize("latitude, longitude", [
    (48.8566, 2.3522),  # Paris
    (41.9192, 8.7386),  # Ajaccio
    (16.2411, -61.5331),  # Pointe-à-Pitre
    (-20.8823, 55.4504),  # Saint-Denis (La Réunion)
    (-12.7806, 45.2279),  # Mamoudzou
    (4.9372, -52.3260),  # Cayenne
    (14.6161, -61.0588),  # Fort-de-France
    (51.03, 2.37),  # Dunkerque
    (42.53, 3.08),  # Banyuls
    (48.38, -4.49),  # Brest
])
def test_in_france(latitude, longitude):
    assert in_france(latitude, longitude)
    assert in_france(str(latitude), str(longitude))


@pytest.mark.parametrize("latitude, longitude", [
    (0, 0),
    (52.52, 13.405),  # Berlin
    (40.7128, -74.0060),  # New York
    (2.3522, 48.8566),  # Paris with latitude and longitude swapped
    (-48.8566, 2.3522),
    (None, None),
    (float("nan"), 2.35),
])
def test_not_in_france(latitude, longitude):
    assert not in_france(latitude, longitude)


def test_demo_directory_shape(demo_rows):
    assert len(demo_rows) == 1514
    assert list(demo_rows[0]) == ["code", "nom", "commune", "latitude", "longitude", "email", "site"]
    codes = [row["code"] for row in demo_rows]
    assert len(set(codes)) == 1514
    assert sorted(codes) == [f"DEMO{n:04d}" for n in range(1, 1515)]
    names = [(row["commune"], row["nom"]) for row in demo_rows]
    assert len(set(names)) == len(names)
    assert all(row["nom"].startswith("Conseil citoyen ") for row in demo_rows)
    with_email = [row for row in demo_rows if row["email"]]
    assert 0.05 < len(with_email) / len(demo_rows) < 0.15
    assert all(row["email"].endswith(".example.org") for row in with_email)


def test_demo_councils_sit_in_their_commune(geo, demo_rows):
    for row in demo_rows:
        commune = geo.communes[row["commune"]]
        latitude, longitude = float(row["latitude"]), float(row["longitude"])
        assert in_france(latitude, longitude), row
        assert distance_km(latitude, longitude, commune.latitude, commune.longitude) <= 3, row


def test_demo_councils_spread_over_big_cities(geo, demo_rows):
    communes = {row["commune"] for row in demo_rows}
    assert not {"75056", "13055", "69123"} & communes  # arrondissements instead
    assert sum(code.startswith("751") for code in communes) >= 15
    assert {geo.communes[code].departement_code for code in communes} >= set(OVERSEAS_DEPARTEMENTS)
