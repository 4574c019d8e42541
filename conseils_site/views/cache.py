"""Rendered pages for anonymous visitors, kept in memory until anything in the site changes.

Most visitors are anonymous and see the same bytes. The key holds the root's `content_version`
(bumped by every object event), read in the request's own transaction, so each process serves
exactly what the database says now; a change anywhere simply starts a new generation."""
import threading
from collections import OrderedDict

from pyramid.response import Response

from ..security import SESSION_COOKIE

MAX_ENTRIES = 4000
_lock = threading.Lock()
_pages = OrderedDict()


def _key(request):
    root = request.root
    version = root.content_version() if hasattr(root, "content_version") else None
    return (id(root._p_jar.db()) if root._p_jar else 0, version, request.host_url, request.path_qs)


def anonymous_page_cache(view):
    """A view decorator: serve and keep the rendered page when the visitor has no session."""

    def cached_view(context, request):
        if request.method != "GET" or SESSION_COOKIE in request.cookies:
            return view(context, request)
        key = _key(request)
        with _lock:
            hit = _pages.get(key)
            if hit is not None:
                _pages.move_to_end(key)
        if hit is not None:
            body, content_type, headers = hit
            response = Response(body=body, content_type=content_type, charset=None)
            response.headerlist.extend(headers)
            return response
        response = view(context, request)
        if response.status_int == 200 and "Set-Cookie" not in response.headers:
            extra = [(k, v) for k, v in response.headerlist if k.lower() not in ("content-type", "content-length")]
            with _lock:
                _pages[key] = (response.body, response.headers["Content-Type"], extra)
                while len(_pages) > MAX_ENTRIES:
                    _pages.popitem(last=False)
        return response

    return cached_view
