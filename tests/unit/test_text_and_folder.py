import pytest

from conseils_site.resources.folder import Folder
from conseils_site.text import fold, slugify, words


def test_fold_removes_accents_case_and_ligatures():
    assert fold("Saint-Étienne") == "saint-etienne"
    assert fold("L'Haÿ-les-Roses") == "l'hay-les-roses"
    assert fold("Œuvre CŒUR") == "oeuvre coeur"


def test_words_and_slug():
    assert words("Saint-Étienne (42)") == ["saint", "etienne", "42"]
    assert slugify("Conseil citoyen « Les Tilleuls » – Centre") == "conseil-citoyen-les-tilleuls-centre"
    assert slugify("!!!") == "sans-titre"


class Thing:
    pass


def test_folder_counts_names_and_refuses_bad_names():
    folder = Folder()
    a = folder.add(folder.unique_name("Les Tilleuls"), Thing(), send_events=False)
    b = folder.add(folder.unique_name("Les tilleuls"), Thing(), send_events=False)
    assert (a.__name__, b.__name__) == ("les-tilleuls", "les-tilleuls-2")
    assert a.__parent__ is folder and len(folder) == 2
    with pytest.raises(KeyError):
        folder.add("les-tilleuls", Thing(), send_events=False)
    for bad in ("", "a/b", "@@edit"):
        with pytest.raises(ValueError):
            folder.add(bad, Thing(), send_events=False)
    folder.remove("les-tilleuls", send_events=False)
    assert len(folder) == 1 and "les-tilleuls" not in folder


def test_every_departement_sits_in_its_own_region():
    """Région and département codes overlap (32 is both Hauts-de-France and the Gers)."""
    from conseils_site.geography import get_geography
    from conseils_site.resources.root import create_site

    geo = get_geography()
    root = create_site(geo)
    territories = root.territoires
    for dep in geo.departements.values():
        territory = territories.departement(dep.code)
        assert territory.__parent__ is territories.region(dep.region_code), dep.code
        assert territory.__parent__.code == dep.region_code
    assert territories.departement("80").__parent__.title == "Hauts-de-France"
    assert len(territories.region("11")) == 8  # Île-de-France
    assert len(territories) == len(geo.regions)
