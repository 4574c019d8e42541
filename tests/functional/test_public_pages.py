"""The public pages over the full demo directory."""
import re


def test_home_has_layout_search_and_map(demo):
    page = demo.get("/")
    html = page.text
    assert '<html lang="fr"' in html
    assert 'href="#contenu"' in html and 'id="contenu"' in html
    assert "Connexion" in html
    for label in ("Carte", "Conseils", "Actualités", "Ressources"):
        assert f">{label}</a>" in html
    assert 'role="search"' in html and 'action="/conseils"' in html
    assert 'id="carte"' in html and 'data-geojson="/conseils.geojson"' in html
    assert "1514 conseils" in html
    assert "GeoNames" in html and "decoupage-administratif" in html  # credits in the footer


def test_unknown_url_gets_french_404_in_layout(demo):
    page = demo.get("/nulle-part/ici", status=404)
    assert "Page introuvable" in page.text
    assert 'id="contenu"' in page.text


def test_search_folds_accents_and_case(demo):
    page = demo.get("/conseils", params={"q": "saint etienne"})
    assert "Saint-Étienne" in page.text
    assert "Aucun conseil" not in page.text
    same = demo.get("/conseils", params={"q": "SAINT-ÉTIENNE"})
    assert _titles(page) == _titles(same)


def test_search_by_postcode_and_departement_number(demo):
    by_postcode = demo.get("/conseils", params={"q": "42000"})
    assert "Saint-Étienne" in by_postcode.text
    by_number = demo.get("/conseils", params={"q": "42"})
    assert "Saint-Étienne" in by_number.text
    communes = re.findall(r'class="meta">([^<]+) \((\d[\dAB]?)\)<', by_number.text)
    assert communes and all(dep == "42" for _, dep in communes)


def test_search_unfinished_last_word(demo):
    page = demo.get("/conseils", params={"q": "saint eti"})
    assert "Saint-Étienne" in page.text


def test_search_without_result_says_so(demo):
    page = demo.get("/conseils", params={"q": "zzzqqq"})
    assert "Aucun conseil ne correspond" in page.text


def test_search_is_paginated(demo):
    first = demo.get("/conseils", params={"q": "paris"})
    assert "Page 1 sur" in first.text
    second = demo.get("/conseils", params={"q": "paris", "page": "2"})
    assert "Page 2 sur" in second.text
    assert _hrefs(first) and set(_hrefs(first)).isdisjoint(_hrefs(second))
    assert "q=paris&amp;page=2" in first.text


def test_search_escapes_what_was_typed(demo):
    page = demo.get("/conseils", params={"q": '<script>alert("x")</script>'})
    assert "<script>alert" not in page.text
    assert "&lt;script&gt;" in page.text


def test_territories_region_departement_pages(demo):
    regions = demo.get("/territoires")
    assert "Auvergne-Rhône-Alpes" in regions.text
    region = regions.click("Auvergne-Rhône-Alpes", index=0)
    assert "42 — Loire" in region.text
    departement = region.click("42 — Loire")
    assert "classés par commune" in departement.text
    communes = re.findall(r'class="meta">([^<]+) \(42\)<', departement.text)
    assert communes == sorted(communes, key=_fold)


def test_council_page_shows_fiche_or_friendly_message(demo):
    departement = demo.get("/territoires").click("Auvergne-Rhône-Alpes", index=0).click("42 — Loire")
    council = departement.click(href=r"/territoires/auvergne-rhone-alpes/loire/", index=0)
    text = council.text
    assert "Données de démonstration" in text
    assert "Commune" in text and "Département" in text and "Loire (42)" in text
    assert "Intercommunalité" in text
    assert "pas encore remplie" in text
    assert 'data-lat="' in text and 'data-lon="' in text


def test_map_page_filters_and_lists(demo):
    page = demo.get("/carte")
    assert 'name="region"' in page.text and 'name="departement"' in page.text
    assert "/carte?departement=93" in page.text
    filtered = demo.get("/carte", params={"departement": "93"})
    assert 'data-departement="93"' in filtered.text
    assert "Seine-Saint-Denis (93)" in filtered.text
    assert re.search(r'<option value="93"\s+selected="selected">', filtered.text)
    by_region = demo.get("/carte", params={"region": "11"})
    assert "Les départements de la région Île-de-France" in by_region.text
    assert "/carte?departement=13" not in by_region.text


def test_static_vendor_assets_are_served(demo):
    assert demo.get("/static/vendor/leaflet/leaflet.js").status_int == 200
    assert demo.get("/static/vendor/leaflet.markercluster/leaflet.markercluster.js").status_int == 200
    assert demo.get("/static/js/carte.js").status_int == 200


def _titles(page):
    return re.findall(r'<li class="card">\s*<a href="[^"]+">([^<]+)</a>', page.text)


def _hrefs(page):
    return re.findall(r'<li class="card">\s*<a href="([^"]+)"', page.text)


def _fold(text):
    from conseils_site.text import fold
    return fold(text)


def test_anonymous_pages_are_cached_until_something_changes(empty_wsgi, empty):
    from conseils_site.importer import import_councils
    from conseils_site.resources.events import ObjectModified, notify
    from conseils_site.scripts import open_registry_root

    with open_registry_root(empty_wsgi.registry) as (root, tm):
        import_councils(root, b"code,nom,commune,latitude,longitude\nQ1,Conseil du Centre,42218,45.43,4.39\n")
        tm.commit()
    first = empty.get("/conseils", params={"q": "centre"})
    assert "Conseil du Centre" in first.text
    assert "Set-Cookie" not in first.headers
    assert empty.get("/conseils", params={"q": "centre"}).body == first.body
    with open_registry_root(empty_wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("Q1")
        council.title = "Conseil du Centre rénové"
        notify(ObjectModified(council))
        tm.commit()
    assert "Conseil du Centre rénové" in empty.get("/conseils", params={"q": "centre"}).text
