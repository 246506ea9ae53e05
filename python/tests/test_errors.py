"""Error classes: every HTTP failure class maps to its Python exception, with the native core
error as ``__cause__``. Statuses come from a local HTTP server (real sockets)."""

from __future__ import annotations

import asyncio
import json
import pickle
import threading
import time
from typing import AsyncIterator, Iterator

import pytest

import everruns_sdk as ev
from everruns_sdk import Everruns, _native

from .fault_server import FaultServer, Reply, problem

AGENT = "agent_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"
SESSION = "session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"


@pytest.fixture
def fault() -> Iterator[FaultServer]:
    s = FaultServer()
    yield s
    s.close()


@pytest.fixture
async def fclient(fault: FaultServer) -> AsyncIterator[Everruns]:
    async with Everruns(api_key="dev", base_url=fault.api_url, max_retries=0, read_env=False) as c:
        yield c


@pytest.mark.parametrize(
    "status,cls,code",
    [
        (400, ev.ValidationError, "invalid_input"),
        (401, ev.AuthenticationError, "unauthorized"),
        (403, ev.PermissionDeniedError, "readonly"),
        (404, ev.NotFoundError, "agent_not_found"),
        (409, ev.ConflictError, "already_exists"),
        (422, ev.ValidationError, "unprocessable"),
        (429, ev.RateLimitError, "rate_limited"),
        (500, ev.ServerError, "internal"),
        (502, ev.ServerError, "bad_gateway"),
        (503, ev.ServerError, "unavailable"),
        (418, ev.ApiError, "teapot"),
    ],
)
async def test_status_maps_to_class(
    fault: FaultServer, fclient: Everruns, status: int, cls: type, code: str
) -> None:
    fault.push_json(status, problem(status, code, f"failure {status}"), {"X-Request-Id": f"req-{status}"})
    with pytest.raises(cls) as info:
        await fclient.agents.get(AGENT)
    e = info.value
    assert type(e) is cls
    assert isinstance(e, ev.ApiError) and isinstance(e, ev.EverrunsError)
    assert e.status == status
    assert e.code == code
    assert e.message == f"failure {status}"
    assert e.request_id == f"req-{status}"
    assert isinstance(e.__cause__, _native.CoreError)
    assert f"failure {status}" in str(e)
    # Errors survive pickling (e.g. across multiprocessing).
    back = pickle.loads(pickle.dumps(e))
    assert type(back) is cls and back.status == status and back.request_id == e.request_id


async def test_rate_limit_retry_after(fault: FaultServer, fclient: Everruns) -> None:
    fault.push_json(429, problem(429, "rate_limited", "slow down"), {"Retry-After": "7"})
    with pytest.raises(ev.RateLimitError) as info:
        await fclient.sessions.get(SESSION)
    assert info.value.retry_after == 7.0
    assert info.value.status == 429


async def test_server_errors_are_retried_by_the_core_then_raised(fault: FaultServer) -> None:
    # Three 503s: the core retries twice (max_retries=2) with tiny delays, then gives up.
    for _ in range(3):
        fault.push_json(503, problem(503, "unavailable", "busy"), {"Retry-After": "0"})
    async with Everruns(api_key="dev", base_url=fault.api_url, max_retries=2, read_env=False) as c:
        with pytest.raises(ev.ServerError) as info:
            await c.agents.get(AGENT)
    assert info.value.status == 503
    assert len(fault.seen) == 3


async def test_html_error_page(fault: FaultServer, fclient: Everruns) -> None:
    fault.push(Reply(status=502, body=b"<!DOCTYPE html><h1>Bad gateway</h1>", headers={"Content-Type": "text/html"}))
    with pytest.raises(ev.ServerError) as info:
        await fclient.agents.get(AGENT)
    assert info.value.message == "HTTP 502"


async def test_invalid_json_is_decode_error(fault: FaultServer, fclient: Everruns) -> None:
    fault.push(Reply(status=200, body=b"{not json", headers={"X-Request-Id": "r1", "Content-Type": "application/json"}))
    with pytest.raises(ev.DecodeError) as info:
        await fclient.agents.get(AGENT)
    assert info.value.code == "decode_error"
    assert info.value.request_id == "r1"


async def test_network_error_with_cause() -> None:
    # A port nobody listens on.
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    async with Everruns(api_key="dev", base_url=f"http://127.0.0.1:{port}/api", max_retries=0, read_env=False) as c:
        with pytest.raises(ev.NetworkError) as info:
            await c.agents.get(AGENT)
    assert info.value.code == "connect_error"
    assert isinstance(info.value.__cause__, _native.CoreError)


async def test_timeout(fault: FaultServer) -> None:
    fault.push(Reply(hang=30))
    async with Everruns(api_key="dev", base_url=fault.api_url, timeout=0.5, max_retries=0, read_env=False) as c:
        with pytest.raises(ev.EverrunsTimeoutError) as info:
            await c.agents.get(AGENT)
    assert isinstance(info.value, TimeoutError)
    assert info.value.code == "timeout"


async def test_client_side_validation_sends_nothing(fault: FaultServer, fclient: Everruns) -> None:
    with pytest.raises(ev.ValidationError) as info:
        await fclient.sessions.get("not-a-session-id")
    assert info.value.status is None
    assert info.value.code == "invalid_input"
    with pytest.raises(ev.ValidationError):
        await fclient.sessions.delete("session_123")
    with pytest.raises(ev.ValidationError) as bad_type:
        await fclient.agents.create(name="x", system_prompt="p", capabilities=[1])  # type: ignore[list-item]
    assert "capabilities" in str(bad_type.value)
    with pytest.raises(ev.ValidationError):
        await fclient.filesystem.read(SESSION, "/a/../etc/passwd")
    with pytest.raises(ev.ValidationError):
        await fclient.messages.create(SESSION)
    assert fault.seen == []


def test_bad_configuration() -> None:
    with pytest.raises(ev.ConfigurationError):
        Everruns(api_key="dev", base_url="not a url", read_env=False)
    with pytest.raises(ev.ConfigurationError):
        Everruns(api_key="dev", base_url="http://localhost:1/api", org_id="org\nx", read_env=False)
    with pytest.raises(ev.ConfigurationError):
        Everruns(api_key="a\nb", base_url="http://localhost:1/api", read_env=False)
    with pytest.raises(ev.ConfigurationError):
        Everruns(api_key="dev", base_url="http://localhost:1/api", timeout=-1, read_env=False)


async def test_closed_client_raises(fclient: Everruns) -> None:
    await fclient.close()
    with pytest.raises(ev.ClientClosedError):
        await fclient.agents.get(AGENT)


async def test_headers_and_with_options(fault: FaultServer) -> None:
    fault.push_json(200, {"data": [], "total": 0, "offset": 0, "limit": 20})
    fault.push_json(200, {"data": [], "total": 0, "offset": 0, "limit": 20})
    async with Everruns(
        api_key="secret-token",
        base_url=fault.api_url,
        org_id="org_0190f3c2a7b87e1c9d2a5b6c7d8e9f01",
        read_env=False,
    ) as c:
        page = await c.agents.list(limit=20)
        assert page.data == [] and page.total == 0
        derived = c.with_options(headers={"X-Trace": "t1"}, max_retries=0)
        await derived.agents.list()
    first, second = fault.seen
    assert first.path == "/api/v1/agents?limit=20"
    assert first.headers["authorization"] == "secret-token"
    assert first.headers["x-org-id"] == "org_0190f3c2a7b87e1c9d2a5b6c7d8e9f01"
    assert first.headers["user-agent"].startswith("everruns-python-sdk/")
    assert first.headers["x-sdk-version"] == first.headers["user-agent"]
    assert second.headers["x-trace"] == "t1"


async def test_environment_configuration(fault: FaultServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EVERRUNS_API_KEY", "env-key")
    monkeypatch.setenv("EVERRUNS_API_URL", fault.api_url)
    fault.push_json(200, {"data": []})
    c = Everruns()
    assert c.base_url.startswith(fault.api_url)
    await c.models.list()
    assert fault.seen[0].headers["authorization"] == "env-key"
    await c.close()


async def test_cancelling_the_task_cancels_the_request(fault: FaultServer, fclient: Everruns) -> None:
    fault.push(Reply(hang=60))
    task = asyncio.ensure_future(fclient.agents.get(AGENT))
    deadline = time.monotonic() + 30
    while not fault.seen and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    assert fault.seen, "request never arrived"
    cancelled_at = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    # The Rust future was dropped: its connection closes (seen by the server).
    while fault.seen[0].disconnected_at is None and time.monotonic() < cancelled_at + 30:
        await asyncio.sleep(0.02)
    assert fault.seen[0].disconnected_at is not None


async def test_gil_is_released_while_a_call_is_in_flight(fault: FaultServer, fclient: Everruns) -> None:
    fault.push_json(200, {"data": []}, delay=1.5)
    counter = [0]
    stop = threading.Event()

    def spin() -> None:
        while not stop.is_set():
            counter[0] += 1

    t = threading.Thread(target=spin)
    before = counter[0]
    t.start()
    try:
        await fclient.models.list()
        during = counter[0]
    finally:
        stop.set()
        t.join()
    assert during - before > 1000, "another Python thread could not run during the call"


async def test_results_serialise(fault: FaultServer, fclient: Everruns) -> None:
    agent = {
        "id": AGENT,
        "name": "a",
        "system_prompt": "p",
        "harness_id": "harness_0190f3c2a7b87e1c9d2a5b6c7d8e9f01",
        "status": "active",
        "capabilities": [{"ref": "web_fetch"}],
        "created_at": "2026-01-01T00:00:00Z",
        "updated_at": "2026-01-01T00:00:00Z",
        "future_field": {"x": 1},
    }
    fault.push_json(200, agent)
    a = await fclient.agents.get(AGENT)
    assert a.id == AGENT and a.name == "a" and a.status == "active"
    assert a.display_name is None  # declared, absent
    assert "future_field" not in a  # decoded by the core's wire type: unknown fields ignored
    with pytest.raises(AttributeError):
        a.no_such_field  # noqa: B018
    d = json.loads(json.dumps(a))
    assert d["id"] == AGENT and d["capabilities"] == [{"ref": "web_fetch"}]
    assert a.to_dict()["capabilities"] == [{"ref": "web_fetch"}]
    assert type(a.to_dict()) is dict
    assert pickle.loads(pickle.dumps(a)) == a


def test_debug_logging_redacts_the_token(fault: FaultServer) -> None:
    import os
    import subprocess
    import sys

    fault.push_json(200, {"data": []})
    script = (
        "import asyncio, sys\n"
        "from everruns_sdk import Everruns\n"
        "async def main():\n"
        "    async with Everruns(\n"
        "        api_key='evr_pat_supersecret123', base_url=sys.argv[1], read_env=False, debug=True\n"
        "    ) as c:\n"
        "        await c.models.list()\n"
        "asyncio.run(main())\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, fault.api_url],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "EVERRUNS_LOG": "info"},
    )
    assert proc.returncode == 0, proc.stderr
    assert "/api/v1/models" in proc.stderr
    assert "supersecret123" not in proc.stderr
    quiet = subprocess.run(
        [sys.executable, "-c", script.replace("debug=True", "debug=False"), fault.api_url],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert quiet.returncode == 0 and "/api/v1/models" not in quiet.stderr
