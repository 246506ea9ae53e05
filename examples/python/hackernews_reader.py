#!/usr/bin/env python3
"""The tutorial's complete HackerNews reader with everruns-sdk.

Imports the agent from ``examples/agents/hackernews-reader.md`` (it reads the public Firebase API
at https://hacker-news.firebaseio.com/v0/), asks for the top stories and prints the tool calls
and the answer. Non-interactive by default; ``--interactive`` adds the follow-up loop.

    EVERRUNS_API_URL=http://127.0.0.1:9300/api python examples/python/hackernews_reader.py [--interactive]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import pathlib
from typing import Any

from everruns_sdk import EventStream, Everruns

AGENT_FILE = pathlib.Path(__file__).resolve().parent.parent / "agents" / "hackernews-reader.md"


def message_text(data: dict[str, Any]) -> str:
    """The text parts of an ``output.message.completed`` event's message."""
    message = data.get("message", {})
    return "\n".join(p["text"] for p in message.get("content", []) if p.get("type") == "text")


async def follow_turn(events: EventStream) -> str:
    """Prints a turn's tool calls and answer until the turn ends; returns the terminal event type."""
    async for event in events:
        if event.type == "output.message.completed":
            text = message_text(event.data)
            if text:
                print(f"Agent: {text}")
        elif event.type == "tool.started":
            tool_call = event.data.get("tool_call", {})
            name = tool_call.get("name", "unknown")
            args = tool_call.get("arguments", {})
            if name == "web_fetch":
                print(f"  -> Fetching: {args.get('url', '?')}")
            else:
                print(f"  -> Tool: {name}")
        elif event.type == "turn.completed":
            print("\n[Turn completed]")
            return event.type
        elif event.type in ("turn.failed", "turn.cancelled"):
            print(f"\n[{event.type}: {event.data.get('error', 'unknown')}]")
            return event.type
    return "stream ended"


async def main(interactive: bool) -> int:
    async with Everruns(
        api_key=os.environ.get("EVERRUNS_API_KEY", "dev"),
        base_url=os.environ.get("EVERRUNS_API_URL", "http://localhost:9300/api"),
    ) as client:
        # Import the agent from markdown
        agent = await client.agents.import_agent(AGENT_FILE.read_text(encoding="utf-8"))
        print(f"Agent: {agent.id} ({agent.name})")

        session = await client.sessions.create(
            agent_id=agent.id,
            title="HackerNews Reader Session",
        )
        print(f"Session: {session.id}\n")

        try:
            prompt = "What are the top 5 stories on HackerNews right now?"
            await client.messages.create(session.id, prompt)
            print(f"You: {prompt}\n")
            outcome = await follow_turn(client.events.stream(session.id))

            # Follow-up questions, only when asked for
            while interactive:
                try:
                    follow_up = input("\nYou (or 'quit'): ").strip()
                except (EOFError, KeyboardInterrupt):
                    break
                if not follow_up or follow_up.lower() in ("quit", "exit", "q"):
                    break
                await client.messages.create(session.id, follow_up)
                print()
                outcome = await follow_turn(client.events.stream(session.id))
        finally:
            await client.sessions.delete(session.id)
            await client.agents.delete(agent.id)
            print("\nCleaned up.")
        return 0 if outcome == "turn.completed" else 1


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="HackerNews reader agent (everruns-sdk)")
    parser.add_argument(
        "--interactive", action="store_true", help="ask follow-up questions after the first answer"
    )
    raise SystemExit(asyncio.run(main(parser.parse_args().interactive)))
