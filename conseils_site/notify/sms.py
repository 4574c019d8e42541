"""SMS, queued when the transaction commits and handed to a backend later, like mail.

`SmsQueue.send()` joins a small data manager to the transaction: the message is written under
`<sms.queue_path>/tmp/` when the transaction commits and moved to `new/` when it is finished, so
an aborted request queues nothing. `deliver_sms()` (the `conseils-sms` and `conseils-alerts`
scripts) hands each queued message to the backend of the settings:

- `spool` (the default): writes it to `<sms.queue_path>/outbox/`, one JSON file per SMS, for a
  gateway to pick up (or for a developer to read);
- `http`: POSTs it to a provider (`sms.http.url`, `sms.http.username`/`sms.http.password` for
  HTTP Basic or `sms.http.token` for a Bearer token, the body from the template
  `sms.http.body` with `$to`, `$text`, `$sender` and `$id`, escaped for
  `sms.http.content_type`);
- any `package.module:Class` with the same two methods (`send(message)`, `close()`).

A temporary failure (the provider unreachable, 5xx, 408, 429, refused credentials) keeps the
message queued with its attempts counted (`sms.max_attempts`, `sms.retry_delay` doubled each
time); a permanent one (another 4xx, an unusable number) moves it to `dead/` with the reason.
Nothing leaves between 21:00 and 08:00, Paris time: messages wait for the first run after 08:00.
"""
import contextlib
import dataclasses
import json
import logging
import os
import re
import string
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from base64 import b64encode

from pyramid.util import DottedNameResolver
from transaction.interfaces import IDataManager
from zope.interface import implementer

from . import clock
from .locks import held

log = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
DEFAULT_BODY = '{"to": "$to", "text": "$text", "sender": "$sender"}'
DEFAULT_SENDER = "Conseils"
STALE_TMP_SECONDS = 36 * 3600

# GSM 03.38: one SMS is 160 of these (characters of the extension table count twice).
GSM_BASIC = set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡"
                "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM_EXTENDED = set("^{}\\[~]|€")
SMS_LENGTH = 160
# French letters outside GSM 03.38 (they would turn the SMS into UCS-2, 70 characters long).
_FRENCH = str.maketrans({
    "â": "a", "ê": "e", "î": "i", "ô": "o", "û": "u", "ë": "e", "ï": "i", "ÿ": "y", "ç": "c",
    "À": "A", "Â": "A", "È": "E", "Ê": "E", "Ë": "E", "Î": "I", "Ï": "I", "Ô": "O", "Û": "U",
    "Ù": "U", "Ÿ": "Y", "œ": "oe", "Œ": "OE", "æ": "ae", "’": "'", "‘": "'", "“": '"',
    "”": '"', "«": '"', "»": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " ", "\u202f": " ",
    "·": ".", "\t": " ",
})


class SmsError(Exception):
    """A delivery failure; its str() is the French reason."""


class TemporaryFailure(SmsError):
    """Try again later: the message stays queued."""


class PermanentFailure(SmsError):
    """This message will never go: it moves to dead/."""


class Unavailable(TemporaryFailure):
    """The backend cannot be reached at all: no use trying the other messages in this run."""


# --- the text of an SMS ----------------------------------------------------------------------

def gsm_text(text):
    """The text in the GSM alphabet: French accents the alphabet lacks lose them, other
    characters outside it become '?'."""
    text = re.sub(r"\s*»", '"', re.sub(r"«\s*", '"', text or ""))  # « titre » -> "titre"
    text = " ".join(text.translate(_FRENCH).split())
    return "".join(c if c in GSM_BASIC or c in GSM_EXTENDED else "?" for c in text)


def gsm_length(text):
    return sum(2 if c in GSM_EXTENDED else 1 for c in text)


def fit_sms(text, link=None, limit=SMS_LENGTH):
    """One SMS: the text in the GSM alphabet, shortened with '...' so that it and the link fit
    in `limit` characters."""
    text = gsm_text(text)
    tail = f" {link}" if link else ""
    room = limit - gsm_length(tail)
    if room < 10:
        raise ValueError("the link leaves no room for a text")
    if gsm_length(text) > room:
        cut = text
        while gsm_length(cut) > room - 3:
            cut = cut[:-1]
        if " " in cut[len(cut) // 2:]:
            cut = cut[:cut.rindex(" ")]
        text = cut.rstrip(" ,;:.-") + "..."
    return text + tail


def check_number(number):
    if not isinstance(number, str) or not E164.match(number):
        raise ValueError(f"numéro de mobile inutilisable ({number!r}) : format E.164 attendu")
    return number


# --- settings --------------------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class SmsSettings:
    queue_path: str
    backend: str = "spool"
    sender: str = DEFAULT_SENDER
    http_url: str = ""
    http_username: str = ""
    http_password: str = ""
    http_token: str = ""
    http_body: str = DEFAULT_BODY
    http_content_type: str = "application/json"
    timeout: float = 10.0
    max_attempts: int = 5
    retry_delay: float = 300.0
    monthly_cap: int = 20

    @classmethod
    def from_settings(cls, settings):
        get = lambda key, default: (settings.get(f"sms.{key}") or "").strip() or default  # noqa
        backend = get("backend", "spool")
        if backend == "http" and not get("http.url", ""):
            raise ValueError("sms.backend = http demande sms.http.url")
        if backend == "http" and urllib.parse.urlsplit(get("http.url", "")).scheme not in ("http", "https"):
            raise ValueError("sms.http.url doit commencer par https:// (ou http://)")
        return cls(
            queue_path=os.path.abspath(get("queue_path", os.path.join("var", "sms"))),
            backend=backend, sender=get("sender", DEFAULT_SENDER),
            http_url=get("http.url", ""), http_username=get("http.username", ""),
            http_password=get("http.password", ""), http_token=get("http.token", ""),
            http_body=get("http.body", DEFAULT_BODY),
            http_content_type=get("http.content_type", "application/json"),
            timeout=float(get("timeout", "10")), max_attempts=max(1, int(get("max_attempts", "5"))),
            retry_delay=float(get("retry_delay", "300")),
            monthly_cap=max(0, int(get("monthly_cap", "20"))))


def ensure_queue(queue_path):
    for sub in ("new", "tmp", "dead", "outbox"):
        os.makedirs(os.path.join(queue_path, sub), exist_ok=True)


# --- queueing at commit time -----------------------------------------------------------------

class SmsQueue:
    """Queues SMS in the transaction of `tm`; nothing is written if it aborts."""

    def __init__(self, settings, tm):
        self.config = SmsSettings.from_settings(settings)
        self.tm = tm

    def send(self, number, text, **meta):
        """Queue one SMS (already fitted to one message); returns its id."""
        check_number(number)
        text = gsm_text(text)
        if gsm_length(text) > SMS_LENGTH:
            raise ValueError(f"un SMS fait {SMS_LENGTH} caractères au plus")
        transaction = self.tm.get()  # no transaction, no message
        message = {"id": uuid.uuid4().hex, "to": number, "text": text,
                   "queued_at": clock.now().isoformat(), "attempts": 0, "next_attempt": 0,
                   **{k: v for k, v in meta.items() if isinstance(v, (str, int, float))}}
        transaction.join(_QueuedSms(self.config.queue_path, message, self.tm))
        return message["id"]


@implementer(IDataManager)
class _QueuedSms:
    """Written to tmp/ when the transaction commits, moved to new/ when it finishes."""

    def __init__(self, queue_path, message, tm):
        self.queue_path, self.message, self.transaction_manager = queue_path, message, tm
        self.temporary = None

    def _discard(self):
        if self.temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(self.temporary)
            self.temporary = None

    def abort(self, transaction):
        self._discard()

    def tpc_begin(self, transaction):
        """Nothing to prepare: the message is written in commit() and moved in tpc_finish()."""

    def commit(self, transaction):
        ensure_queue(self.queue_path)
        self.temporary = os.path.join(self.queue_path, "tmp", self.message["id"])
        _write_json(self.temporary, self.message)

    def tpc_vote(self, transaction):
        if self.temporary is None or not os.path.exists(self.temporary):
            raise OSError("SMS file vanished before the commit")

    def tpc_finish(self, transaction):
        os.replace(self.temporary, os.path.join(self.queue_path, "new", self.message["id"]))
        self.temporary = None

    def tpc_abort(self, transaction):
        self._discard()

    def sortKey(self):
        return f"~conseils-sms-{self.message['id']}"  # after the database's own data manager

    def savepoint(self):
        return _NoRollback()


class _NoRollback:
    def rollback(self):
        """A savepoint rolled back keeps the queued SMS: they go or not with the transaction."""


def _write_json(path, data):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())


def _rewrite(queue_path, destination, data):
    """Whole or untouched: written to tmp/, then renamed."""
    temporary = os.path.join(queue_path, "tmp", f".conseils-{uuid.uuid4().hex}")
    _write_json(temporary, data)
    os.replace(temporary, destination)


def get_sms(request):
    return SmsQueue(request.registry.settings, request.tm)


def includeme(config):
    SmsSettings.from_settings(config.registry.settings)  # a bad setting fails at startup
    config.add_request_method(get_sms, "sms", reify=True)


# --- backends --------------------------------------------------------------------------------

class SpoolBackend:
    """Each SMS becomes a JSON file in `<queue>/outbox/`, for a gateway or a developer."""

    def __init__(self, config):
        self.outbox = os.path.join(config.queue_path, "outbox")
        self.config = config

    def send(self, message):
        os.makedirs(self.outbox, exist_ok=True)
        record = {"id": message["id"], "to": message["to"], "text": message["text"],
                  "sender": self.config.sender, "sent_at": clock.now().isoformat()}
        _rewrite(self.config.queue_path, os.path.join(self.outbox, f"{message['id']}.json"),
                 record)
        return message["id"]

    def close(self):
        """Nothing held open between two messages."""


class HttpBackend:
    """A provider's HTTP API: one POST per SMS; the answer's status decides."""

    TEMPORARY_STATUSES = {401, 403, 408, 425, 429}  # wrong credentials: fix them, lose nothing

    def __init__(self, config):
        self.config = config

    def body(self, message):
        values = {"to": message["to"], "text": message["text"], "sender": self.config.sender,
                  "id": message["id"]}
        if "json" in self.config.http_content_type:
            escaped = {k: json.dumps(v, ensure_ascii=False)[1:-1] for k, v in values.items()}
        else:
            escaped = {k: urllib.parse.quote(v, safe="") for k, v in values.items()}
        return string.Template(self.config.http_body).substitute(escaped).encode("utf-8")

    def send(self, message):
        c = self.config
        request = urllib.request.Request(c.http_url, data=self.body(message), method="POST")
        request.add_header("Content-Type", c.http_content_type)
        request.add_header("User-Agent", "conseils-citoyens-sms/1")
        if c.http_token:
            request.add_header("Authorization", f"Bearer {c.http_token}")
        elif c.http_username:
            pair = f"{c.http_username}:{c.http_password}".encode()
            request.add_header("Authorization", f"Basic {b64encode(pair).decode('ascii')}")
        try:
            # The address is the settings' sms.http.url, whose scheme is checked to be http(s).
            with urllib.request.urlopen(request, timeout=c.timeout) as response:  # nosec B310
                answer = response.read(4096)
        except urllib.error.HTTPError as exc:
            detail = " ".join(exc.read(300).decode("utf-8", "replace").split())
            reason = f"le fournisseur a répondu {exc.code} {exc.reason}" + (
                f" ({detail})" if detail else "")
            if exc.code >= 500 or exc.code in self.TEMPORARY_STATUSES:
                raise TemporaryFailure(reason) from None
            raise PermanentFailure(reason) from None
        except (urllib.error.URLError, OSError) as exc:
            why = getattr(exc, "reason", exc)
            raise Unavailable(f"fournisseur injoignable ({why})") from None
        try:
            return str(json.loads(answer or b"{}").get("id", "")) or message["id"]
        except (ValueError, AttributeError):
            return message["id"]

    def close(self):
        """Nothing held open between two messages."""


BACKENDS = {"spool": SpoolBackend, "http": HttpBackend}


def get_backend(config):
    factory = BACKENDS.get(config.backend)
    if factory is None:
        factory = DottedNameResolver().resolve(config.backend)
    return factory(config)


# --- delivery --------------------------------------------------------------------------------

@dataclasses.dataclass
class SmsReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    deferred: int = 0  # waiting for their next attempt
    held: int = 0  # quiet hours: waiting for 08:00
    problems: list = dataclasses.field(default_factory=list)

    def __str__(self):
        line = (f"SMS : {self.sent} envoyé(s), {self.retried} à réessayer, "
                f"{self.dead} abandonné(s) (dead/)")
        if self.held:
            line += f", {self.held} retenu(s) jusqu'à 8 h (pas de SMS entre 21 h et 8 h)"
        if self.deferred:
            line += f", {self.deferred} en attente"
        return line

    @property
    def failed(self):
        return self.retried + self.dead


def queued(queue_path):
    folder = os.path.join(queue_path, "new")
    if not os.path.isdir(folder):
        return []
    entries = [(e.stat().st_mtime, e.name, e.path) for e in os.scandir(folder)
               if e.is_file() and not e.name.startswith(".")]
    return [path for _, _, path in sorted(entries)]


def deliver_sms(settings, out=None, now=None):
    """Hand every due queued SMS to the backend once; one delivering process at a time."""
    config = SmsSettings.from_settings(settings)
    report = SmsReport()
    moment = now or clock.now()
    paths = queued(config.queue_path)
    if not paths:
        _say(out, str(report))
        return report
    ensure_queue(config.queue_path)
    with held(os.path.join(config.queue_path, ".lock")) as locked:  # one delivering run at a time
        if not locked:
            _say(out, "Une autre distribution des SMS est en cours : rien à faire.")
            return report
        _remove_stale_tmp(config.queue_path)
        if clock.is_quiet(moment):
            report.held = len(queued(config.queue_path))
            _say(out, str(report))
            return report
        backend = get_backend(config)
        unavailable = None
        try:
            for path in queued(config.queue_path):
                unavailable = _deliver_one(path, config, backend, report, moment, out,
                                           unavailable)
        finally:
            backend.close()
    _say(out, str(report))
    return report


def _deliver_one(path, config, backend, report, moment, out, unavailable):
    try:
        with open(path, encoding="utf-8") as f:
            message = json.load(f)
        number, text = message["to"], message["text"]
    except (OSError, ValueError, KeyError, TypeError) as exc:
        os.replace(path, _dead_path(config.queue_path, path))
        report.dead += 1
        _problem(report, out, f"abandonné {os.path.basename(path)} : fichier illisible ({exc})")
        return unavailable
    if float(message.get("next_attempt") or 0) > moment.timestamp():
        report.deferred += 1
        return unavailable
    error = unavailable
    if error is None:
        try:
            check_number(number)
            if gsm_length(text) > SMS_LENGTH:
                raise PermanentFailure(f"texte de plus de {SMS_LENGTH} caractères")
            message["provider_id"] = backend.send(message)
        except ValueError as exc:
            error = PermanentFailure(str(exc))
        except SmsError as exc:
            error = exc
    if error is None:
        os.unlink(path)
        report.sent += 1
        return None
    attempts = int(message.get("attempts") or 0) + 1
    if isinstance(error, PermanentFailure) or attempts >= config.max_attempts:
        why = str(error) if isinstance(error, PermanentFailure) else (
            f"abandon après {attempts} tentative(s) : {error}")
        message.update(attempts=attempts, dead_reason=why, dead_at=moment.isoformat())
        _rewrite(config.queue_path, _dead_path(config.queue_path, path), message)
        os.unlink(path)
        report.dead += 1
        _problem(report, out, f"abandonné le SMS {message['id']} pour {number} : {why}")
    else:
        delay = config.retry_delay * 2 ** (attempts - 1)
        message.update(attempts=attempts, next_attempt=moment.timestamp() + delay,
                       last_error=str(error))
        _rewrite(config.queue_path, path, message)
        report.retried += 1
        _problem(report, out, f"à réessayer : SMS {message['id']} pour {number} "
                              f"(tentative {attempts}/{config.max_attempts}) : {error}")
    return error if isinstance(error, Unavailable) else unavailable


def _dead_path(queue_path, path):
    base = name = os.path.basename(path)
    n = 1
    while os.path.exists(os.path.join(queue_path, "dead", name)):
        n += 1
        name = f"{base}-{n}"
    return os.path.join(queue_path, "dead", name)


def _remove_stale_tmp(queue_path):
    limit = time.time() - STALE_TMP_SECONDS
    for entry in os.scandir(os.path.join(queue_path, "tmp")):
        with contextlib.suppress(OSError):
            if entry.is_file() and entry.stat().st_mtime < limit:
                os.unlink(entry.path)


def _problem(report, out, line):
    report.problems.append(line)
    log.warning("%s", line)
    _say(out, line)


def _say(out, line):
    if out is not None:
        print(line, file=out, flush=True)
