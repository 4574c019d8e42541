"""Email, queued when the transaction commits and delivered to SMTP later by `conseils-mail`.

A request writes its messages through repoze.sendmail's QueuedMailDelivery joined to the
request's own transaction manager, so an aborted request sends nothing. Delivery deletes a
queued file only once the SMTP server has accepted it: a crash may send a message twice, never
drop one. Attempts are kept in headers of the queued file itself (`X-Conseils-Attempts`,
`-Next-Attempt`, `-Last-Error`), rewritten atomically; messages given up on go to `<queue>/dead/`
with an `X-Conseils-Dead-Reason` header.

Messages people did not ask for one by one (alerts, digests, reminders, the newsletter) carry
`List-Unsubscribe` with `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058: the mail
program POSTs to the link, no sign-in needed) and `Precedence: bulk`; every message says
`Auto-Submitted: auto-generated` (RFC 3834), so no vacation reply comes back.
"""
import contextlib
import dataclasses
import email.errors
import logging
import os
import secrets
import smtplib
import time
import uuid
from email import message_from_bytes
from email.header import Header, decode_header, make_header
from email.message import EmailMessage
from email.policy import compat32
from email.utils import formatdate, parseaddr

from repoze.sendmail.delivery import QueuedMailDelivery

from .locks import held

log = logging.getLogger(__name__)

DEFAULT_SENDER = "Conseils citoyens <ne-pas-repondre@conseils-citoyens.localhost>"
TLS_MODES = ("none", "starttls", "ssl")
ENVELOPE_FROM, ENVELOPE_TO = "X-Actually-From", "X-Actually-To"  # repoze.sendmail's names
ATTEMPTS, NEXT_ATTEMPT = "X-Conseils-Attempts", "X-Conseils-Next-Attempt"
LAST_ERROR, DEAD_REASON = "X-Conseils-Last-Error", "X-Conseils-Dead-Reason"
# A mail about an item names it and its recipient, to be re-checked when it leaves (recheck.py).
ABOUT_ITEM, ABOUT_USER = "X-Conseils-Item", "X-Conseils-User"
PRIVATE_HEADERS = (ENVELOPE_FROM, ENVELOPE_TO, ATTEMPTS, NEXT_ATTEMPT, LAST_ERROR, DEAD_REASON,
                   ABOUT_ITEM, ABOUT_USER)
STALE_TMP_SECONDS = 36 * 3600  # the maildir convention for abandoned writes


@dataclasses.dataclass(frozen=True)
class MailSettings:
    queue_path: str
    default_sender: str = DEFAULT_SENDER
    host: str = "localhost"
    port: int = 25
    username: str = ""
    password: str = ""
    tls: str = "none"
    max_attempts: int = 5
    retry_delay: float = 300.0  # doubled after each failed attempt
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, settings):
        get = lambda key, default: (settings.get(f"mail.{key}") or "").strip() or default  # noqa
        tls = get("tls", "none").lower()
        if tls not in TLS_MODES:
            raise ValueError(f"mail.tls doit valoir none, starttls ou ssl (et non « {tls} »)")
        return cls(
            queue_path=os.path.abspath(get("queue_path", os.path.join("var", "mail"))),
            default_sender=get("default_sender", DEFAULT_SENDER),
            host=get("host", "localhost"),
            port=int(get("port", "465" if tls == "ssl" else "25")),
            username=get("username", ""), password=get("password", ""), tls=tls,
            max_attempts=max(1, int(get("max_attempts", "5"))),
            retry_delay=float(get("retry_delay", "300")), timeout=float(get("timeout", "30")))


def ensure_queue(queue_path):
    """The maildir folders and the dead-letter folder; parents included, unlike repoze's."""
    for sub in ("new", "cur", "tmp", "dead"):
        os.makedirs(os.path.join(queue_path, sub), exist_ok=True)


class Mailer:
    """Builds messages and queues them in the transaction of `tm`."""

    def __init__(self, settings, tm):
        self.config = MailSettings.from_settings(settings)
        ensure_queue(self.config.queue_path)
        self.tm = tm
        self.delivery = QueuedMailDelivery(self.config.queue_path, transaction_manager=tm)

    def send(self, to, subject, text, html=None, headers=None, sender=None,
             unsubscribe_url=None, bulk=False, about=None):
        """Queue a message, written to disk only if the transaction commits; its Message-Id.

        `unsubscribe_url`: the one-click link (a signed token in it, no sign-in needed) that
        stops this kind of message; it makes the message a bulk one. `about`: (item key, user
        id) when the message speaks of an item, re-checked when it leaves (never sent out)."""
        recipients = [to] if isinstance(to, str) else list(to)
        if not recipients:
            raise ValueError("a message needs at least one recipient")
        listed = list_headers(unsubscribe_url) if unsubscribe_url else {}
        headers = dict(headers or {})
        if about:
            headers[ABOUT_ITEM], headers[ABOUT_USER] = about
        if bulk or unsubscribe_url:
            headers.setdefault("Precedence", "bulk")
        message = build_message(sender or self.config.default_sender, recipients, subject,
                                text, html, headers)
        envelope_to = [parseaddr(r)[1] for r in recipients]
        if not all(envelope_to):
            raise ValueError(f"unusable recipient in {recipients!r}")
        self.tm.get()  # no transaction, no message: fail before writing anything
        # QueuedMailDelivery.send() would "clean up" the message in place, relabelling our UTF-8
        # parts as us-ascii; the message is already 7-bit clean, so queue it the way send() does
        # without that step: written to tmp/ now, moved to new/ when the transaction commits.
        queued = message_from_bytes(message.as_bytes(), policy=compat32)
        # Added to the compat32 copy: the modern policy would turn a long link into RFC 2047
        # encoded words, which mail programs do not read as a link.
        for name, value in listed.items():
            queued[name] = value
        managed = self.delivery.createDataManager(parseaddr(message["From"])[1], envelope_to,
                                                  queued)
        managed.join_transaction()
        return message["Message-Id"]


def list_headers(unsubscribe_url):
    """The headers of a message one can leave in one click (RFC 2369, RFC 8058)."""
    if not unsubscribe_url.startswith("https://") and not unsubscribe_url.startswith("http://"):
        raise ValueError("the unsubscribe link must be an absolute http(s) address")
    if not unsubscribe_url.isascii() or any(c in unsubscribe_url for c in "<> \r\n"):
        raise ValueError("the unsubscribe link must be a plain ASCII address")
    return {"List-Unsubscribe": f"<{unsubscribe_url}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def build_message(sender, recipients, subject, text, html=None, headers=None):
    """multipart/alternative in UTF-8 quoted-printable: 7-bit clean for any SMTP server."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "conseils-citoyens.localhost"
    # short enough never to be folded (a folded Message-Id reads back with a leading space)
    message["Message-Id"] = f"<{secrets.token_hex(12)}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"  # no vacation replies to a no-reply address
    message.set_content(text, charset="utf-8", cte="quoted-printable")
    if html is not None:
        message.add_alternative(html, subtype="html", charset="utf-8", cte="quoted-printable")
    message["Content-Language"] = "fr"  # after the content: set_content drops Content-* headers
    for name, value in (headers or {}).items():
        del message[name]
        message[name] = value
    return message


def get_mailer(request):
    return Mailer(request.registry.settings, request.tm)


def includeme(config):
    ensure_queue(MailSettings.from_settings(config.registry.settings).queue_path)
    config.add_request_method(get_mailer, "mailer", reify=True)
    # The other channels and the alerts come with the mailer: `request.sms`, and the object
    # event subscribers that record pending alerts (notify/alerts.py).
    config.include("conseils_site.notify.sms")
    config.include("conseils_site.notify.alerts")


@dataclasses.dataclass
class DeliveryReport:
    sent: int = 0
    retried: int = 0  # temporary failure: still queued, attempt counted
    dead: int = 0  # moved to <queue>/dead/
    deferred: int = 0  # waiting for their next attempt time
    dropped: int = 0  # about an item deleted or no longer visible to the recipient: not sent
    unchecked: int = 0  # about an item, but this run could not read the database: kept
    problems: list = dataclasses.field(default_factory=list)

    def __str__(self):
        line = (f"Courriels : {self.sent} envoyé(s), {self.retried} à réessayer, "
                f"{self.dead} abandonné(s) (dead/)")
        line += f", {self.deferred} en attente" if self.deferred else ""
        line += (f", {self.dropped} retiré(s) (contenu supprimé ou plus visible)"
                 if self.dropped else "")
        return line + (f", {self.unchecked} en attente d'une vérification (base non lue)"
                       if self.unchecked else "")


class _Unavailable(Exception):
    """The server could not be reached or refused the session: never the message's fault."""


class _Connection:
    """One SMTP session per run, opened at the first message; unreachable means for all."""

    def __init__(self, config):
        self.config, self.smtp, self.error = config, None, None

    def get(self):
        if self.error is not None:
            raise self.error
        if self.smtp is None:
            try:
                self.smtp = self._open()
            except (OSError, smtplib.SMTPException) as exc:
                self.error = _Unavailable(f"serveur {self.config.host}:{self.config.port} "
                                          f"injoignable ({_describe(exc)})")
                raise self.error from exc
        return self.smtp

    def _open(self):
        c = self.config
        if c.tls == "ssl":
            smtp = smtplib.SMTP_SSL(c.host, c.port, timeout=c.timeout)
        else:
            smtp = smtplib.SMTP(c.host, c.port, timeout=c.timeout)
        try:
            if c.tls == "starttls":
                smtp.starttls()
            if c.username:
                smtp.login(c.username, c.password)
        except BaseException:
            smtp.close()
            raise
        return smtp

    def drop(self):
        if self.smtp is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self.smtp.quit()
            self.smtp.close()
            self.smtp = None


def deliver_queue(settings, out=None, now=None, recheck=None):
    """Deliver every due queued message once; one delivering process at a time. A message
    about an item is re-checked first by `recheck` (notify/recheck.py); without it, it waits."""
    config = MailSettings.from_settings(settings)
    ensure_queue(config.queue_path)
    report = DeliveryReport()
    with held(os.path.join(config.queue_path, ".lock")) as locked:  # one delivering run at a time
        if not locked:
            _say(out, "Une autre distribution du courrier est en cours : rien à faire.")
            return report
        _remove_stale_tmp(config.queue_path)
        connection = _Connection(config)
        recheck = _guarded(recheck, out) if recheck is not None else None
        try:
            for path in _queued(config.queue_path):
                _deliver_one(path, config, connection, report, now or time.time(), out,
                             recheck)
        finally:
            connection.drop()
    _say(out, str(report))
    return report


class _Held(Exception):
    """This message about an item cannot be checked in this run: it stays queued."""


def _guarded(recheck, out):
    """The recheck until it fails once (a database that cannot be opened): from then on the
    messages about an item wait for a later run, and every other message still leaves."""
    broken = []

    def check(message):
        if broken:
            raise _Held()
        try:
            return recheck(message)
        except Exception as exc:
            broken.append(exc)
            log.warning("mail about an item held: database unreadable (%s)", exc)
            _say(out, f"base illisible ({exc}) : les courriels sur un contenu attendent")
            raise _Held() from None
    return check


def _deliver_one(path, config, connection, report, now, out, recheck=None):
    try:
        with open(path, "rb") as f:
            message = message_from_bytes(f.read(), policy=compat32)
        sender, recipients = _header_text(message[ENVELOPE_FROM]), _envelope_to(message)
        subject = _header_text(message["Subject"])
    except (ValueError, LookupError, email.errors.MessageError) as exc:
        os.replace(path, _dead_path(config.queue_path, path))  # kept as it is, for a human
        report.dead += 1
        return _problem(report, out, f"abandonné {os.path.basename(path)} : fichier illisible "
                                     f"({exc})")
    if _float(message[NEXT_ATTEMPT]) > now:
        report.deferred += 1
        return
    if message[ABOUT_ITEM]:
        try:
            if recheck is None:
                raise _Held()
            why = recheck({"item": _header_text(message[ABOUT_ITEM]),
                           "user_id": _header_text(message[ABOUT_USER])})
        except _Held:
            report.unchecked += 1
            return
        if why:
            os.unlink(path)
            report.dropped += 1
            _say(out, f"retiré « {subject} » ({why})")
            return
    refused = dict.fromkeys(recipients or [""], (550, "enveloppe sans destinataire"))
    if recipients:
        try:
            refused = connection.get().sendmail(sender, recipients, _outgoing(message))
        except smtplib.SMTPRecipientsRefused as exc:
            refused = exc.recipients
        except smtplib.SMTPResponseException as exc:
            refused = dict.fromkeys(recipients, (exc.smtp_code, exc.smtp_error))
        except (UnicodeError, ValueError, smtplib.SMTPNotSupportedError) as exc:
            refused = dict.fromkeys(recipients, (550, f"message impossible à transmettre ({exc})"))
            connection.drop()  # the session may be half-way through a transaction
        except (_Unavailable, OSError) as exc:  # smtplib's other errors are OSErrors too
            refused = dict.fromkeys(recipients, (None, exc))
            connection.drop()
        if any(code == 421 for code, _ in refused.values()):
            connection.drop()  # the server is closing the session
    failures = {r: (code, _describe(reason, code)) for r, (code, reason) in refused.items()}
    if any(r not in failures for r in recipients):
        report.sent += 1
    permanent = {r: why for r, (code, why) in failures.items() if code and 500 <= code < 600}
    temporary = {r: why for r, (code, why) in failures.items() if r not in permanent}
    attempts = int(_float(message[ATTEMPTS])) + 1
    if temporary and attempts >= config.max_attempts:
        permanent.update({r: f"abandon après {attempts} tentative(s) : {why}"
                          for r, why in temporary.items()})
        temporary = {}
    if permanent:  # the dead-letter copy first: a crash then leaves the queued file behind
        reason = "; ".join(f"{r or '?'} : {why}" for r, why in permanent.items())
        _write(message, _dead_path(config.queue_path, path), config.queue_path,
               {ENVELOPE_TO: ", ".join(r for r in permanent if r), DEAD_REASON: reason})
        report.dead += 1
        for recipient, why in permanent.items():
            _problem(report, out, f"abandonné « {subject} » pour {recipient or '?'} : {why}")
    if temporary:
        delay = config.retry_delay * 2 ** (attempts - 1)
        _write(message, path, config.queue_path, {
            ENVELOPE_TO: ", ".join(temporary), ATTEMPTS: str(attempts),
            NEXT_ATTEMPT: f"{now + delay:.3f}", LAST_ERROR: next(iter(temporary.values()))})
        report.retried += 1
        for recipient, why in temporary.items():
            _problem(report, out, f"à réessayer « {subject} » pour {recipient} "
                                  f"(tentative {attempts}/{config.max_attempts}) : {why}")
    else:
        os.unlink(path)


def _outgoing(message):
    """The bytes the server gets: our bookkeeping headers stay in the queue, and lines end in
    CRLF (smtplib sends bytes as they are, and strict servers refuse bare LF)."""
    copy = message_from_bytes(message.as_bytes(), policy=compat32)
    for name in PRIVATE_HEADERS:
        del copy[name]
    return copy.as_bytes(policy=compat32.clone(linesep="\r\n"))


def _dead_path(queue_path, path):
    base = name = os.path.basename(path)
    n = 1
    while os.path.exists(os.path.join(queue_path, "dead", name)):
        n += 1
        name = f"{base}-{n}"
    return os.path.join(queue_path, "dead", name)


def _write(message, destination, queue_path, headers):
    """Write to tmp/, flush to disk, then rename: the destination is whole or untouched."""
    message = message_from_bytes(message.as_bytes(), policy=compat32)
    for name, value in headers.items():
        del message[name]
        message[name] = value if value.isascii() else Header(value, "utf-8")
    temporary = os.path.join(queue_path, "tmp", f".conseils-{uuid.uuid4().hex}")
    with open(temporary, "wb") as f:
        f.write(message.as_bytes())
        f.flush()
        os.fsync(f.fileno())
    os.replace(temporary, destination)


def _queued(queue_path):
    entries = []
    for sub in ("new", "cur"):
        for entry in os.scandir(os.path.join(queue_path, sub)):
            if entry.is_file() and not entry.name.startswith("."):
                entries.append((entry.stat().st_mtime, entry.path))
    return [path for _, path in sorted(entries)]


def _remove_stale_tmp(queue_path):
    """Files a crashed process left in tmp/ were never committed: not messages to send."""
    limit = time.time() - STALE_TMP_SECONDS
    for entry in os.scandir(os.path.join(queue_path, "tmp")):
        with contextlib.suppress(OSError):
            if entry.is_file() and entry.stat().st_mtime < limit:
                os.unlink(entry.path)


def _envelope_to(message):
    return [a for a in (s.strip() for s in _header_text(message[ENVELOPE_TO]).split(",")) if a]


def _header_text(value):
    return str(make_header(decode_header(value))) if value else ""


def _float(value):
    try:
        return float(value or 0)
    except ValueError:
        return 0.0


_OS_ERRORS_FR = ((ConnectionRefusedError, "connexion refusée"), (TimeoutError, "délai dépassé"),
                 (smtplib.SMTPServerDisconnected, "connexion coupée par le serveur"))


def _describe(reason, code=None):
    """One readable line for a failure, whatever form smtplib gave it in."""
    if isinstance(reason, bytes):
        reason = reason.decode("utf-8", "replace")
    text = " ".join(str(reason).split()) or reason.__class__.__name__
    for kind, french in _OS_ERRORS_FR:
        if isinstance(reason, kind):
            text = f"{french} ({text})"
            break
    return (f"{code} {text}" if code else text)[:300]


def _problem(report, out, line):
    report.problems.append(line)
    log.warning("%s", line)
    _say(out, line)


def _say(out, line):
    if out is not None:
        print(line, file=out, flush=True)
