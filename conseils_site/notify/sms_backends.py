"""How a queued SMS leaves: the backends (the spool, a provider's HTTP API, or any
`package.module:Class` with `send(message)` and `close()`) and the failures they report.

The HTTP backend sends each message's own id twice over: in the body template as `$id`, and in
the `Idempotency-Key` request header (draft-ietf-httpapi-idempotency-key-header, the name most
HTTP APIs use). A provider that honours it drops the second copy of a message whose first answer
was lost to a timeout; a provider that does not may deliver that SMS twice, and the reason says
so."""
import http.client
import json
import os
import string
import urllib.error
import urllib.parse
import urllib.request
import uuid
from base64 import b64encode

from pyramid.util import DottedNameResolver

from . import clock


class SmsError(Exception):
    """A delivery failure; its str() is the French reason."""


class TemporaryFailure(SmsError):
    """Try again later: the message stays queued."""


class PermanentFailure(SmsError):
    """This message will never go: it moves to dead/."""


class Unavailable(TemporaryFailure):
    """The backend cannot be reached at all: no use trying the other messages in this run."""


class NoAnswer(TemporaryFailure):
    """The request left but no answer came back in time: the provider may have sent the SMS.
    Only this message pays an attempt; its retry carries the same id."""


def write_json(path, data):
    with open(path, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False, indent=1)
        f.flush()
        os.fsync(f.fileno())


def rewrite(queue_path, destination, data):
    """Whole or untouched: written to tmp/, then renamed."""
    temporary = os.path.join(queue_path, "tmp", f".conseils-{uuid.uuid4().hex}")
    write_json(temporary, data)
    os.replace(temporary, destination)


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
        rewrite(self.config.queue_path, os.path.join(self.outbox, f"{message['id']}.json"),
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
        request.add_header("Idempotency-Key", message["id"])  # the same on every retry
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
        except urllib.error.URLError as exc:  # before the request left: nothing was sent
            raise Unavailable(f"fournisseur injoignable ({exc.reason})") from None
        except (OSError, http.client.HTTPException) as exc:  # it left, the answer did not come
            why = f"{c.timeout:g} s" if isinstance(exc, TimeoutError) else f"réponse coupée ({exc})"
            raise NoAnswer(f"pas de réponse du fournisseur ({why}) : SMS peut-être envoyé, "
                           "renvoyé avec le même identifiant") from None
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


