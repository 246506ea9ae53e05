"""``SyncEverruns``: the tutorial's flows with the blocking client against the real server, its
parity with ``Everruns``, and blocking behaviour where users run it: a plain script, a thread
whose event loop is running (Jupyter), many threads at once, and Ctrl-C during a stream."""

from __future__ import annotations

import asyncio
import inspect
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Iterator

import pytest

from everruns_sdk import (
    ClientClosedError,
    Everruns,
    NotFoundError,
    SyncEventStream,
    SyncEverruns,
    SyncPageIterator,
)

from .conftest import ServerProcess

RESEARCH_TEXT = "Durable execution engines persist every step."
COMPARISON_MD = "# Temporal.io vs PostgreSQL\n\nEach step is an event.\n"


@pytest.fixture
def sync_client(server: ServerProcess) -> Iterator[SyncEverruns]:
    with SyncEverruns(api_key="dev", base_url=server.api_url) as c:
        yield c


def test_same_operations_and_signatures_as_the_async_client() -> None:
    a = Everruns(api_key="k", base_url="http://127.0.0.1:9/api", read_env=False)
    s = SyncEverruns(api_key="k", base_url="http://127.0.0.1:9/api", read_env=False)
    assert inspect.signature(SyncEverruns.__init__) == inspect.signature(Everruns.__init__)
    checked = 0
    for group in ("agents", "sessions", "messages", "events", "filesystem", "capabilities", "harnesses", "models"):
        asub, ssub = getattr(a, group), getattr(s, group)
        names = {n for n in dir(type(asub)) if not n.startswith("_")}
        assert names == {n for n in dir(type(ssub)) if not n.startswith("_")}, group
        for n in names:
            am, sm = getattr(asub, n), getattr(ssub, n)
            assert inspect.signature(am).parameters == inspect.signature(sm).parameters, (group, n)
            assert not inspect.iscoroutinefunction(sm), (group, n)
            checked += 1
    assert checked > 30


def test_tutorial_steps_with_the_sync_client(sync_client: SyncEverruns, capsys: pytest.CaptureFixture[str]) -> None:
    client = sync_client
    # Step 2
    agent = client.agents.create(
        name="Research Assistant",
        system_prompt="You are a research assistant.",
        capabilities=["current_time", "session_file_system"],
    )
    print(f"Agent created: {agent.id} ({agent.name})")
    assert capsys.readouterr().out.startswith("Agent created: agent_")
    # Step 3
    session = client.sessions.create(agent_id=agent.id, title="Research: Durable Execution Engines")
    client.sessions.set_llmsim_script(
        session.id,
        steps=[
            {"text": "Let me note the time first.", "tool_calls": [{"name": "get_current_time", "arguments": {}}]},
            {"text": RESEARCH_TEXT},
            {
                "text": "Saving my analysis.",
                "tool_calls": [
                    {"name": "write_file", "arguments": {"path": "/workspace/comparison.md", "content": COMPARISON_MD}}
                ],
            },
            {"text": "Saved."},
        ],
    )
    # Step 4
    client.messages.create(session.id, "Research durable execution engines.")
    # Step 5
    stream = client.events.stream(session.id)
    assert isinstance(stream, SyncEventStream)
    for event in stream:
        if event.type == "output.message.delta":
            print(event.data.get("delta", ""), end="", flush=True)
        elif event.type == "tool.started":
            print(f"\n  [Tool] {event.data.get('tool_call', {}).get('name', 'unknown')}")
        elif event.type == "turn.completed":
            print("\n[Turn completed]")
            break
    out = capsys.readouterr().out
    assert "\n  [Tool] get_current_time\n" in out
    assert RESEARCH_TEXT in out
    assert out.rstrip().endswith("[Turn completed]")
    assert stream.last_event_id is not None
    # Step 6: follow-up, then the files
    client.messages.create(session.id, "Save your analysis to /workspace/comparison.md")
    completed = []
    with client.events.stream(session.id) as events:
        for event in events:
            if event.type == "output.message.completed":
                parts = event.data.get("message", {}).get("content", [])
                completed.extend(p["text"] for p in parts if p.get("type") == "text")
            elif event.type in ("turn.completed", "turn.failed"):
                assert event.type == "turn.completed"
                break
    assert events.stopped
    assert completed == ["Saving my analysis.", "Saved."]
    listing = client.filesystem.list(session.id, "/workspace")
    assert "comparison.md" in [e.name for e in listing.entries]
    assert client.filesystem.read(session.id, "/workspace/comparison.md").content == COMPARISON_MD
    client.sessions.delete(session.id)
    client.agents.delete(agent.id)
    with pytest.raises(NotFoundError) as e:
        client.sessions.get("session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01")
    assert e.value.status == 404 and e.value.code == "session_not_found"


def test_multi_agent_pipeline_and_pagination(sync_client: SyncEverruns) -> None:
    client = sync_client
    researcher = client.agents.create(name="Sync Researcher", system_prompt="Research.")
    session = client.sessions.create(agent_id=researcher.id)
    client.sessions.set_llmsim_script(session.id, steps=[{"text": "notes: asyncio, Trio"}])
    client.messages.create(session.id, "Research Python async frameworks")
    output = None
    for event in client.events.stream(session.id):
        if event.type == "output.message.completed":
            parts = event.data.get("message", {}).get("content", [])
            output = "\n".join(p["text"] for p in parts if p.get("type") == "text")
        elif event.type in ("turn.completed", "turn.failed"):
            break
    assert output == "notes: asyncio, Trio"
    # Iterator auto-pagination over more than one page.
    made = [client.agents.create(name=f"sync-page-{i}", system_prompt="x").id for i in range(5)]
    pages = client.agents.list_all(limit=2)
    assert isinstance(pages, SyncPageIterator)
    seen = [a.id for a in pages]
    assert set(made) <= set(seen) and len(seen) == len(set(seen))
    for agent_id in [*made, researcher.id]:
        client.agents.delete(agent_id)


def test_context_manager_closes(server: ServerProcess) -> None:
    with SyncEverruns(api_key="dev", base_url=server.api_url) as client:
        assert client.models.list()
        shared = client.with_options(timeout=5)
        assert isinstance(shared, SyncEverruns) and shared.timeout == 5
    assert client.closed
    with pytest.raises(ClientClosedError):
        client.models.list()
    with pytest.raises(ClientClosedError):
        shared.models.list()


async def test_inside_a_running_event_loop(sync_client: SyncEverruns) -> None:
    """Jupyter runs cells in a thread whose loop is running: blocking calls must still work."""
    assert asyncio.get_running_loop().is_running()
    agent = sync_client.agents.create(name="Loop Thread Agent", system_prompt="x")
    assert sync_client.agents.get(agent.id).id == agent.id
    assert any(a.id == agent.id for a in sync_client.agents.list_all())
    # An async client in the same loop keeps working alongside.
    async with Everruns(api_key="dev", base_url=sync_client.base_url) as aclient:
        assert (await aclient.agents.get(agent.id)).id == agent.id
    sync_client.agents.delete(agent.id)


def test_many_threads_share_one_client(sync_client: SyncEverruns) -> None:
    def work(i: int) -> str:
        agent = sync_client.agents.create(name=f"thread-agent-{i}", system_prompt="x")
        assert sync_client.agents.get(agent.id).name == f"thread-agent-{i}"
        sync_client.agents.delete(agent.id)
        return agent.id

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(work, range(24)))
    assert len(set(ids)) == 24


def test_blocked_calls_release_the_interpreter(sync_client: SyncEverruns) -> None:
    """A thread blocked in a stream pull does not hold the GIL: other threads keep running."""
    agent = sync_client.agents.create(name="idle-stream-agent", system_prompt="x")
    session = sync_client.sessions.create(agent_id=agent.id)
    stream = sync_client.events.stream(session.id, from_beginning=True)
    import threading

    t = threading.Thread(target=lambda: [None for _ in stream], daemon=True)
    t.start()
    t0 = time.monotonic()
    counted = 0
    while time.monotonic() - t0 < 0.5:
        counted += 1
    assert counted > 10_000
    stream.stop()
    t.join(timeout=10)
    assert not t.is_alive()
    sync_client.sessions.delete(session.id)
    sync_client.agents.delete(agent.id)


def _script(body: str) -> str:
    return textwrap.dedent(body)


def test_plain_script_and_ctrl_c_interrupts_a_blocking_stream(server: ServerProcess) -> None:
    script = _script(
        f"""
        import sys, time
        from everruns_sdk import SyncEverruns

        client = SyncEverruns(api_key="dev", base_url={server.api_url!r})
        agent = client.agents.create(name="ctrl-c-agent", system_prompt="x")
        session = client.sessions.create(agent_id=agent.id)
        print("streaming", flush=True)
        t0 = time.monotonic()
        try:
            for event in client.events.stream(session.id):
                pass
        except KeyboardInterrupt:
            print(f"interrupted after {{time.monotonic() - t0:.2f}}s", flush=True)
        # The client still works after the interrupt.
        client.sessions.delete(session.id)
        client.agents.delete(agent.id)
        client.close()
        print("ok", flush=True)
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "streaming"
    time.sleep(1.0)
    sent = time.monotonic()
    proc.send_signal(signal.SIGINT)
    line = proc.stdout.readline()
    elapsed = time.monotonic() - sent
    rest, err = proc.communicate(timeout=60)
    assert line.startswith("interrupted after"), line + rest + err
    print(f"Ctrl-C to KeyboardInterrupt: {elapsed:.3f}s ({line.strip()})")
    assert elapsed < 2.0, f"Ctrl-C took {elapsed:.2f}s"  # 50 ms polling; slack for a loaded machine
    assert rest.strip() == "ok", err
    assert proc.returncode == 0


def test_asyncio_run_script_uses_the_sync_client_inside_its_loop(server: ServerProcess) -> None:
    script = _script(
        f"""
        import asyncio
        from everruns_sdk import SyncEverruns

        async def main():
            with SyncEverruns(api_key="dev", base_url={server.api_url!r}) as client:
                print(client.models.list()[0].provider_type)

        asyncio.run(main())
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("EVERRUNS_")}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "llmsim"
