"""Every event the reference server emits validates against its own published OpenAPI document.

Starts the real server binary (dev mode, SQLite in a temporary directory), runs real turns of
every kind over HTTP (built-in tools, thinking, client-side tools, tool approvals, ask_user,
cancel, provider failure, steering, file writes), then reads every stored event back and checks:

- the envelope against `components.schemas.Event`;
- `data` against `components.schemas.EventDataByType.properties[<type>]` (a type without an
  entry there is undocumented: failure);
- strictly: a payload field the schema does not declare is a failure too (every object schema
  with `properties` is checked with `unevaluatedProperties: false`).

Usage: python check_events.py SERVER_BIN   (needs `jsonschema`; `make test-event-schemas`)
"""

from __future__ import annotations

import copy
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from typing import Any, Callable

import jsonschema

Json = Any


class Api:
    """A tiny JSON client of the server's `/api/v1`."""

    def __init__(self, origin: str) -> None:
        self.origin = origin
        self.base = f"{origin}/api/v1"

    def call(self, method: str, path: str, body: Json = None) -> tuple[int, Json]:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(
            path if path.startswith("http") else self.base + path,
            data=data,
            method=method,
            headers={"authorization": "dev", "content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            return e.code, json.loads(raw) if raw else None

    def ok(self, method: str, path: str, body: Json = None) -> Json:
        status, b = self.call(method, path, body)
        if status >= 300:
            raise AssertionError(f"{method} {path} -> {status}: {b}")
        return b

    def events(self, sid: str) -> list[Json]:
        out: list[Json] = []
        path = f"/sessions/{sid}/events"
        while True:
            b = self.ok("GET", path)
            out.extend(b["data"])
            if not b.get("has_more") or not b["data"]:
                return out
            path = f"/sessions/{sid}/events?after_sequence={b['data'][-1]['sequence']}"

    def wait(self, sid: str, pred: Callable[[list[Json]], bool], what: str) -> list[Json]:
        deadline = time.time() + 60
        while time.time() < deadline:
            ev = self.events(sid)
            if pred(ev):
                return ev
            time.sleep(0.05)
        raise AssertionError(f"session {sid}: timed out waiting for {what}")

    def wait_type(self, sid: str, ty: str, n: int = 1) -> list[Json]:
        return self.wait(sid, lambda ev: sum(e["type"] == ty for e in ev) >= n, f"{n}x {ty}")

    def wait_idle(self, sid: str, n: int = 1) -> list[Json]:
        return self.wait_type(sid, "session.idled", n)

    def session(self, capabilities: list[Json], tools: list[Json] | None = None) -> str:
        a = self.ok(
            "POST",
            "/agents",
            {
                "name": f"schema-{time.time_ns()}",
                "system_prompt": "You help.",
                "capabilities": capabilities,
                "tools": tools or [],
            },
        )
        return str(self.ok("POST", "/sessions", {"agent_id": a["id"]})["id"])

    def script(self, sid: str, steps: list[Json]) -> None:
        self.ok("PUT", f"/sessions/{sid}/llmsim", {"steps": steps})

    def say(self, sid: str, text: str, tags: list[str] | None = None) -> Json:
        body: Json = {"message": {"role": "user", "content": [{"type": "text", "text": text}]}}
        if tags:
            body["tags"] = tags
        return self.ok("POST", f"/sessions/{sid}/messages", body)


def scenarios(api: Api) -> list[str]:
    """Runs a turn of every kind; returns the session ids."""
    sids = []

    # Built-in tool, thinking, text; a file written by a tool; a tagged message.
    sid = api.session(["current_time", "session_file_system"])
    api.script(
        sid,
        [
            {
                "thinking": "Which tool tells the time?",
                "tool_calls": [
                    {"id": "call_t", "name": "get_current_time", "arguments": {}},
                    {"id": "call_w", "name": "write_file", "arguments": {"path": "/notes.txt", "content": "hi"}},
                ],
            },
            {"text": "It is now, and I wrote notes."},
        ],
    )
    api.say(sid, "What time is it? Write it down.", tags=["schema"])
    api.wait_idle(sid)
    sids.append(sid)

    # Client-side tool: waits for results, then resumes.
    tools = [
        {
            "type": "client_side",
            "name": "get_location",
            "description": "Where the user is",
            "parameters": {"type": "object", "properties": {}},
        }
    ]
    sid = api.session([], tools)
    api.script(sid, [{"tool_calls": [{"id": "call_loc", "name": "get_location", "arguments": {}}]}, {"text": "Paris."}])
    api.say(sid, "Where am I?")
    api.wait_type(sid, "tool.call_requested")
    api.ok(
        "POST",
        f"/sessions/{sid}/tool-results",
        {"tool_results": [{"tool_call_id": "call_loc", "result": {"city": "Paris"}}]},
    )
    api.wait_idle(sid)
    sids.append(sid)

    # Tool approval: one allowed, one rejected.
    sid = api.session(["current_time", {"ref": "tool_approval", "config": {"tools": ["get_current_time"]}}])
    api.script(
        sid,
        [
            {
                "tool_calls": [
                    {"id": "call_a", "name": "get_current_time", "arguments": {"timezone": "UTC"}},
                    {"id": "call_b", "name": "get_current_time", "arguments": {}},
                ]
            },
            {"text": "Done."},
        ],
    )
    api.say(sid, "Time, twice.")
    api.wait_type(sid, "tool.call_requested")
    api.ok(
        "POST",
        f"/sessions/{sid}/tool-approvals",
        {
            "decisions": [
                {"tool_call_id": "tool_approval_call_a", "decision": "allow"},
                {"tool_call_id": "tool_approval_call_b", "decision": "reject"},
            ]
        },
    )
    api.wait_idle(sid)
    sids.append(sid)

    # ask_user: a question set, answered.
    sid = api.session(["ask_user"])
    api.script(
        sid,
        [
            {
                "tool_calls": [
                    {
                        "id": "call_q",
                        "name": "ask_user",
                        "arguments": {
                            "questions": [
                                {
                                    "id": "env",
                                    "question": "Where?",
                                    "options": [{"label": "staging"}, {"label": "prod"}],
                                }
                            ]
                        },
                    }
                ]
            },
            {"text": "Deploying to staging."},
        ],
    )
    api.say(sid, "deploy")
    api.wait_type(sid, "tool.call_requested")
    api.ok("POST", f"/sessions/{sid}/question-answers", {"answers": [{"id": "env", "selected": ["staging"]}]})
    api.wait_idle(sid)
    sids.append(sid)

    # Cancel mid-reply.
    sid = api.session([])
    api.script(sid, [{"text": "never finishes", "delay_ms": 30000}])
    api.say(sid, "long")
    api.wait_type(sid, "reason.started")
    api.ok("POST", f"/sessions/{sid}/cancel", {})
    api.wait_type(sid, "turn.cancelled")
    api.wait_idle(sid)
    sids.append(sid)

    # Provider failure (retried, then failed), and a recovered retry.
    sid = api.session([])
    api.script(sid, [{"error": "server_error"}] * 8)
    api.say(sid, "fail please")
    api.wait_type(sid, "turn.failed")
    api.wait_idle(sid)
    api.script(sid, [{"error": "rate_limit"}, {"text": "Recovered."}])
    api.say(sid, "again")
    api.wait_idle(sid, 2)
    sids.append(sid)

    # Steering: a message sent during a turn joins it.
    sid = api.session(["current_time"])
    api.script(
        sid,
        [
            {
                "delay_ms": 1500,
                "text": "Checking.",
                "tool_calls": [{"id": "call_s", "name": "get_current_time", "arguments": {}}],
            },
            {"text": "Noon, in UTC."},
        ],
    )
    api.say(sid, "What time is it?")
    api.wait_type(sid, "reason.started")
    api.say(sid, "In UTC, please.")
    api.wait_type(sid, "turn.steered")
    api.wait_idle(sid)
    sids.append(sid)

    # Budget: a 5-token session budget warns, is exhausted, pauses the next step; a top-up
    # resumes it.
    sid = api.session(["session_file_system"])
    api.script(
        sid,
        [
            {
                "text": "Writing.",
                "tool_calls": [{"id": "call_b", "name": "write_file", "arguments": {"path": "/b.txt", "content": "x"}}],
            },
            {"text": "Done."},
        ],
    )
    budget = api.ok(
        "POST",
        "/budgets",
        {"subject_type": "session", "subject_id": sid, "currency": "tokens", "limit": 5, "soft_limit": 3},
    )
    api.say(sid, "write the file")
    api.wait_type(sid, "budget.paused")
    api.ok("POST", f"/budgets/{budget['id']}/top-up", {"amount": 100000})
    api.wait_idle(sid)
    sids.append(sid)
    return sids


def strict(schema: Json) -> Json:
    """A copy where every object schema with `properties` refuses undeclared fields."""
    if isinstance(schema, dict):
        out = {k: strict(v) for k, v in schema.items()}
        if "properties" in out and "additionalProperties" not in out:
            out["unevaluatedProperties"] = False
        return out
    if isinstance(schema, list):
        return [strict(v) for v in schema]
    return schema


def main() -> int:
    binary = sys.argv[1]
    work = tempfile.mkdtemp(prefix="event-schemas-")
    proc = subprocess.Popen(
        [binary, "--dev", "--addr", "127.0.0.1:0", "--database-url", f"sqlite://{work}/db.sqlite"],
        stdout=subprocess.PIPE,
        stderr=open(os.path.join(work, "err"), "w"),
        text=True,
        env={**os.environ, "EVERRUNS_LOG": "warn"},
    )
    try:
        assert proc.stdout is not None
        origin = ""
        for line in proc.stdout:
            m = re.match(r"listening on (http://\S+)", line)
            if m:
                origin = m.group(1)
                break
        if not origin:
            raise SystemExit("server did not start: " + open(os.path.join(work, "err")).read())
        api = Api(origin)
        doc = api.ok("GET", f"{origin}/api/openapi.json")
        components = strict(copy.deepcopy(doc["components"]))
        by_type = components["schemas"]["EventDataByType"]["properties"]

        def validator(ref: str) -> jsonschema.protocols.Validator:
            schema = {"$ref": ref, "components": components}
            return jsonschema.Draft202012Validator(schema)

        envelope = validator("#/components/schemas/Event")
        data_validators = {t: validator(s["$ref"]) for t, s in by_type.items()}

        # The check is not vacuous: a payload missing a required field, one with an undeclared
        # field and an envelope without its id all fail.
        started = data_validators["turn.started"]
        assert not started.is_valid({"input_message_id": "message_x"}), "missing turn_id passes"
        assert not started.is_valid({"turn_id": "t", "input_message_id": "m", "zzz": 1}), "extra field passes"
        assert started.is_valid({"turn_id": "t", "input_message_id": "m", "input_content": "hi"})
        assert not started.is_valid({"turn_id": "t", "input_message_id": "m", "input_content": [{"type": "text"}]})
        assert not envelope.is_valid({"type": "turn.started", "ts": "x", "session_id": "s", "data": {}})

        sids = scenarios(api)
        failures: list[str] = []
        seen: dict[str, int] = {}
        for sid in sids:
            for e in api.events(sid):
                ty = e["type"]
                seen[ty] = seen.get(ty, 0) + 1
                for err in envelope.iter_errors(e):
                    failures.append(f"{ty} #{e['sequence']} envelope: {err.message} at {list(err.absolute_path)}")
                v = data_validators.get(ty)
                if v is None:
                    failures.append(f"{ty}: emitted but not documented in EventDataByType")
                    continue
                for err in v.iter_errors(e["data"]):
                    failures.append(f"{ty} #{e['sequence']} data: {err.message} at {list(err.absolute_path)}")
        print("event types seen:", json.dumps(dict(sorted(seen.items()))))
        expected = {
            "input.message",
            "turn.started",
            "session.activated",
            "reason.started",
            "llm.generation",
            "output.message.started",
            "output.message.delta",
            "output.message.completed",
            "reason.completed",
            "act.started",
            "tool.started",
            "tool.completed",
            "act.completed",
            "budget.warning",
            "budget.exhausted",
            "budget.paused",
            "budget.resumed",
            "tool.call_requested",
            "turn.completed",
            "turn.failed",
            "turn.cancelled",
            "turn.steered",
            "session.idled",
            "file.written",
            "reason.thinking.started",
            "reason.thinking.delta",
            "reason.thinking.completed",
        }
        missing = sorted(expected - set(seen))
        if missing:
            failures.append(f"the scenarios did not produce: {missing}")
        if failures:
            # One line per distinct problem.
            for f in sorted(set(re.sub(r" #\d+ ", " ", f) for f in failures)):
                print("FAIL", f)
            return 1
        print(f"ok: {sum(seen.values())} events of {len(seen)} types validate against the published schema")
        return 0
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
