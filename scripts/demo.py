#!/usr/bin/env python3
"""Runs the tutorial examples against a fresh reference server, offline.

Starts the local HackerNews API fixture, writes the LLM-simulator scripts the demo agents follow
(dev mode: a session of agent ``<name>`` plays ``<scripts>/<name>.json``), starts
``everruns-server --dev`` on a free port with a fresh SQLite database, runs the examples, prints
what each did and stops everything.

    demo.py [--check] [--only LANG ...] [--examples NAME ...]

``--check`` asserts each example's output instead of only printing it, and that the examples
reach the real HackerNews API unless scripted (the fixture is only named here; used by
``make test-examples``). Binaries are taken from the environment: EVERRUNS_SERVER_BIN,
EVERRUNS_EXAMPLES_BIN_DIR (Rust example binaries), PYTHON (a Python with everruns_sdk), NODE.
"""
from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Any

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "examples" / "fixtures"


def start(cmd: list[str], env: dict[str, str] | None = None, pattern: str = r"listening on (\S+)",
          timeout: float = 60.0) -> tuple[subprocess.Popen[str], str]:
    """Starts a process and waits for its 'listening on URL' line."""
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=env)
    deadline = time.monotonic() + timeout
    assert proc.stdout is not None
    lines = []
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(pattern, line)
        if m:
            return proc, m.group(1)
    proc.kill()
    raise SystemExit(f"{cmd[0]} did not start:\n{''.join(lines)}")


def stories() -> list[dict[str, Any]]:
    ids = json.loads((FIXTURES / "hn" / "topstories.json").read_text())
    return [json.loads((FIXTURES / "hn" / "item" / f"{i}.json").read_text()) for i in ids]


def scripts(hn_api: str) -> dict[str, dict[str, Any]]:
    """The simulator scripts, keyed by agent name."""
    top = stories()[:5]
    listing = "\n".join(
        f"{n}. {s['title']} — {s['score']} points, {s['descendants']} comments"
        for n, s in enumerate(top, 1))
    return {
        "quickstart-assistant": {"steps": [{"text": (
            "I can answer questions, keep notes in my workspace and look things up. A durable "
            "execution engine records every step of a program so that it can resume after a crash."
        )}]},
        "research-assistant": {"steps": [
            {"text": (
                "A durable execution engine records every step of a program so that it can resume "
                "after a crash instead of starting over.\n\nThe main approaches are event sourcing, "
                "checkpointing and database-backed task queues.")},
            # the follow-up turn ("Save your analysis to /workspace/comparison.md")
            {"tool_calls": [{"id": "call_save", "name": "write_file", "arguments": {
                "path": "/workspace/comparison.md",
                "content": "# Durable execution engines\n\n| Approach | Trade-off |\n|---|---|\n"
                           "| Event sourcing | full history; replay cost grows with it |\n"
                           "| Checkpointing | fast resume; coarse-grained |\n"
                           "| Task queues | simple; steps must be idempotent |\n"}}]},
            {"text": "Saved the comparison to /workspace/comparison.md."},
        ]},
        "hackernews-reader": {"steps": [
            {"text": "Let me fetch the current top stories.",
             "tool_calls": [{"id": "call_top", "name": "web_fetch",
                             "arguments": {"url": f"{hn_api}/topstories.json"}}]},
            {"tool_calls": [{"id": f"call_item_{s['id']}", "name": "web_fetch",
                             "arguments": {"url": f"{hn_api}/item/{s['id']}.json"}} for s in top]},
            {"text": f"Here are the top 5 stories on HackerNews right now:\n\n{listing}"},
            # the follow-up turn of `--interactive`
            {"text": f"The most discussed is \"{max(top, key=lambda s: s['descendants'])['title']}\"."},
        ]},
        "researcher": {"steps": [
            {"tool_calls": [{"id": "call_notes", "name": "write_file", "arguments": {
                "path": "/workspace/notes.md",
                "content": "# Python async frameworks\n\n- asyncio: the standard library event loop\n"
                           "- Trio: structured concurrency\n- AnyIO: runs on both\n"}}]},
            {"text": "Python's async frameworks: asyncio (standard library), Trio (structured "
                     "concurrency) and AnyIO (a layer over both). Notes are in /workspace/notes.md."},
        ]},
        "technical-writer": {"steps": [{"text": (
            "# Choosing a Python async framework\n\nasyncio ships with Python; Trio brings "
            "structured concurrency; AnyIO lets libraries support both.\n")}]},
        "package-analyst": {"steps": [{"delay_ms": 60000, "text": "This would take a while."}]},
        # client_tools: get_weather is answered by the example itself
        "weather-assistant": {"steps": [
            {"tool_calls": [{"id": "call_weather", "name": "get_weather",
                             "arguments": {"city": "Paris"}}]},
            {"text": "It is 21°C and sunny in Paris."},
        ]},
        "support-agent": {"steps": [
            {"text": "Order 42 shipped yesterday and arrives on Friday."},
            {"text": "Yes: the address can change until the parcel leaves the depot tonight."},
        ]},
        "data-analyst": {"steps": [
            {"tool_calls": [{"id": "call_read", "name": "read_file",
                             "arguments": {"path": "/workspace/input.csv"}}]},
            {"tool_calls": [{"id": "call_write", "name": "write_file", "arguments": {
                "path": "/workspace/summary.md",
                "content": "# Summary\n\n3 rows; values 1 to 3; total 6.\n"}}]},
            {"text": "input.csv has 3 rows (alpha, beta, gamma) with values 1–3, total 6. "
                     "I saved a summary to /workspace/summary.md."},
        ]},
    }


# (language, example) → command; {py}, {node}, {bin} are filled in.
EXAMPLES = {
    "python": {
        "hackernews_reader": ["{py}", "examples/python/hackernews_reader.py"],
        "hackernews_reader_interactive": ["{py}", "examples/python/hackernews_reader.py", "--interactive"],
        "quickstart": ["{py}", "examples/python/quickstart.py"],
        "pipeline": ["{py}", "examples/python/pipeline.py"],
        "cancellation": ["{py}", "examples/python/cancellation.py"],
        "upload": ["{py}", "examples/python/upload.py"],
        "client_tools": ["{py}", "examples/python/client_tools.py"],
        "agent_app": ["{py}", "examples/python/agent_app.py"],
    },
    "typescript": {
        "quickstart": ["{node}", "examples/typescript/dist/quickstart.js"],
        "hackernews_reader": ["{node}", "examples/typescript/dist/hackernews_reader.js"],
        "hackernews_reader_interactive": ["{node}", "examples/typescript/dist/hackernews_reader.js",
                                          "--interactive"],
        "pipeline": ["{node}", "examples/typescript/dist/pipeline.js"],
        "cancellation": ["{node}", "examples/typescript/dist/cancellation.js"],
        "upload": ["{node}", "examples/typescript/dist/upload.js"],
        "client_tools": ["{node}", "examples/typescript/dist/client_tools.js"],
        "agent_app": ["{node}", "examples/typescript/dist/agent_app.js"],
    },
    "rust": {
        "quickstart": ["{bin}/quickstart"],
        "hackernews_reader": ["{bin}/hackernews_reader"],
        "hackernews_reader_interactive": ["{bin}/hackernews_reader", "--interactive"],
        "pipeline": ["{bin}/pipeline"],
        "cancellation": ["{bin}/cancellation"],
        "upload": ["{bin}/upload"],
        "client_tools": ["{bin}/client_tools"],
        "agent_app": ["{bin}/agent_app"],
    },
}

# What each example must print (checked with --check).
EXPECT = {
    "quickstart": [r"durable execution engine records every step", r"turn\.completed|Turn completed"],
    "hackernews_reader": [r"Fetching: http://127\.0\.0\.1:\d+/v0/topstories\.json",
                          r"Fetching: http://127\.0\.0\.1:\d+/v0/item/41000005\.json",
                          r"1\. Show HN: A durable agent harness in one binary — 412 points",
                          r"Cleaned up"],
    "hackernews_reader_interactive": [r"1\. Show HN: A durable agent harness in one binary",
                                      r"You \(or 'quit'\)",
                                      r"The most discussed is \"Show HN: A durable agent harness",
                                      r"Cleaned up"],
    "pipeline": [r"asyncio \(standard library\)", r"Choosing a Python async framework"],
    "cancellation": [r"cancelled", r"turn\.cancelled"],
    "upload": [r"input\.csv has 3 rows", r"summary\.md"],
    "client_tools": [r"tool call: get_weather\(Paris\)",
                     r"sent result: \{\"city\": ?\"Paris\"",
                     r"accepted 1 result\(s\); session active",
                     r"Agent: It is 21°C and sunny in Paris\.", r"turn\.completed"],
    "agent_app": [r"Talking to Support Agent", r"Agent: Order 42 shipped yesterday and arrives on Friday",
                  r"Agent: Yes: the address can change"],
}

# What each example must not print (checked with --check): no follow-up prompt by default.
EXPECT_NOT = {"hackernews_reader": [r"You \(or 'quit'\)"]}

# Standard input of an example (default: none).
STDIN = {"hackernews_reader_interactive": "Which one is the most discussed?\nquit\n"}

# The demo shows these; --check runs everything.
DEMO = [("python", "hackernews_reader"), ("typescript", "quickstart"), ("rust", "quickstart")]


def real_hn_by_default() -> list[str]:
    """The examples reach the real HackerNews API unless the demo scripts the model: the agent
    names only hacker-news.firebaseio.com, and no example mentions the offline fixture."""
    problems = []
    agent = (ROOT / "examples" / "agents" / "hackernews-reader.md").read_text()
    if "https://hacker-news.firebaseio.com/v0/" not in agent:
        problems.append("examples/agents/hackernews-reader.md does not name the real HN API")
    for path in sorted((ROOT / "examples").glob("*/**/*")):
        if path.suffix in (".py", ".ts", ".rs", ".md") and "fixtures" not in path.parts \
                and "node_modules" not in path.parts and "dist" not in path.parts:
            text = path.read_text(errors="replace")
            hn_urls = re.findall(r"https?://[^\s\"'`)]+/v0/", text)
            if "hn_server" in text or "fixtures/hn" in text or any(
                    not u.startswith("https://hacker-news.firebaseio.com/") for u in hn_urls):
                problems.append(f"{path.relative_to(ROOT)} points at the offline fixture")
    return problems


def agent_channel(api: str) -> dict[str, str]:
    """The operator's side of the agent_app examples: an agent with a published API channel and
    an agent key, as `EVERRUNS_AGENT_URL` / `EVERRUNS_AGENT_KEY` for the application."""

    def post(path: str, body: dict[str, Any]) -> Any:
        req = urllib.request.Request(f"{api}/v1{path}", data=json.dumps(body).encode(),
                                     headers={"content-type": "application/json",
                                              "authorization": "dev"}, method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())

    agent = post("/agents", {"name": "support-agent", "display_name": "Support Agent",
                             "system_prompt": "You answer questions about orders."})
    channel = post(f"/agents/{agent['id']}/channels", {"channel_type": "api"})
    post(f"/agents/{agent['id']}/channels/{channel['id']}/publish", {})
    key = post(f"/agents/{agent['id']}/channels/{channel['id']}/keys", {"name": "examples"})
    return {"EVERRUNS_AGENT_URL": channel["agent_url"], "EVERRUNS_AGENT_KEY": key["secret"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--only", nargs="*", choices=sorted(EXAMPLES))
    ap.add_argument("--examples", nargs="*")
    args = ap.parse_args()

    server_bin = os.environ.get("EVERRUNS_SERVER_BIN", str(ROOT / "target/debug/everruns-server"))
    fill = {
        "py": os.environ.get("PYTHON", str(ROOT / ".venv/bin/python")),
        "node": os.environ.get("NODE", shutil.which("node") or "node"),
        "bin": os.environ.get("EVERRUNS_EXAMPLES_BIN_DIR", str(ROOT / "target/debug")),
    }
    if args.check:
        runs = [(lang, ex) for lang in EXAMPLES for ex in EXAMPLES[lang]]
    else:
        runs = DEMO
    if args.only:
        runs = [r for r in runs if r[0] in args.only]
    if args.examples:
        runs = [r for r in runs if r[1] in args.examples]

    tmp = pathlib.Path(tempfile.mkdtemp(prefix="everruns-demo-"))
    procs: list[subprocess.Popen[str]] = []
    failures = real_hn_by_default() if args.check else []
    try:
        hn, hn_api = start([sys.executable, str(FIXTURES / "hn_server.py")])
        procs.append(hn)
        script_dir = tmp / "llmsim"
        script_dir.mkdir()
        for name, script in scripts(hn_api).items():
            (script_dir / f"{name}.json").write_text(json.dumps(script, indent=1))
        hn_host = hn_api.split("/")[2]
        server, url = start([server_bin, "--dev", "--addr", "127.0.0.1:0",
                             "--database-url", f"sqlite://{tmp}/everruns.sqlite",
                             "--llmsim-scripts", str(script_dir),
                             "--web-fetch-allow", hn_host])
        procs.append(server)
        api = url.rstrip("/") + "/api"
        print(f"== reference server at {api} (dev mode, llmsim); HackerNews fixture at {hn_api}\n")
        env = dict(os.environ, EVERRUNS_API_URL=api, EVERRUNS_API_KEY="dev")
        env.update(agent_channel(api))
        for lang, ex in runs:
            cmd = [part.format(**fill) for part in EXAMPLES[lang][ex]]
            print(f"== {lang}: {ex}  ({' '.join(cmd)})", flush=True)
            started = time.monotonic()
            try:
                res = subprocess.run(cmd, cwd=ROOT, env=env, text=True, capture_output=True,
                                     input=STDIN.get(ex, ""), timeout=120)
                out, code = res.stdout + res.stderr, res.returncode
            except subprocess.TimeoutExpired as e:
                parts = [x.decode(errors="replace") if isinstance(x, bytes) else (x or "")
                         for x in (e.stdout, e.stderr)]
                out, code = f"{''.join(parts)}\n[timed out]", -1
            print(out.rstrip())
            print(f"-- exit {code} in {time.monotonic() - started:.1f}s\n", flush=True)
            problems = [] if code == 0 else [f"exit code {code}"]
            if args.check:
                problems += [f"missing /{p}/" for p in EXPECT[ex] if not re.search(p, out)]
                problems += [f"unexpected /{p}/" for p in EXPECT_NOT.get(ex, []) if re.search(p, out)]
            if problems:
                failures.append(f"{lang}/{ex}: {', '.join(problems)}")
    finally:
        for p in reversed(procs):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    total = len(runs) + (1 if args.check else 0)
    print(f"{total - len(failures)} passed, {len(failures)} failed")
    for f in failures:
        print(f"  FAILED {f}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
