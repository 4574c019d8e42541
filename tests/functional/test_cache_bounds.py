"""Memory no request can grow: 1,000 anonymous requests, each with its own Host, query string
and cookie, leave every in-process cache within its bound. Measured on the caches themselves
(bytes held, entries), not on the clock nor the process's size."""
import pytest
import webtest

from conseils_site import directory
from conseils_site.catalog import memo
from conseils_site.views import search
from conseils_site.views.cache import entry_size
from tests.conftest import make_app
from tests.support import build_site

PUBLIC = "https://conseils.example.fr"
PAGE_CACHE_BYTES = 256 * 1024
REQUESTS = 1000
PATHS = ["/", "/conseils.geojson", "/conseils.csv", "/conseils?q=tilleuls&n={i}",
         "/carte?departement=42&n={i}", "/recherche?q=conseil{i}", "/territoires?n={i}"]


@pytest.fixture(scope="module")
def crowd():
    """The site after 1,000 requests from as many hosts, each a different address and cookie."""
    wsgi = make_app(**{"conseils.public_url": PUBLIC,
                       "conseils.page_cache_bytes": str(PAGE_CACHE_BYTES)})
    build_site(wsgi)
    for i in range(REQUESTS):
        app = webtest.TestApp(wsgi, extra_environ={
            "HTTP_HOST": f"h{i}.example", "HTTP_COOKIE": f"suivi={i}; langue=fr{i}"})
        path = PATHS[i % len(PATHS)].format(i=i)
        app.get(path, headers={"Accept-Encoding": "gzip" if i % 2 else "identity"})
    return wsgi


def test_the_page_cache_stays_within_its_bytes(crowd):
    cache = crowd.entries
    held = sum(len(page[2]) for page in cache.values())  # the bodies alone
    assert held <= PAGE_CACHE_BYTES
    weighed = sum(entry_size(key, *page[:3]) for key, page in cache.items())
    assert weighed <= PAGE_CACHE_BYTES
    assert len(cache) < REQUESTS
    # The bound was reached (pages were dropped), so the assertions above measured something.
    assert held > PAGE_CACHE_BYTES / 2


def test_one_copy_of_the_open_data_files_whatever_the_host(crowd):
    snapshot = directory._cache[crowd.registry._zodb_databases[""]]
    assert set(snapshot._files) <= {"geojson", "csv", "geojson.gz", "csv.gz"}
    assert snapshot.base_url == PUBLIC


def test_the_catalog_memo_stays_within_its_budget(crowd):
    remembered = memo._memos[crowd.registry._zodb_databases[""]]
    assert remembered.used <= remembered.budget
    assert sum(memo.size(answer) for answer, _ in remembered.entries.values()) <= remembered.budget


def test_the_search_s_character_cache_is_bounded():
    info = search._folded_char.cache_info()
    assert info.maxsize is not None and info.currsize <= info.maxsize


def test_the_page_cache_default_bound_is_in_bytes(empty_wsgi):
    assert empty_wsgi.entries.maxsize == 64 * 2**20
