"""Stream pulls complete through one hub per event loop (``python/src/hub.rs``), against the
real server and the real wheel.

* Many streams on one loop each get every event exactly once, in order, and their pulls are
  resolved in far fewer loop wake-ups than there were pulls (one drain resolves every stream
  that finished meanwhile).
* A cancelled pull (``asyncio.wait_for`` timing out) takes no events: the next pull of the
  same stream starts at the first event not yet handed out.
"""

from __future__ import annotations

import asyncio
import time

from everruns_sdk import Event, Everruns, _native, _streams

from .conftest import ServerProcess

TERMINAL = ("turn.completed", "turn.failed", "turn.cancelled")


async def _session(c: Everruns) -> str:
    agent = await c.agents.create(name="Hub", system_prompt="Say things.")
    return (await c.sessions.create(agent_id=agent.id)).id


async def _read_turn(stream: _streams.EventStream) -> list[Event]:
    out: list[Event] = []
    async for e in stream:
        out.append(e)
        if e.type in TERMINAL:
            break
    return out


async def test_many_streams_share_one_hub_and_get_every_event_once(server: ServerProcess) -> None:
    async with Everruns(api_key="dev", base_url=server.api_url, read_env=False) as c:
        sid = await _session(c)
        words = " ".join(f"w{i}" for i in range(60))
        await c.sessions.set_llmsim_script(sid, steps=[{"text": words}], chunk_delay_ms=5)
        streams = [c.events.stream(sid, from_beginning=True) for _ in range(200)]
        drains = 0
        hub_drain = None
        loop = asyncio.get_running_loop()

        tasks = [asyncio.create_task(_read_turn(s)) for s in streams]
        await asyncio.sleep(0.2)  # every stream has a pull pending on the hub
        hub = _streams._HUBS.get(loop)
        assert isinstance(hub, _native.LoopHub), "the running loop has no hub"
        # Count the loop's wake-ups: re-register the reader with a counting wrapper.
        hub_drain = hub.drain

        def counting_drain() -> None:
            nonlocal drains
            drains += 1
            hub_drain()

        loop.remove_reader(hub.fileno())
        loop.add_reader(hub.fileno(), counting_drain)
        try:
            await c.messages.create(sid, "go")
            results = await asyncio.wait_for(asyncio.gather(*tasks), 60)
        finally:
            loop.remove_reader(hub.fileno())
            loop.add_reader(hub.fileno(), hub.drain)
        stored = [e.id for e in await c.events.list(sid)]
        for got in results:
            ids = [e.id for e in got]
            assert ids == stored[: len(ids)], "a stream skipped, repeated or reordered events"
            assert got[-1].type == "turn.completed"
        pulls = sum(len(r) for r in results)  # at least one pull per event per stream is the worst case
        assert drains > 0
        assert drains * 5 < pulls, f"{drains} loop wake-ups for {pulls} events on 200 streams"
        for s in streams:
            s.stop()


async def test_a_cancelled_pull_takes_no_events(server: ServerProcess) -> None:
    async with Everruns(api_key="dev", base_url=server.api_url, read_env=False) as c:
        sid = await _session(c)
        await c.sessions.set_llmsim_script(sid, steps=[{"text": "one two three"}])
        stream = c.events.stream(sid, from_beginning=True)
        first = await asyncio.wait_for(stream.__anext__(), 30)  # session.started
        t0 = time.monotonic()
        try:
            await asyncio.wait_for(stream.__anext__(), 0.3)
            raise AssertionError("nothing was appended, yet the pull returned")
        except asyncio.TimeoutError:
            pass
        assert time.monotonic() - t0 < 5
        await c.messages.create(sid, "go")
        rest = await asyncio.wait_for(_read_turn(stream), 60)
        stored = [e.id for e in await c.events.list(sid)]
        got = [first.id] + [e.id for e in rest]
        assert got == stored[: len(got)], "the cancelled pull lost or repeated events"
        assert stream.last_event_id == rest[-1].id
        stream.stop()
