"""A local server speaking the SSE wire format of `GET /api/v1/sessions/{id}/sse` with a
pre-built body of N events, to measure how fast the SDK moves events into Python without the
reference server's own cost in the way."""

from __future__ import annotations

import http.server
import json
import threading
from typing import Any


def build_body(session_id: str, n: int) -> bytes:
    parts = [b'event: connected\ndata: {"status":"connected"}\n\n']
    for i in range(1, n + 1):
        eid = f"event_{i:032x}"
        ev = {
            "id": eid,
            "type": "output.message.delta",
            "ts": "2026-01-01T00:00:00.000Z",
            "session_id": session_id,
            "sequence": i,
            "context": {"turn_id": "turn_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"},
            "data": {"turn_id": "turn_0190f3c2a7b87e1c9d2a5b6c7d8e9f01", "delta": f"tok{i} ", "accumulated": ""},
        }
        data = json.dumps(ev, separators=(",", ":"))
        parts.append(f"event: output.message.delta\nid: {eid}\ndata: {data}\n\n".encode())
    done = {
        "id": f"event_{n + 1:032x}",
        "type": "turn.completed",
        "ts": "2026-01-01T00:00:00.000Z",
        "session_id": session_id,
        "sequence": n + 1,
        "data": {"turn_id": "turn_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"},
    }
    parts.append(f"event: turn.completed\nid: {done['id']}\ndata: {json.dumps(done)}\n\n".encode())
    return b"".join(parts)


class SseFixture:
    def __init__(self, body: bytes) -> None:
        outer = self
        self.body = body
        self.requests: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802
                outer.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                try:
                    self.wfile.write(outer.body)
                    self.wfile.flush()
                    # Stay open like a live stream until the client leaves.
                    self.connection.settimeout(60)
                    self.connection.recv(1)
                except OSError:
                    pass
                self.close_connection = True

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def main() -> None:
    """`python -m tests.sse_fixture SESSION_ID N`: serve in its own process, print the port."""
    import sys
    import time

    srv = SseFixture(build_body(sys.argv[1], int(sys.argv[2])))
    print(srv.port, flush=True)
    while True:
        time.sleep(3600)


if __name__ == "__main__":
    main()
