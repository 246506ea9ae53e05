"""Reproduction: a stream whose reused connection goes silent before the response head is
detected by the stream connect timeout (30 s by default), not by the liveness timeout.

    .venv/bin/python tests/chaos/repro/stall_before_response_head.py [SERVER_BIN] [--connect-timeout=S]

Starts the reference server (dev mode, SSE connection cycle 1 s) and a tiny TCP proxy that
forwards everything, except that on the SECOND event-stream request carried by one client
connection (the SDK reuses its pooled connection after a graceful `disconnecting` cycle) it
stops forwarding server→client bytes while keeping both sockets open. The Python SDK streams
the session with `liveness_timeout=1.0` and default connect timeout. It prints how long the
silent connection lasted before the SDK opened a new one. Expected with liveness 1 s: about
1 s. Observed: about 30 s (DEFAULT_STREAM_CONNECT_TIMEOUT), because the liveness timer only
starts once a response head arrived (core/src/sse/stream.rs `connect` vs `read`).
Passing `connect_timeout=2.0` brings it to about 2 s.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))


def start_server(binary: str, d: str) -> tuple[subprocess.Popen[bytes], str]:
    env = {**os.environ, "SSE_REALTIME_CYCLE_SECS": "1", "SSE_HEARTBEAT_INTERVAL_SECS": "0.3",
           "EVERRUNS_LOG": "warn"}
    p = subprocess.Popen([binary, "--dev", "--addr", "127.0.0.1:0", "--database-url",
                          f"sqlite://{d}/db.sqlite"], stdout=subprocess.PIPE, env=env)
    assert p.stdout is not None
    line = p.stdout.readline().decode().strip()
    return p, line.removeprefix("listening on http://")


def post(addr: str, path: str, body: dict[str, object]) -> dict[str, object]:
    req = urllib.request.Request(f"http://{addr}/api/v1{path}", data=json.dumps(body).encode(),
                                 headers={"content-type": "application/json",
                                          "authorization": "dev"})
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read())  # type: ignore[no-any-return]


class Proxy:
    def __init__(self, upstream: str) -> None:
        self.host, port = upstream.rsplit(":", 1)
        self.port = int(port)
        self.stalled_at: float | None = None
        self.connections: list[float] = []

    async def handle(self, cr: asyncio.StreamReader, cw: asyncio.StreamWriter) -> None:
        self.connections.append(time.monotonic())
        sr, sw = await asyncio.open_connection(self.host, self.port)
        requests = 0
        stalled = asyncio.Event()

        async def up() -> None:
            nonlocal requests
            while data := await cr.read(65536):
                if data.startswith(b"GET ") and b"/sse" in data.split(b"\r\n", 1)[0]:
                    requests += 1
                    if requests == 2 and self.stalled_at is None:
                        self.stalled_at = time.monotonic()
                        stalled.set()
                sw.write(data)
                await sw.drain()

        async def down() -> None:
            while data := await sr.read(65536):
                if stalled.is_set():
                    await asyncio.sleep(3600)  # silent, sockets open
                cw.write(data)
                await cw.drain()

        try:
            await asyncio.gather(up(), down(), return_exceptions=True)
        except asyncio.CancelledError:
            pass
        finally:
            cw.close()
            sw.close()


async def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--connect-timeout=")]
    connect = [float(a.split("=", 1)[1]) for a in sys.argv[1:] if a.startswith("--connect-timeout=")]
    binary = args[0] if args else os.path.join(ROOT, "target/debug/everruns-server")
    tmp = tempfile.TemporaryDirectory(prefix="everruns-repro-")
    server, addr = start_server(binary, tmp.name)
    try:
        agent = post(addr, "/agents", {"name": "repro", "system_prompt": "x"})
        session = post(addr, "/sessions", {"agent_id": agent["id"]})
        proxy = Proxy(addr)
        srv = await asyncio.start_server(proxy.handle, "127.0.0.1", 0)
        port = srv.sockets[0].getsockname()[1]
        from everruns_sdk import Everruns

        client = Everruns(api_key="dev", base_url=f"http://127.0.0.1:{port}/api", read_env=False)
        stream = client.events.stream(str(session["id"]), from_beginning=True,
                                      liveness_timeout=1.0, initial_backoff=0.1, max_backoff=0.5,
                                      connect_timeout=connect[0] if connect else None)

        async def consume() -> None:
            async for _ in stream:
                pass

        task = asyncio.create_task(consume())
        t0 = time.monotonic()
        while time.monotonic() - t0 < 90:
            await asyncio.sleep(0.1)
            if proxy.stalled_at is not None:
                later = [c for c in proxy.connections if c > proxy.stalled_at]
                if later:
                    print(f"silent reused connection replaced after "
                          f"{later[0] - proxy.stalled_at:.1f} s (liveness_timeout=1.0 s)")
                    break
        else:
            print("no reconnect within 90 s")
        stream.stop()
        task.cancel()
        srv.close()
    finally:
        server.kill()
        server.wait()
        tmp.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
