"""Budgets, connections and session secrets through the real wheel against the real server."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from everruns_sdk import ApiError, Everruns, NotFoundError, ValidationError


async def _session(client: Everruns, name: str) -> Any:
    agent = await client.agents.create(name=name, system_prompt="You help.")
    session = await client.sessions.create(agent_id=agent.id)
    await client.sessions.set_llmsim_script(session.id, steps=[{"text": "Done."}])
    return session


async def _types(client: Everruns, session_id: str) -> list[str]:
    events = await client.events.list(session_id)
    return [e.type for e in events]


async def _wait_for(client: Everruns, session_id: str, event_type: str) -> list[str]:
    for _ in range(200):
        types = await _types(client, session_id)
        if event_type in types:
            return types
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {event_type} in {await _types(client, session_id)}")


async def test_budget_pauses_a_turn_until_topped_up(client: Everruns) -> None:
    session = await _session(client, "py-budgets")
    budget = await client.budgets.create("session", session.id, "tokens", 1, soft_limit=0.5, metadata={"k": "v"})
    assert budget.id.startswith("bdgt_")
    assert (budget.balance, budget.limit, budget.status, budget.currency) == (1.0, 1.0, "active", "tokens")
    assert budget.metadata == {"k": "v"}
    assert (await client.sessions.budget_check(session.id)).action == "continue"
    assert [b.id for b in await client.sessions.budgets(session.id)] == [budget.id]
    assert [b.id for b in await client.budgets.list(subject_type="session", subject_id=session.id)] == [budget.id]

    # first turn: its one step is charged (more than 1 token), the budget is exhausted
    await client.messages.create(session.id, "hi")
    types = await _wait_for(client, session.id, "turn.completed")
    assert "budget.warning" in types and "budget.exhausted" in types
    got = await client.budgets.get(budget.id)
    assert got.status == "exhausted" and got.balance <= 0
    check = await client.sessions.budget_check(session.id)
    assert (check.action, check.error_code, check.budget_id) == ("pause", "budget_exhausted", budget.id)
    assert (await client.budgets.check(budget.id)).action == "pause"

    # second turn: its step pauses until a top-up
    await client.messages.create(session.id, "again")
    await _wait_for(client, session.id, "budget.paused")
    topped = await client.budgets.top_up(budget.id, 1000, description="more")
    assert topped.status == "active"
    types = await _wait_for(client, session.id, "budget.resumed")
    for _ in range(200):
        types = await _types(client, session.id)
        if types.count("turn.completed") == 2:
            break
        await asyncio.sleep(0.05)
    assert types.count("turn.completed") == 2, types
    ledger = await client.budgets.ledger(budget.id)
    assert [e.meter_source for e in ledger] == ["llm_tokens", "manual", "llm_tokens"]
    assert ledger[1].amount == -1000 and ledger[1].description == "more"
    assert len(await client.budgets.ledger(budget.id, limit=1, offset=1)) == 1

    # an operator pause, lifted by resume
    paused = await client.budgets.update(budget.id, status="paused")
    assert paused.status == "paused"
    assert (await client.sessions.budget_check(session.id)).error_code == "budget_paused"
    resumed = await client.sessions.resume(session.id)
    assert (resumed.resumed_budgets, resumed.session_id) == (1, session.id)
    assert (await client.budgets.get(budget.id)).status == "active"

    await client.budgets.delete(budget.id)
    with pytest.raises(NotFoundError):
        await client.budgets.get(budget.id)


async def test_bad_budget_input(client: Everruns) -> None:
    session = await _session(client, "py-budgets-bad")
    with pytest.raises(ApiError) as e:
        await client.budgets.create("session", session.id, "eur", 5)
    assert (e.value.status, e.value.code) == (400, "unsupported_currency")
    with pytest.raises(NotFoundError):
        await client.budgets.create("session", "session_00000000000000000000000000000000", "usd", 5)
    budget = await client.budgets.create("session", session.id, "usd", 5)
    with pytest.raises(ValidationError):
        await client.budgets.top_up(budget.id, -5)
    with pytest.raises(NotFoundError):
        await client.budgets.top_up("bdgt_unknown", 5)
    with pytest.raises(NotFoundError):
        await client.budgets.ledger("bdgt_unknown")


async def test_connections_and_secrets(client: Everruns) -> None:
    key = "sk-py-conn-SECRET-abcdef"
    conn = await client.connections.set("openai", key)
    assert conn.provider == "openai" and conn.key_hint == "…cdef"
    assert key not in repr(dict(conn))
    listed = await client.connections.list()
    assert [c.provider for c in listed if c.provider == "openai"] == ["openai"]
    assert all(key not in repr(dict(c)) for c in listed)
    await client.connections.remove("openai")
    with pytest.raises(NotFoundError):
        await client.connections.remove("openai")
    with pytest.raises(ApiError) as e:
        await client.connections.set("daytona", "k")
    assert (e.value.status, e.value.code) == (400, "unknown_provider")

    session = await _session(client, "py-secrets")
    res = await client.sessions.set_secrets(session.id, {"API_TOKEN": "tok-SECRET-1"})
    assert res.count == 1
    got = await client.sessions.get(session.id)
    assert "tok-SECRET-1" not in repr(dict(got))
