"""Stream counters and the delivered cursor, against the real server.

* ``retry_count`` / ``reconnect_count`` / ``last_event_id`` are readable at any time (also while
  a pull is pending) and follow what happened on the wire: graceful server cycles count as
  reconnects but not retries; a killed server counts retries until a connection delivers again.
* A loop that ``break``s in the middle of a pulled batch leaves the session's default cursor
  (docs/decisions.md#4) on the last event it received: the next default stream resumes right after
  it, losing and repeating nothing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Callable

from everruns_sdk import Event, Everruns

from .conftest import ServerProcess

TERMINAL = ("turn.completed", "turn.failed", "turn.cancelled")


async def _eventually(cond: Callable[[], bool], timeout: float = 60.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        await asyncio.sleep(0.05)
    return cond()


async def _session(c: Everruns) -> str:
    agent = await c.agents.create(name="Delivery", system_prompt="Say things.")
    return (await c.sessions.create(agent_id=agent.id)).id


async def _turn_done(c: Everruns, sid: str, turns: int, timeout: float = 60.0) -> list[Event]:
    end = time.monotonic() + timeout
    while True:
        stored = await c.events.list(sid)
        if sum(1 for e in stored if e.type in TERMINAL) >= turns:
            return stored
        assert time.monotonic() < end, "turn did not finish"
        await asyncio.sleep(0.1)


async def test_break_mid_batch_resumes_after_the_last_event_received(server: ServerProcess) -> None:
    async with Everruns(api_key="dev", base_url=server.api_url, read_env=False) as c:
        sid = await _session(c)
        words = " ".join(f"w{i}" for i in range(150))
        await c.sessions.set_llmsim_script(sid, steps=[{"text": words}])
        await c.messages.create(sid, "go")
        # The whole turn is stored before the stream starts: the first pull takes a big batch.
        stored = await _turn_done(c, sid, 1)
        k = 5
        first = c.events.stream(sid)
        got: list[Event] = []
        async for e in first:
            got.append(e)
            if len(got) == k:
                break
        assert got[-1].type not in TERMINAL
        # The break really happened mid-batch: pulled events were still buffered.
        assert len(first._buf) > 0, "the first pull did not return a batch larger than k"
        assert first.last_event_id == got[-1].id
        # `first` is still alive (not stopped, not collected): the default cursor must already
        # be on event k, not on the end of the pulled batch.
        rest: list[Event] = []
        async for e in c.events.stream(sid):
            rest.append(e)
            if e.type in TERMINAL:
                break
        ids = [e.id for e in stored]
        start = ids.index(got[0].id)
        assert rest[0].id == ids[start + k], "the resumed stream skipped or repeated events"
        assert [e.id for e in got + rest] == ids[start : ids.index(rest[-1].id) + 1]
        first.stop()


async def test_break_on_each_position_of_a_batch(server: ServerProcess) -> None:
    async with Everruns(api_key="dev", base_url=server.api_url, read_env=False) as c:
        sid = await _session(c)
        await c.sessions.set_llmsim_script(sid, steps=[{"text": " ".join(f"x{i}" for i in range(40))}])
        await c.messages.create(sid, "go")
        stored = await _turn_done(c, sid, 1)
        turn = [e.id for e in stored]
        turn = turn[[e.type for e in stored].index("input.message") :]
        # Read the turn one event per default stream: each stream breaks after its first event.
        seen: list[str] = []
        while len(seen) < len(turn):
            s = c.events.stream(sid, batch_size=64)
            async for e in s:
                seen.append(e.id)
                break
            s.stop()
        assert seen == turn


async def test_counters_on_graceful_cycles(make_server: Callable[..., ServerProcess]) -> None:
    srv = make_server({"SSE_REALTIME_CYCLE_SECS": "1"})
    async with Everruns(api_key="dev", base_url=srv.api_url, read_env=False) as c:
        sid = await _session(c)
        words = " ".join(f"w{i}" for i in range(80))
        await c.sessions.set_llmsim_script(sid, steps=[{"text": words}], chunk_delay_ms=40)
        await c.messages.create(sid, "go")
        stream = c.events.stream(sid)
        assert (stream.retry_count, stream.reconnect_count, stream.last_event_id) == (0, 0, None)
        retries_seen = 0
        last: Any = None
        async for e in stream:
            retries_seen = max(retries_seen, stream.retry_count)
            assert stream.last_event_id == e.id
            last = e
            if e.type in TERMINAL:
                break
        assert last is not None and last.type == "turn.completed"
        assert stream.reconnect_count >= 2, stream.reconnect_count
        assert retries_seen == 0 and stream.retry_count == 0
        assert stream.last_event_id == last.id
        stream.stop()


async def test_counters_across_a_killed_server(make_server: Callable[..., ServerProcess]) -> None:
    srv = make_server()
    async with Everruns(api_key="dev", base_url=srv.api_url, read_env=False) as c:
        sid = await _session(c)
        await c.sessions.set_llmsim_script(sid, steps=[{"text": "before"}])
        await c.messages.create(sid, "go")
        stream = c.events.stream(sid, initial_backoff=0.05, max_backoff=0.2)
        last: Any = None
        ended = False
        # Read through `session.idled`, the last event the turn writes after its terminal one:
        # an event still in flight at the kill would otherwise satisfy the pending pull below.
        async for e in stream:
            last = e
            ended = ended or e.type in TERMINAL
            if ended and e.type == "session.idled":
                break
        # Hand out what the last pull buffered, so the next `__anext__` really pulls.
        while stream._buf:
            last = await stream.__anext__()
        before = stream.last_event_id
        assert before is not None and before == last.id and stream.reconnect_count == 0
        srv.kill()
        # A pull is pending while the server is down: the counters are readable meanwhile.
        pending = asyncio.ensure_future(stream.__anext__())
        assert await _eventually(lambda: stream.retry_count >= 2), stream.retry_count
        assert stream.reconnect_count >= 1  # the first retry follows the drop itself
        assert not pending.done()
        assert stream.last_event_id == before
        srv.start(srv.port)
        await c.sessions.set_llmsim_script(sid, steps=[{"text": "after"}])
        await c.messages.create(sid, "again")
        e = await asyncio.wait_for(pending, 60)
        assert (e.sequence or 0) > (last.sequence or 0)
        assert stream.last_event_id == e.id
        assert stream.retry_count == 0
        stream.stop()
