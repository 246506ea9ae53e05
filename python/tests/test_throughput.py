"""100k events into Python: all delivered, in order, once (throughput is printed, not asserted)."""

from __future__ import annotations

import time

from everruns_sdk import Everruns

from .sse_fixture import SseFixture, build_body

SID = "session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"
N = 100_000


async def test_100k_events(capsys: object) -> None:
    srv = SseFixture(build_body(SID, N))
    try:
        async with Everruns(api_key="dev", base_url=srv.api_url, read_env=False) as c:
            t0 = time.perf_counter()
            n = 0
            last_seq = 0
            chars = 0
            async for e in c.events.stream(SID, since_id="event_" + "0" * 32, batch_size=1024):
                if e.type == "turn.completed":
                    break
                n += 1
                assert e.sequence == last_seq + 1
                last_seq = e.sequence
                chars += len(e.data["delta"])
            dt = time.perf_counter() - t0
        assert n == N
        print(f"\n100k events: {dt:.2f} s, {N / dt:,.0f} events/s")
    finally:
        srv.close()
