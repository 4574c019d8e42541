"""A fake SMS provider on loopback, speaking the way such HTTP APIs do: POST /sms with HTTP Basic
credentials and a JSON body {"to", "text", "sender"}; 201 and {"id": …} when accepted, 400 for
an unusable number, 401 for wrong credentials; told to fail, it answers 503 (or anything).

Like the real gateways that let a client retry safely, it honours the request header
`Idempotency-Key` (the IETF httpapi draft's name, also Stripe's; Twilio calls it
`I-Twilio-Idempotency-Token`): a second request with a key it already accepted is not sent
again; it answers 200 with the first message's id and counts it in `duplicates`. Told to be slow
(`slow_next`), it accepts the message, then waits before answering: the client's timeout fires
although the SMS went out, which is exactly the « maybe sent » case.

    with FakeSmsProvider() as provider:
        settings.update(provider.settings)      # sms.backend = http, URL, credentials
        ...
        provider.wait_for(2)                    # the messages it accepted
"""
import base64
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USERNAME, PASSWORD = "conseils", "secret-du-fournisseur"


class _Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output quiet
        pass

    def _answer(self, status, payload):
        body = json.dumps(payload).encode("utf-8")
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # a client that timed out has gone: the SMS was accepted all the same

    def do_POST(self):
        provider = self.server.provider
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        if self.path != "/sms":
            return self._answer(404, {"error": "not found"})
        expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
        if self.headers.get("Authorization") != expected:
            return self._answer(401, {"error": "bad credentials"})
        failure = provider._take_failure()
        if failure:
            return self._answer(failure, {"error": "provider trouble"})
        try:
            payload = json.loads(raw.decode("utf-8"))
        except ValueError:
            return self._answer(400, {"error": "body is not JSON"})
        if not str(payload.get("to", "")).startswith("+") or not payload.get("text"):
            return self._answer(400, {"error": "invalid number or empty text"})
        key = self.headers.get("Idempotency-Key")
        with provider._changed:
            provider.requests += 1
            if key and key in provider.keys:
                provider.duplicates += 1
                return self._answer(200, {"id": provider.keys[key], "status": "duplicate"})
            provider.messages.append(payload)
            message_id = f"msg-{len(provider.messages)}"
            if key:
                provider.keys[key] = message_id
            provider._changed.notify_all()
            delay = provider._take_delay()
        if delay:
            time.sleep(delay)  # accepted, but the answer comes too late
        return self._answer(201, {"id": message_id, "status": "queued"})


class FakeSmsProvider:
    def __init__(self):
        self.messages = []
        self.requests = 0  # every POST accepted past the credentials, duplicates included
        self.duplicates = 0  # requests dropped because their Idempotency-Key was seen before
        self.keys = {}  # Idempotency-Key -> the id given to its message
        self._failures = []  # [status, count left]
        self._delays = []  # [seconds, count left]
        self._every = None  # (step, seconds)
        self._changed = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.provider = self
        self._thread = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self._server.server_address[1]}/sms"

    @property
    def settings(self):
        return {"sms.backend": "http", "sms.http.url": self.url, "sms.http.username": USERNAME,
                "sms.http.password": PASSWORD, "sms.timeout": "5"}

    def fail_next(self, status=503, count=1):
        with self._changed:
            self._failures.append([status, count])

    def slow_next(self, seconds, count=1):
        """The next `count` messages are accepted, then answered after `seconds`."""
        with self._changed:
            self._delays.append([seconds, count])

    def slow_every(self, step, seconds):
        """From now on, every `step`-th new message is answered after `seconds` (0: stop)."""
        with self._changed:
            self._every = (step, seconds) if seconds else None

    def _take_delay(self):
        if self._every and len(self.messages) % self._every[0] == 0:
            return self._every[1]
        if self._delays:
            delay = self._delays[0]
            delay[1] -= 1
            if not delay[1]:
                self._delays.pop(0)
            return delay[0]
        return 0

    def _take_failure(self):
        with self._changed:
            if self._failures:
                failure = self._failures[0]
                failure[1] -= 1
                if not failure[1]:
                    self._failures.pop(0)
                return failure[0]
        return None

    def wait_for(self, count, timeout=5.0):
        with self._changed:
            if not self._changed.wait_for(lambda: len(self.messages) >= count, timeout):
                raise AssertionError(f"{len(self.messages)} SMS arrived, not {count}")
            return self.messages[:count]

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
