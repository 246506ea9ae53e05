#!/usr/bin/env python3
"""An application calling its agent with ``AgentClient.run``.

The application holds an agent key of the agent's API channel (never a management key):

    EVERRUNS_AGENT_URL=http://127.0.0.1:9300/api/v1/channels/appchan_… \\
    EVERRUNS_AGENT_KEY=evr_ak_… python agent_app.py
"""

from __future__ import annotations

import asyncio

from everruns_sdk import AgentClient, TurnFailedError


async def main() -> int:
    async with AgentClient() as agent:  # EVERRUNS_AGENT_URL, EVERRUNS_AGENT_KEY
        card = await agent.card()
        print(f"Talking to {card['name']}")
        session = await agent.create_session("Order 42")
        try:
            print("Agent:", await agent.run("Where is my order 42?", session["id"]))
            print("Agent:", await agent.run("Can I still change the address?", session["id"]))
        except TurnFailedError as e:
            print(f"The agent failed: {e.code}")
            return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(asyncio.run(main()))
