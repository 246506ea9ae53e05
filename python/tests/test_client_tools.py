"""Client-side tools, approvals and ask_user through the real wheel against the real server."""

from __future__ import annotations

from typing import Any

import pytest

from everruns_sdk import ConflictError, ContentPart, Everruns, ValidationError, extract_tool_calls

WEATHER = {
    "type": "client_side",
    "name": "get_weather",
    "description": "Weather for a city",
    "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
}


async def _requested(client: Everruns, session_id: str) -> Any:
    async for event in client.events.stream(session_id):
        if event.type == "tool.call_requested":
            return event
        assert event.type not in ("turn.completed", "turn.failed")
    raise AssertionError("stream ended")


async def _terminal(client: Everruns, session_id: str) -> Any:
    async for event in client.events.stream(session_id):
        if event.type in ("turn.completed", "turn.failed", "turn.cancelled"):
            return event
    raise AssertionError("stream ended")


def test_helpers_build_and_read_parts() -> None:
    part = ContentPart.make_tool_result("c1", {"t": 3})
    assert part == {"type": "tool_result", "tool_call_id": "c1", "result": {"t": 3}}
    assert part.tool_call_id == "c1"
    assert ContentPart.make_tool_error("c2", "nope")["error"] == "nope"
    calls = extract_tool_calls({"tool_calls": [{"id": "a", "name": "x", "arguments": {"k": 1}}, {"name": "no_id"}]})
    assert [(c.id, c.name, c.arguments) for c in calls] == [("a", "x", {"k": 1})]
    content = [{"type": "text", "text": "t"}, {"type": "tool_call", "id": "b", "name": "y"}]
    parts = extract_tool_calls({"message": {"content": content}})
    assert [(c.id, c.arguments) for c in parts] == [("b", {})]


async def test_client_tool_round_trip(client: Everruns) -> None:
    agent = await client.agents.create(name="py-client-tools", system_prompt="Use tools.")
    session = await client.sessions.create(agent_id=agent.id, tools=[WEATHER])
    await client.sessions.set_llmsim_script(
        session.id,
        steps=[
            {"tool_calls": [{"id": "call_w", "name": "get_weather", "arguments": {"city": "Oslo"}}]},
            {"text": "Cold in Oslo."},
        ],
    )
    await client.messages.create(session.id, "weather?")
    event = await _requested(client, session.id)
    calls = extract_tool_calls(event.data)
    # the core's reading is the same
    assert [c.id for c in client.messages.extract_tool_calls(event.data)] == [c.id for c in calls] == ["call_w"]
    waiting = await client.sessions.get(session.id)
    assert waiting.status == "waitingfortoolresults"
    assert waiting.pending_tool_calls[0]["name"] == "get_weather"

    with pytest.raises(ValidationError):  # not a tool_result part: refused by the core
        await client.messages.create_tool_results(session.id, [ContentPart.make_text("hi")])
    with pytest.raises(Exception) as bad:
        await client.messages.create_tool_results(session.id, [ContentPart.make_tool_result("call_x", 1)])
    assert "unknown tool call id call_x" in str(bad.value)

    r = await client.messages.create_tool_results(session.id, [ContentPart.make_tool_result("call_w", {"c": -4})])
    assert (r.accepted, r.status) == (1, "active")
    end = await _terminal(client, session.id)
    assert end.type == "turn.completed"
    with pytest.raises(ConflictError) as late:
        await client.messages.create_tool_results(session.id, [ContentPart.make_tool_result("call_w", 1)])
    assert "not waiting for tool results" in str(late.value)
    await client.sessions.delete(session.id)
    await client.agents.delete(agent.id)


async def test_approvals_and_questions(client: Everruns) -> None:
    agent = await client.agents.create(
        name="py-approvals",
        system_prompt="Ask first.",
        capabilities=["current_time", "ask_user", {"ref": "tool_approval", "config": {"tools": ["get_current_time"]}}],
    )
    session = await client.sessions.create(agent_id=agent.id)
    await client.sessions.set_llmsim_script(
        session.id,
        steps=[
            {"tool_calls": [
                {"id": "call_t", "name": "get_current_time", "arguments": {}},
                {"id": "call_q", "name": "ask_user", "arguments": {"questions": [
                    {"id": "tz", "question": "Which zone?", "options": [{"label": "UTC"}, {"label": "CET"}]}]}},
            ]},
            {"text": "It is time."},
        ],
    )
    await client.messages.create(session.id, "time?")
    await _requested(client, session.id)
    s = await client.sessions.get(session.id)
    assert s.pending_approvals[0]["tool"] == "get_current_time"
    assert s.pending_questions[0]["questions"][0]["id"] == "tz"
    answered = await client.sessions.answer_questions(session.id, [{"id": "tz", "selected": ["UTC"]}])
    assert answered.tool_call_id == "call_q"
    assert answered.session_status == "waitingfortoolresults"
    approved = await client.sessions.submit_tool_approvals(
        session.id, [{"tool_call_id": "tool_approval_call_t", "decision": "allow"}]
    )
    assert approved.resolved[0]["outcome"] == "allow"
    assert approved.status == "active"
    end = await _terminal(client, session.id)
    assert end.type == "turn.completed"
    await client.sessions.delete(session.id)
    await client.agents.delete(agent.id)
