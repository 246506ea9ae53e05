#!/usr/bin/env python3
"""Multi-agent pipeline: a researcher's answer becomes a technical writer's input.

Both agents are defined as markdown in ``examples/agents/`` (researcher.md, technical-writer.md).
Run a server (`everruns-server --dev`), then `python pipeline.py`.
"""

from __future__ import annotations

import asyncio
import os
import pathlib

from everruns_sdk import Everruns

AGENTS = pathlib.Path(__file__).resolve().parent.parent / "agents"


async def multi_agent_pipeline(client: Everruns) -> None:
    # Step 1: Research agent gathers information
    researcher = await client.agents.import_agent((AGENTS / "researcher.md").read_text())

    research_session = await client.sessions.create(agent_id=researcher.id)
    await client.messages.create(research_session.id, "Research Python async frameworks")

    # Wait for research to complete
    research_output = None
    async for event in client.events.stream(research_session.id):
        if event.type == "output.message.completed":
            message = event.data.get("message", {})
            parts = message.get("content", [])
            research_output = "\n".join(p["text"] for p in parts if p.get("type") == "text")
        elif event.type in ("turn.completed", "turn.failed"):
            break
    print(f"[researcher]\n{research_output}\n")

    # Step 2: Writer agent creates a polished article
    writer = await client.agents.import_agent((AGENTS / "technical-writer.md").read_text())

    writer_session = await client.sessions.create(agent_id=writer.id)
    await client.messages.create(
        writer_session.id,
        f"Write a blog post based on this research:\n\n{research_output}",
    )

    print("[writer]")
    async for event in client.events.stream(writer_session.id):
        if event.type == "output.message.delta":
            print(event.data.get("delta", ""), end="", flush=True)
        elif event.type in ("turn.completed", "turn.failed"):
            print(f"\n[{event.type}]")
            break

    # Cleanup
    for sid in (research_session.id, writer_session.id):
        await client.sessions.delete(sid)
    for aid in (researcher.id, writer.id):
        await client.agents.delete(aid)


async def main() -> None:
    async with Everruns(
        api_key=os.environ.get("EVERRUNS_API_KEY", "dev"),
        base_url=os.environ.get("EVERRUNS_API_URL", "http://localhost:9300/api"),
    ) as client:
        await multi_agent_pipeline(client)


if __name__ == "__main__":
    asyncio.run(main())
