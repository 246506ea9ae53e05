#!/usr/bin/env python3
"""Quick start without asyncio: the same flow as quickstart.py with ``SyncEverruns``.

Run a server (`everruns-server --dev`), then:

    EVERRUNS_API_URL=http://127.0.0.1:9300/api python quickstart_sync.py
"""

from __future__ import annotations

import os

from everruns_sdk import SyncEverruns


def main() -> int:
    with SyncEverruns(
        api_key=os.environ.get("EVERRUNS_API_KEY", "dev"),
        base_url=os.environ.get("EVERRUNS_API_URL", "http://localhost:9300/api"),
    ) as client:
        agent = client.agents.create(
            name="Quickstart Assistant",
            system_prompt="You are a helpful assistant. Answer briefly.",
            capabilities=["current_time"],
        )
        session = client.sessions.create(agent_id=agent.id, title="Quick start (sync)")
        print(f"Agent {agent.id}, session {session.id}")
        try:
            client.messages.create(session.id, "Hello! What can you do?")
            outcome = 1
            for event in client.events.stream(session.id):
                if event.type == "output.message.delta":
                    print(event.data.get("delta", ""), end="", flush=True)
                elif event.type == "tool.started":
                    print(f"\n  [Tool] {event.data.get('tool_call', {}).get('name', '?')}")
                elif event.type == "turn.completed":
                    print("\n[Turn completed]")
                    outcome = 0
                    break
                elif event.type in ("turn.failed", "turn.cancelled"):
                    print(f"\n[{event.type}: {event.data.get('error', '')}]")
                    break
        finally:
            client.sessions.delete(session.id)
            client.agents.delete(agent.id)
        return outcome


if __name__ == "__main__":
    raise SystemExit(main())
