#!/usr/bin/env python3
"""Python fan-out latency, hub on vs off, in one run (profiling aid for `make bench`'s
"1,000 concurrent streams" row; see bench/README.md).

    .venv/bin/python bench/clients/py_fanout.py --host-bin target/release/everruns-bench \\
        [--streams 1000] [--count 50] [--interval-ms 50] [--rounds 2]

Starts `everruns-bench host` on a temp SQLite file, then per round and per mode runs
`py_client.py latency` (the bench's own Python client) with EVERRUNS_STREAM_HUB=1 or 0, and
prints p50/p99 in ms per mode, rounds interleaved. The driver appends through the host's
`POST /bench/append` exactly as `everruns-bench run` does (warm-up events until every stream
got one, then `count` events `interval-ms` apart).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

HERE = pathlib.Path(__file__).resolve().parent


def post(url: str, body: object) -> object:
    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "authorization": "Bearer dev"},
    )
    with urllib.request.urlopen(req, timeout=300) as r:
        return json.loads(r.read() or b"null")


def get(url: str) -> object:
    req = urllib.request.Request(url, headers={"authorization": "Bearer dev"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(p * (len(xs) - 1) + 0.5))]


def run_once(origin: str, agent: str, streams: int, count: int, interval_ms: int, hub: bool) -> list[float]:
    api = f"{origin}/api"
    sid = post(f"{api}/v1/sessions", {"agent_id": agent})["id"]  # type: ignore[index]
    first = get(f"{api}/v1/sessions/{sid}/events")["data"][0]["id"]  # type: ignore[index]
    env = dict(os.environ, EVERRUNS_STREAM_HUB="1" if hub else "0")
    child = subprocess.Popen(
        [sys.executable, str(HERE / "py_client.py"), "latency", "--url", api, "--session", sid,
         "--since", first, "--streams", str(streams), "--count", str(count)],
        stdout=subprocess.PIPE, text=True, env=env,
    )
    assert child.stdout is not None
    ready = threading.Event()
    lines: list[str] = []

    def read() -> None:
        assert child.stdout is not None
        for line in child.stdout:
            if line.strip() == "ready":
                ready.set()
            else:
                lines.append(line)

    t = threading.Thread(target=read, daemon=True)
    t.start()
    deadline = time.monotonic() + 180
    while not ready.is_set():
        assert time.monotonic() < deadline, "streams never became ready"
        post(f"{origin}/bench/append", {"session_id": sid, "count": 1, "start_k": -1})
        ready.wait(0.2)
    post(
        f"{origin}/bench/append",
        {"session_id": sid, "count": count, "interval_us": interval_ms * 1000, "start_k": 0},
    )
    child.wait(300)
    t.join(10)
    samples = json.loads(lines[-1])["samples"]
    assert len(samples) == streams * count, f"{len(samples)} of {streams * count} samples"
    return [us / 1000.0 for _, us in samples]


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--host-bin", required=True)
    p.add_argument("--streams", type=int, default=1000)
    p.add_argument("--count", type=int, default=50)
    p.add_argument("--interval-ms", type=int, default=50)
    p.add_argument("--rounds", type=int, default=2)
    a = p.parse_args()
    tmp = tempfile.mkdtemp(prefix="py-fanout-")
    host = subprocess.Popen(
        [a.host_bin, "host", "--database-url", f"sqlite://{tmp}/host.db"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
    )
    try:
        assert host.stdout is not None
        origin = ""
        for line in host.stdout:
            if line.startswith("listening on "):
                origin = line.split()[-1].strip()
                break
        agent = post(f"{origin}/api/v1/agents", {"name": "fanout", "system_prompt": "x"})["id"]  # type: ignore[index]
        res: dict[str, list[tuple[float, float]]] = {"hub": [], "no hub": []}
        for r in range(a.rounds):
            for mode in ("no hub", "hub"):
                ms = run_once(origin, agent, a.streams, a.count, a.interval_ms, mode == "hub")
                res[mode].append((pct(ms, 0.5), pct(ms, 0.99)))
                p50, p99 = pct(ms, 0.5), pct(ms, 0.99)
                print(f"round {r + 1} {mode:>6}: p50 {p50:8.1f} ms  p99 {p99:8.1f} ms", file=sys.stderr)
        for mode, v in res.items():
            p50 = statistics.median(x for x, _ in v)
            p99 = statistics.median(y for _, y in v)
            print(json.dumps({"mode": mode, "streams": a.streams, "p50_ms": round(p50, 1), "p99_ms": round(p99, 1)}))
    finally:
        host.terminate()
        host.wait(30)


if __name__ == "__main__":
    main()
