"""Measurement: cost of a turn's step boundaries on the reference server over a long event log.

    python3 tests/chaos/repro/step_cost_long_turn.py [SERVER_BIN] [--calls=N] [--iterations=K]

Starts the server (dev mode, fresh SQLite database), runs one llmsim turn whose first reason
step asks for N `add` calls in one batch (~2N events), then K iterations of one `add` call each,
then a final answer. Reports the gaps between consecutive steps of the K iterations, read from
the stored event timestamps (ms): `act.completed` → next `reason.started` and
`reason.completed` → `act.started`. Before the incremental event-log reads, each boundary
re-read and re-parsed the whole log (cost linear in the log, quadratic over a turn).
Only the standard library is used.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import datetime

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../.."))


def call(addr: str, method: str, path: str, body: object = None) -> object:
    req = urllib.request.Request(
        f"http://{addr}/api/v1{path}", method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"content-type": "application/json", "authorization": "dev"})
    with urllib.request.urlopen(req, timeout=600) as r:
        return json.loads(r.read() or b"null")


def ts(e: dict) -> float:
    return datetime.fromisoformat(e["ts"].replace("Z", "+00:00")).timestamp()


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    opts = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
    n_calls = int(opts.get("calls", 10000))
    iterations = int(opts.get("iterations", 50))
    binary = args[0] if args else os.path.join(ROOT, "target/debug/everruns-server")
    tmp = tempfile.TemporaryDirectory(prefix="everruns-steps-")
    server = subprocess.Popen([binary, "--dev", "--addr", "127.0.0.1:0", "--database-url",
                               f"sqlite://{tmp.name}/db.sqlite"], stdout=subprocess.PIPE,
                              env={**os.environ, "EVERRUNS_LOG": "warn"})
    assert server.stdout is not None
    addr = server.stdout.readline().decode().strip().removeprefix("listening on http://")
    try:
        agent = call(addr, "POST", "/agents", {"name": "steps", "system_prompt": "x",
                                              "capabilities": [{"ref": "test_math"}],
                                              "max_iterations": iterations + 10})
        sid = call(addr, "POST", "/sessions", {"agent_id": agent["id"]})["id"]  # type: ignore[index]
        steps = [{"tool_calls": [{"name": "add", "arguments": {"a": 1, "b": k}}
                                 for k in range(n_calls)]}]
        steps += [{"tool_calls": [{"name": "add", "arguments": {"a": 2, "b": k}}]}
                  for k in range(iterations)]
        steps.append({"text": "done"})
        call(addr, "PUT", f"/sessions/{sid}/llmsim", {"steps": steps})
        t0 = time.monotonic()
        call(addr, "POST", f"/sessions/{sid}/messages",
             {"message": {"role": "user", "content": [{"type": "text", "text": "go"}]}})
        while True:
            done = call(addr, "GET", f"/sessions/{sid}/events?types=turn.completed&types=turn.failed")
            if done["data"]:  # type: ignore[index]
                break
            time.sleep(1)
        wall = time.monotonic() - t0
        events = call(addr, "GET", f"/sessions/{sid}/events")["data"]  # type: ignore[index]
        terminal = [e for e in events if e["type"] in ("turn.completed", "turn.failed")][0]
        if terminal["type"] != "turn.completed":
            raise SystemExit(f"turn failed: {terminal['data']}")
        # the K single-call iterations: after the first act.completed (the big batch)
        acts = [i for i, e in enumerate(events) if e["type"] == "act.completed"]
        tail = events[acts[0]:]
        gaps_reason, gaps_act = [], []
        last_act = last_reason = None
        for e in tail:
            if e["type"] == "act.completed":
                last_act = ts(e)
            elif e["type"] == "reason.started" and last_act is not None:
                gaps_reason.append((ts(e) - last_act) * 1000)
                last_act = None
            elif e["type"] == "reason.completed":
                last_reason = ts(e)
            elif e["type"] == "act.started" and last_reason is not None:
                gaps_act.append((ts(e) - last_reason) * 1000)
                last_reason = None
        per_iter = (ts(tail[-1]) - ts(tail[0])) * 1000 / max(1, iterations + 1)
        print(f"{len(events)} events; turn {wall:.1f} s wall")
        print(f"act.completed → reason.started: median {statistics.median(gaps_reason):.1f} ms, "
              f"max {max(gaps_reason):.1f} ms over {len(gaps_reason)} boundaries")
        print(f"reason.completed → act.started: median {statistics.median(gaps_act):.1f} ms, "
              f"max {max(gaps_act):.1f} ms over {len(gaps_act)} boundaries")
        print(f"per single-call iteration (after the batch): {per_iter:.1f} ms")
    finally:
        server.kill()
        server.wait()
        tmp.cleanup()


if __name__ == "__main__":
    main()
