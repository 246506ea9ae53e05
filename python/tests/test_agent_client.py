"""``AgentClient`` (the Agent Execution API) through the real wheel against the real server."""

from __future__ import annotations

import inspect
import uuid
from typing import Any

import pytest

from everruns_sdk import (
    AgentClient,
    AuthenticationError,
    ConfigurationError,
    Everruns,
    TurnFailedError,
    ValidationError,
)
from everruns_sdk.agent import AGENT_OPERATIONS


def _post(url: str, body: Any) -> Any:
    import json
    import urllib.request

    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "authorization": "dev"},
        method="POST",
    )
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


def _put(url: str, body: Any) -> Any:
    import json
    import urllib.request

    req = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "authorization": "dev"},
        method="PUT",
    )
    with urllib.request.urlopen(req) as r:
        return json.loads(r.read() or b"null")


async def _setup(client: Everruns, api: str) -> tuple[str, str]:
    agent = await client.agents.create(f"shop-{uuid.uuid4().hex[:8]}", "You help.")
    ch = _post(f"{api}/v1/agents/{agent.id}/channels", {"channel_type": "api"})
    _post(f"{api}/v1/agents/{agent.id}/channels/{ch['id']}/publish", {})
    key = _post(
        f"{api}/v1/agents/{agent.id}/channels/{ch['id']}/keys",
        {"name": "app", "permissions": ["sessions", "end_user"]},
    )
    return ch["agent_url"], key["secret"]


def _script(api: str, session_id: str, steps: list[dict[str, Any]], **more: Any) -> None:
    _put(f"{api}/v1/sessions/{session_id}/llmsim", {"steps": steps, **more})


def test_facade_matches_the_core_table() -> None:
    declared = {op["name"] for op in AGENT_OPERATIONS}
    public = {
        n
        for n, f in inspect.getmembers(AgentClient, inspect.isfunction)
        if not n.startswith("_") and n not in ("close", "for_end_user")
    }
    assert public == declared
    for op in AGENT_OPERATIONS:
        params = inspect.signature(getattr(AgentClient, op["name"])).parameters
        for p in op["params"]:
            assert p["name"] in params or (p["name"] not in ("session_id", "text")), (op["name"], p)


async def test_run_and_every_method(client: Everruns, server: Any) -> None:
    url, key = await _setup(client, server.api_url)
    async with AgentClient(url, key) as agent:
        assert agent.agent_url == url
        card = await agent.card()
        assert card["streaming"] is True

        s = await agent.create_session("orders", idempotency_key="k1")
        again = await agent.create_session("orders", idempotency_key="k1")
        assert s["id"] == again["id"]
        assert [x["id"] for x in (await agent.list_sessions())["data"]] == [s["id"]]
        assert (await agent.get_session(s["id"]))["pending_questions"] == []

        _script(server.api_url, s["id"], [{"text": "first"}, {"text": "second"}])
        assert await agent.run("one", s["id"]) == "first"
        assert await agent.run("two", session_id=s["id"]) == "second"

        events = await agent.list_events(s["id"])
        assert [e.type for e in events].count("turn.completed") == 2
        last = events[-1].sequence
        assert await agent.list_events(s["id"], after_sequence=last) == []
        seen = []
        async with agent.stream_events(s["id"], after_sequence=0) as stream:
            async for e in stream:
                seen.append(e.type)
                if seen.count("turn.completed") == 2:
                    break
        assert seen[0] == "input.message"

        m = await agent.send_message(s["id"], "again", idempotency_key="m1")
        m2 = await agent.send_message(s["id"], "again", idempotency_key="m1")
        assert m.id == m2.id

        # a new session per run
        assert await agent.run("hello")
        assert len((await agent.list_sessions())["data"]) == 2

        # a failed turn is a typed error
        f = await agent.create_session()
        _script(server.api_url, f["id"], [{"error": "server_error"}], on_exhausted="error")
        with pytest.raises(TurnFailedError) as info:
            await agent.run("boom", f["id"])
        assert info.value.code == "internal_error"

        # end users and runtime tokens
        with pytest.raises(ValidationError):
            await agent.runtime_token()
        alice = agent.for_end_user("alice")
        assert alice.end_user == "alice"
        assert (await alice.list_sessions())["data"] == []
        tok = await alice.runtime_token()
        browser = AgentClient(url, tok["access_token"])
        bs = await browser.create_session()
        assert [x["id"] for x in (await alice.list_sessions())["data"]] == [bs["id"]]
        await browser.close()

    with pytest.raises(AuthenticationError):
        async with AgentClient(url, "evr_ak_wrong") as bad:
            await bad.card()


def test_configuration_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EVERRUNS_AGENT_URL", raising=False)
    monkeypatch.delenv("EVERRUNS_AGENT_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="EVERRUNS_AGENT_URL"):
        AgentClient()
    monkeypatch.setenv("EVERRUNS_AGENT_URL", "http://127.0.0.1:9/api/v1/channels/appchan_x")
    with pytest.raises(ConfigurationError, match="EVERRUNS_AGENT_KEY"):
        AgentClient()
    monkeypatch.setenv("EVERRUNS_AGENT_KEY", "evr_ak_x")
    agent = AgentClient()
    assert agent.agent_url == "http://127.0.0.1:9/api/v1/channels/appchan_x"
    with pytest.raises(ConfigurationError, match="channels"):
        AgentClient("http://127.0.0.1:9/api/v1/sessions", "evr_ak_x")


async def test_management_sessions_run(client: Everruns, server: Any) -> None:
    agent = await client.agents.create(f"m-{uuid.uuid4().hex[:8]}", "You help.")
    s = await client.sessions.create(agent_id=agent.id)
    _script(server.api_url, s.id, [{"text": "alpha"}, {"error": "server_error"}], on_exhausted="error")
    assert await client.sessions.run(s.id, "a") == "alpha"
    with pytest.raises(TurnFailedError):
        await client.sessions.run(s.id, "b")
