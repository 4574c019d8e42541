"""How items read in lists (views/content_display.py)."""
import pytest

from conseils_site.scripts import open_registry_root
from tests.conftest import make_app
from tests.functional.test_search import populate


@pytest.fixture(scope="module")
def site():
    wsgi = make_app()
    return wsgi, populate(wsgi)


def test_rows_paths_are_the_resource_paths(site):
    """Listing rows ask each folder's path once (views/content_display.paths): the same
    addresses as `resource_path`, names that need quoting included."""
    from pyramid.request import Request

    from conseils_site.resources.content import Document
    from conseils_site.views.content_display import paths

    wsgi, _ = site
    with open_registry_root(wsgi.registry) as (root, tm):
        request = Request.blank("/")
        request.registry = wsgi.registry
        council = root.territoires.council_by_code("A")
        odd = Document("Nom à citer", council.id)
        council.add("été & co", odd)
        items = [*council.values(), None, *root.territoires.council_by_code("B").values()]
        expected = [request.resource_path(i) if i is not None else None for i in items]
        assert paths(request, items) == expected
        assert request.resource_path(odd) in expected
        tm.abort()
