"""Serve a WSGI app with waitress, the same way for the site and the bare baseline.

Both servers of a benchmark run go through this one launcher so that any difference in
throughput comes from the application, not from how it is served.

    python -m bench.serve bare --port 8000
    python -m bench.serve app --ini bench/work/bench.ini --port 8001
"""
import argparse
import logging
import signal
import sys

import waitress

THREADS = 4


def serve(app, port, threads=THREADS):
    """Serve on loopback until SIGTERM or SIGINT, then return so that atexit handlers run
    (the site closes its FileStorage there, which writes the index the next start needs)."""
    def stop(signum, frame):
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    waitress.serve(app, host="127.0.0.1", port=port, threads=threads, ident="bench",
                   _quiet=True)


def load_app(which, ini=None):
    if which == "bare":
        from .bare import make_app

        return make_app()
    if not ini:
        raise SystemExit("bench.serve: 'app' needs --ini")
    from pyramid.paster import get_app

    return get_app(ini, "main")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.serve", description=__doc__.splitlines()[0])
    parser.add_argument("which", choices=("bare", "app"))
    parser.add_argument("--ini")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=THREADS)
    args = parser.parse_args(argv)
    # Same logging for both servers: warnings only, on stderr (the runner keeps it in a log file).
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s [%(name)s] %(message)s")
    # Under load waitress warns of its queue depth on every request; writing those lines
    # would cost each server a fixed time per request and so flatter the slower one.
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    app = load_app(args.which, args.ini)
    serve(app, args.port, args.threads)


if __name__ == "__main__":
    main()
