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
(The backends live in notify/sms_backends.py.)

A temporary failure (the provider unreachable or silent, 5xx, 408, 429, refused credentials)
keeps the message queued with its attempts counted (`sms.max_attempts`, `sms.retry_delay`
doubled each time); a permanent one (another 4xx, an unusable number) moves it to `dead/` with
the reason. A failure counts against the message that met it only: an unreachable provider stops
the run and the messages after it keep their attempts; a timeout (« maybe sent ») is retried
with the same id, which the provider uses to drop the duplicate. A message about an item is
re-checked just before it leaves (`recheck`). Nothing leaves between 21:00 and 08:00, Paris
time, but a code the person asked for (`urgent`): the rest waits for the first run after 08:00.
"""
import contextlib
import dataclasses
import json
import logging
import os
import re
import time
import urllib.parse
import uuid

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)
from transaction.interfaces import IDataManager
from zope.interface import implementer

from . import clock
from .locks import held
from .sms_backends import (
    NoAnswer,
    PermanentFailure,
    SmsError,
    Unavailable,
    get_backend,
    rewrite,
    write_json,
)

log = logging.getLogger(__name__)

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")
DEFAULT_BODY = '{"to": "$to", "text": "$text", "sender": "$sender"}'
DEFAULT_SENDER = "Conseils"
STALE_TMP_SECONDS = 36 * 3600

# GSM 03.38 (3GPP TS 23.038), as the maintained `gsm0338` codec decodes each septet: one SMS is
# 160 of these (characters of the extension table, after the escape 0x1B, count twice).
GSM_CODEC = "gsm03.38"
GSM_BASIC = {bytes([septet]).decode(GSM_CODEC) for septet in range(128)} - {""}  # 0x1B: escape


def _extension():
    found = set()
    for septet in range(128):
        try:
            found.add(bytes([0x1B, septet]).decode(GSM_CODEC))
        except UnicodeDecodeError:
            pass  # no character there
    return found


GSM_EXTENDED = _extension()
SMS_LENGTH = 160
# French letters outside GSM 03.38 (they would turn the SMS into UCS-2, 70 characters long).
_FRENCH = str.maketrans({
    "â": "a", "ê": "e", "î": "i", "ô": "o", "û": "u", "ë": "e", "ï": "i", "ÿ": "y", "ç": "c",
    "À": "A", "Â": "A", "È": "E", "Ê": "E", "Ë": "E", "Î": "I", "Ï": "I", "Ô": "O", "Û": "U",
    "Ù": "U", "Ÿ": "Y", "œ": "oe", "Œ": "OE", "’": "'", "‘": "'", "“": '"',
    "”": '"', "«": '"', "»": '"', "–": "-", "—": "-", "…": "...", "\u00a0": " ", "\u202f": " ",
    "·": ".", "\t": " ",
})


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


def verified_mobile(user):
    """The person's mobile number if a code sent to it was typed back (views/mobile.py), else
    None: SMS go to proved numbers only, and changing the number un-verifies it (the proof
    names the number it was made for)."""
    number = getattr(user, "mobile", "") or ""
    return number if number and getattr(user, "mobile_verified", "") == number else None


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
        write_json(self.temporary, self.message)

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


def get_sms(request):
    return SmsQueue(request.registry.settings, request.tm)


def includeme(config):
    SmsSettings.from_settings(config.registry.settings)  # a bad setting fails at startup
    config.add_request_method(get_sms, "sms", reify=True)


# --- delivery --------------------------------------------------------------------------------

SILENT_LIMIT = 3  # timeouts in a row that end a run: the provider is not answering today


@dataclasses.dataclass
class SmsReport:
    sent: int = 0
    retried: int = 0
    dead: int = 0
    deferred: int = 0  # waiting for their next attempt
    held: int = 0  # quiet hours: waiting for 08:00
    not_offered: int = 0  # the run stopped before them: their attempts are untouched
    dropped: int = 0  # their item is gone or no longer visible to the person: never sent
    unchecked: int = 0  # about an item, but this run could not read the database
    problems: list = dataclasses.field(default_factory=list)

    def __str__(self):
        line = (f"SMS : {self.sent} envoyé(s), {self.retried} à réessayer, "
                f"{self.dead} abandonné(s) (dead/)")
        if self.held:
            line += f", {self.held} retenu(s) jusqu'à 8 h (pas de SMS entre 21 h et 8 h)"
        if self.deferred:
            line += f", {self.deferred} en attente"
        if self.not_offered:
            line += (f", {self.not_offered} non proposé(s) (distribution arrêtée avant eux, "
                     "tentatives intactes)")
        if self.dropped:
            line += f", {self.dropped} retiré(s) (contenu supprimé ou plus visible)"
        if self.unchecked:
            line += f", {self.unchecked} en attente d'une vérification (base non lue)"
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


def deliver_sms(settings, out=None, now=None, recheck=None):
    """Hand every due queued SMS to the backend once; one delivering process at a time.

    `recheck(message)` (notify/recheck.py) says why a message about an item may no longer leave
    (None: it may); without it, such messages wait for a run that can read the database."""
    config = SmsSettings.from_settings(settings)
    report = SmsReport()
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
        run = _Run(config, report, now or clock.now(), out, recheck)
        try:
            for path in queued(config.queue_path):
                run.offer(path)
        finally:
            run.close()
    _say(out, str(report))
    return report


class _Run:
    """One delivery run. A failure counts against the message that met it, nothing else: when
    the provider cannot be reached (or stays silent SILENT_LIMIT times in a row) the run stops
    and the messages after it keep their attempts."""

    def __init__(self, config, report, moment, out, recheck):
        self.config, self.report, self.moment, self.out = config, report, moment, out
        self.recheck, self.backend = recheck, None
        self.quiet = clock.is_quiet(moment)
        self.stopped = False
        self.silent = 0

    def close(self):
        if self.backend is not None:
            self.backend.close()

    def offer(self, path):
        report, config = self.report, self.config
        try:
            with open(path, encoding="utf-8") as f:
                message = json.load(f)
            number, text = message["to"], message["text"]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            os.replace(path, _dead_path(config.queue_path, path))
            report.dead += 1
            _problem(report, self.out,
                     f"abandonné {os.path.basename(path)} : fichier illisible ({exc})")
            return
        if self.quiet and not message.get("urgent"):
            report.held += 1
            return
        if float(message.get("next_attempt") or 0) > self.moment.timestamp():
            report.deferred += 1
            return
        if self.stopped:
            report.not_offered += 1
            return
        if message.get("item"):
            try:
                why = self.recheck(message) if self.recheck is not None else None
            except Exception as exc:  # a database that cannot be opened holds these back only
                log.warning("SMS about an item held: database unreadable (%s)", exc)
                _say(self.out, f"base illisible ({exc}) : les SMS sur un contenu attendent")
                self.recheck = None
            if self.recheck is None:
                report.unchecked += 1
                return
            if why:
                os.unlink(path)
                report.dropped += 1
                _say(self.out, f"retiré : SMS {message['id']} ({why})")
                return
        error = None
        try:
            check_number(number)
            if gsm_length(text) > SMS_LENGTH:
                raise PermanentFailure(f"texte de plus de {SMS_LENGTH} caractères")
            if self.backend is None:
                self.backend = get_backend(config)
            message["provider_id"] = self.backend.send(message)
        except ValueError as exc:
            error = PermanentFailure(str(exc))
        except SmsError as exc:
            error = exc
        if error is None:
            os.unlink(path)  # acknowledged: never offered again
            report.sent += 1
            self.silent = 0
            return
        self.silent = self.silent + 1 if isinstance(error, NoAnswer) else 0
        if isinstance(error, Unavailable) or self.silent >= SILENT_LIMIT:
            self.stopped = True
        self.fail(path, message, error)

    def fail(self, path, message, error):
        config, report = self.config, self.report
        attempts = int(message.get("attempts") or 0) + 1
        number = message["to"]
        if isinstance(error, PermanentFailure) or attempts >= config.max_attempts:
            why = str(error) if isinstance(error, PermanentFailure) else (
                f"abandon après {attempts} tentative(s) : {error}")
            message.update(attempts=attempts, dead_reason=why, dead_at=self.moment.isoformat())
            rewrite(config.queue_path, _dead_path(config.queue_path, path), message)
            os.unlink(path)
            report.dead += 1
            _problem(report, self.out, f"abandonné le SMS {message['id']} pour {number} : {why}")
        else:
            delay = config.retry_delay * 2 ** (attempts - 1)
            message.update(attempts=attempts, next_attempt=self.moment.timestamp() + delay,
                           last_error=str(error))
            rewrite(config.queue_path, path, message)
            report.retried += 1
            _problem(report, self.out, f"à réessayer : SMS {message['id']} pour {number} "
                                       f"(tentative {attempts}/{config.max_attempts}) : {error}")


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
