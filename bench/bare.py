"""The baseline of the benchmark: a bare Pyramid 2 app whose one view returns a fixed string.

Its throughput is what Pyramid and waitress cost on this machine; the site's pages are
reported as a fraction of it. No PasteDeploy: `python -m bench.bare --port 8000` serves it.
"""
import sys

from pyramid.config import Configurator
from pyramid.response import Response

BODY = "Bonjour, conseils citoyens.\n"


def hello(request):
    return Response(BODY, content_type="text/plain", charset="utf-8")


def make_app():
    with Configurator() as config:
        config.add_route("hello", "/")
        config.add_view(hello, route_name="hello")
        return config.make_wsgi_app()


def main(argv=None):
    from .serve import main as serve_main

    serve_main(["bare", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
