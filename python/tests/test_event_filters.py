"""`events.list`'s filters (upstream's names) through the real wheel against the real server."""

from __future__ import annotations

import asyncio

import pytest

from everruns_sdk import Everruns, ValidationError


async def _tool_session(client: Everruns) -> str:
    agent = await client.agents.create(name="py-event-filters", system_prompt="p", capabilities=["current_time"])
    session = await client.sessions.create(agent_id=agent.id)
    await client.sessions.set_llmsim_script(
        session.id,
        steps=[
            {"tool_calls": [{"id": "call_t", "name": "get_current_time", "arguments": {}}]},
            {"text": "It is now."},
            {"text": "Zebra crossing ahead."},
        ],
    )
    assert await client.sessions.run(session.id, "time?") == "It is now."
    await client.messages.create(session.id, "more", tags=["second"])
    for _ in range(400):
        ended = await client.events.list(session.id, types=["session.idled"])
        if len(ended) >= 2:
            return session.id
        await asyncio.sleep(0.05)
    raise AssertionError("the second turn did not end")


async def test_filters_reach_the_server(client: Everruns) -> None:
    sid = await _tool_session(client)
    everything = await client.events.list(sid)
    seqs = [e.sequence for e in everything]

    newest = await client.events.list(sid, order_desc=True)
    assert [e.sequence for e in newest] == list(reversed(seqs))
    last2 = await client.events.list(sid, order_desc=True, limit=2)
    assert [e.sequence for e in last2] == list(reversed(seqs))[:2]

    tool = await client.events.list(sid, tool_name="get_current_time")
    assert tool and all(e.data["tool_name"] == "get_current_time" for e in tool)
    assert await client.events.list(sid, tool_name="nope") == []

    zebra = await client.events.list(sid, q="ZEBRA crossing")
    assert zebra and await client.events.list(sid, q="zzzz") == []

    tagged = await client.events.list(sid, tags=["second"])
    assert [e.type for e in tagged] == ["input.message"]

    exec_id = next(e.context["exec_id"] for e in everything if e.context.get("exec_id"))
    by_exec = await client.events.list(sid, exec_id=exec_id)
    assert by_exec and len(by_exec) < len(everything)
    assert all(e.context["exec_id"] == exec_id for e in by_exec)
    trace_id = next(e.context["trace_id"] for e in everything if e.context.get("trace_id"))
    assert all(e.context["trace_id"] == trace_id for e in await client.events.list(sid, trace_id=trace_id))

    mid = everything[len(everything) // 2]
    window = await client.events.list(sid, around=mid.id, window=1)
    assert [e.sequence for e in window] == [mid.sequence - 1, mid.sequence, mid.sequence + 1]

    t = str(tagged[0].ts)
    late = await client.events.list(sid, from_ts=t)
    assert tagged[0].id in [e.id for e in late] and everything[0].id not in [e.id for e in late]
    assert await client.events.list(sid, to_ts="2000-01-01T00:00:00Z") == []


async def test_bad_filters_are_refused(client: Everruns) -> None:
    sid = await _tool_session(client)
    # checked by the core, before any request
    with pytest.raises(ValidationError):
        await client.events.list(sid, window=3)
    with pytest.raises(ValidationError):
        await client.events.list(sid, around="event_nope")
    with pytest.raises(ValidationError):
        await client.events.list(sid, q="   ")
    with pytest.raises(TypeError):
        await client.events.list(sid, order="desc")  # type: ignore[call-arg]
    # checked by the server
    with pytest.raises(ValidationError) as bad:
        await client.events.list(sid, from_ts="yesterday")
    assert bad.value.status == 400 and "from_ts" in str(bad.value)
