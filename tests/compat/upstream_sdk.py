#!/usr/bin/env python3
"""Compatibility check: the public upstream pure-Python SDK (everruns-sdk 0.3.x from PyPI)
against our reference server.

Creates an agent (slug name), a session, sends a message, streams the turn to
`turn.completed`, lists events, messages and files (session workspace routes), and exits
non-zero on any mismatch. Needs EVERRUNS_API_URL (e.g. http://127.0.0.1:PORT/api).
"""

import asyncio
import os
import sys
import warnings

from everruns_sdk import Everruns

warnings.simplefilter("ignore", DeprecationWarning)


def check(cond: bool, what: str) -> None:
    if not cond:
        print(f"FAIL: {what}", file=sys.stderr)
        sys.exit(1)
    print(f"ok: {what}")


async def main() -> None:
    client = Everruns(api_key=os.environ.get("EVERRUNS_API_KEY", "dev"),
                      base_url=os.environ["EVERRUNS_API_URL"])
    try:
        agent = await client.agents.create(
            name="compat-research-assistant",
            system_prompt="You are a research assistant. Save notes in /workspace.",
            display_name="Compat Research Assistant",
        )
        check(agent.id.startswith("agent_") and agent.name == "compat-research-assistant",
              f"agents.create -> {agent.id} ({agent.name})")
        got = await client.agents.get(agent.id)
        check(got.id == agent.id, "agents.get")
        listed = await client.agents.list()
        check(any(a.id == agent.id for a in listed), "agents.list")

        imported = await client.agents.import_agent(
            "---\nname: \"compat-hn-reader\"\ntags:\n  - demo\ncapabilities:\n  - current_time\n---\nYou read HN.")
        check(imported.name == "compat-hn-reader", "agents.import_agent")
        md = await client.agents.export(imported.id)
        check(md.startswith("---") and "You read HN." in md, "agents.export")

        session = await client.sessions.create(agent_id=agent.id, title="Compat session")
        check(session.id.startswith("session_") and session.status == "started",
              f"sessions.create -> {session.id}")

        await client.messages.create(session.id, "Research durable execution engines.")
        seen = []
        async for event in client.events.stream(session.id):
            seen.append(event.type)
            if event.type in ("turn.completed", "turn.failed"):
                break
        check("turn.completed" in seen, f"events.stream reached turn.completed ({len(seen)} events)")
        check("output.message.completed" in seen, "stream carried output.message.completed")

        events = await client.events.list(session.id, exclude=["output.message.delta"])
        check(any(e.type == "turn.completed" for e in events), "events.list")
        messages = await client.messages.list(session.id)
        roles = [str(getattr(m.role, "value", m.role)) for m in messages]
        check(roles[:2] == ["user", "agent"], f"messages.list roles {roles}")

        sess = await client.sessions.get(session.id)
        check(sess.status == "idle", f"sessions.get status {sess.status}")

        wsp = getattr(sess, "workspace_id", None) or "wsp_" + session.id[len("session_"):]
        await client.workspace_files.create(wsp, "/notes/compat.md", content="# compat\n")
        files = await client.workspace_files.list(wsp, "/")
        check(any(f.name == "notes" and f.is_directory for f in files), "workspace_files.list")
        f = await client.workspace_files.read(wsp, "/notes/compat.md")
        check(f.content == "# compat\n", "workspace_files.read")

        try:
            await client.sessions.cancel(session.id)
            check(False, "cancel on an idle session must fail")
        except Exception as e:  # ApiError with the server's code
            check("not_active" in repr(e) or "not_active" in str(getattr(e, "code", "")),
                  f"sessions.cancel idle -> {type(e).__name__}")

        await client.sessions.delete(session.id)
        await client.agents.delete(agent.id)
        await client.agents.delete(imported.id)
        print("compat: all checks passed")
    finally:
        await client.close()


if __name__ == "__main__":
    asyncio.run(main())
