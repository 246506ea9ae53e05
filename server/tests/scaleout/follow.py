#!/usr/bin/env python3
"""Scale-out test follower: streams a session with the Python SDK from the beginning and
prints each event as one JSON line (sequence, id, type) until the turn's terminal event and
the following session.idled. Usage: follow.py BASE_URL SESSION_ID"""

from __future__ import annotations

import asyncio
import json
import sys

from everruns_sdk import Everruns

TERMINALS = {"turn.completed", "turn.failed", "turn.cancelled", "turn.sealed"}


async def main(base_url: str, session_id: str) -> None:
    async with Everruns(api_key="dev", base_url=base_url) as client:
        terminal = False
        async for event in client.events.stream(session_id, from_beginning=True):
            print(json.dumps({"sequence": event.sequence, "id": event.id, "type": event.type}), flush=True)
            terminal = terminal or event.type in TERMINALS
            if terminal and event.type == "session.idled":
                return


if __name__ == "__main__":
    asyncio.run(asyncio.wait_for(main(sys.argv[1], sys.argv[2]), timeout=120))
