#!/usr/bin/env python3
"""HackerNews Reader Agent — demonstrates the everruns-sdk."""

import asyncio
import os
from everruns_sdk import Everruns

AGENT_MARKDOWN = """---
name: "HackerNews Reader"
description: "An agent that browses HackerNews autonomously"
tags:
  - demo
capabilities:
  - web_fetch
  - current_time
  - session_file_system
---
You are a HackerNews reader agent. Use the public Firebase API:

- Top stories: https://hacker-news.firebaseio.com/v0/topstories.json
- Item detail: https://hacker-news.firebaseio.com/v0/item/{id}.json
- User profile: https://hacker-news.firebaseio.com/v0/user/{username}.json

Fetch only what's needed. Present stories in a numbered list with title,
points, and comment count.
""".strip()


async def main() -> None:
    client = Everruns(
        api_key=os.environ.get("EVERRUNS_API_KEY", "dev"),
        base_url=os.environ.get("EVERRUNS_API_URL", "http://localhost:9300/api"),
    )

    # Import agent from markdown
    agent = await client.agents.import_agent(AGENT_MARKDOWN)
    print(f"Agent: {agent.id} ({agent.name})")

    # Create session
    session = await client.sessions.create(
        agent_id=agent.id,
        title="HackerNews Reader Session",
    )
    print(f"Session: {session.id}\n")

    try:
        # Send message
        prompt = "What are the top 5 stories on HackerNews right now?"
        await client.messages.create(session.id, prompt)
        print(f"You: {prompt}\n")

        # Stream events
        async for event in client.events.stream(session.id):
            if event.type == "output.message.completed":
                message = event.data.get("message", {})
                for part in message.get("content", []):
                    if part.get("type") == "text":
                        print(f"Agent: {part['text']}")

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
                break

            elif event.type == "turn.failed":
                print(f"\n[Turn failed: {event.data.get('error', 'unknown')}]")
                break

        # Interactive follow-up loop
        while True:
            try:
                follow_up = input("\nYou (or 'quit'): ").strip()
            except (EOFError, KeyboardInterrupt):
                break
            if not follow_up or follow_up.lower() in ("quit", "exit", "q"):
                break

            await client.messages.create(session.id, follow_up)
            print()
            async for event in client.events.stream(session.id):
                if event.type == "output.message.completed":
                    message = event.data.get("message", {})
                    for part in message.get("content", []):
                        if part.get("type") == "text":
                            print(f"Agent: {part['text']}")
                elif event.type == "turn.completed":
                    break
                elif event.type == "turn.failed":
                    print(f"Error: {event.data.get('error')}")
                    break
    finally:
        # Cleanup
        await client.sessions.delete(session.id)
        await client.agents.delete(agent.id)
        await client.close()
        print("\nCleaned up.")


if __name__ == "__main__":
    asyncio.run(main())
