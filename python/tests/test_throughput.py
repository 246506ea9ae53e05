"""100k events into Python: all delivered, in order, once. The events come from a local server
speaking the SSE wire format, in its own process, so that only the SDK's cost is measured
(throughput is printed, not asserted)."""

from __future__ import annotations

import subprocess
import sys
import time

from everruns_sdk import Everruns

from .conftest import REPO

SID = "session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"
N = 100_000


async def test_100k_events() -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.sse_fixture", SID, str(N)],
        cwd=REPO / "python",
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = int(proc.stdout.readline())
        async with Everruns(api_key="dev", base_url=f"http://127.0.0.1:{port}/api", read_env=False) as c:
            t0 = time.perf_counter()
            n = 0
            last_seq = 0
            async for e in c.events.stream(SID, since_id="event_" + "0" * 32, batch_size=4096):
                if e.type == "turn.completed":
                    break
                n += 1
                assert e.sequence == last_seq + 1
                last_seq = e.sequence
                assert e.data["delta"] == f"tok{n} "
            dt = time.perf_counter() - t0
        assert n == N
        print(f"\n100k events: {dt:.2f} s, {N / dt:,.0f} events/s")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
