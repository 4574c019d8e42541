"""`make bench`: requests per second and latency of the site's public pages beside a bare
Pyramid view, both served by waitress the same way in the same run, written to bench/RESULTS.md.

The database is a FileStorage in bench/work/ (ignored by git) holding the whole demo directory;
it is built on the first run and reused until --rebuild. Every request goes to 127.0.0.1.
"""
import argparse
import configparser
import datetime
import json
import multiprocessing
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / "work"
INI = WORK / "bench.ini"
BUILT_MARKER = WORK / ".built"
RESULTS = ROOT / "bench" / "RESULTS.md"
THREADS = 4
# What browsers send: a page that learns to compress is then measured as visitors get it.
ACCEPT_ENCODING = "gzip, deflate"

# name, path (None: found at run time), aim as a fraction of the bare view's throughput.
# Every page aims at 30 % of the bare view at least (issue 8); the council page at 40 %.
PAGES = (
    ("home", "/", 0.30),
    ("council", None, 0.40),
    ("search", "/conseils?q=saint", 0.30),
    ("carte", "/carte", 0.30),
    ("geojson", "/conseils.geojson", 0.50),
    ("ressources", "/ressources", 0.30),
    # The busiest council's documents, for a visitor and for a member. Both carry a session
    # cookie so that both are rendered (the anonymous cache would answer the visitor otherwise):
    # the comparison is of the permission-filtered query itself.
    ("listing-visitor", "@@documents", 0.30),
    ("listing-member", "@@documents", 0.30),
    ("recherche", "/recherche?q=jardin", 0.30),
    ("publications", "/ressources/publications", 0.30),
    ("forum-topic", None, 0.30),
    ("group", None, 0.30),
    ("collab-sync", None, 0.30),
    # Signing in verifies an Argon2id hash: slow on purpose (it is what makes a stolen hash
    # costly to attack), so it has no throughput aim; its latency is reported.
    ("sign-in", "/connexion", None),
)
PAGE_NAMES = tuple(name for name, _, _ in PAGES)
ITEMS = 200_000  # with 30,000 accounts, 300 groups, 50,000 forum messages: bench/populate.py
VISITOR_COOKIE = "conseils_session=visiteur"  # no valid session: an anonymous visitor

# Loopback only, never through a proxy that the environment may name.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


_no_redirect_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _KeepRedirects())


class BenchError(Exception):
    """A failure the runner explains in one message instead of a traceback."""


# --------------------------------------------------------------------------- database

def write_ini():
    """The bench ini: development.ini's application settings on a database of our own.
    Templates are not reloaded (as in production): a benchmark measures what visitors get,
    and a stat() of every template on every render is a development convenience."""
    dev = configparser.ConfigParser(interpolation=None)
    dev.read(ROOT / "development.ini", encoding="utf-8")
    settings = dict(dev["app:main"])
    settings.update({
        "zodbconn.uri": f"fsblobs://{WORK}/Data.fs?blob_dir={WORK}/blobs"
                        "&connection_cache_size=20000",
        "pyramid.reload_templates": "false",
        "pyramid.debug_authorization": "false",
        "pyramid.debug_notfound": "false",
        "conseils.load_demo": "true",
        "conseils.session_secret": "bench-only-secret-not-for-production",
        "conseils.admin_email": "animateur@bench.localhost",
        "conseils.admin_password": "bench-only-password",
    })
    lines = ["# Written by bench/run.py from development.ini; rewritten on every run.",
             "[app:main]"]
    lines += [f"{key} = {value}" for key, value in settings.items()]
    WORK.mkdir(parents=True, exist_ok=True)
    (WORK / "blobs").mkdir(exist_ok=True)
    INI.write_text("\n".join(lines) + "\n", encoding="utf-8")


# The code and data that shape the database the first start builds: when they change, a
# database built earlier no longer shows what the site would build now, so it is rebuilt.
BUILD_INPUTS = ("conseils_site/data/*", "conseils_site/resources/*.py", "bench/populate.py",
                "bench/generate.py",
                "conseils_site/catalog/__init__.py", "conseils_site/catalog/discriminators.py",
                "conseils_site/catalog/lexicon.py", "conseils_site/importer.py",
                "conseils_site/geography.py", "conseils_site/text.py")


def build_fingerprint():
    import hashlib

    digest = hashlib.sha1()
    for pattern in BUILD_INPUTS:
        for path in sorted(ROOT.glob(pattern)):
            if path.is_file():
                digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def build_database(rebuild, out, populate_args=""):
    """Start the site once on an empty FileStorage so that it loads the demo directory, then
    stop it cleanly (the index is written on close). Returns the seconds it took, or None
    when an earlier build is reused."""
    fingerprint = build_fingerprint()
    if not rebuild and BUILT_MARKER.exists():
        if BUILT_MARKER.read_text().split()[:1] != [fingerprint]:
            print("The site's data or resource code changed since the bench database was "
                  "built: rebuilding it.", file=out, flush=True)
            rebuild = True
    if rebuild or not BUILT_MARKER.exists():
        for path in WORK.glob("Data.fs*"):
            path.unlink()
        shutil.rmtree(WORK / "blobs", ignore_errors=True)
        BUILT_MARKER.unlink(missing_ok=True)
    write_ini()
    if BUILT_MARKER.exists():
        return None
    print("Building the bench database (the demo directory, once)…", file=out, flush=True)
    server = Server("build", ["app", "--ini", str(INI)], WORK / "build.log")
    try:
        server.start()
        server.wait_ready("/", timeout=600)
    finally:
        server.stop()
    print("Filling it to national size (once; bench/populate.py, progress in "
          f"{(WORK / 'populate.log').relative_to(ROOT)})…", file=out, flush=True)
    with open(WORK / "populate.log", "w", encoding="utf-8") as log:
        done = subprocess.run([sys.executable, "-m", "bench.populate", str(INI),
                               *populate_args.split()],
                              cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    if done.returncode != 0:
        raise BenchError(f"bench.populate failed: see {WORK / 'populate.log'}")
    BUILT_MARKER.write_text(f"{fingerprint} {datetime.datetime.now().isoformat()}\n")
    return server.first_response


def write_results_section(name, body):
    """Put `body` between bench/RESULTS.md's `<!-- name: start -->` and `<!-- name: end -->`
    (appended when the file has none), leaving every other part of the file as it is: each
    tool writes its own section, and the written findings stay."""
    start, end = f"<!-- {name}: start -->", f"<!-- {name}: end -->"
    section = f"{start}\n{body.strip()}\n{end}\n"
    text = RESULTS.read_text(encoding="utf-8") if RESULTS.exists() else "# Benchmark results\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1].lstrip("\n")
        text = before + section + ("\n" + after if after else "")
    else:
        text = text.rstrip("\n") + "\n\n" + section
    RESULTS.write_text(text, encoding="utf-8")


# --------------------------------------------------------------------------- servers

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url, timeout=30, headers=None, data=None):
    """GET (or POST `data`) a URL; returns (status, body) with the body as sent (not
    decompressed). Redirections are not followed: a sign-in answers 303."""
    opener = _no_redirect_opener if data is not None else _opener
    try:
        with opener.open(urllib.request.Request(url, headers=headers or {}, data=data),
                         timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


class Server:
    """One waitress process started through bench.serve, so both servers are launched alike."""

    def __init__(self, name, args, log_path):
        self.name = name
        self.args = args
        self.log_path = log_path
        self.proc = None
        self.port = None
        self.first_response = None
        self._log = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self):
        self.port = free_port()
        self._log = open(self.log_path, "w", encoding="utf-8")
        self._started = time.monotonic()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.serve", *self.args, "--port", str(self.port),
             "--threads", str(THREADS)],
            cwd=ROOT, stdin=subprocess.DEVNULL, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, path, timeout):
        """Poll until the server answers 200; the wait is the first-response time."""
        deadline = self._started + timeout
        while time.monotonic() < deadline:
            self.check_alive()
            try:
                status, _ = fetch(self.base + path, timeout=timeout)
            except (TimeoutError, ConnectionError, urllib.error.URLError):
                time.sleep(0.05)
                continue
            if status != 200:
                raise BenchError(f"{self.name}: {path} answered {status}\n{self.log_tail()}")
            self.first_response = time.monotonic() - self._started
            return
        raise BenchError(f"{self.name}: no answer after {timeout} s\n{self.log_tail()}")

    def check_alive(self):
        if self.proc.poll() is not None:
            raise BenchError(f"{self.name}: the server exited with status {self.proc.returncode}"
                             f"\n{self.log_tail()}")

    def rss_mib(self):
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
        except OSError:
            return None
        match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
        return int(match.group(1)) / 1024 if match else None

    def cpu_seconds(self):
        """User + system CPU time of the server process so far."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def log_tail(self, lines=20):
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "--- " + str(self.log_path) + "\n" + "\n".join(text.splitlines()[-lines:])

    def stop(self):
        """SIGTERM lets the site close its database (and write the FileStorage index)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None


# --------------------------------------------------------------------------- load generators

@dataclass
class Measure:
    name: str
    path: str
    rps: float
    p50: float  # milliseconds
    p95: float
    p99: float
    requests: int
    errors: str = ""
    body_bytes: int = 0
    others: float = None  # share of the machine's CPU that other processes used meanwhile


def ensure_wrk(out):
    """wrk from Debian: one C thread drives the connections, so on 2 cores it leaves the
    server a whole core, which a Python client could not."""
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if os.geteuid() == 0 and shutil.which("apt-get"):
        print("Installing wrk with apt-get…", file=out, flush=True)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        install = ["apt-get", "install", "-y", "-qq", "wrk"]
        for command in (install, ["apt-get", "update", "-qq"], install):
            try:
                done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.DEVNULL, timeout=300)
            except subprocess.TimeoutExpired:
                break
            if command is install and done.returncode == 0:
                break
    return shutil.which("wrk")


def wrk_version(wrk):
    if not wrk:
        return "not installed (Python client used)"
    done = subprocess.run([wrk, "-v"], capture_output=True, text=True, timeout=10)
    first = (done.stdout or done.stderr).strip().splitlines()
    return first[0].split(" Copyright")[0] if first else "wrk (unknown version)"


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}


def _ms(text):
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        raise BenchError(f"unreadable wrk latency {text!r}")
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse_wrk(output):
    """Requests/s, the 50/95/99 % latencies (from the Lua `done` hook) and any errors."""
    rps = re.search(r"^Requests/sec:\s+([\d.]+)", output, re.M)
    count = re.search(r"^\s*(\d+) requests in", output, re.M)
    percentiles = re.search(r"^PERCENTILES ([\d.]+) ([\d.]+) ([\d.]+)$", output, re.M)
    if not rps or not count or not percentiles:
        raise BenchError("unreadable wrk output:\n" + output)
    errors = []
    socket_errors = re.search(r"Socket errors: (.*)", output)
    if socket_errors:
        errors.append("socket errors: " + socket_errors.group(1).strip())
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        errors.append(f"{non_2xx.group(1)} non-2xx responses")
    p50, p95, p99 = (float(v) / 1000 for v in percentiles.groups())  # µs → ms
    return float(rps.group(1)), p50, p95, p99, int(count.group(1)), "; ".join(errors)


def lua_script(post=None):
    """wrk's script: the request (a POST with its body and headers, if any) and the percentiles
    wrk measures but does not print (p95)."""
    lines = []
    if post:
        body, headers = post
        lines.append('wrk.method = "POST"')
        lines.append(f"wrk.body = {json.dumps(body)}")
        for name, value in headers.items():
            lines.append(f"wrk.headers[{json.dumps(name)}] = {json.dumps(value)}")
    lines.append("done = function(summary, latency, requests)")
    lines.append('  io.write(string.format("PERCENTILES %f %f %f\\n", latency:percentile(50), '
                 'latency:percentile(95), latency:percentile(99)))')
    lines.append("end")
    path = WORK / "wrk.lua"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_wrk(wrk, url, duration, connections, cookie=None, post=None):
    command = [wrk, "-t1", f"-c{connections}", f"-d{duration}s", "--timeout", "10s",
               "-s", str(lua_script(post)), "-H", f"Accept-Encoding: {ACCEPT_ENCODING}", url]
    if cookie:
        command[-1:-1] = ["-H", f"Cookie: {cookie}"]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60)
    except subprocess.TimeoutExpired:
        raise BenchError(f"wrk did not finish: {' '.join(command)}") from None
    if done.returncode != 0:
        raise BenchError(f"wrk failed ({done.returncode}): {done.stderr or done.stdout}")
    return parse_wrk(done.stdout)


def _client_worker(args):
    """One keep-alive connection asking for one URL until the deadline (or a request cap)."""
    import http.client

    host, port, path, deadline, cap = args
    latencies, failures = [], 0
    conn = http.client.HTTPConnection(host, port, timeout=10)
    while time.monotonic() < deadline and len(latencies) < cap:
        start = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept-Encoding": ACCEPT_ENCODING})
            response = conn.getresponse()
            response.read()
        except (OSError, http.client.HTTPException):
            failures += 1
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=10)
            continue
        latencies.append((time.perf_counter() - start) * 1000)
        if response.status != 200:
            failures += 1
    conn.close()
    return latencies, failures


def run_python_client(url, duration, connections):
    """Fallback when wrk cannot be had: one process per connection (at most 8), bounded in
    time and count. It costs the server CPU, so its numbers are lower than wrk's."""
    parts = urllib.parse.urlsplit(url)
    path = parts.path + ("?" + parts.query if parts.query else "")
    workers = max(1, min(connections, 8))
    start = time.monotonic()
    deadline = start + duration
    with multiprocessing.get_context("spawn").Pool(workers) as pool:
        results = pool.map(_client_worker, [(parts.hostname, parts.port, path, deadline,
                                              1_000_000)] * workers)
    elapsed = max(time.monotonic() - start, 1e-9)
    latencies = sorted(lat for lats, _ in results for lat in lats)
    failures = sum(f for _, f in results)
    if not latencies:
        raise BenchError(f"no answer from {url}")

    def pct(p):
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))]

    return (len(latencies) / elapsed, pct(50), pct(95), pct(99), len(latencies),
            f"{failures} failed requests" if failures else "")


class LoadGenerator:
    def __init__(self, wrk, duration, connections, warmup, idle_budget, servers):
        self.idle_budget = idle_budget
        self.servers = servers
        self.wrk = wrk
        self.duration = duration
        self.connections = connections
        self.warmup = warmup

    def measure(self, name, server, path, out, cookie=None, post=None):
        """`post`: (body, headers) of a POST measured instead of a GET."""
        url = server.base + path
        headers = {"Accept-Encoding": ACCEPT_ENCODING}
        if cookie:
            headers["Cookie"] = cookie
        if post:
            status, body = fetch(url, headers={**headers, **post[1]}, data=post[0].encode())
            if status not in (200, 303):
                raise BenchError(f"{name}: POST {url} answered {status}")
        else:
            status, body = fetch(url, headers=headers)
            if status != 200:
                raise BenchError(f"{name}: {url} answered {status}")
        if (cookie or post) and not self.wrk:
            raise BenchError(f"{name}: measuring with a session or a POST needs wrk")
        run = (lambda d: run_wrk(self.wrk, url, d, self.connections, cookie, post)) if self.wrk \
            else (lambda d: run_python_client(url, d, self.connections))
        if self.idle_budget:
            wait_idle(self.idle_budget, out)
        run(self.warmup)  # fills every waitress thread's ZODB cache and Chameleon's
        server.check_alive()
        watch = CpuWatch(self.servers)
        rps, p50, p95, p99, count, errors = run(self.duration)
        others = watch.others_share()
        server.check_alive()
        result = Measure(name, path, rps, p50, p95, p99, count, errors, len(body), others)
        print(f"  {name:<15} {rps:>9.1f} req/s  p50 {p50:7.2f} ms  p95 {p95:7.2f} ms"
              + ("" if others is None else f"  others' CPU {others:4.0%}")
              + (f"  ({errors})" if errors else ""), file=out, flush=True)
        return result


# --------------------------------------------------------------------------- report

def load_average():
    """The 1-minute load average: other work on this 2-core machine skews every number."""
    try:
        return float(Path("/proc/loadavg").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def _busy_seconds():
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    # user nice system idle iowait irq softirq steal: busy is all but idle and iowait
    return (sum(values[:8]) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def wait_idle(budget, out, threshold=0.10, window=1.0):
    """Before a measurement, wait (at most `budget` seconds) for a window in which the machine
    is idle: on 2 cores another process's test run halves what the servers get. The benchmark's
    servers are idle between measurements, so any CPU used then is someone else's."""
    deadline = time.monotonic() + budget
    waited = False
    while True:
        try:
            start = _busy_seconds()
            time.sleep(window)
            busy = (_busy_seconds() - start) / (window * (os.cpu_count() or 1))
        except (OSError, ValueError, IndexError):
            return
        if busy < threshold:
            return
        if time.monotonic() >= deadline:
            print(f"  (machine still {busy:.0%} busy after waiting {budget} s: measuring anyway)",
                  file=out, flush=True)
            return
        if not waited:
            print(f"  (machine {busy:.0%} busy with other work: waiting up to {budget} s)",
                  file=out, flush=True)
            waited = True


class CpuWatch:
    """How much of the machine's CPU went to processes other than this benchmark (its servers,
    wrk, itself) while it measured: the share that makes a run on a busy machine noisy."""

    def __init__(self, servers):
        self.servers = servers
        self.start = self._sample()

    def _sample(self):
        import resource

        try:
            busy = _busy_seconds()
        except (OSError, ValueError, IndexError):
            busy = None
        own = sum(getattr(resource.getrusage(who), field)
                  for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
                  for field in ("ru_utime", "ru_stime"))
        own += sum(server.cpu_seconds() for server in self.servers)
        return time.monotonic(), busy, own

    def others_share(self):
        (t0, busy0, own0), (t1, busy1, own1) = self.start, self._sample()
        if busy0 is None or busy1 is None or t1 <= t0:
            return None
        others = (busy1 - busy0) - (own1 - own0)
        return max(0.0, others / ((t1 - t0) * (os.cpu_count() or 1)))


def machine_info(wrk):
    cpu = "unknown"
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = match.group(1).strip() if match else cpu
    except OSError:
        pass
    ram = "unknown"
    try:
        match = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        ram = f"{int(match.group(1)) / 1024 / 1024:.1f} GiB" if match else ram
    except OSError:
        pass
    return {
        "cores (nproc)": str(os.cpu_count()),
        "CPU": cpu,
        "RAM": ram,
        "Python": f"{platform.python_version()} ({platform.python_implementation()})",
        "load generator": wrk_version(wrk),
    }


def _ms_cell(value):
    return f"{value:.2f} ms"


def national_aims(results, extra):
    """Rows for the aims that are not a throughput ratio (issue 8)."""
    by_name = {m.name: m for m in results}
    rows = []
    visitor, member = by_name.get("listing-visitor"), by_name.get("listing-member")
    if visitor and member:
        ratio = member.p50 / visitor.p50
        rows.append(f"| member's listing time / visitor's (p50) | {ratio:.2f} "
                    f"(aim ≤ 1.5: {'met' if ratio <= 1.5 else '**not met**'}) |")
    search = by_name.get("recherche")
    if search:
        rows.append(f"| `/recherche` p95 | {search.p95:.1f} ms "
                    f"(aim < 50 ms: {'met' if search.p95 < 50 else '**not met**'}) |")
    signing = by_name.get("sign-in")
    if signing:
        rows.append(f"| sign-in (Argon2id verification, slow on purpose) | {signing.rps:.1f} per "
                    f"second, p50 {signing.p50:.0f} ms |")
    first = extra["first_response"]
    rows.append(f"| first response after start, aim < 3 s | "
                f"{'met' if first < 3 else '**not met**'} ({first:.2f} s) |")
    return rows


def render(results, bare_runs, info, extra, args, wrk):
    bare_mean = sum(m.rps for m in bare_runs) / len(bare_runs)
    aims = {name: aim for name, _, aim in PAGES}
    header = "| page | req/s | p50 | p95 | p99 | ratio to bare | aim | met? | others' CPU |"
    rule = "| --- | ---: | ---: | ---: | ---: | ---: | ---: | :---: | ---: |"

    def others_cell(m):
        return "?" if m.others is None else f"{m.others:.0%}"

    rows = []
    for i, m in enumerate(bare_runs):
        label = "bare view (first)" if i == 0 else "bare view (last)"
        rows.append(f"| {label} `/` | {m.rps:,.0f} | {_ms_cell(m.p50)} | {_ms_cell(m.p95)} | "
                    f"{_ms_cell(m.p99)} | {m.rps / bare_mean:.2f} | | | {others_cell(m)} |")
    verdicts = {}
    for m in results:
        ratio = m.rps / bare_mean
        aim = aims.get(m.name)
        met = "" if aim is None else ("yes" if ratio >= aim else "**no**")
        verdicts[m.name] = (ratio, aim, met)
        rows.append(f"| {m.name} `{m.path}` | {m.rps:,.0f} | {_ms_cell(m.p50)} | "
                    f"{_ms_cell(m.p95)} | {_ms_cell(m.p99)} | {ratio:.2f} | "
                    f"{'' if aim is None else f'≥ {aim:.2f}'} | {met} | {others_cell(m)} |")
    table = "\n".join([header, rule, *rows])
    generator = (f"`wrk -t1 -c{args.connections} -d{args.duration}s --latency`" if wrk else
                 f"a Python keep-alive client ({min(args.connections, 8)} processes, "
                 f"{args.duration} s), since wrk was not available")
    drift = (bare_runs[-1].rps - bare_runs[0].rps) / bare_runs[0].rps * 100
    errors = [f"- {m.name}: {m.errors}" for m in [*bare_runs, *results] if m.errors]
    others = extra["others_share"]
    noise = []
    if others is not None:
        noise.append("- *others' CPU*: the share of the machine's CPU that processes other than the "
                     "benchmark's (its servers, wrk, itself) used during that measurement; at "
                     f"most {others:.0%} in this run (1-minute load average before the run: "
                     f"{extra['load_before']:.2f}). Before each URL the runner waits up to "
                     f"{args.wait_idle} s for the machine to be idle.")
        if others > 0.10:
            noise.append("- **The machine was busy with other work: these numbers are noisy.** "
                         "Run again on a quiet machine, or with `--rounds 3` (keeps each URL's "
                         "fastest run).")
    rounds = (f"; {extra['rounds']} rounds, each URL's fastest kept" if extra["rounds"] > 1
              else "")
    lines = [
        f"Written by `make bench` (`python -m bench.run`) on "
        f"{datetime.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}.",
        "",
        "## Machine",
        "",
        *[f"- {key}: {value}" for key, value in info.items()],
        "",
        "## Method",
        "",
        f"- The site (`bench/work/bench.ini`: development.ini's settings, templates not reloaded, "
        f"a FileStorage at national size (below), ZODB connection cache "
        "20,000) and a bare Pyramid 2 app whose one view returns a fixed string "
        "(`bench/bare.py`) run at the same time, each in its own process, both started by "
        f"`python -m bench.serve`: waitress, {THREADS} threads, 127.0.0.1, no PasteDeploy server.",
        f"- Each URL is warmed up for {extra['warmup']} s, then measured with {generator}, "
        f"one URL after another: the bare view first, the site's pages, the bare view again{rounds}.",
        f"- Requests carry `Accept-Encoding: {ACCEPT_ENCODING}`, as browsers' do.",
        "- The public pages' requests are anonymous (no session cookie), as most visitors' are: "
        "after the first one, they come from the anonymous cache (`conseils_site/views/cache.py`) "
        "until the next commit. listing-visitor carries an anonymous session cookie, so it is "
        "rendered each time; listing-member, recherche, forum-topic, group and collab-sync carry "
        "the bench member's session. A signed-in page's catalog answers are remembered until the "
        "next write (`conseils_site/catalog/memo.py`), and a run repeats one URL: these rows "
        "measure the remembered path; what the first reader after a write pays is under *What "
        "was found* below (`python -m bench.profile_page PAGE --member --cold`).",
        f"- Ratios are to the mean of the two bare runs ({bare_mean:,.0f} req/s; the second "
        f"differs from the first by {drift:+.1f} %).",
        f"- The council page is the first feature of `/conseils.geojson`: `{extra['council']}`.",
        "- Aims: every page at ≥ 30 % of the bare view's throughput, a council page at ≥ 40 %, "
        "the GeoJSON at ≥ 50 %; a member's listing within 1.5× a visitor's; search p95 under "
        "50 ms; the server under 500 MiB; a first response under 3 s.",
        f"- The database (bench/populate.py): the {extra['councils']} demo councils, 30,000 "
        "accounts, 200,000 council items over the four levels, 300 collaborative documents, "
        "300 working groups, 50,000 forum messages.",
        *noise,
        "",
        "## Results",
        "",
        table,
        "",
        *(["Errors reported by the load generator:", "", *errors, ""] if errors else []),
        "## Other measures",
        "",
        "| measure | value |",
        "| --- | ---: |",
        f"| site: first response after start (database already built) | "
        f"{extra['first_response']:.2f} s |",
        f"| bare view: first response after start | {extra['bare_first_response']:.2f} s |",
        *([f"| site: building the database (first start, demo directory) | "
           f"{extra['build']:.1f} s |"] if extra.get("build") is not None else []),
        f"| site: resident memory after the run (VmRSS) | {extra['rss_app']:.0f} MiB "
        f"(aim < 500 MiB: {'met' if extra['rss_app'] < 500 else '**not met**'}) |",
        *national_aims(results, extra),
        f"| bare view: resident memory after the run (VmRSS) | {extra['rss_bare']:.0f} MiB |",
        f"| Data.fs size | {extra['data_fs_mib']:.1f} MiB |",
        *[f"| response body of {m.name} (as sent to the load generator) | {m.body_bytes:,} bytes |"
          for m in results],
        f"| whole run | {extra['elapsed']:.0f} s |",
        "",
    ]
    return table, verdicts, "\n".join(lines)


# --------------------------------------------------------------------------- main

def national_requests(server, council):
    """Each page's path, session cookie and POST body, on the database bench/populate.py built
    (it wrote the addresses it made to bench/work/paths.json)."""
    from bench.generate import MEMBER_EMAIL, MEMBER_PASSWORD

    try:
        known = json.loads((WORK / "paths.json").read_text())
    except (OSError, ValueError):
        raise BenchError("bench/work/paths.json is missing: run with --rebuild") from None
    paths = {name: page_path for name, page_path, _ in PAGES}
    member = sign_in(server, MEMBER_EMAIL, MEMBER_PASSWORD)
    paths.update({
        "council": council,
        "listing-visitor": known["council"] + "/@@documents",
        "listing-member": known["council"] + "/@@documents",
        "forum-topic": known["topic"],
        "group": known["group"],
        "collab-sync": known["collab"] + "/@@sync",
    })
    cookies = {"listing-visitor": VISITOR_COOKIE, "listing-member": member,
               "forum-topic": member, "group": member, "collab-sync": member,
               "recherche": member}  # a member's search: filtered by what they may see
    # A sync round as an open editor sends it every second when nobody types: its state
    # vector is the server's, so the answer carries no update.
    status, page = fetch(server.base + known["collab"], headers={"Cookie": member})
    match = re.search(rb'data-csrf="([^"]+)"', page)
    if status != 200 or not match:
        raise BenchError("the bench member gets no editor on the collaborative document")
    sync_headers = {"Content-Type": "application/json", "X-CSRF-Token": match.group(1).decode()}
    probe = json.dumps({"client": 4242, "sv": ""}).encode()
    status, answer = fetch(server.base + paths["collab-sync"], data=probe,
                           headers={"Cookie": member, **sync_headers})
    if status != 200:
        raise BenchError(f"collab-sync answered {status}")
    sync_body = json.dumps({"client": 4242, "sv": json.loads(answer)["sv"]})
    # Signing in: an anonymous session's form, posted again and again.
    visitor, token, formid = anonymous_form(server)
    sign_in_body = urllib.parse.urlencode({"__formid__": formid, "csrf_token": token,
                                           "email": MEMBER_EMAIL, "password": MEMBER_PASSWORD,
                                           "submit": "submit"})
    cookies["sign-in"] = visitor
    posts = {"collab-sync": (sync_body, sync_headers),
             "sign-in": (sign_in_body, {"Content-Type": "application/x-www-form-urlencoded"})}
    return paths, cookies, posts


def _sign_in_form(server):
    """An opener keeping cookies, and the CSRF token and form id of its sign-in form."""
    import http.cookiejar

    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}),
                                         urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(server.base + "/connexion", timeout=30).read().decode()
    fields = form_fields(page)
    return opener, jar, fields["csrf_token"], fields["__formid__"]


def form_fields(page):
    """The CSRF token and the form id a deform form's HTML carries, by field name."""
    return {name: re.search(rf'name="{name}" value="([^"]+)"', page).group(1)
            for name in ("csrf_token", "__formid__")}


def _session_cookie(jar):
    cookies = [f"{c.name}={c.value}" for c in jar if c.name == "conseils_session"]
    if not cookies:
        raise BenchError("no session cookie")
    return cookies[0]


def anonymous_form(server):
    """(an anonymous session's cookie, its CSRF token, the form id) of the sign-in form."""
    _, jar, token, formid = _sign_in_form(server)
    return _session_cookie(jar), token, formid


def sign_in(server, email, password):
    """A member's session cookie, through the real sign-in form (CSRF token included)."""
    opener, jar, token, formid = _sign_in_form(server)
    data = urllib.parse.urlencode({"__formid__": formid, "csrf_token": token, "email": email,
                                   "password": password, "submit": "submit"}).encode()
    opener.open(server.base + "/connexion", data=data, timeout=30).read()
    return _session_cookie(jar)


def council_path(server):
    """A stable council: the first feature of the GeoJSON (sorted by commune), made relative."""
    status, body = fetch(server.base + "/conseils.geojson")
    if status != 200:
        raise BenchError(f"/conseils.geojson answered {status}")
    features = json.loads(body)["features"]
    if not features:
        raise BenchError("the directory is empty: run with --rebuild")
    url = urllib.parse.urlsplit(features[0]["properties"]["url"])
    return url.path, len(features)


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per URL (default 10)")
    parser.add_argument("--connections", type=int, default=8,
                        help="concurrent keep-alive connections (default 8)")
    parser.add_argument("--rebuild", action="store_true", help="build the database anew")
    parser.add_argument("--rounds", type=int, default=1,
                        help="repeat the whole sequence and keep each URL's fastest run "
                             "(default 1; more on a machine that other work shares)")
    parser.add_argument("--wait-idle", type=int, default=30, metavar="SECONDS",
                        help="before each URL, wait at most this long for other work on the "
                             "machine to stop (default 30; 0 never waits)")
    parser.add_argument("--populate-args", default="", metavar="ARGS",
                        help="passed to bench.populate when the database is built, e.g. "
                             "'--items 2000 --accounts 300' for a quick trial (with --rebuild)")
    parser.add_argument("--only", choices=PAGE_NAMES, action="append",
                        help="measure only this page (repeatable); the bare view always runs")
    args = parser.parse_args(argv)
    if not 1 <= args.duration <= 600:
        parser.error("--duration must be between 1 and 600 seconds")
    if not 0 <= args.wait_idle <= 600:
        parser.error("--wait-idle must be between 0 and 600 seconds")
    if not 1 <= args.rounds <= 5:
        parser.error("--rounds must be between 1 and 5")
    if not 1 <= args.connections <= 256:
        parser.error("--connections must be between 1 and 256")
    return args


def run(args, out=sys.stdout):
    began = time.monotonic()
    load_before = load_average()
    WORK.mkdir(parents=True, exist_ok=True)
    wrk = ensure_wrk(out)
    if not wrk:
        print("wrk is not available: falling back to a Python client.", file=out)
    build_seconds = build_database(args.rebuild, out, args.populate_args)
    warmup = min(2, max(1, args.duration // 5))
    app = Server("site", ["app", "--ini", str(INI)], WORK / "site.log")
    bare = Server("bare", ["bare"], WORK / "bare.log")
    load = LoadGenerator(wrk, args.duration, args.connections, warmup, args.wait_idle,
                         [app, bare])
    try:
        app.start()
        app.wait_ready("/", timeout=300)
        bare.start()
        bare.wait_ready("/", timeout=60)
        path, councils = council_path(app)
        paths, cookies, posts = national_requests(app, path)
        names = [name for name in PAGE_NAMES if name in (args.only or PAGE_NAMES)]
        print(f"Measuring {args.duration} s per URL, {args.connections} connections "
              f"({'wrk' if wrk else 'Python client'}):", file=out, flush=True)
        rounds = []
        for number in range(1, args.rounds + 1):
            if args.rounds > 1:
                print(f" round {number}/{args.rounds}", file=out, flush=True)
            first = load.measure("bare", bare, "/", out)
            pages = [load.measure(name, app, paths[name], out, cookies.get(name), posts.get(name))
                     for name in names]
            last = load.measure("bare", bare, "/", out)
            rounds.append((first, pages, last))
        rss_app, rss_bare = app.rss_mib(), bare.rss_mib()
    finally:
        app.stop()
        bare.stop()
    # Other work only ever slows a run down, so of several rounds the fastest is the truest.
    def best(runs):
        return max(runs, key=lambda m: m.rps)

    bare_runs = [best([r[0] for r in rounds]), best([r[2] for r in rounds])]
    results = [best([r[1][i] for r in rounds]) for i in range(len(names))]
    shares = [m.others for m in (*bare_runs, *results) if m.others is not None]
    others_share = max(shares) if shares else None
    extra = {
        "council": path, "councils": councils, "warmup": warmup,
        "first_response": app.first_response, "bare_first_response": bare.first_response,
        "build": build_seconds, "rss_app": rss_app or 0, "rss_bare": rss_bare or 0,
        "data_fs_mib": (WORK / "Data.fs").stat().st_size / 1024 / 1024,
        "elapsed": time.monotonic() - began,
        "load_before": load_before, "others_share": others_share, "rounds": args.rounds,
    }
    table, verdicts, document = render(results, bare_runs, machine_info(wrk), extra, args, wrk)
    write_results_section("pages", document)
    print("\n" + table + "\n", file=out)
    for name, (ratio, aim, met) in verdicts.items():
        if aim is not None:
            print(f"{name}: {ratio:.0%} of the bare view (aim ≥ {aim:.0%}): "
                  f"{'met' if met == 'yes' else 'NOT met'}", file=out)
    print(f"Written to {RESULTS.relative_to(ROOT)} in {extra['elapsed']:.0f} s.", file=out)
    return 0


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        return run(args)
    except BenchError as error:
        print(f"bench: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("bench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
