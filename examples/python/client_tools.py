#!/usr/bin/env python3
"""Client-side tools: the agent calls ``get_weather``, a tool this application runs itself.

The turn waits (``tool.call_requested``) until the application posts the result with
``messages.create_tool_results``. Run a server (``everruns-server --dev``), then
``python client_tools.py``.
"""

from __future__ import annotations

import asyncio
import json
import os
from typing import Any

from everruns_sdk import ContentPart, Everruns, extract_tool_calls

WEATHER_TOOL = {
    "type": "client_side",
    "name": "get_weather",
    "description": "Current weather for a city",
    "parameters": {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
}


def local_weather(city: str) -> dict[str, Any]:
    """The application's own weather lookup (a real app would call its weather service)."""
    return {"city": city, "temperature_c": 21, "conditions": "sunny"}


async def main() -> None:
    async with Everruns(
        api_key=os.environ.get("EVERRUNS_API_KEY", "dev"),
        base_url=os.environ.get("EVERRUNS_API_URL", "http://localhost:9300/api"),
    ) as client:
        agent = await client.agents.create(
            name="Weather Assistant", system_prompt="Answer weather questions with get_weather."
        )
        session = await client.sessions.create(agent_id=agent.id, tools=[WEATHER_TOOL])
        try:
            await client.messages.create(session.id, "What's the weather in Paris?")
            async for event in client.events.stream(session.id):
                if event.type == "tool.call_requested":
                    results = []
                    for call in extract_tool_calls(event.data):
                        city = str(call.arguments.get("city", "unknown"))
                        print(f"tool call: {call.name}({city})")
                        result = local_weather(city)
                        print(f"sent result: {json.dumps(result)}")
                        results.append(ContentPart.make_tool_result(call.id, result))
                    r = await client.messages.create_tool_results(session.id, results)
                    print(f"accepted {r.accepted} result(s); session {r.status}")
                elif event.type == "output.message.completed":
                    parts = event.data.get("message", {}).get("content", [])
                    text = " ".join(p["text"] for p in parts if p.get("type") == "text")
                    if text:
                        print(f"Agent: {text}")
                elif event.type == "turn.completed":
                    print("turn.completed")
                    break
                elif event.type == "turn.failed":
                    print(f"turn.failed: {event.data.get('error')}")
                    break
        finally:
            await client.sessions.delete(session.id)
            await client.agents.delete(agent.id)


if __name__ == "__main__":
    asyncio.run(main())
