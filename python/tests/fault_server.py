"""A tiny local HTTP server that answers with scripted statuses, bodies, headers and delays.

Used for error-class tests (429/5xx/HTML/invalid JSON), timeouts, cancellation and GIL tests.
It speaks plain HTTP/1.1 like the reference server; no mocking of the SDK itself.
"""

from __future__ import annotations

import http.server
import json
import select
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Optional


@dataclass
class Reply:
    status: int = 200
    body: bytes = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    delay: float = 0.0
    #: Hold the request open (until the client disconnects or `hang` seconds pass).
    hang: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]  # lower-case names
    body: bytes
    disconnected_at: Optional[float] = None
    #: `time.monotonic()` when the request arrived.
    at: float = field(default_factory=time.monotonic)


class FaultServer:
    def __init__(self) -> None:
        self.replies: list[Reply] = []
        self.default = Reply()
        self.seen: list[Seen] = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _handle(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
                with outer.lock:
                    outer.seen.append(seen)
                    reply = outer.replies.pop(0) if outer.replies else outer.default
                if reply.hang:
                    seen.disconnected_at = outer._wait_disconnect(self.connection, reply.hang)
                    self.close_connection = True
                    return
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                for k, v in reply.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @staticmethod
    def _wait_disconnect(conn: socket.socket, limit: float) -> Optional[float]:
        end = time.monotonic() + limit
        while time.monotonic() < end:
            r, _, _ = select.select([conn], [], [], 0.05)
            if r:
                try:
                    if conn.recv(1, socket.MSG_PEEK) == b"":
                        return time.monotonic()
                except OSError:
                    return time.monotonic()
        return None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def push(self, *replies: Reply) -> None:
        with self.lock:
            self.replies.extend(replies)

    def push_json(self, status: int, obj: Any, headers: Optional[dict[str, str]] = None, **kw: Any) -> None:
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        self.push(Reply(status=status, body=json.dumps(obj).encode(), headers=h, **kw))

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def problem(status: int, code: str, message: str, **extra: Any) -> dict[str, Any]:
    """The reference server's hybrid error body (docs/decisions.md#5)."""
    body = {
        "error": {"code": code, "message": message},
        "type": f"https://docs.everruns.com/errors/{code}",
        "title": "Error",
        "status": status,
        "detail": message,
        "code": code,
    }
    body.update(extra)
    return body
