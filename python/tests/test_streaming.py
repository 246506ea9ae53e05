"""The event stream against the real server: options, early exit, cancellation, server restarts
and server-initiated connection cycles (no lost or duplicated event), throughput."""

from __future__ import annotations

import asyncio
import gc
import time
from typing import Any, Callable

import pytest

from everruns_sdk import Event, Everruns, StreamError, ValidationError

from .conftest import ServerProcess
from .tcp_proxy import TcpProxy

TERMINAL = ("turn.completed", "turn.failed", "turn.cancelled")


async def _eventually(cond: Callable[[], bool], timeout: float = 30.0) -> bool:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        await asyncio.sleep(0.05)
    return cond()


async def _new_session(client: Everruns, **agent_kw: Any) -> tuple[str, str]:
    agent = await client.agents.create(name="Streamer", system_prompt="Stream things.", **agent_kw)
    session = await client.sessions.create(agent_id=agent.id)
    return agent.id, session.id


async def _run_turn(client: Everruns, sid: str, text: str, **script: Any) -> list[Event]:
    await client.sessions.set_llmsim_script(sid, steps=[{"text": text}], **script)
    await client.messages.create(sid, "go")
    got = []
    async for e in client.events.stream(sid):
        got.append(e)
        if e.type in TERMINAL:
            break
    return got


def _check_exactly_once(streamed: list[Event], stored: list[Event]) -> None:
    ids = [e.id for e in streamed]
    assert len(ids) == len(set(ids)), "duplicated events"
    seqs = [e.sequence for e in streamed]
    assert seqs == sorted(seqs), "out of order"
    first = streamed[0].sequence
    last = streamed[-1].sequence
    window = [e.id for e in stored if first <= (e.sequence or 0) <= last]
    assert ids == window, "lost events"


async def test_stream_options(client: Everruns) -> None:
    _, sid = await _new_session(client)
    events = await _run_turn(client, sid, "one two three")
    assert events[0].type == "input.message"
    assert events[-1].type == "turn.completed"
    assert isinstance(events[0].data, dict) and events[0].session_id == sid
    stored = await client.events.list(sid)
    ids = [e.id for e in stored]
    start = ids.index(events[0].id)
    end = ids.index(events[-1].id) + 1
    # The default stream yields exactly this turn's stored events.
    assert [e.id for e in events] == ids[start:end]

    # from_beginning replays the whole history; since_id starts strictly after an event.
    replay = []
    async for e in client.events.stream(sid, from_beginning=True):
        replay.append(e)
        if e.type == "turn.completed":
            break
    assert [e.id for e in replay] == ids[:end]
    after = []
    async for e in client.events.stream(sid, since_id=events[1].id):
        after.append(e)
        if e.type == "turn.completed":
            break
    assert [e.id for e in after] == [e.id for e in events[2:]]

    # types / exclude filters are applied by the server.
    only = []
    async for e in client.events.stream(sid, from_beginning=True, types=["turn.started", "turn.completed"]):
        only.append(e.type)
        if e.type == "turn.completed":
            break
    assert only == ["turn.started", "turn.completed"]
    no_deltas = []
    async for e in client.events.stream(sid, from_beginning=True, exclude=["output.message.delta"]):
        no_deltas.append(e.type)
        if e.type == "turn.completed":
            break
    assert "output.message.delta" not in no_deltas and "turn.started" in no_deltas

    # Bad filters and cursors fail clearly.
    with pytest.raises(ValidationError):
        async for _ in client.events.stream(sid, types=["no.such.type"]):
            pass
    with pytest.raises(ValidationError):
        async for _ in client.events.stream(sid, since_id="event_00000000000000000000000000000000"):
            pass
    with pytest.raises(ValidationError):
        async for _ in client.events.stream(sid, since_id="not-an-id"):
            pass


async def test_follow_up_turns_never_stop_on_an_old_terminal_event(client: Everruns) -> None:
    _, sid = await _new_session(client)
    for i in range(3):
        events = await _run_turn(client, sid, f"reply {i}")
        texts = [e.data["message"]["content"][0]["text"] for e in events if e.type == "output.message.completed"]
        assert texts == [f"reply {i}"]


async def test_break_closes_the_connection(server: ServerProcess) -> None:
    proxy = TcpProxy(server.port)
    try:
        async with Everruns(api_key="dev", base_url=proxy.api_url) as c:
            _, sid = await _new_session(c)
            steps = [{"text": "a b c d e f g h", "delay_ms": 0}]
            await c.sessions.set_llmsim_script(sid, steps=steps, chunk_delay_ms=50)
            await c.messages.create(sid, "go")
            async for e in c.events.stream(sid):
                if e.type == "output.message.delta":
                    break
            assert await _eventually(lambda: proxy.open_sse() == 0), "SSE connection still open after break"

            # Explicit stop() and `async with` close it too.
            stream = c.events.stream(sid, from_beginning=True)
            await stream.__anext__()
            assert proxy.open_sse() == 1
            stream.stop()
            assert await _eventually(lambda: proxy.open_sse() == 0)
            with pytest.raises(StopAsyncIteration):
                await stream.__anext__()
            async with c.events.stream(sid, from_beginning=True) as s2:
                await s2.__anext__()
                assert proxy.open_sse() == 1
            assert await _eventually(lambda: proxy.open_sse() == 0)
    finally:
        proxy.close()


async def test_cancelling_a_task_in_async_for_closes_the_stream(server: ServerProcess) -> None:
    proxy = TcpProxy(server.port)
    try:
        async with Everruns(api_key="dev", base_url=proxy.api_url) as c:
            _, sid = await _new_session(c)
            got: list[str] = []

            async def consume() -> None:
                async for e in c.events.stream(sid, from_beginning=True):
                    got.append(e.type)

            task = asyncio.ensure_future(consume())
            assert await _eventually(lambda: proxy.open_sse() == 1)
            # The stream is idle (no turn running): the task waits in native next_batch.
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            gc.collect()
            assert await _eventually(lambda: proxy.open_sse() == 0), "stream kept its connection"
    finally:
        proxy.close()


async def test_close_stops_open_streams(server: ServerProcess) -> None:
    c = Everruns(api_key="dev", base_url=server.api_url)
    _, sid = await _new_session(c)
    stream = c.events.stream(sid, from_beginning=True)
    pending = asyncio.ensure_future(_drain(stream))
    await asyncio.sleep(0.5)
    await c.close()
    await asyncio.wait_for(pending, 30)
    assert stream.stopped


async def _drain(stream: Any) -> int:
    n = 0
    async for _ in stream:
        n += 1
    return n


async def test_stream_survives_server_restart_mid_turn(make_server: Callable[..., ServerProcess]) -> None:
    srv = make_server()
    async with Everruns(api_key="dev", base_url=srv.api_url) as c:
        _, sid = await _new_session(c)
        words = " ".join(f"w{i}" for i in range(120))
        await c.sessions.set_llmsim_script(sid, steps=[{"text": words}], chunk_delay_ms=40)
        await c.messages.create(sid, "go")
        streamed: list[Event] = []
        restarted = False
        async for e in c.events.stream(sid, initial_backoff=0.1, max_backoff=1.0):
            streamed.append(e)
            if not restarted and sum(1 for x in streamed if x.type == "output.message.delta") >= 10:
                srv.restart(hard=True)  # crash: no `disconnecting`, the turn is interrupted
                restarted = True
            if e.type in TERMINAL:
                break
        assert restarted
        stored = await c.events.list(sid)
        _check_exactly_once(streamed, stored)
        assert streamed[-1].type in TERMINAL


async def test_stream_survives_graceful_restart(make_server: Callable[..., ServerProcess]) -> None:
    srv = make_server()
    async with Everruns(api_key="dev", base_url=srv.api_url) as c:
        _, sid = await _new_session(c)
        words = " ".join(f"w{i}" for i in range(120))
        await c.sessions.set_llmsim_script(sid, steps=[{"text": words}], chunk_delay_ms=40)
        await c.messages.create(sid, "go")
        streamed: list[Event] = []
        restarted = False
        async for e in c.events.stream(sid, initial_backoff=0.1, max_backoff=1.0):
            streamed.append(e)
            if not restarted and sum(1 for x in streamed if x.type == "output.message.delta") >= 10:
                srv.restart(hard=False)  # SIGTERM: graceful shutdown, then start again
                restarted = True
            if e.type in TERMINAL:
                break
        stored = await c.events.list(sid)
        _check_exactly_once(streamed, stored)


async def test_server_initiated_connection_cycles(make_server: Callable[..., ServerProcess]) -> None:
    srv = make_server({"SSE_REALTIME_CYCLE_SECS": "1"})
    async with Everruns(api_key="dev", base_url=srv.api_url) as c:
        _, sid = await _new_session(c)
        words = " ".join(f"w{i}" for i in range(100))
        await c.sessions.set_llmsim_script(sid, steps=[{"text": words}], chunk_delay_ms=40)
        await c.messages.create(sid, "go")
        streamed: list[Event] = []
        stream = c.events.stream(sid)
        async for e in stream:
            streamed.append(e)
            if e.type in TERMINAL:
                break
        reconnects = stream.reconnect_count
        stored = await c.events.list(sid)
        _check_exactly_once(streamed, stored)
        assert reconnects is not None and reconnects >= 2, reconnects
        deltas = "".join(e.data["delta"] for e in streamed if e.type == "output.message.delta")
        assert deltas == words


async def test_max_retries_gives_up_with_stream_error(make_server: Callable[..., ServerProcess]) -> None:
    srv = make_server()
    async with Everruns(api_key="dev", base_url=srv.api_url) as c:
        _, sid = await _new_session(c)
        srv.stop()
        with pytest.raises((StreamError, Exception)) as info:
            async for _ in c.events.stream(sid, max_retries=2, initial_backoff=0.05, max_backoff=0.1):
                pass
        assert info.value.__class__.__name__ in ("NetworkError", "StreamError")
