"""Agent versions, copy, stats, harness writes, session pins/export and ``with_reason``
through the real wheel against the real server."""

from __future__ import annotations

import json
import uuid

import pytest

from everruns_sdk import ConflictError, Everruns, NotFoundError, PermissionDeniedError, ValidationError


def _name(stem: str) -> str:
    return f"{stem}-{uuid.uuid4().hex[:8]}"


async def test_versions_round_trip(client: Everruns) -> None:
    agent = await client.agents.create(_name("py-versioned"), "First.")
    versions = await client.agents.list_versions(agent.id)
    assert [v.version for v in versions] == ["1.0.0"]
    v1 = versions[0]
    assert v1.change_kind == "auto" and v1.is_published is True
    assert v1.authored_config["system_prompt"] == "First."
    assert len(v1.config_hash) == 64

    # with_reason: a derived client; the reason lands on the version the change creates
    updated = await client.with_reason("tighten the prompt ✓ + more").agents.update(agent.id, system_prompt="Second.")
    v2 = (await client.agents.list_versions(agent.id))[0]
    assert v2.change_reason == "tighten the prompt ✓ + more"
    assert v2.parent_version_id == v1.id
    assert updated.default_version_id == v2.id
    # the original client sends no reason
    await client.agents.update(agent.id, system_prompt="Third.")
    assert (await client.agents.list_versions(agent.id))[0].change_reason is None

    got = await client.agents.get_version(agent.id, v1.id)
    assert got.authored_config["system_prompt"] == "First."
    diff = await client.agents.diff_versions(agent.id, v1.id, v2.id)
    assert diff.authored_diff == [{"field": "system_prompt", "from": "First.", "to": "Second."}]

    minor = await client.agents.create_version(agent.id, change_kind="minor", summary="release")
    assert (minor.semver_minor, minor.semver_patch) == (1, 0)

    back = await client.agents.set_default_version(agent.id, v1.id)
    assert back.system_prompt == "First." and back.default_version_id == v1.id
    session = await client.sessions.create(agent_id=agent.id)
    assert session.agent_version_id == v1.id

    rolled = await client.agents.rollback_version(agent.id, v2.id, summary="undo")
    assert rolled.system_prompt == "Second."
    newest = (await client.agents.list_versions(agent.id))[0]
    assert newest.change_kind == "rollback" and newest.source_version_id == v2.id

    fork_name = _name("py-fork")
    fork = await client.agents.fork_version(agent.id, v1.id, name=fork_name)
    assert fork.name == fork_name and fork.forked_from_version_id == v1.id
    copy = await client.agents.copy(agent.id)
    assert copy.name == f"{agent.name}-copy" and copy.system_prompt == "Second."

    stats = await client.agents.stats(agent.id)
    assert stats.session_count == 1 and stats.execution_count == 0


async def test_version_bad_input(client: Everruns) -> None:
    a = await client.agents.create(_name("py-a"), "A.")
    b = await client.agents.create(_name("py-b"), "B.")
    vb = (await client.agents.list_versions(b.id))[0]
    va = (await client.agents.list_versions(a.id))[0]
    with pytest.raises(NotFoundError) as e:
        await client.agents.get_version(a.id, vb.id)
    assert e.value.code == "agent_version_not_found"
    with pytest.raises(NotFoundError):
        await client.agents.diff_versions(a.id, va.id, vb.id)
    with pytest.raises(NotFoundError):
        await client.agents.set_default_version(a.id, "agentver_0123456789abcdef0123456789abcdef")
    with pytest.raises(ValidationError):
        await client.agents.get_version(a.id, "v1")  # checked in the core, no request
    with pytest.raises(ConflictError):
        await client.agents.fork_version(a.id, va.id, name=b.name)
    with pytest.raises(ValidationError):
        await client.agents.create_version(a.id, change_kind="rollback")
    with pytest.raises(ValidationError, match="control"):
        client.with_reason("a\x00b")
    with pytest.raises(ValidationError, match="1000"):
        client.with_reason("x" * 1001)


async def test_harness_writes(client: Everruns) -> None:
    name = _name("py-harness")
    h = await client.harnesses.create(name, "Cite sources.", description="for research")
    assert h.name == name and h.is_built_in is False
    found = await client.harnesses.search(name)
    assert [x.id for x in found] == [h.id]
    h2 = await client.harnesses.update(h.id, system_prompt="Cite two sources.")
    assert h2.system_prompt == "Cite two sources."
    with pytest.raises(PermissionDeniedError):
        await client.harnesses.update("generic", system_prompt="x")
    with pytest.raises(ConflictError):
        await client.harnesses.create(name, "dup")
    await client.harnesses.delete(h.id)
    assert await client.harnesses.search(name) == []
    with pytest.raises(NotFoundError):
        await client.harnesses.delete("harness_0123456789abcdef0123456789abcdef")


async def test_pin_unpin_and_export(client: Everruns) -> None:
    agent = await client.agents.create(_name("py-pin"), "You help.")
    s = await client.sessions.create(agent_id=agent.id)
    assert s.is_pinned is False
    await client.sessions.pin(s.id)
    assert (await client.sessions.get(s.id)).is_pinned is True
    page = await client.sessions.list(agent_id=agent.id)
    assert [x.is_pinned for x in page.data] == [True]
    await client.sessions.unpin(s.id)
    assert (await client.sessions.get(s.id)).is_pinned is False

    await client.sessions.set_llmsim_script(s.id, steps=[{"text": "hello"}])
    reply = await client.sessions.run(s.id, "hi")
    assert reply == "hello"
    text = await client.sessions.export(s.id)
    events = [json.loads(line) for line in text.splitlines()]
    assert [e["sequence"] for e in events] == list(range(1, len(events) + 1))
    assert events[0]["type"] == "session.started"
    assert any(e["type"] == "turn.completed" for e in events)
    with pytest.raises(NotFoundError):
        await client.sessions.export("session_0123456789abcdef0123456789abcdef")
