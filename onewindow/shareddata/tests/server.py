"""A local register for tests: http.server in a thread on 127.0.0.1 with scripted behaviour."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse


class Register:
    def __init__(self) -> None:
        self.records: dict[str, dict[str, Any]] = {}
        self.token = "secret-token"
        self.delay = 0.0
        self.fail_first = 0  # answer 503 this many times first
        self.requests: list[dict[str, Any]] = []


@contextmanager
def local_register() -> Iterator[tuple[str, Register]]:
    register = Register()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - http.server API
            query = parse_qs(urlparse(self.path).query)
            subject = (query.get("id") or [""])[0]
            register.requests.append({"path": self.path, "auth": self.headers.get("Authorization")})
            if register.delay:
                time.sleep(register.delay)
            if self.headers.get("Authorization") != f"Bearer {register.token}":
                return self._send(401, {"error": "unauthorised"})
            if register.fail_first > 0:
                register.fail_first -= 1
                return self._send(503, {"error": "busy"})
            if subject not in register.records:
                return self._send(404, {"error": "not found"})
            return self._send(200, {"code": 0, "data": register.records[subject]})

        def _send(self, status: int, body: dict[str, Any]) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):  # the client gave up (timeout test)
                pass

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/registers/population", register
    finally:
        server.shutdown()
        server.server_close()


def closed_port() -> int:
    """A port on 127.0.0.1 with nothing listening (connection refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
