"""The public directory as one snapshot: the map, the open-data files and the counts share it.

Built once per change of the directory (the root's `directory_version`), its addresses written
from the public address (never the request's Host: one copy per process, whatever Host is
asked), then served from memory; every process rebuilds its own from the same database.
"""
import gzip
import hashlib
import io
import json
import threading
import weakref
from collections import Counter
from dataclasses import dataclass, field

from hypatia.query import Any
from pyramid.authorization import Everyone
from pyramid.traversal import resource_path

from . import csvsafe
from .addresses import public_url
from .catalog.queries import councils_query

_lock = threading.Lock()
_cache = weakref.WeakKeyDictionary()  # ZODB DB → its Snapshot: one per open database
CSV_COLUMNS = ("code", "nom", "commune", "departement", "url", "latitude", "longitude")


@dataclass
class Snapshot:
    version: int
    entries: list
    per_departement: Counter
    per_region: Counter
    base_url: str = ""  # the public address the files' links start with
    _files: dict = field(default_factory=dict)

    def etag(self, fmt):
        key = f"{self.version}:{fmt}:{len(self.entries)}".encode()
        return hashlib.sha1(key, usedforsecurity=False).hexdigest()[:20]  # an ETag, not a secret

    def geojson(self):
        key, base_url = "geojson", self.base_url
        if key not in self._files:
            features = [{
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [e["longitude"], e["latitude"]]},
                "properties": {
                    "code": e["code"], "nom": e["nom"], "commune": e["commune"],
                    "departement": e["departement"], "region": e["region"],
                    "url": base_url + e["path"],
                },
            } for e in self.entries]
            document = {"type": "FeatureCollection", "features": features}
            self._files[key] = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
        return self._files[key]

    def csv(self):
        key, base_url = "csv", self.base_url
        if key not in self._files:
            out = io.StringIO()
            writer = csvsafe.writer(out)  # names that look like formulas quoted; numbers stay numbers
            writer.writerow(CSV_COLUMNS)
            for e in self.entries:
                writer.writerow([e["code"], e["nom"], e["commune_code"], e["departement"],
                                 base_url + e["path"], e["latitude"], e["longitude"]])
            self._files[key] = out.getvalue().encode("utf-8")
        return self._files[key]

    def compressed(self, fmt, body_of):
        """The same bytes gzipped once, for clients that accept it (a 480 kB GeoJSON is ~60 kB)."""
        key = fmt + ".gz"
        if key not in self._files:
            self._files[key] = gzip.compress(body_of(self), compresslevel=6, mtime=0)
        return self._files[key]

    def in_departement(self, code):
        return [e for e in self.entries if e["departement"] == code]


def _build(root, version, base_url):
    catalog = root.catalog
    query = councils_query(catalog) & Any(catalog.indexes["allowed"], [Everyone])
    results = query.execute(resolver=catalog.get).sort(catalog.indexes["sort_commune"])
    entries = []
    for council in results:
        entries.append({
            "code": council.code, "nom": council.title, "commune": council.commune_name,
            "commune_code": council.commune_code, "departement": council.departement_code,
            "region": council.region_code, "path": resource_path(council),
            "latitude": council.latitude, "longitude": council.longitude,
        })
    return Snapshot(
        version=version,
        entries=entries,
        per_departement=Counter(e["departement"] for e in entries),
        per_region=Counter(e["region"] for e in entries),
        base_url=base_url,
    )


def get_snapshot(request):
    root = request.root
    version = root.directory_version()
    key = root._p_jar.db()
    base_url = public_url(request.registry.settings)
    snapshot = _cache.get(key)
    if snapshot is None or snapshot.version != version or snapshot.base_url != base_url:
        with _lock:
            snapshot = _cache.get(key)
            if snapshot is None or snapshot.version != version or snapshot.base_url != base_url:
                snapshot = _build(root, version, base_url)
                _cache[key] = snapshot
    return snapshot
