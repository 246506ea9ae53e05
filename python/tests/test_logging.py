"""Logging goes through the standard ``logging`` module under the ``everruns`` logger: a script
that configures nothing prints nothing when its stream reconnects; with
``logging.basicConfig(level=logging.DEBUG)`` the reconnect and the request lines appear (at
DEBUG; at INFO with ``debug=True``), the token redacted."""

from __future__ import annotations

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import asyncio, http.server, json, logging, sys, threading
    from everruns_sdk import Everruns

    SID = "session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"

    def frame(i, kind):
        ev = {"id": f"event_{i:032x}", "type": kind, "ts": "2026-01-01T00:00:00Z",
              "session_id": SID, "sequence": i, "data": {}}
        return f"event: {kind}\\nid: {ev['id']}\\ndata: {json.dumps(ev)}\\n\\n".encode()

    calls = []

    class H(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        def log_message(self, *a): pass
        def do_GET(self):
            if "/sse" not in self.path:
                body = b'{"error":{"code":"not_found","message":"no such agent"}}'
                self.send_response(404)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                return
            calls.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Connection", "close")
            self.end_headers()
            if len(calls) == 1:
                # One event, then the connection drops without `disconnecting`.
                self.wfile.write(b'event: connected\\ndata: {}\\n\\n' + frame(1, "turn.started"))
            else:
                self.wfile.write(b'event: connected\\ndata: {}\\n\\n' + frame(2, "turn.completed"))
            self.wfile.flush()

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    if sys.argv[1] == "configured":
        logging.basicConfig(level=logging.DEBUG, stream=sys.stderr)

    async def main():
        url = f"http://127.0.0.1:{srv.server_address[1]}/api"
        async with Everruns(api_key="evr_secret_token", base_url=url, read_env=False) as c:
            seen = []
            async for e in c.events.stream(SID, from_beginning=True, initial_backoff=0.05):
                seen.append(e.type)
                if e.type == "turn.completed":
                    break
            print(",".join(seen))
            assert len(calls) == 2, calls
            try:
                await c.agents.get("agent_0190f3c2a7b87e1c9d2a5b6c7d8e9f01")
            except Exception as e:
                assert type(e).__name__ == "NotFoundError", e

    asyncio.run(main())
    """
)


def _run(mode: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", SCRIPT, mode],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )


def test_a_library_that_nobody_configured_prints_nothing() -> None:
    r = _run("silent")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "turn.started,turn.completed"
    assert r.stderr == "", r.stderr


def test_configured_logging_shows_reconnects_and_requests_with_the_token_redacted() -> None:
    r = _run("configured")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "turn.started,turn.completed"
    assert "event stream interrupted; reconnecting" in r.stderr, r.stderr
    assert "WARNING:everruns:" in r.stderr, r.stderr
    assert "DEBUG:everruns:everruns request" in r.stderr, r.stderr
    assert "/agents/agent_0190f3c2a7b87e1c9d2a5b6c7d8e9f01" in r.stderr, r.stderr
    assert "authorization=evr_****" in r.stderr, r.stderr
    assert "evr_secret_token" not in r.stderr
