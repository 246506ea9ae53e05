#!/usr/bin/env python3
"""Compatibility check: the upstream pure-Python SDK (everruns-sdk 0.3.x from PyPI) runs a
client-side tool round trip against our reference server: an agent with a `client_side` tool,
a turn that calls it (`tool.call_requested`), `extract_tool_calls`, `ContentPart.make_tool_result`,
`messages.create_tool_results`, and the turn completing with the answer. Needs
EVERRUNS_API_URL (e.g. http://127.0.0.1:PORT/api).
"""

import asyncio
import os
import sys
import warnings

import httpx

from everruns_sdk import ContentPart, Everruns, ToolDefinition, extract_tool_calls

warnings.simplefilter("ignore", DeprecationWarning)


def check(cond: bool, what: str) -> None:
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


async def main() -> None:
    base = os.environ["EVERRUNS_API_URL"]
    client = Everruns(api_key="dev", base_url=base)
    try:
        agent = await client.agents.create(
            name="compat-weather",
            system_prompt="Answer with the weather the get_weather tool returns.",
            tools=[ToolDefinition(
                type="client_side", name="get_weather", description="Current weather in a city",
                parameters={"type": "object", "properties": {"city": {"type": "string"}}})],
        )
        check(agent.id.startswith("agent_"), f"agents.create with a client_side tool -> {agent.id}")
        session = await client.sessions.create(agent_id=agent.id)
        # dev-mode llmsim script (not part of the SDK): the model calls the tool, then answers
        async with httpx.AsyncClient() as http:
            r = await http.put(f"{base}/v1/sessions/{session.id}/llmsim", headers={
                "Authorization": "dev"}, json={"steps": [
                    {"tool_calls": [{"id": "call_w", "name": "get_weather",
                                     "arguments": {"city": "Oslo"}}]},
                    {"text": "It is -3 degrees in Oslo."}]})
            r.raise_for_status()
        await client.messages.create(session.id, "Weather in Oslo?")
        answered = False
        final = ""
        async for event in client.events.stream(session.id):
            if event.type == "tool.call_requested" and not answered:
                calls = extract_tool_calls(event.data)
                check([(c.id, c.name, c.arguments) for c in calls]
                      == [("call_w", "get_weather", {"city": "Oslo"})],
                      "extract_tool_calls read the requested call")
                resp = await client.messages.create_tool_results(
                    session.id, [ContentPart.make_tool_result(calls[0].id, {"temp_c": -3})])
                check(getattr(resp, "accepted", 1) == 1, "messages.create_tool_results accepted")
                answered = True
            elif event.type == "output.message.completed":
                final = str(event.data)
            elif event.type in ("turn.completed", "turn.failed"):
                check(event.type == "turn.completed", f"turn ended with {event.type}")
                break
        check(answered, "the turn asked for the client-side tool")
        check("-3 degrees in Oslo" in final, "the agent answered after the tool result")
    finally:
        await client.close()


asyncio.run(main())
