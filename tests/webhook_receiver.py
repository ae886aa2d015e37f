"""A partner's webhook endpoint in the test process: a real HTTP server on loopback that
verifies every delivery's signature with the ``standardwebhooks`` package, as a partner would,
and answers as scripted (a status, a delay, a body), then 200 once the script runs out."""

import http.server
import json
import threading
import time
from dataclasses import dataclass, field

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    headers: dict
    body: bytes
    verified: dict | None  # the payload, when the signature verified with ``secret``
    error: str = ""

    @property
    def id(self) -> str:
        return self.headers["webhook-id"]

    @property
    def payload(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str = ""
    secret: str | None = None  # what the partner verifies with
    script: list = field(default_factory=list)  # (status, delay seconds, body) per request
    received: list = field(default_factory=list)

    def verify(self, headers: dict, body: bytes, secret: str) -> dict:
        return Webhook(secret).verify(body, headers)


def start() -> tuple[Receiver, http.server.ThreadingHTTPServer]:
    receiver = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            headers = {name.lower(): value for name, value in self.headers.items()}
            verified, error = None, ""
            if receiver.secret:
                try:
                    verified = receiver.verify(headers, body, receiver.secret)
                except WebhookVerificationError as failure:
                    error = str(failure)
            receiver.received.append(Received(headers, body, verified, error))
            status, delay, answer = receiver.script.pop(0) if receiver.script else (200, 0, b"ok")
            if delay:
                time.sleep(delay)
            try:
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("Location", receiver.url + "elsewhere")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:  # the sender gave up waiting
                pass

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/"
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    return receiver, server
