"""A real HTTP receiver for the reliability tests and the benchmark: http.server on 127.0.0.1 in a thread.

It records every request (idempotency key, body, headers, arrival and answer times), can answer with any
status, delay its answer, go down (the socket closed: connection refused) and come back on the same port.
`unique_keys` is what a receiver that deduplicates by Idempotency-Key would have processed.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    key: str
    body: bytes
    headers: dict[str, str]
    started: float
    finished: float = 0.0

    def header(self, name: str) -> str:
        """HTTP header names are case-insensitive (urllib sends "X-onewindow-signature")."""
        return {k.lower(): v for k, v in self.headers.items()}.get(name.lower(), "")

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    status: int = 200
    delay: float = 0.0
    requests: list[Received] = field(default_factory=list)
    port: int = 0
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    arrived: threading.Event = field(default_factory=threading.Event)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                entry = Received(key=self.headers.get("Idempotency-Key", ""), body=body,
                                 headers={k: v for k, v in self.headers.items()}, started=time.monotonic())
                with receiver._lock:
                    receiver.requests.append(entry)
                receiver.arrived.set()
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.status
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                entry.finished = time.monotonic()

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
        return self

    def down(self) -> None:
        """The receiver is gone: connections are refused until `start()` again (same port)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    stop = down

    @property
    def keys(self) -> list[str]:
        with self._lock:
            return [r.key for r in self.requests]

    @property
    def unique_keys(self) -> set[str]:
        return set(self.keys)
