"""Reproduction: SIGTERM does not stop the server while one SSE subscriber does not read.

    python3 tests/chaos/repro/shutdown_blocked_by_unread_stream.py [SERVER_BIN]

Starts the reference server (dev mode), runs one llmsim turn that stores ~15 MB of events
(a batch of `add` tool calls and three `write_file` calls with 1 MB of content each, which
show up in several events), then opens `GET /sse` from the beginning on a raw socket with a
small receive buffer and never reads from it: the server's writes to that subscriber block once
the socket buffers are full (what a half-open or stalled peer looks like). Then it sends
SIGTERM and measures how long the process takes to exit (giving up after 60 s).

Expected: graceful shutdown (`disconnecting` with reason `server_shutdown` to every subscriber)
finishes in a bounded time, e.g. a few seconds. Observed before the fix: the server did not
exit while the subscriber's connection stayed open. Since the fix (chaos-findings #3) a blocked
subscriber observes the shutdown and the server drops connections still open after
`--shutdown-grace-secs` (default 10 s): it exits 10.0 s after SIGTERM; with a reading
subscriber (--read) it exits at once (0.1 s).
Only the standard library is used.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))


def call(addr: str, method: str, path: str, body: object = None) -> object:
    req = urllib.request.Request(
        f"http://{addr}/api/v1{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"content-type": "application/json", "authorization": "dev"})
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read() or b"null")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    reading = "--read" in sys.argv
    binary = args[0] if args else os.path.join(ROOT, "target/debug/everruns-server")
    tmp = tempfile.TemporaryDirectory(prefix="everruns-repro-")
    d = tmp.name
    server = subprocess.Popen([binary, "--dev", "--addr", "127.0.0.1:0", "--database-url",
                               f"sqlite://{d}/db.sqlite"], stdout=subprocess.PIPE,
                              env={**os.environ, "EVERRUNS_LOG": "warn"})
    assert server.stdout is not None
    addr = server.stdout.readline().decode().strip().removeprefix("listening on http://")
    try:
        agent = call(addr, "POST", "/agents", {"name": "repro", "system_prompt": "x",
                                              "capabilities": [{"ref": "test_math"},
                                                               {"ref": "session_file_system"}]})
        sid = call(addr, "POST", "/sessions", {"agent_id": agent["id"]})["id"]  # type: ignore[index]
        calls = [{"name": "add", "arguments": {"a": 1, "b": k}} for k in range(1500)]
        calls += [{"name": "write_file", "arguments": {"path": f"/big{k}.txt", "content": "x" * 1_000_000}}
                  for k in range(3)]
        call(addr, "PUT", f"/sessions/{sid}/llmsim",
             {"steps": [{"text": "working", "tool_calls": calls}, {"text": "done"}]})
        call(addr, "POST", f"/sessions/{sid}/messages",
             {"message": {"role": "user", "content": [{"type": "text", "text": "go"}]}})
        while not call(addr, "GET", f"/sessions/{sid}/events?types=turn.completed")["data"]:  # type: ignore[index]
            time.sleep(0.5)
        raw = urllib.request.urlopen(urllib.request.Request(
            f"http://{addr}/api/v1/sessions/{sid}/events", headers={"authorization": "dev"})).read()
        n = len(json.loads(raw)["data"])
        host, port = addr.rsplit(":", 1)
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((host, int(port)))
        s.sendall(f"GET /api/v1/sessions/{sid}/sse HTTP/1.1\r\nHost: {addr}\r\n"
                  "Authorization: dev\r\nAccept: text/event-stream\r\n\r\n".encode())
        got = 0
        t_end = time.monotonic() + 3
        while reading and time.monotonic() < t_end:
            s.settimeout(0.2)
            try:
                got += len(s.recv(65536))
            except socket.timeout:
                pass
        if not reading:
            time.sleep(3)  # let the server fill the socket buffers
        who = "reads" if reading else "does not read"
        print(f"{n} events ({len(raw) / 1e6:.1f} MB) stored; subscriber {who}; SIGTERM")
        t0 = time.monotonic()
        server.send_signal(signal.SIGTERM)
        while reading and server.poll() is None and time.monotonic() - t0 < 60:
            s.settimeout(0.2)
            try:
                if not s.recv(65536):
                    break
            except socket.timeout:
                pass
        try:
            server.wait(timeout=max(0.1, 60 - (time.monotonic() - t0)))
            print(f"server exited {time.monotonic() - t0:.1f} s after SIGTERM")
        except subprocess.TimeoutExpired:
            print("server still running 60 s after SIGTERM (killing it)")
        s.close()
    finally:
        server.kill()
        server.wait()
        tmp.cleanup()


if __name__ == "__main__":
    main()
