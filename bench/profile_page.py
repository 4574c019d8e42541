"""Where a page's time goes: cProfile over a loop of in-process requests against the site
built from bench/work/bench.ini (run `make bench` once first to build it).

No server and no socket: what it shows is the application's own cost per request, the part
that the benchmark's ratio to the bare view is about. Requests are plain WebOb ones sent to
the WSGI app, not WebTest's, whose lint and gzip decoding would show up as the page's cost.

    python -m bench.profile_page council
    python -m bench.profile_page /conseils?q=saint -n 500 --sort tottime
    python -m bench.profile_page listing --member          # the bench member's listing
    python -m bench.profile_page /recherche?q=jardin --member --cold -n 50

Signed-in pages keep their catalog answers until the catalog changes (catalog/memo.py): a loop
of the same request measures the remembered path; `--cold` forgets them before every request, as
for the first reader after a change.
"""
import argparse
import cProfile
import io
import json
import pstats
import sys
import time
import urllib.parse

from .run import ACCEPT_ENCODING, BUILT_MARKER, INI, PAGES, WORK, form_fields

NAMED = {name: path for name, path, _ in PAGES if path}


class Client:
    """GETs to a WSGI app with the benchmark's headers; every answer must be a 200."""

    def __init__(self, app, headers=None):
        self.app = app
        # The same request headers as the benchmark's load generator sends.
        self.headers = {"Host": "127.0.0.1:8000", "Accept-Encoding": ACCEPT_ENCODING,
                        **(headers or {})}

    def get(self, path, headers=None, **kw):
        from webob import Request

        response = Request.blank(path, headers=headers or self.headers, **kw).get_response(self.app)
        if response.status_code not in (200, 302, 303):
            raise SystemExit(f"{path} answered {response.status}")
        return response

    def sign_in(self):
        """Sign in as the bench member through the real form; later requests carry its cookie."""
        from bench.generate import MEMBER_EMAIL, MEMBER_PASSWORD

        form = self.get("/connexion", headers={**self.headers, "Accept-Encoding": "identity"})
        cookie = form.headers["Set-Cookie"].split(";")[0]
        fields = form_fields(form.text)
        done = self.get("/connexion", method="POST",
                        headers={**self.headers, "Cookie": cookie},
                        POST={**fields, "email": MEMBER_EMAIL, "password": MEMBER_PASSWORD,
                              "submit": "submit"})
        if done.status_code == 200:
            raise SystemExit("the bench member could not sign in")
        self.headers["Cookie"] = done.headers["Set-Cookie"].split(";")[0]


def make_client():
    if not BUILT_MARKER.exists():
        raise SystemExit("No bench database: run `make bench` (or python -m bench.run) first.")
    from pyramid.paster import get_app

    return Client(get_app(str(INI), "main"))


def resolve(client, page):
    if page.startswith("/"):
        return page
    if page == "council":
        plain = Client(client.app, {"Accept-Encoding": "identity"})
        feature = plain.get("/conseils.geojson").json["features"][0]
        return urllib.parse.urlsplit(feature["properties"]["url"]).path
    if page in NAMED:
        return NAMED[page]
    built = json.loads((WORK / "paths.json").read_text())  # written by bench/populate.py
    built_pages = {"listing": built["council"] + "/@@documents", "topic": built["topic"],
                   "group": built["group"]}
    if page in built_pages:
        return built_pages[page]
    raise SystemExit(f"unknown page {page!r}: a path or one of council, "
                     f"{', '.join([*NAMED, *built_pages])}")


def loop(client, path, count, cold=False):
    from conseils_site.catalog.memo import forget_all

    for _ in range(count):
        if cold:
            forget_all()
        client.get(path)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.profile_page",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("page", nargs="?", default="council",
                        help="a path, or council, home, search, carte, geojson (default council)")
    parser.add_argument("-n", "--requests", type=int, default=1000)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--sort", default="cumulative", choices=("cumulative", "tottime"))
    parser.add_argument("--member", action="store_true",
                        help="sign in as the bench member first")
    parser.add_argument("--cold", action="store_true",
                        help="forget the remembered catalog answers before every request")
    parser.add_argument("--bare", action="store_true",
                        help="also time the bare view in process, for the ratio")
    args = parser.parse_args(argv)
    count = max(1, min(args.requests, 100_000))

    client = make_client()
    if args.member:
        client.sign_in()
    path = resolve(client, args.page)
    loop(client, path, 50)  # warm the ZODB cache, Chameleon and the directory snapshot

    start = time.perf_counter()
    loop(client, path, count, args.cold)
    per_request = (time.perf_counter() - start) / count * 1000
    print(f"{path}: {per_request:.3f} ms per request in process "
          f"({1000 / per_request:,.0f} req/s on one thread, no server)")
    if args.bare:
        from .bare import make_app

        bare = Client(make_app())
        loop(bare, "/", 50)
        start = time.perf_counter()
        loop(bare, "/", count)
        bare_ms = (time.perf_counter() - start) / count * 1000
        print(f"bare view: {bare_ms:.3f} ms per request in process; "
              f"ratio {bare_ms / per_request:.2f}")

    profiler = cProfile.Profile()
    profiler.enable()
    loop(client, path, count, args.cold)
    profiler.disable()
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats(args.sort).print_stats(args.top)
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    sys.exit(main())
