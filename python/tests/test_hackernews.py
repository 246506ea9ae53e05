"""The tutorial's complete HackerNews example, non-interactive, with `web_fetch` pointed at the
repository's offline HackerNews fixture server (examples/fixtures/hn_server.py)."""

from __future__ import annotations

import json
import os
import pathlib
import subprocess
import sys
from typing import Callable, Iterator

import pytest

from everruns_sdk import Everruns

from .conftest import REPO, ServerProcess

HN_SERVER = REPO / "examples" / "fixtures" / "hn_server.py"
EXAMPLE = REPO / "examples" / "python" / "hackernews_reader.py"


@pytest.fixture
def hn_url() -> Iterator[str]:
    proc = subprocess.Popen([sys.executable, str(HN_SERVER)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("listening on "), line
    yield line.split()[-1]
    proc.terminate()
    proc.wait(timeout=30)


def _example_source() -> dict[str, object]:
    ns: dict[str, object] = {"__name__": "hackernews_reader", "__file__": str(EXAMPLE)}
    exec(compile(EXAMPLE.read_text(), str(EXAMPLE), "exec"), ns)
    return ns


async def test_hackernews_reader_non_interactive(
    make_server: Callable[..., ServerProcess], hn_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    host = hn_url.split("//", 1)[1].split("/", 1)[0]
    srv = make_server({"EVERRUNS_WEB_FETCH_ALLOW": host})
    agent_file = _example_source()["AGENT_FILE"]
    assert isinstance(agent_file, pathlib.Path)
    AGENT_MARKDOWN = agent_file.read_text(encoding="utf-8")
    top = json.loads((REPO / "examples/fixtures/hn/topstories.json").read_text())
    first = json.loads((REPO / f"examples/fixtures/hn/item/{top[0]}.json").read_text())
    answer = f"1. {first['title']} — {first.get('score', 0)} points"

    # The example's main(), with the base URL of the test server, a scripted simulator and no
    # interactive follow-up (stdin is closed, so its loop ends at once).
    client = Everruns(api_key="dev", base_url=srv.api_url)

    agent = await client.agents.import_agent(AGENT_MARKDOWN)
    print(f"Agent: {agent.id} ({agent.name})")

    session = await client.sessions.create(
        agent_id=agent.id,
        title="HackerNews Reader Session",
    )
    print(f"Session: {session.id}\n")
    await client.sessions.set_llmsim_script(
        session.id,
        steps=[
            {
                "text": "Fetching the top stories.",
                "tool_calls": [{"name": "web_fetch", "arguments": {"url": f"{hn_url}/topstories.json"}}],
            },
            {"tool_calls": [{"name": "web_fetch", "arguments": {"url": f"{hn_url}/item/{top[0]}.json"}}]},
            {"text": answer},
        ],
    )

    fetched: list[dict[str, object]] = []
    try:
        prompt = "What are the top 5 stories on HackerNews right now?"
        await client.messages.create(session.id, prompt)
        print(f"You: {prompt}\n")

        async for event in client.events.stream(session.id):
            if event.type == "output.message.completed":
                message = event.data.get("message", {})
                for part in message.get("content", []):
                    if part.get("type") == "text":
                        print(f"Agent: {part['text']}")

            elif event.type == "tool.started":
                tool_call = event.data.get("tool_call", {})
                name = tool_call.get("name", "unknown")
                args = tool_call.get("arguments", {})
                if name == "web_fetch":
                    print(f"  -> Fetching: {args.get('url', '?')}")
                else:
                    print(f"  -> Tool: {name}")

            elif event.type == "tool.completed":
                fetched.append(event.data)

            elif event.type == "turn.completed":
                print("\n[Turn completed]")
                break

            elif event.type == "turn.failed":
                print(f"\n[Turn failed: {event.data.get('error', 'unknown')}]")
                break
    finally:
        await client.sessions.delete(session.id)
        await client.agents.delete(agent.id)
        await client.close()
        print("\nCleaned up.")

    out = capsys.readouterr().out
    assert f"  -> Fetching: {hn_url}/topstories.json\n" in out
    assert f"  -> Fetching: {hn_url}/item/{top[0]}.json\n" in out
    assert f"Agent: {answer}\n" in out
    assert "[Turn completed]" in out and out.rstrip().endswith("Cleaned up.")
    assert [f["success"] for f in fetched] == [True, True], fetched
    assert str(top[0]) in json.dumps(fetched[0].get("result"))
    assert first["title"] in json.dumps(fetched[1].get("result"))


def test_hackernews_example_script_runs_as_written(server: ServerProcess) -> None:
    """The example file itself, unmodified, as a program (llmsim default reply, stdin closed)."""
    env = {**os.environ, "EVERRUNS_API_URL": server.api_url, "EVERRUNS_API_KEY": "dev"}
    proc = subprocess.run(
        [sys.executable, str(EXAMPLE)],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=env,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Agent: agent_" in proc.stdout
    assert "[Turn completed]" in proc.stdout
    assert proc.stdout.rstrip().endswith("Cleaned up.")
