"""Real servers for the tests that need more than one process: ZEO, PostgreSQL, the app itself.

Every server is a subprocess on a free loopback port, with its output in a log file (never a
pipe that could fill up), stopped by the fixture that started it, whatever the test did.

`python -m tests.processes INI [SERVER_NAME]` serves an ini file like `pserve` does, and in
addition prints one `conseils-retry …` line on stderr each time pyramid_retry retries a request
(after a ConflictError, say), so a test can count the conflicts that were retried."""
import contextlib
import glob
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
RETRY_MARK = "conseils-retry"
CONFLICT_MARK = "conseils-conflict-on"  # the class of the object a retried conflict was on


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check, timeout, what, process=None):
    deadline = time.monotonic() + timeout
    while True:
        if check():
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{what}: the process ended (status {process.returncode})\n"
                               + process.log_text()[-3000:])
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ready after {timeout} s"
                               + ("\n" + process.log_text()[-3000:] if process else ""))
        time.sleep(0.1)


def port_open(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


class Process:
    """A subprocess whose output goes to a log file; `stop()` is safe to call twice."""

    def __init__(self, args, log_path, env=None, cwd=REPO, user=None):
        self.args, self.log_path = [str(a) for a in args], Path(log_path)
        self.log = open(self.log_path, "ab")  # noqa: SIM115 (open for the process's life; closed by stop())
        full_env = dict(os.environ, **(env or {}))
        self.popen = subprocess.Popen(self.args, stdout=self.log, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, env=full_env, cwd=cwd, user=user,
                                      start_new_session=True)
        self.pid = self.popen.pid

    def poll(self):
        return self.popen.poll()

    @property
    def returncode(self):
        return self.popen.returncode

    def log_text(self):
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM, timeout=30):
        """Ask the process to end (SIGTERM: a clean close), kill it after `timeout` seconds."""
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)
        self.log.close()
        return self.popen.returncode

    def kill(self):
        """SIGKILL: no clean-up of any kind, as a power cut or the OOM killer would do it."""
        return self.stop(signal.SIGKILL, timeout=10)


# --- ZEO -------------------------------------------------------------------------------------

def start_zeo(var_dir, log_path, port=None):
    """The ZEO server of zeo.conf (the shipped file) on var_dir, on a free port."""
    port = port or free_port()
    os.makedirs(var_dir, exist_ok=True)
    proc = Process([BIN / "runzeo", "-C", REPO / "zeo.conf"], log_path,
                   env={"CONSEILS_VAR": str(var_dir), "CONSEILS_ZEO_ADDRESS": f"127.0.0.1:{port}"})
    proc.port = port
    wait_until(lambda: port_open(port), 30, "ZEO server", proc)
    return proc


# --- PostgreSQL ------------------------------------------------------------------------------

def postgres_bindir():
    """Debian's PostgreSQL server binaries (initdb, pg_ctl), or None when not installed."""
    for path in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if os.path.exists(os.path.join(path, "initdb")) and os.path.exists(os.path.join(path, "pg_ctl")):
            return path
    found = shutil.which("initdb")
    return os.path.dirname(found) if found and shutil.which("pg_ctl") else None


class PostgresCluster:
    """A throw-away PostgreSQL cluster in a temporary directory, on a free loopback port.

    initdb refuses to run as root: as root the cluster belongs to the `postgres` account that
    Debian's package creates. Local connections are trusted (loopback only, test data only)."""

    def __init__(self, bindir, log_path):
        self.bindir, self.port = bindir, free_port()
        self.user = "postgres" if os.geteuid() == 0 else None
        # Not under pytest's tmp_path: its parents are private to root, and the server runs
        # as postgres.
        self.dir = tempfile.mkdtemp(prefix="conseils-pg-")
        if self.user:
            shutil.chown(self.dir, self.user, self.user)
        self.data = os.path.join(self.dir, "data")
        self.log_path = log_path
        self._run("initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "-E", "UTF8",
                  "--no-sync")
        self._run("pg_ctl", "-D", self.data, "-w", "-t", "60", "-l", os.path.join(self.dir, "server.log"),
                  "-o", f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off",
                  "start")
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "conseils")

    def _run(self, tool, *args):
        with open(self.log_path, "ab") as log:
            subprocess.run([os.path.join(self.bindir, tool), *args], check=True, stdout=log,
                           stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, user=self.user,
                           cwd=self.dir, timeout=120)

    def uri(self, blob_dir, **options):
        query = "&".join(f"{k}={v}" for k, v in {"blob_dir": blob_dir, **options}.items())
        return f"postgres://postgres:test@127.0.0.1:{self.port}/conseils?{query}"

    def stop(self):
        with contextlib.suppress(Exception):
            self._run("pg_ctl", "-D", self.data, "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.dir, ignore_errors=True)


# --- the application -------------------------------------------------------------------------

def app_ini(shipped, target, port, uri, var_dir):
    """A copy of a shipped ini file (production-zeo.ini…) with only what a test must change:
    the database (`uri`; None keeps the file's own, pointed at var_dir), the port, the var/
    directory, and plain-HTTP cookies."""
    text = (REPO / shipped).read_text()
    if uri is not None:
        text, n = re.subn(r"(?m)^zodbconn\.uri = .*$", lambda m: f"zodbconn.uri = {uri}", text)
        assert n == 1, "zodbconn.uri"
    text, n = re.subn(r"(?m)^listen = .*$", f"listen = 127.0.0.1:{port}", text, count=1)
    assert n == 1, "listen"
    # The Host check stays on: the tests' requests name the loopback address and port.
    text, n = re.subn(r"(?m)^conseils\.allowed_hosts =.*$",
                      f"conseils.allowed_hosts = 127.0.0.1:{port}", text)
    assert n == 1, "conseils.allowed_hosts"
    text = text.replace("%(here)s/var", str(var_dir))
    text = text.replace("conseils.secure_cookies = true", "conseils.secure_cookies = false")
    # Argon2 at its cheapest, like the tests' own hashes (tests/conftest.py): no rehash at sign-in.
    text, n = re.subn(r"(?m)^\[app:main\]$", "[app:main]\nconseils.password_hash = fast", text, count=1)
    assert n == 1, "[app:main]"
    Path(target).write_text(text)
    return target


def ini_uri(ini):
    """The zodbconn.uri of an ini written by app_ini (nothing left to interpolate)."""
    return re.search(r"(?m)^zodbconn\.uri = (.*)$", Path(ini).read_text()).group(1).strip()


TEST_ENV = {
    "CONSEILS_SESSION_SECRET": "secret-de-test-multiprocessus",
    "CONSEILS_ADMIN_EMAIL": "animateur@example.org",
    "CONSEILS_ADMIN_PASSWORD": "mot-de-passe-animateur",
    "CONSEILS_SMTP_HOST": "127.0.0.1",
    "CONSEILS_SMTP_USER": "",
    "CONSEILS_SMTP_PASSWORD": "",
    "CONSEILS_PUBLIC_URL": "http://localhost",
}


def start_app(ini, log_path, env=None, timeout=60, wait=True):
    """The app of `ini` served by waitress in its own process; returns once it answers
    (or at once with wait=False: then call wait_for_app)."""
    port = int(re.search(r"(?m)^listen = 127\.0\.0\.1:(\d+)$", Path(ini).read_text()).group(1))
    proc = Process([sys.executable, "-m", "tests.processes", ini], log_path,
                   env={**TEST_ENV, **(env or {})})
    proc.port, proc.url, proc.ini = port, f"http://127.0.0.1:{port}", ini
    if wait:
        wait_for_app(proc, timeout)
    return proc


def wait_for_app(proc, timeout=60):
    def answers():
        with contextlib.suppress(requests.RequestException):
            return requests.get(proc.url + "/connexion", timeout=5).status_code == 200
        return False

    wait_until(answers, timeout, f"app {proc.ini}", proc)
    return proc


def retries_in(log_text):
    """The retry lines of a server's log: `conseils-retry EXCEPTION METHOD PATH [title or email]`."""
    return [line for line in log_text.splitlines() if line.startswith(RETRY_MARK)]


def unexpected_errors(log_text):
    """Exception lines of a server's log other than the transient errors (conflicts, locks
    not granted) that pyramid_retry retries."""
    import importlib

    from transaction.interfaces import TransientError

    def transient(line):
        module, _, name = line.split(":", 1)[0].rpartition(".")
        try:
            cls = getattr(importlib.import_module(module), name) if module else None
        except (ImportError, AttributeError):
            return False
        return isinstance(cls, type) and issubclass(cls, TransientError)

    found = re.findall(r"(?m)^([A-Za-z_][\w.]*(?:Error|Exception)\b.*)$", log_text)
    return [line for line in found if not transient(line)]


def warm_up(url, council_path, email):
    """Render the pages the writers use once, one at a time. Chameleon compiles a template on
    its first use, and CPython 3.11.7's compiler is not thread-safe ("AST constructor recursion
    depth mismatch" when two threads compile at once): a cold process under a burst of
    first requests can answer 500 once."""
    visitor = Visitor(url)
    visitor.csrf("/inscription")
    visitor.login(email, PASSWORD)
    visitor.csrf(council_path + "/@@nouveau-document")


def conflict_class(exc):
    """The class of the persistent object a ConflictError names (ZODB puts it in the message
    when it knows it), else the exception's own class."""
    found = re.search(r"class ([\w.]+)", str(exc))
    return found.group(1) if found else type(exc).__name__


def conflict_classes(log_text):
    """How many retried conflicts, and requests whose last attempt conflicted too, each class of
    object had, read from a server's log."""
    counts = {}
    for line in log_text.splitlines():
        if line.startswith(CONFLICT_MARK):
            name = line.split(" ")[1].strip()
        elif "Écriture abandonnée" in line:  # views/conflicts.py: the last attempt conflicted too
            name = "exhausted " + conflict_class(line)
        else:
            continue
        counts[name] = counts.get(name, 0) + 1
    return counts


def conflict_oids(log_text):
    """The oids (hex) of the objects retried conflicts were on."""
    return [line.split(" ")[2] for line in log_text.splitlines()
            if line.startswith(CONFLICT_MARK) and line.count(" ") >= 2 and line.split(" ")[2] != "-"]


def owners_of(db, oids):
    """What each oid of a conflict belongs to ("catalog text _wordinfo", "users by_email"…):
    the BTrees of the catalog's indexes and of the site's folders, their buckets included."""
    from BTrees.Interfaces import IBTree

    wanted, named = set(oids), {}
    with db.transaction() as conn:
        root = conn.root()["conseils_site"]

        def mark(label, obj, depth=0):
            oid = getattr(obj, "_p_oid", None)
            if oid is not None and oid.hex() in wanted:
                named.setdefault(oid.hex(), label)
            if IBTree.providedBy(obj):
                bucket = obj._firstbucket
                while bucket is not None:
                    if bucket._p_oid is not None and bucket._p_oid.hex() in wanted:
                        named.setdefault(bucket._p_oid.hex(), label + " (bucket)")
                    bucket = bucket._next

        catalog = root.catalog
        mark("catalog objects", catalog.objects)
        for name, index in catalog.indexes.items():
            for attr in ("_fwd_index", "_rev_index", "_not_indexed"):
                if hasattr(index, attr):
                    mark(f"index {name} {attr}", getattr(index, attr))
            if name == "text":
                for attr in ("_wordinfo", "_docweight", "_docwords"):
                    mark(f"index text {attr}", getattr(index.index, attr))
                mark("lexicon _wids", index.lexicon._wids)
                mark("lexicon _words", index.lexicon._words)
        mark("users data", root.users.data)
        mark("users by_email", root.users.by_email)
        mark("alerts pending", root.alerts.pending)
        mark("audit", getattr(root.audit, "entries", None))
        for council in root.territoires._councils.values():
            mark("a council's data", council.data)
    return {oid: named.get(oid, "?") for oid in wanted}


def retried_writes(retry_lines):
    """The titles and emails of the writes that were retried at least once."""
    return {line.split(" ", 4)[4] for line in retry_lines if line.count(" ") >= 4}


def serve(ini, server_name="main"):
    """Serve like pserve; `%(ENV_NAME)s` in the ini reads the environment variable NAME."""
    import plaster
    from pyramid_retry import IBeforeRetry

    defaults = {f"ENV_{k}": v.replace("%", "%%") for k, v in os.environ.items()}
    loader = plaster.get_loader(ini, protocols=["wsgi"])
    loader.setup_logging(defaults)
    app = loader.get_wsgi_app("main", defaults)

    def count_retry(event):
        request = event.request
        what = request.POST.get("title") or request.POST.get("email") if request.method == "POST" else ""
        print(f"{RETRY_MARK} {type(event.exception).__name__} {request.method} {request.path} "
              f"{what or ''}".rstrip(), file=sys.stderr, flush=True)
        oid = getattr(event.exception, "oid", None)
        print(f"{CONFLICT_MARK} {conflict_class(event.exception)} {oid.hex() if oid else '-'}",
              file=sys.stderr, flush=True)

    app.registry.registerHandler(count_retry, (IBeforeRetry,))
    server = loader.get_wsgi_server(server_name, defaults)
    server(app)


# --- a browser-less visitor ------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


class Visitor:
    """A person using the site over HTTP: a session cookie and the site's forms."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.http = requests.Session()

    def csrf(self, path):
        page = self.http.get(self.base_url + path, timeout=30)
        page.raise_for_status()
        return CSRF_RE.search(page.text).group(1)

    def post(self, path, fields, files=None, form_page=None):
        token = self.csrf(form_page or path)
        return self.http.post(self.base_url + path, data={"_charset_": "UTF-8", "csrf_token": token, **fields},
                              files=files, allow_redirects=False, timeout=60)

    def login(self, email, password):
        response = self.post("/connexion", {"__formid__": "connexion", "email": email,
                                            "password": password})
        if response.status_code not in (302, 303):
            raise RuntimeError(f"sign-in of {email}: HTTP {response.status_code}")
        return response

    def post_document(self, council_path, title, filename, data):
        return self.post(council_path + "/@@nouveau-document", {
            "__formid__": "document", "title": title, "mode": "classique",
            "description": f"Déposé par le test : {title}", "body": "", "visibility": "conseil",
        }, files={"files": (filename, data, "text/plain")})

    def register(self, email, first_name, last_name, council_search, password):
        return self.post("/inscription", {
            "__formid__": "inscription", "first_name": first_name, "last_name": last_name,
            "email": email, "password": password, "council_search": council_search,
            "council": "", "role_in_council": "habitante", "mobile": "", "terms": "true",
        })


def page_text(html, limit=300):
    """The words of a page, for a failure message."""
    main = html.split("<main", 1)[-1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main)).strip()[:limit]


def acknowledged(response):
    """A write the site said it kept: 2xx, or a redirection after a successful form."""
    return response is not None and 200 <= response.status_code < 400


def run_threads(functions):
    """Run each function in its own thread, all started together; re-raise the first error."""
    errors = []
    barrier = threading.Barrier(len(functions))

    def wrap(function):
        def run():
            try:
                barrier.wait()
                function()
            except BaseException as exc:  # noqa: BLE001 (re-raised in the test's thread below)
                errors.append(exc)
        return run

    threads = [threading.Thread(target=wrap(f), daemon=True) for f in functions]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    if errors:
        raise errors[0]



# --- a site to write into, a stream of writes, and what the database kept -------------------

PASSWORD = "une phrase de passe solide"  # tests.support.PASSWORD


def open_db(uri):
    """A ZODB.DB on the storage a zodbconn.uri names (file, zeo, postgres…)."""
    import ZODB
    import zodburi

    factory, dbkw = zodburi.resolve_uri(uri)
    return ZODB.DB(factory(), **dbkw)


def prepare_site(uri, tmp_path, members=8):
    """The small site of tests.support (councils A, B, C…) plus `members` more members of A,
    created through the app in this process; returns ids and the members' emails."""
    from conseils_site.resources.bootstrap import close_database
    from conseils_site.resources.users import User
    from conseils_site.scripts import open_registry_root
    from conseils_site.security.passwords import hash_password
    from tests.conftest import make_app
    from tests.support import build_site

    wsgi = make_app(**{"zodbconn.uri": uri, "mail.queue_path": str(tmp_path / "setup-mail"),
                       "conseils.upload_path": str(tmp_path / "setup-uploads")})
    try:
        ids = build_site(wsgi)
        emails = []
        with open_registry_root(wsgi.registry) as (root, tm):
            council = root.territoires.council_by_code("A")
            password_hash = hash_password(PASSWORD)
            for n in range(members):
                email = f"conseiller.{n}@exemple.fr"
                root.users.add_user(User(email, "Conseiller", f"N{n}", password_hash,
                                         state="active", council_ids=[council.id]))
                emails.append(email)
            tm.commit()
    finally:
        close_database(wsgi.registry._zodb_databases[""])
    return ids, emails


class Workload:
    """Councillors posting documents with a file into the same council, and people registering
    into the same users folder, spread over several servers, all at once."""

    def __init__(self, urls, council_path, member_emails, docs_each=5, registrants=4,
                 registrations_each=3, pause=0.0):
        self.urls, self.council_path = urls, council_path
        self.member_emails, self.docs_each, self.pause = member_emails, docs_each, pause
        self.registrants, self.registrations_each = registrants, registrations_each
        self.docs, self.registrations, self.errors = [], [], []
        self.lock = threading.Lock()
        self.stop = threading.Event()

    def _record(self, bucket, entry):
        with self.lock:
            bucket.append(entry)

    def councillor(self, n):
        url = self.urls[n % len(self.urls)]
        visitor = Visitor(url)
        visitor.login(self.member_emails[n], PASSWORD)
        for k in range(self.docs_each):
            if self.stop.is_set():
                return
            title = f"Note {n}-{k}"
            content = f"Compte rendu {n}-{k} : {os.urandom(8).hex()}\n".encode() * 20
            entry = {"title": title, "content": content, "server": url, "status": None}
            try:
                response = visitor.post_document(self.council_path, title, f"note-{n}-{k}.txt",
                                                 content)
                entry["status"] = response.status_code
                if response.status_code >= 400:
                    entry["answer"] = page_text(response.text, 3000)
            except requests.RequestException as exc:  # the server died: not acknowledged
                entry["error"] = repr(exc)
            self._record(self.docs, entry)
            if self.pause:
                time.sleep(self.pause)

    def registrant(self, n):
        url = self.urls[n % len(self.urls)]
        for k in range(self.registrations_each):
            if self.stop.is_set():
                return
            email = f"inscrit.{n}.{k}@exemple.fr"
            entry = {"email": email, "server": url, "status": None}
            try:
                response = Visitor(url).register(email, "Inscrit", f"N{n}K{k}", "Francs-Moisins",
                                                 PASSWORD)
                entry["status"] = response.status_code
                if response.status_code >= 400:
                    entry["answer"] = page_text(response.text, 3000)
            except requests.RequestException as exc:
                entry["error"] = repr(exc)
            self._record(self.registrations, entry)

    def run(self):
        run_threads([lambda n=n: self.councillor(n) for n in range(len(self.member_emails))]
                    + [lambda n=n: self.registrant(n) for n in range(self.registrants)])
        return self

    def acknowledged_docs(self):
        return [d for d in self.docs if d["status"] is not None and 200 <= d["status"] < 400]

    def acknowledged_registrations(self):
        return [r for r in self.registrations
                if r["status"] is not None and 200 <= r["status"] < 400]

    @staticmethod
    def refused(entries):
        """Writes the site answered with an error (the request reached it and it said no)."""
        return [e for e in entries if e["status"] is not None and e["status"] >= 400]

    def statuses(self):
        counts = {}
        for entry in self.docs + self.registrations:
            key = entry["status"] if entry["status"] is not None else "no answer"
            counts[key] = counts.get(key, 0) + 1
        return counts


def read_blob(attachment):
    """The bytes of an attachment, or None when the database refers to a blob file that is
    not there (POSKeyError: a committed file lost)."""
    from ZODB.POSException import POSKeyError

    try:
        with attachment.open() as f:
            return f.read()
    except POSKeyError:
        return None


def check_kept(db, workload):
    """What the database holds of the workload's acknowledged writes; returns a report dict."""
    with db.transaction() as conn:
        root = conn.root()["conseils_site"]
        council = root.territoires.council_by_code("A")
        items = {item.title: item for item in council.values() if getattr(item, "kind", None) == "document"}
        report = {"documents": len(items), "missing": [], "wrong_file": [], "lost_blob": [],
                  "missing_users": [], "not_indexed": []}
        for doc in workload.acknowledged_docs():
            item = items.get(doc["title"])
            if item is None:
                report["missing"].append(doc["title"])
                continue
            files = item.attachments()
            data = read_blob(files[0]) if files else b""
            if data is None:
                report["lost_blob"].append(doc["title"])
            elif len(files) != 1 or data != doc["content"]:
                report["wrong_file"].append(doc["title"])
            if root.catalog.get(item._docid) is not item:
                report["not_indexed"].append(doc["title"])
        for reg in workload.acknowledged_registrations():
            if root.users.find_by_email(reg["email"]) is None:
                report["missing_users"].append(reg["email"])
        # What the site answered with an error page ("rien n'a été enregistré") is not there,
        # not even in part.
        report["refused_but_kept"] = (
            [d["title"] for d in workload.refused(workload.docs) if d["title"] in items]
            + [r["email"] for r in workload.refused(workload.registrations)
               if root.users.find_by_email(r["email"]) is not None])
        # Whatever was written, acknowledged or not (a server killed mid-request), is whole.
        report["broken_items"] = [title for title, item in items.items()
                                  if len(item.attachments()) != 1 or not read_blob(item.attachments()[0])]
        # The Length counters kept beside the BTrees agree with them after resolved conflicts.
        report["council_length_ok"] = len(council) == len(list(council.keys()))
        report["users_length_ok"] = len(root.users) == len(list(root.users.keys()))
        report["catalog_length_ok"] = len(root.catalog) == len(list(root.catalog.objects.keys()))
    return report

# --- a crowd: many people pressing « Envoyer » at the same instant ---------------------------

CROWD_COUNCILS = 10


def prepare_crowd(uri, tmp_path, councils=CROWD_COUNCILS):
    """A site with `councils` councils (codes K0, K1…), one validated member each and a forum
    topic in the first rubrique, made through the app in this process."""
    from conseils_site.importer import import_councils
    from conseils_site.resources.bootstrap import close_database
    from conseils_site.resources.forum import Topic
    from conseils_site.resources.users import User
    from conseils_site.scripts import open_registry_root
    from conseils_site.security.passwords import hash_password
    from tests.conftest import make_app

    wsgi = make_app(**{"zodbconn.uri": uri, "mail.queue_path": str(tmp_path / "setup-mail"),
                       "conseils.upload_path": str(tmp_path / "setup-uploads")})
    lines = ["code,nom,commune,latitude,longitude"]
    lines += [f"K{n},Conseil du quartier {n},42218,45.4{n},4.3{n}" for n in range(councils)]
    lines.append("C,Conseil des Francs-Moisins,93066,48.93,2.36")
    try:
        with open_registry_root(wsgi.registry) as (root, tm):
            import_councils(root, "\n".join(lines).encode() + b"\n")
            password_hash = hash_password(PASSWORD)
            paths, emails = [], []
            for n in range(councils):
                council = root.territoires.council_by_code(f"K{n}")
                email = f"membre.{n}@exemple.fr"
                user = root.users.add_user(User(email, "Membre", f"N{n}", password_hash,
                                                state="active", council_ids=[council.id]))
                emails.append(email)
                paths.append(f"/territoires/{council.__parent__.__parent__.__name__}/"
                             f"{council.__parent__.__name__}/{council.__name__}")
                if n == 0:
                    category = root["forum"].categories()[0]
                    topic = category.add_topic(Topic("Un sujet très discuté", "<p>Qui répond ?</p>",
                                                     "Qui répond ?", user.id))
                    topic_path = (f"/forum/{category.__name__}/{topic.__name__}")
            tm.commit()
    finally:
        close_database(wsgi.registry._zodb_databases[""])
    return {"council_paths": paths, "emails": emails, "topic_path": topic_path}


class Crowd:
    """Documents created in every council, replies to one topic and registrations, each by its
    own thread, every request prepared (signed in, form token read) before a barrier releases
    them all together. Each entry records the answer the site gave."""

    def __init__(self, urls, site, documents=50, replies=30, registrations=30):
        self.urls, self.site = urls, site
        self.counts = (documents, replies, registrations)
        self.entries = []

    def _session(self, url, email=None):
        visitor = Visitor(url)
        if email is not None:
            visitor.login(email, PASSWORD)
        return visitor

    def prepare(self):
        """(entry, send) pairs: `send()` posts one write with a token read beforehand."""
        documents, replies, registrations = self.counts
        site, prepared = self.site, []
        members = {}  # (server, member) → signed-in visitor: one sign-in each, sessions shared

        def member(n, url):
            key = (url, n)
            if key not in members:
                members[key] = self._session(url, site["emails"][n])
            return members[key]

        def add(kind, key, url, visitor, path, form_page, fields, files=None):
            token = visitor.csrf(form_page)
            entry = {"kind": kind, "key": key, "server": url, "status": None}

            def send():
                try:
                    response = visitor.http.post(
                        url + path, data={"_charset_": "UTF-8", "csrf_token": token, **fields},
                        files=files, allow_redirects=False, timeout=600)
                    entry["status"] = response.status_code
                    if response.status_code >= 400:
                        entry["answer"] = response.text
                except requests.RequestException as exc:
                    entry["error"] = repr(exc)
            self.entries.append(entry)
            prepared.append(send)

        councils = len(site["council_paths"])
        for n in range(documents):
            url, c = self.urls[n % len(self.urls)], n % councils
            path = site["council_paths"][c] + "/@@nouveau-document"
            title = f"Compte rendu {n} de la foule"
            add("document", title, url, member(c, url), path, path,
                {"__formid__": "document", "title": title, "mode": "classique",
                 "description": f"Écrit par la foule, numéro {n}", "body": "",
                 "visibility": "conseil"},
                files={"files": (f"foule-{n}.txt", f"Fichier {n}\n".encode() * 10, "text/plain")})
        for n in range(replies):
            url = self.urls[n % len(self.urls)]
            path = site["topic_path"] + "/@@repondre"
            text = f"Réponse numéro {n} de la foule"
            add("reply", text, url, member(n % councils, url), path, path,
                {"__formid__": "reponse", "text": text, "quote": ""})
        for n in range(registrations):
            url = self.urls[n % len(self.urls)]
            email = f"foule.{n}@exemple.fr"
            add("registration", email, url, self._session(url), "/inscription", "/inscription",
                {"__formid__": "inscription", "first_name": "Inscrite", "last_name": f"N{n}",
                 "email": email, "password": PASSWORD, "council_search": "Francs-Moisins",
                 "council": "C", "role_in_council": "habitante", "mobile": "", "terms": "true"})
        return prepared

    def run(self):
        started = time.monotonic()
        run_threads(self.prepare())
        self.seconds = time.monotonic() - started
        return self

    def statuses(self):
        counts = {}
        for entry in self.entries:
            key = entry["status"] if entry["status"] is not None else "no answer"
            counts[key] = counts.get(key, 0) + 1
        return counts

    def failed(self):
        """Writes the site did not acknowledge with its redirection after success."""
        return [e for e in self.entries if e["status"] != 303]


def crowd_kept(db, crowd):
    """The writes of the crowd that the database does not hold (found and indexed)."""
    missing = []
    with db.transaction() as conn:
        root = conn.root()["conseils_site"]
        catalog = root.catalog
        titles = {}
        for docid in catalog.indexes["kind"].applyEq("document"):
            obj = catalog.get(docid)
            titles[obj.title] = obj
        topic = root["forum"].categories()[0].values()
        replies = {}
        for t in topic:
            for reply in t.values():
                replies[reply.source] = reply
        for entry in crowd.entries:
            if entry["kind"] == "document":
                found = entry["key"] in titles and titles[entry["key"]].attachments()
            elif entry["kind"] == "reply":
                reply = replies.get(entry["key"])
                found = reply is not None and catalog.get(reply._docid) is reply
            else:
                user = root.users.find_by_email(entry["key"])
                found = user is not None and catalog.get(user._docid) is user
            if not found:
                missing.append(entry["key"])
        numbers = sorted(r.number for t in topic for r in t.values())
        # Each topic's place in its rubrique caught up with its replies (catalog/deferred.py).
        stale = [t.title for t in topic
                 if catalog.indexes["forum_order"]._rev_index.get(t._docid) != t.forum_order]
    return {"missing": missing, "reply_numbers": numbers, "stale_topics": stale}


if __name__ == "__main__":
    serve(*sys.argv[1:])
