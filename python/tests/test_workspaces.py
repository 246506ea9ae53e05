"""Workspaces, workspace files and memories through the real wheel against the real server."""

from __future__ import annotations

import uuid

import pytest

import everruns_sdk
from everruns_sdk import Everruns


async def test_sessions_share_a_workspace(client: Everruns) -> None:
    ws = await client.workspaces.create("team", description="Shared files")
    assert ws.id.startswith("wsp_") and ws.status == "active"
    await client.workspace_files.create(ws.id, "/notes/welcome.md", "# Welcome", encoding="text")
    agent = await client.agents.create(f"ws-{uuid.uuid4().hex[:8]}", "You help.")
    s1 = await client.sessions.create(agent_id=agent.id, workspace_id=ws.id)
    s2 = await client.sessions.create(agent_id=agent.id, workspace_id=ws.id)
    assert s1.workspace_id == ws.id == s2.workspace_id
    await client.filesystem.create(s1.id, "/from-one.txt", "one")
    f = await client.filesystem.read(s2.id, "/from-one.txt")
    assert f.content == "one"
    files = await client.workspace_files.list(ws.id, recursive=True)
    assert sorted(x.path for x in files) == ["/from-one.txt", "/notes", "/notes/welcome.md"]
    copied = await client.workspace_files.copy_file(ws.id, "/from-one.txt", "/copy.txt")
    assert copied.path == "/copy.txt"
    assert await client.workspace_files.delete(ws.id, "/copy.txt") is True
    updated = await client.workspaces.update(ws.id, name="team-2")
    assert updated.name == "team-2"
    await client.workspaces.delete(ws.id)
    assert (await client.workspaces.get(ws.id)).status == "archived"
    with pytest.raises(everruns_sdk.ConflictError):
        await client.workspace_files.create(ws.id, "/late.txt", "x")
    with pytest.raises(everruns_sdk.NotFoundError):
        await client.workspaces.get("wsp_0190f3c2a7b87e1c9d2a5b6c7d8e9f01")


async def test_memories_mounted_read_only(client: Everruns) -> None:
    mem = await client.memories.create("kb", description="facts")
    assert mem.id.startswith("mem_") and mem.source_type == "manual"
    await client.memories.create_file(mem.id, "/facts/sky.md", "The sky is teal.")
    hits = await client.memories.grep_files(mem.id, "teal")
    assert [(h.path, h.size_bytes) for h in hits] == [("/facts/sky.md", 16)]
    assert (await client.memories.stat_file(mem.id, "/facts")).is_directory
    agent = await client.agents.create(f"mem-{uuid.uuid4().hex[:8]}", "You help.", memory_ids=[mem.id])
    s = await client.sessions.create(agent_id=agent.id)
    f = await client.filesystem.read(s.id, "/memories/kb/facts/sky.md")
    assert f.content == "The sky is teal." and f.is_readonly
    with pytest.raises(everruns_sdk.EverrunsError, match="read-only"):
        await client.filesystem.update(s.id, "/memories/kb/facts/sky.md", "no")
    with pytest.raises(everruns_sdk.EverrunsError, match="only manual"):
        await client.memories.sync(mem.id)
    with pytest.raises(everruns_sdk.EverrunsError, match="not supported"):
        await client.memories.create("remote", source={"provider": "github", "repository": "o/r"})
