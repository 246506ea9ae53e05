"""The rest of the surface against the real server: agents (update/list/pagination/export/
apply), sessions, messages, filesystem operations and their errors, catalog, fork safety."""

from __future__ import annotations

import asyncio
import json
import os

import pytest

import everruns_sdk as ev
from everruns_sdk import Everruns

from .conftest import ServerProcess


async def test_agents_crud_and_pagination(client: Everruns) -> None:
    tag = f"pg{os.getpid()}"
    created = [
        await client.agents.create(name=f"Pager {tag} {i}", system_prompt="p", tags=[tag]) for i in range(7)
    ]
    page = await client.agents.list(search=f"pager {tag}", limit=3)
    assert len(page.data) == 3 and page.total == 7 and page.has_more
    assert all(isinstance(a, ev.Agent) for a in page.data)
    seen = [a.id async for a in client.agents.list_all(search=f"pager {tag}", limit=3)]
    assert sorted(seen) == sorted(a.id for a in created)

    a = created[0]
    got = await client.agents.get(a.id)
    assert got == a or got.id == a.id
    by_name = await client.agents.get(a.name)
    assert by_name.id == a.id
    upd = await client.agents.update(a.id, description="updated", capabilities=["web_fetch", {"ref": "current_time"}])
    assert upd.description == "updated"
    assert [c["ref"] for c in upd.capabilities] == ["web_fetch", "current_time"]
    md = await client.agents.export(a.id)
    assert "updated" in md
    new_id = client.agents.generate_id()
    applied = await client.agents.apply(new_id, f"applied {tag}", "prompt one")
    again = await client.agents.apply(new_id, f"applied {tag}", "prompt two")
    assert applied.id == again.id == new_id and again.system_prompt == "prompt two"
    for x in [*created, applied]:
        await client.agents.delete(x.id)
    remaining = [x.id async for x in client.agents.list_all(search=f"pager {tag}")]
    assert remaining == []
    with pytest.raises(ev.NotFoundError) as info:
        await client.agents.get("agent_00000000000000000000000000000000")
    assert info.value.status == 404 and info.value.request_id


async def test_sessions_and_messages(client: Everruns) -> None:
    agent = await client.agents.create(name="Session Tester", system_prompt="p")
    s = await client.sessions.create(agent_id=agent.id, title="one", tags=["x"])
    assert s.agent_id == agent.id and s.title == "one" and s.status
    s2 = await client.sessions.update(s.id, title="two")
    assert s2.title == "two"
    page = await client.sessions.list(agent_id=agent.id)
    assert [x.id for x in page.data] == [s.id]
    all_ids = [x.id async for x in client.sessions.list_all(agent_id=agent.id)]
    assert all_ids == [s.id]
    with pytest.raises(ev.ValidationError) as not_active:
        await client.sessions.cancel(s.id)  # docs/decisions.md#7: nothing running
    assert not_active.value.code == "not_active"
    await client.sessions.set_llmsim_script(s.id, steps=[{"text": "hi there"}])
    m = await client.messages.create(s.id, "hello")
    assert m.role == "user" and m.text == "hello"
    async for e in client.events.stream(s.id):
        if e.type == "turn.completed":
            break
    msgs = await client.messages.list(s.id)
    assert [x.role for x in msgs][:2] == ["user", "agent"]
    assert msgs[1].text == "hi there"
    # content parts form
    await client.sessions.set_llmsim_script(s.id, steps=[{"text": "ok"}])
    m2 = await client.messages.create(s.id, content=[{"type": "text", "text": "parts"}], metadata={"k": 1})
    assert m2.text == "parts"
    async for e in client.events.stream(s.id):
        if e.type == "turn.completed":
            break
    listed = await client.events.list(s.id, types=["turn.completed"])
    assert len(listed) == 2
    await client.sessions.delete(s.id)
    with pytest.raises(ev.NotFoundError):
        await client.sessions.get(s.id)
    await client.agents.delete(agent.id)


async def test_filesystem_operations(client: Everruns) -> None:
    s = await client.sessions.create(title="fs")
    sid = s.id
    f = await client.filesystem.create(sid, "/workspace/docs/a.md", content="alpha\nbeta\n")
    assert f.path == "/docs/a.md" and f.name == "a.md" and not f.is_directory
    with pytest.raises(ev.ConflictError) as conflict:
        await client.filesystem.create(sid, "/workspace/docs/a.md", content="again")
    assert conflict.value.status == 409
    d = await client.filesystem.create_dir(sid, "/workspace/empty")
    assert d.is_directory
    listing = await client.filesystem.list(sid, "/workspace")
    names = {e.name: e.is_directory for e in listing.entries}
    assert names == {"docs": True, "empty": True}
    rec = await client.filesystem.list(sid, "/", recursive=True)
    assert "/docs/a.md" in {e.path for e in rec.entries}
    got = await client.filesystem.get(sid, "/workspace/docs")
    assert isinstance(got, ev.FileListing) and got.entries[0].name == "a.md"
    got_file = await client.filesystem.get(sid, "/docs/a.md")
    assert isinstance(got_file, ev.SessionFile) and got_file.content == "alpha\nbeta\n"
    upd = await client.filesystem.update(sid, "/docs/a.md", "gamma\n")
    assert upd.content == "gamma\n" or (await client.filesystem.read(sid, "/docs/a.md")).content == "gamma\n"
    moved = await client.filesystem.move(sid, "/docs/a.md", "/docs/b.md")
    assert moved.path == "/docs/b.md"
    copied = await client.filesystem.copy(sid, "/docs/b.md", "/docs/c.md")
    assert copied.path == "/docs/c.md"
    hits = await client.filesystem.grep(sid, "gam+a")
    assert sorted(h.path for h in hits) == ["/docs/b.md", "/docs/c.md"]
    assert hits[0].matches[0].line_number == 1 and isinstance(hits[0].matches[0], ev.GrepMatch)
    st = await client.filesystem.stat(sid, "/docs/c.md")
    assert st.size_bytes == len("gamma\n")
    with pytest.raises(ev.NotFoundError):
        await client.filesystem.read(sid, "/docs/missing.md")
    with pytest.raises(ev.ValidationError):
        await client.filesystem.read(sid, "/docs")  # a directory
    ro = await client.filesystem.create(sid, "/ro.txt", content="x", is_readonly=True)
    assert ro.is_readonly
    with pytest.raises(ev.PermissionDeniedError) as denied:
        await client.filesystem.update(sid, "/ro.txt", "y")
    assert denied.value.code == "readonly"
    with pytest.raises(ev.ValidationError):
        await client.filesystem.delete(sid, "/docs")  # not empty, not recursive
    assert await client.filesystem.delete(sid, "/docs", recursive=True) is True
    binary = await client.filesystem.create(sid, "/bin.dat", content="AAEC", encoding="base64")
    assert binary.size_bytes == 3
    # Everything is JSON-serialisable as returned.
    json.dumps([listing, rec, hits, st, binary])
    await client.sessions.delete(sid)


async def test_catalog(client: Everruns) -> None:
    caps = await client.capabilities.list()
    ids = {c.id for c in caps.data}
    assert {"web_fetch", "current_time", "session_file_system"} <= ids
    all_caps = [c.id async for c in client.capabilities.list_all(limit=2)]
    assert set(all_caps) >= ids
    fs = await client.capabilities.get("session_file_system")
    assert any(t["name"] == "write_file" for t in fs.tool_definitions)
    harnesses = await client.harnesses.list()
    generic = next(h for h in harnesses if h.name == "generic")
    assert (await client.harnesses.get(generic.id)).id == generic.id
    models = await client.models.list()
    assert any(m.provider_type == "llmsim" for m in models)
    assert (await client.models.get(models[0].id)).id == models[0].id


async def test_bad_input_loses_nothing(client: Everruns) -> None:
    agent = await client.agents.create(name="Keeper", system_prompt="keep")
    with pytest.raises(ev.ValidationError):
        await client.agents.update(agent.id, max_iterations=-5)
    with pytest.raises(ev.ValidationError):
        await client.agents.create(name="", system_prompt="p")
    with pytest.raises(ev.ValidationError):
        await client.agents.create(name="x", system_prompt="   ")
    still = await client.agents.get(agent.id)
    assert still.system_prompt == "keep"
    await client.agents.delete(agent.id)


def test_client_survives_fork(server: ServerProcess) -> None:
    """A client made (and used) in the parent works in a forked child, and still in the parent."""
    client = Everruns(api_key="dev", base_url=server.api_url)

    async def count() -> int:
        return (await client.agents.list()).total

    assert asyncio.run(count()) >= 0
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            os.close(r)
            n = asyncio.run(asyncio.wait_for(count(), 60))
            os.write(w, str(n).encode())
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as fh:
        out = fh.read()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0
    assert int(out) >= 0
    assert asyncio.run(count()) >= 0
