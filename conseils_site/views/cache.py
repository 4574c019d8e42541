"""Pages for anonymous visitors, served from memory until the database changes.

Most visitors are anonymous and see the same bytes. Views opt in with `anonymous_page_cache`,
which marks a response as shareable once the permission check and the rendering are done; the
`AnonymousCache` WSGI middleware keeps marked responses and serves later identical requests
without opening a connection, a transaction or traversing. The key holds the database's last
transaction id: any commit, in any process, starts a new generation, and a page is never older
than the key it is stored under (the key is read before the page's own connection opens).

The cache is bounded in bytes (`conseils.page_cache_bytes`, 64 MiB by default), whatever the
requests: distinct query strings, hosts (when not refused by `hosts.AllowedHosts`) or cookies
only push the least recently used pages out."""
import threading

from cachetools import LRUCache

from ..security import SESSION_COOKIE

MARK = "X-Conseils-Shared"
MAX_BYTES = 64 * 2**20
ENTRY_OVERHEAD = 512  # bytes of Python objects around each page: the key, tuples, the headers list


def entry_size(key, status, headers, data):
    """About how many bytes a kept page holds: its body, headers and key."""
    return (ENTRY_OVERHEAD + len(status) + len(data) + sum(len(k) + len(v) for k, v in headers)
            + sum(len(part) for part in key if isinstance(part, str)))


def anonymous_page_cache(view):
    """A view decorator: mark a successful anonymous GET as the same for every visitor."""

    def marked_view(context, request):
        response = view(context, request)
        if (request.method == "GET" and SESSION_COOKIE not in request.cookies
                and response.status_int == 200 and "Set-Cookie" not in response.headers):
            response.headers[MARK] = "1"
        return response

    return marked_view


class AnonymousCache:
    """WSGI middleware around the Pyramid app; see the module docstring."""

    def __init__(self, app, db, max_bytes=MAX_BYTES):
        self.app = app
        self.db = db
        # key → (status, headers, body, ETag, size); the least recently used go first
        self.entries = LRUCache(maxsize=max_bytes, getsizeof=lambda page: page[4])
        self.lock = threading.Lock()

    @property
    def registry(self):
        return self.app.registry

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") != "GET" or SESSION_COOKIE in environ.get("HTTP_COOKIE", ""):
            return self._strip_mark(environ, start_response)
        key = (
            self.db.lastTransaction(),
            environ.get("HTTP_HOST", ""), environ.get("wsgi.url_scheme", ""),
            environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""),
            environ.get("QUERY_STRING", ""),
            "gzip" in environ.get("HTTP_ACCEPT_ENCODING", ""),
        )
        with self.lock:
            hit = self.entries.get(key)
        if hit is not None:
            return self._replay(hit, environ, start_response)
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            kept = [(k, v) for k, v in headers if k != MARK]
            return start_response(status, kept, exc_info) if exc_info else start_response(status, kept)

        body = self.app(environ, capture)
        if not any(k == MARK for k, _ in captured.get("headers", ())):
            return body
        try:
            data = b"".join(body)
        finally:
            if hasattr(body, "close"):
                body.close()
        status = captured["status"]
        headers = [(k, v) for k, v in captured["headers"] if k != MARK]
        size = entry_size(key, status, headers, data)
        if size <= self.entries.maxsize:  # a larger page is served, not kept
            with self.lock:
                self.entries[key] = (status, headers, data, dict(headers).get("ETag"), size)
        return [data]

    def _strip_mark(self, environ, start_response):
        def strip(status, headers, exc_info=None):
            kept = [(k, v) for k, v in headers if k != MARK]
            return start_response(status, kept, exc_info) if exc_info else start_response(status, kept)

        return self.app(environ, strip)

    @staticmethod
    def _replay(hit, environ, start_response):
        status, headers, data, etag, _ = hit
        if etag and etag in environ.get("HTTP_IF_NONE_MATCH", ""):
            start_response("304 Not Modified",
                           [(k, v) for k, v in headers if k not in ("Content-Type", "Content-Length")])
            return [b""]
        start_response(status, headers)
        return [data]
