"""Local HTTP receivers for outgoing notifications: a webhook endpoint that verifies Standard
Webhooks signatures with the `standardwebhooks` library, and a Slack-shaped incoming webhook.

Each keeps what it received; a script of answers (status codes, Retry-After, a hang) drives
failures. Served by a thread on 127.0.0.1 and a free port."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError


@dataclass
class Answer:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    hang_seconds: float = 0.0


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    verified_with: list[int]  # indexes of the secrets that verified it

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Receiver:
    """`with Receiver(secrets=[...]) as r:` ... `r.url`, `r.received`, `r.script.append(...)`.

    Webhook-ids already processed are remembered: `processed` counts each message once, as a
    receiver following Standard Webhooks' idempotency does."""

    def __init__(self, secrets: list[str] | None = None) -> None:
        self.secrets = list(secrets or [])
        self.received: list[Received] = []
        self.processed: dict[str, Received] = {}
        self.script: list[Answer] = []
        self.lock = threading.Lock()
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                verified = []
                for index, secret in enumerate(receiver.secrets):
                    try:
                        Webhook(secret).verify(body, headers)
                    except WebhookVerificationError:
                        continue
                    verified.append(index)
                item = Received(self.path, headers, body, verified)
                with receiver.lock:
                    answer = receiver.script.pop(0) if receiver.script else Answer()
                    receiver.received.append(item)
                receiver.arrived.set()
                if answer.hang_seconds:
                    time.sleep(answer.hang_seconds)
                if 200 <= answer.status < 300 and "webhook-id" in headers:
                    with receiver.lock:
                        receiver.processed.setdefault(headers["webhook-id"], item)
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def wait(self, count: int = 1, timeout: float = 60.0) -> list[Received]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.received) >= count:
                    return list(self.received)
            time.sleep(0.05)
        raise AssertionError(f"expected {count} requests, got {len(self.received)}")

    def __enter__(self) -> Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
