#!/usr/bin/env python3
"""Upload a file into the session's workspace before asking the agent about it.

The agent is defined as markdown in ``examples/agents/data-analyst.md``.
Run a server (`everruns-server --dev`), then `python upload.py`.
"""

from __future__ import annotations

import asyncio
import os
import pathlib

from everruns_sdk import Everruns

AGENT_FILE = pathlib.Path(__file__).resolve().parent.parent / "agents" / "data-analyst.md"


async def main() -> None:
    async with Everruns(
        api_key=os.environ.get("EVERRUNS_API_KEY", "dev"),
        base_url=os.environ.get("EVERRUNS_API_URL", "http://localhost:9300/api"),
    ) as client:
        agent = await client.agents.import_agent(AGENT_FILE.read_text())
        session = await client.sessions.create(agent_id=agent.id)
        try:
            # Upload a file into the session
            await client.filesystem.create(
                session.id,
                "/workspace/input.csv",
                content="name,value\nalpha,1\nbeta,2\ngamma,3",
            )
            print("Uploaded /workspace/input.csv")

            # Ask the agent to process it
            await client.messages.create(
                session.id, "Read /workspace/input.csv and create a summary."
            )
            async for event in client.events.stream(session.id):
                if event.type == "tool.started":
                    print(f"  -> Tool: {event.data.get('tool_call', {}).get('name', '?')}")
                elif event.type == "output.message.completed":
                    parts = event.data.get("message", {}).get("content", [])
                    text = " ".join(p["text"] for p in parts if p.get("type") == "text")
                    if text:
                        print(f"Agent: {text}")
                elif event.type in ("turn.completed", "turn.failed"):
                    print(f"[{event.type}]")
                    break

            listing = await client.filesystem.list(session.id, "/workspace")
            for entry in listing.entries:
                kind = "dir" if entry.is_directory else "file"
                print(f"  [{kind}] {entry.name}")
        finally:
            await client.sessions.delete(session.id)
            await client.agents.delete(agent.id)


if __name__ == "__main__":
    asyncio.run(main())
