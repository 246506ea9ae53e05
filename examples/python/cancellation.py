#!/usr/bin/env python3
"""Cancellation: start a long-running turn, change your mind, cancel it.

Run a server (`everruns-server --dev`), then `python cancellation.py`.
"""

from __future__ import annotations

import asyncio
import os

from everruns_sdk import Everruns


async def main() -> None:
    async with Everruns(
        api_key=os.environ.get("EVERRUNS_API_KEY", "dev"),
        base_url=os.environ.get("EVERRUNS_API_URL", "http://localhost:9300/api"),
    ) as client:
        agent = await client.agents.create(
            name="Package Analyst", system_prompt="You analyse software packages in depth."
        )
        session = await client.sessions.create(agent_id=agent.id)
        try:
            # Send a message that might take a while
            await client.messages.create(session.id, "Analyze every Python package on PyPI")

            # Changed your mind? Cancel it
            await asyncio.sleep(2)
            result = await client.sessions.cancel(session.id)
            print(f"cancel: {result.status} ({result.message})")

            # The turn ends with turn.cancelled, then the agent confirms the stop.
            async for event in client.events.stream(session.id):
                if event.type == "turn.cancelled":
                    print("turn ended with turn.cancelled")
                elif event.type == "output.message.completed":
                    parts = event.data.get("message", {}).get("content", [])
                    print("Agent: " + " ".join(p["text"] for p in parts if p.get("type") == "text"))
                elif event.type == "session.idled":
                    break
        finally:
            await client.sessions.delete(session.id)
            await client.agents.delete(agent.id)


if __name__ == "__main__":
    asyncio.run(main())
