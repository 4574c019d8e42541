"""A real SMTP server on loopback, so mail tests go through the production delivery code."""
import socket
import threading
from email import message_from_bytes
from email.policy import default as default_policy

from aiosmtpd.controller import Controller


def free_port():
    """A loopback port nobody listens on (also what a "server down" test connects to)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Handler:
    def __init__(self, server):
        self.server = server

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        refusal = self.server._take_refusal("rcpt", address)
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        refusal = self.server._take_refusal("data", None)
        if refusal:
            return refusal
        # CRLF is the wire's line ending; the tests compare text with Python's "\n"
        content = envelope.content.replace(b"\r\n", b"\n")
        message = message_from_bytes(content, policy=default_policy)
        message.envelope_from = envelope.mail_from
        message.envelope_to = list(envelope.rcpt_tos)
        self.server._received(message)
        return "250 Message accepted"


class MailServer:
    """Keeps what it receives: `messages` are parsed EmailMessage objects carrying
    `envelope_from` and `envelope_to`."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.host = "127.0.0.1"
        self.messages = []
        self._refusals = []  # [stage, code, text, only this address or None, count left]
        self._changed = threading.Condition()
        self._controller = Controller(_Handler(self), hostname=self.host, port=self.port)

    @property
    def settings(self):
        return {"mail.host": self.host, "mail.port": str(self.port)}

    def start(self):
        self._controller.start()
        return self

    def stop(self):
        self._controller.stop()

    def refuse_next(self, code, text=None, stage="data", address=None, count=1):
        """Refuse the next `count` messages (stage "data") or recipients (stage "rcpt", only
        `address` when given) with an SMTP code: 5xx permanent, 4xx temporary."""
        text = text or ("Refused by the test server" if code >= 500 else "Try again later")
        with self._changed:
            self._refusals.append([stage, code, text, address, count])

    def wait_for(self, count, timeout=5.0):
        """The first `count` messages, once they have arrived; AssertionError after timeout."""
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"{len(self.messages)} message(s) arrived, not {count}")
            return self.messages[:count]

    def _take_refusal(self, stage, address):
        with self._changed:
            for refusal in self._refusals:
                if refusal[0] == stage and refusal[3] in (None, address):
                    refusal[4] -= 1
                    if not refusal[4]:
                        self._refusals.remove(refusal)
                    return f"{refusal[1]} {refusal[2]}"
        return None

    def _received(self, message):
        with self._changed:
            self.messages.append(message)
            self._changed.notify_all()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
