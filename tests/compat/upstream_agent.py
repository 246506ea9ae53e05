#!/usr/bin/env python3
"""Compatibility check: the public upstream SDK's ``AgentClient`` (everruns-sdk 0.3.x from PyPI)
against our Agent Execution API.

The operator part (an agent, a published API channel, an agent key) goes through our
management REST routes with httpx; then the upstream ``AgentClient`` does ``run``,
``create_session``, ``send_message`` and ``stream_events``. Exits non-zero on any mismatch.
Needs EVERRUNS_API_URL (e.g. http://127.0.0.1:PORT/api).
"""

import asyncio
import os
import sys
import warnings

import httpx

from everruns_sdk import AgentClient

warnings.simplefilter("ignore", DeprecationWarning)


def check(cond: bool, what: str) -> None:
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


async def provision(api: str) -> tuple[str, str, str]:
    """(agent URL, agent key, management base) for a fresh agent with a scripted simulator."""
    async with httpx.AsyncClient(base_url=f"{api}/v1", headers={"authorization": "dev"}) as h:
        agent = (await h.post("/agents", json={"name": "compat-support", "system_prompt": "You help."})).json()
        ch = (await h.post(f"/agents/{agent['id']}/channels", json={"channel_type": "api"})).json()
        await h.post(f"/agents/{agent['id']}/channels/{ch['id']}/publish")
        key = (await h.post(f"/agents/{agent['id']}/channels/{ch['id']}/keys", json={"name": "compat"})).json()
        check(key["secret"].startswith("evr_ak_"), "agent key created (evr_ak_…)")
        return ch["agent_url"], key["secret"], f"{api}/v1"


async def script(base: str, session_id: str, steps: list) -> None:
    async with httpx.AsyncClient(headers={"authorization": "dev"}) as h:
        r = await h.put(f"{base}/sessions/{session_id}/llmsim", json={"steps": steps})
        r.raise_for_status()


async def main() -> None:
    url, key, base = await provision(os.environ["EVERRUNS_API_URL"])
    agent = AgentClient(agent_url=url, credential=key)
    try:
        card = await agent.card()
        check(card.get("name") == "compat-support", f"card -> {card.get('name')}")

        session = await agent.create_session("compat", idempotency_key="compat-1")
        again = await agent.create_session("compat", idempotency_key="compat-1")
        check(session["id"].startswith("session_") and again["id"] == session["id"],
              f"create_session (idempotent) -> {session['id']}")
        await script(base, session["id"], [{"text": "Order 42 ships Friday."},
                                           {"text": "The address can still change."}])

        reply = await agent.run("Where is order 42?", session_id=session["id"])
        check(reply == "Order 42 ships Friday.", f"run (existing session) -> {reply!r}")

        msg = await agent.send_message(session["id"], "Can I change the address?")
        check(msg["id"].startswith("message_"), "send_message")
        seen = []
        text = ""
        stream = agent.stream_events(session["id"], since_id=None, after_sequence=msg.get("sequence", 1) - 1)
        async for event in stream:
            seen.append(event.type)
            if event.type == "output.message.completed":
                text = "".join(p.get("text", "") for p in event.data["message"]["content"])
            if event.type in ("turn.completed", "turn.failed"):
                break
        stream.stop()
        await stream.aclose()
        check(seen[0] == "input.message" and seen[-1] == "turn.completed",
              f"stream_events from after_sequence ({len(seen)} events)")
        check(text == "The address can still change.", f"stream_events carried the reply {text!r}")
        check("output.message.delta" not in seen, "activity visibility hides deltas")

        sessions = await agent.list_sessions()
        check([s["id"] for s in sessions["data"]] == [session["id"]], "list_sessions (only this key's)")

        reply = await agent.run("Hello!")
        check(isinstance(reply, str) and reply != "", f"run (new session) -> {reply[:40]!r}")
        print("compat (AgentClient): all checks passed")
    finally:
        await agent.close()


if __name__ == "__main__":
    asyncio.run(main())
