"""Load test of a collaborative document: simulated editors of one council typing into the same
text through the real HTTP sync protocol, against the site served as `make bench` serves it.

Each editor is a `conseils_site.collab.client.Replica` in a thread of this process: about once
a second it types a unique marker and runs a sync round. The test reports the rounds and updates
per second, each round's latency, the time from one editor typing a marker to each other editor
seeing it, and checks at the end that the server's text holds every marker (none lost). The
section it writes replaces the previous one in bench/RESULTS.md.

    python -m bench.collab_load [--clients 20] [--duration 60]
"""
import argparse
import http.cookiejar
import json
import random
import re
import shutil
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from bench.run import ROOT, WORK, BenchError, Server, machine_info, write_results_section

HERE = WORK / "collab"
INI = HERE / "collab.ini"
PASSWORD = "une phrase de passe pour le banc"
ROUND_INTERVAL = 1.0  # what the browser does while someone types


def write_ini():
    import configparser

    dev = configparser.ConfigParser(interpolation=None)
    dev.read(ROOT / "development.ini", encoding="utf-8")
    settings = dict(dev["app:main"])
    settings.update({
        "zodbconn.uri": f"fsblobs://{HERE}/Data.fs?blob_dir={HERE}/blobs",
        "pyramid.reload_templates": "false",
        "conseils.load_demo": "false",
        "conseils.session_secret": "bench-only-secret-not-for-production",
        "conseils.admin_email": "animateur@bench.localhost",
        "conseils.admin_password": "bench-only-password",
        "mail.queue_path": str(HERE / "mail"),
    })
    INI.write_text("[app:main]\n" + "\n".join(f"{k} = {v}" for k, v in settings.items()) + "\n",
                   encoding="utf-8")


def build_site(clients):
    """A fresh database: one council, `clients` validated members, one collaborative document."""
    from pyramid.paster import get_app

    from conseils_site.importer import import_councils
    from conseils_site.resources.content import Document
    from conseils_site.resources.users import User
    from conseils_site.scripts import open_registry_root
    from conseils_site.security.passwords import hash_password

    shutil.rmtree(HERE, ignore_errors=True)
    (HERE / "blobs").mkdir(parents=True)
    write_ini()
    app = get_app(str(INI), "main")
    try:
        with open_registry_root(app.registry) as (root, tm):
            import_councils(root, b"code,nom,commune,latitude,longitude\n"
                                  b"BENCH,Conseil du banc,42218,45.43,4.39\n")
            council = root.territoires.council_by_code("BENCH")
            password = hash_password(PASSWORD)
            emails = []
            for n in range(clients):
                user = User(f"redacteur{n}@bench.localhost", "Rédacteur", str(n), password,
                            state="active", council_ids=[council.id])
                root.users.add_user(user)
                emails.append(user.email)
            council.add("texte", Document("Texte commun", council.id, mode="collaboratif",
                                          body="<p>Début.</p>"))
            path = f"/territoires/{council.__parent__.__parent__.__name__}/" \
                   f"{council.__parent__.__name__}/{council.__name__}/texte"
            tm.commit()
    finally:
        app.registry._zodb_databases[""].close()
    return emails, path


class Session:
    """A signed-in editor: cookie jar, CSRF token, and the sync POST."""

    def __init__(self, base, email, path):
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                                  urllib.request.HTTPCookieProcessor(self.jar))
        page = self.opener.open(base + "/connexion", timeout=30).read().decode()
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        formid = re.search(r'name="__formid__" value="([^"]+)"', page).group(1)
        data = urllib.parse.urlencode({"__formid__": formid, "csrf_token": token, "email": email,
                                       "password": PASSWORD, "submit": "submit"}).encode()
        self.opener.open(base + "/connexion", data=data, timeout=30).read()
        page = self.opener.open(base + path, timeout=30).read().decode()
        match = re.search(r'data-csrf="([^"]+)"', page)
        if not match:
            raise BenchError(f"{email} got no editor on {path}")
        self.csrf, self.url = match.group(1), base + path + "/@@sync"

    def post(self, body):
        request = urllib.request.Request(self.url, data=json.dumps(body).encode(), method="POST",
                                         headers={"Content-Type": "application/json",
                                                  "X-CSRF-Token": self.csrf})
        try:
            with self.opener.open(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, None


class Editor(threading.Thread):
    def __init__(self, number, session, stop_at, typed, seen, lock):
        super().__init__(name=f"editor-{number}", daemon=True)
        from conseils_site.collab.client import Replica

        self.number, self.stop_at = number, stop_at
        self.replica = Replica(session.post)
        self.typed, self.seen, self.lock = typed, seen, lock  # shared: marker → time
        self.round_times, self.failures, self.updates = [], 0, 0
        self.known = set()

    def run(self):
        self.sync()
        count = 0
        time.sleep(random.uniform(0, ROUND_INTERVAL))
        while time.monotonic() < self.stop_at:
            began = time.monotonic()
            marker = f"e{self.number}n{count}"
            count += 1
            self.replica.type(f" {marker}", paragraph=0)
            with self.lock:
                self.typed[marker] = time.monotonic()
            self.updates += 1
            self.sync()
            time.sleep(max(0.0, ROUND_INTERVAL - (time.monotonic() - began)))
        for _ in range(3):  # the last updates reach the server and come back
            self.sync()
            time.sleep(ROUND_INTERVAL)

    def sync(self):
        began = time.monotonic()
        status = self.replica.round()
        now = time.monotonic()
        self.round_times.append(now - began)
        if status != 200:
            self.failures += 1
            return
        found = set(re.findall(r"e\d+n\d+", self.replica.text())) - self.known
        self.known |= found
        with self.lock:
            for marker in found:
                if not marker.startswith(f"e{self.number}n") and marker in self.typed:
                    self.seen.append(now - self.typed[marker])


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def run(clients, duration, out=sys.stdout):
    import os

    load_before = os.getloadavg()[0]
    print(f"Building a site with {clients} editors of one council…", file=out, flush=True)
    emails, path = build_site(clients)
    server = Server("collab", ["app", "--ini", str(INI)], HERE / "site.log")
    try:
        server.start()
        server.wait_ready("/", timeout=120)
        sessions = [Session(server.base, email, path) for email in emails]
        typed, seen, lock = {}, [], threading.Lock()
        stop_at = time.monotonic() + duration
        editors = [Editor(n, s, stop_at, typed, seen, lock) for n, s in enumerate(sessions)]
        print(f"{clients} editors typing for {duration} s…", file=out, flush=True)
        began = time.monotonic()
        for editor in editors:
            editor.start()
        while any(e.is_alive() for e in editors):
            time.sleep(5)
            done = min(1.0, (time.monotonic() - began) / duration)
            print(f"  {done:4.0%}  {len(typed):,} updates typed", file=out, flush=True)
        elapsed = time.monotonic() - began
        # The server's text, read by a newcomer: every marker must be there.
        final = Editor(clients, Session(server.base, emails[0], path), 0, {}, [], lock)
        final.sync()
        stored = set(re.findall(r"e\d+n\d+", final.replica.text()))
        rss = server.rss_mib()
        data_fs = (HERE / "Data.fs").stat().st_size / 1024 / 1024
    finally:
        server.stop()
    lost = sorted(set(typed) - stored)
    rounds = [t for e in editors for t in e.round_times]
    result = {
        "clients": clients, "duration": duration, "elapsed": elapsed,
        "updates": sum(e.updates for e in editors), "rounds": len(rounds),
        "failures": sum(e.failures for e in editors), "lost": len(lost),
        "round_p50": percentile(rounds, 50), "round_p95": percentile(rounds, 95),
        "round_p99": percentile(rounds, 99),
        "seen_p50": percentile(seen, 50), "seen_p95": percentile(seen, 95),
        "seen_count": len(seen), "expected_seen": len(typed) * (clients - 1),
        "rss": rss or 0, "data_fs": data_fs, "text_chars": len(final.replica.text()),
        "load": load_before,
    }
    write_results(result)
    print(summary(result), file=out)
    if lost:
        print(f"LOST: {', '.join(lost[:20])}", file=out)
    return 1 if lost or result["failures"] else 0


def summary(r):
    return (f"{r['clients']} editors, {r['duration']} s: {r['updates'] / r['elapsed']:.1f} updates/s, "
            f"{r['rounds'] / r['elapsed']:.1f} sync rounds/s, round p95 {r['round_p95'] * 1000:.0f} ms, "
            f"typed → seen by another p95 {r['seen_p95'] * 1000:.0f} ms, "
            f"{r['failures']} failed rounds, {r['lost']} updates lost")


def write_results(r):
    info = machine_info(None)
    lines = [
        "## Collaborative document: load test",
        "",
        f"Written by `python -m bench.collab_load` (part of `make bench`) on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {info['cores (nproc)']} cores, {info['CPU']}.",
        "",
        f"{r['clients']} simulated editors of one council (threads of the load process, each a "
        "`conseils_site.collab.client.Replica`, the browser's protocol in Python) type a unique "
        f"marker and run a sync round about once a second for {r['duration']} s, into one "
        "document, against the site served by waitress (4 threads) on a FileStorage.",
        "",
        "| measure | value |",
        "| --- | ---: |",
        f"| updates sent | {r['updates']:,} ({r['updates'] / r['elapsed']:.1f} per second) |",
        f"| sync rounds | {r['rounds']:,} ({r['rounds'] / r['elapsed']:.1f} per second) |",
        f"| round latency p50 / p95 / p99 | {r['round_p50'] * 1000:.0f} / {r['round_p95'] * 1000:.0f}"
        f" / {r['round_p99'] * 1000:.0f} ms |",
        f"| typed by one editor → seen by another, p50 / p95 | {r['seen_p50'] * 1000:.0f} / "
        f"{r['seen_p95'] * 1000:.0f} ms (includes waiting for the next round, about 1 s) |",
        f"| sightings measured | {r['seen_count']:,} of {r['expected_seen']:,} |",
        f"| failed rounds | {r['failures']} |",
        f"| **updates lost** | **{r['lost']}** (every marker is in the server's text at the end) |",
        f"| final text | {r['text_chars']:,} characters |",
        f"| server memory after the run (VmRSS) | {r['rss']:.0f} MiB |",
        f"| 1-minute load average before the run | {r['load']:.2f} (the load process shares the "
        "machine with the server) |",
        f"| Data.fs after the run (not packed) | {r['data_fs']:.1f} MiB |",
    ]
    write_results_section("collab-load", "\n".join(lines))


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m bench.collab_load",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--duration", type=int, default=60, help="seconds (default 60)")
    args = parser.parse_args(argv)
    if not 2 <= args.clients <= 200 or not 5 <= args.duration <= 3600:
        parser.error("--clients 2–200, --duration 5–3600")
    try:
        return run(args.clients, args.duration)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
