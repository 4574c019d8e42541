"""/conseils.geojson and /conseils.csv: the open directory, cached and invalidated by changes."""
import csv
import io
import json

from conseils_site.resources.events import ObjectModified, notify
from conseils_site.scripts import open_registry_root


def test_geojson_has_every_council_with_its_point(demo):
    response = demo.get("/conseils.geojson")
    assert response.content_type == "application/geo+json"
    data = json.loads(response.body)
    assert data["type"] == "FeatureCollection"
    assert len(data["features"]) == 1514
    feature = data["features"][0]
    assert set(feature["properties"]) >= {"code", "nom", "commune", "departement", "url"}
    assert feature["properties"]["url"].startswith("http://localhost/territoires/")
    lon, lat = feature["geometry"]["coordinates"]
    assert -180 <= lon <= 180 and -90 <= lat <= 90
    council_page = demo.get(feature["properties"]["url"].replace("http://localhost", ""))
    assert feature["properties"]["nom"] in council_page.text


def test_csv_has_the_same_councils_and_no_personal_data(demo):
    response = demo.get("/conseils.csv")
    assert response.content_type == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.body.decode("utf-8"))))
    assert len(rows) == 1514
    assert list(rows[0]) == ["code", "nom", "commune", "departement", "url", "latitude", "longitude"]
    assert all("@" not in value for row in rows for value in row.values())


def test_etag_answers_304_and_caching_headers(demo):
    first = demo.get("/conseils.geojson")
    assert first.etag and "max-age" in first.headers["Cache-Control"]
    again = demo.get("/conseils.geojson", headers={"If-None-Match": f'"{first.etag}"'}, status=304)
    assert again.body == b""
    csv_first = demo.get("/conseils.csv")
    assert csv_first.etag != first.etag


def test_a_council_change_invalidates_the_files(empty_wsgi, empty):
    from conseils_site.importer import import_councils

    with open_registry_root(empty_wsgi.registry) as (root, tm):
        import_councils(root, b"code,nom,commune,latitude,longitude\n"
                              b"QN1,Conseil du Centre,42218,45.43,4.39\n")
        tm.commit()
    before = empty.get("/conseils.geojson")
    assert [f["properties"]["nom"] for f in before.json["features"]] == ["Conseil du Centre"]
    with open_registry_root(empty_wsgi.registry) as (root, tm):
        council = root.territoires.council_by_code("QN1")
        council.title = "Conseil du Centre-Ville"
        notify(ObjectModified(council))
        tm.commit()
    after = empty.get("/conseils.geojson", headers={"If-None-Match": f'"{before.etag}"'})
    assert after.status_int == 200 and after.etag != before.etag
    assert [f["properties"]["nom"] for f in after.json["features"]] == ["Conseil du Centre-Ville"]


def test_open_data_is_gzipped_for_clients_that_accept_it(demo_wsgi):
    import gzip

    from webob import Request

    # Straight to the WSGI app: WebTest would transparently decode the gzip we want to see.
    plain = Request.blank("/conseils.geojson").get_response(demo_wsgi)
    packed = Request.blank("/conseils.geojson",
                           headers={"Accept-Encoding": "gzip, deflate"}).get_response(demo_wsgi)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    assert len(packed.body) * 4 < len(plain.body)
    assert gzip.decompress(packed.body) == plain.body
    assert packed.etag == plain.etag or packed.etag.startswith(plain.etag)
