"""Python runner of the language-neutral conformance vectors (``tests/conformance/vectors``).

The Rust runner (``tests/conformance/tests/http.rs``) and the Node runner
(``typescript/test/conformance.test.mjs``) play the same files. Every case goes through the
package's public API only (``everruns_sdk.Everruns``, the real native module) against a scripted
listener of ``conformance-server`` (the Rust binary in ``tests/conformance``, shared by the three
runners) on a real local socket, and checks what went on the wire and what the call returned or
raised.

Covered: ``http_requests.json``, ``http_retries.json``, ``sse_streams.json``,
``error_bodies.json`` (as the answer to ``agents.get``), ``names.json`` (via ``agents.create``),
``ids.json`` (via calls that take that kind of id) and ``paths.json`` (via
``filesystem.read``). ``sse_framing.json`` is parser-level and has no public Python surface; the
Rust runner covers it.

The vectors' client settings (``max_retries``, ``retry_base_delay_ms``, ``retry_max_delay_ms``,
``max_retry_after_ms``) are passed as the constructor's ``max_retries``, ``retry_base_delay``,
``retry_max_delay`` and ``max_retry_after`` (seconds), as the Rust and Node runners do.

Each test prints how many cases passed and fails with one line per failing case.
"""

from __future__ import annotations

import asyncio
import json
import os
import pathlib
import re
import subprocess
import urllib.request
from dataclasses import dataclass
from typing import Any, Awaitable, Callable, Iterator, Optional

import pytest

from everruns_sdk import (
    ApiError,
    AuthenticationError,
    ConflictError,
    Everruns,
    EverrunsError,
    EverrunsTimeoutError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
)

REPO = pathlib.Path(__file__).resolve().parents[2]
#: The shared vectors; ``EVERRUNS_CONFORMANCE_VECTORS`` points the runner at another copy (e.g. a
#: deliberately perturbed one, to see the runner fail).
VECTORS = pathlib.Path(
    os.environ.get("EVERRUNS_CONFORMANCE_VECTORS")
    or REPO / "tests" / "conformance" / "vectors"
)
CASE_TIMEOUT = 60.0
LANG_UA = re.compile(r"^everruns-python-sdk/\S+$")

AGENT_ID = "agent_00000000000000000000000000000002"
SESSION_ID = "session_00000000000000000000000000000001"
AGENT_BODY = {
    "id": AGENT_ID,
    "name": "a",
    "system_prompt": "p",
    "harness_id": "harness_00000000000000000000000000000003",
    "status": "active",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}
SESSION_BODY = {
    "id": SESSION_ID,
    "organization_id": "org_00000000000000000000000000000004",
    "harness_id": "harness_00000000000000000000000000000003",
    "status": "idle",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}
FILE_BODY = {
    "id": "f",
    "session_id": SESSION_ID,
    "path": "/a.md",
    "name": "a.md",
    "is_directory": False,
    "is_readonly": False,
    "size_bytes": 2,
    "content": "hi",
    "encoding": "text",
    "created_at": "2026-01-01T00:00:00Z",
    "updated_at": "2026-01-01T00:00:00Z",
}


def load(name: str) -> Any:
    return json.loads((VECTORS / name).read_text(encoding="utf-8"))


# --- vocabulary ------------------------------------------------------------------------------

_KIND_CLASSES: dict[str, tuple[type[EverrunsError], ...]] = {
    "validation": (ValidationError,),
    "authentication": (AuthenticationError,),
    "permission": (PermissionDeniedError,),
    "not_found": (NotFoundError,),
    "conflict": (ConflictError,),
    "rate_limited": (RateLimitError,),
    "network": (NetworkError, EverrunsTimeoutError),
}


def expected_classes(kind: str, status: Optional[int]) -> tuple[type[EverrunsError], ...]:
    """The exact exception class(es) for a vector error kind.

    ``api`` is "any other status": ``ServerError`` (the package's documented class for 5xx)
    when the status is 5xx, otherwise ``ApiError`` itself, never another subclass.
    """
    if kind == "api":
        return (ServerError,) if status is not None and status >= 500 else (ApiError,)
    if kind not in _KIND_CLASSES:
        raise AssertionError(f"unknown error kind {kind!r} in the vectors")
    return _KIND_CLASSES[kind]


def class_problem(err: BaseException, kind: str, status: Optional[int]) -> Optional[str]:
    want = expected_classes(kind, status)
    if type(err) not in want:
        names = " or ".join(c.__name__ for c in want)
        return f"raised {type(err).__name__} ({err!r}), expected exactly {names} for {kind!r}"
    return None


def make_client(v: Any, base_url: str, max_retries: Optional[int] = None) -> Everruns:
    c = v.get("client") or {}
    return Everruns(
        api_key=c.get("api_key", "evr_test_key"),
        base_url=base_url,
        org_id=c.get("org_id"),
        max_retries=c.get("max_retries") if max_retries is None else max_retries,
        retry_base_delay=_secs(c.get("retry_base_delay_ms")),
        retry_max_delay=_secs(c.get("retry_max_delay_ms")),
        max_retry_after=_secs(c.get("max_retry_after_ms")),
        read_env=False,
    )


def _secs(ms: Optional[float]) -> Optional[float]:
    return None if ms is None else ms / 1000.0


async def perform(client: Everruns, call: str, a: dict[str, Any]) -> Any:
    """Performs a vector ``call`` with the Python SDK."""
    if call == "agents.get":
        return await client.agents.get(a["id"])
    if call == "agents.list":
        return await client.agents.list(search=a.get("search"), offset=a.get("offset"), limit=a.get("limit"))
    if call == "agents.create":
        return await client.agents.create(
            name=a["name"], system_prompt=a["system_prompt"], display_name=a.get("display_name")
        )
    if call == "agents.delete":
        return await client.agents.delete(a["id"])
    if call == "sessions.create":
        return await client.sessions.create(
            agent_id=a.get("agent_id"), title=a.get("title"), harness_id=a.get("harness_id")
        )
    if call == "sessions.get":
        return await client.sessions.get(a["id"])
    if call == "sessions.cancel":
        return await client.sessions.cancel(a["id"])
    if call == "messages.create":
        return await client.messages.create(a["session_id"], a["text"])
    if call == "events.list":
        return await client.events.list(
            a["session_id"], since_id=a.get("since_id"), types=a.get("types"), exclude=a.get("exclude")
        )
    if call == "filesystem.read":
        return await client.filesystem.read(a["session_id"], a["path"])
    if call == "filesystem.list":
        return await client.filesystem.list(a["session_id"], a["path"])
    raise AssertionError(f"unknown call {call!r} in the vectors")


def subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and subset(v, actual[k]) for k, v in expected.items())
    return bool(expected == actual)


def pairs(v: Any) -> list[tuple[str, str]]:
    return [(p[0], p[1]) for p in v]


def json_body(req: Captured) -> Any:
    try:
        return json.loads(req.body)
    except ValueError:
        return None


# --- the conformance server ------------------------------------------------------------------


def _conformance_server_bin() -> str:
    """``$EVERRUNS_CONFORMANCE_SERVER_BIN``, else ``conformance-server`` built with cargo."""
    env = os.environ.get("EVERRUNS_CONFORMANCE_SERVER_BIN")
    if env:
        if not os.path.isfile(env):
            raise RuntimeError(f"EVERRUNS_CONFORMANCE_SERVER_BIN={env} does not exist")
        return env
    target = os.environ.get("CARGO_TARGET_DIR", str(REPO / "target"))
    subprocess.run(
        ["cargo", "build", "-p", "everruns-conformance", "--bin", "conformance-server"],
        cwd=REPO,
        check=True,
        env={**os.environ, "CARGO_TARGET_DIR": target},
    )
    return str(pathlib.Path(target) / "debug" / "conformance-server")


@dataclass
class Captured:
    """One request as the scripted listener received it (raw path, decoded query pairs)."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes


class ConformanceServer:
    """The ``conformance-server`` process; it exits when its standard input closes."""

    def __init__(self, binary: str) -> None:
        self.proc = subprocess.Popen([binary], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        prefix = "conformance-server listening on "
        if not line.startswith(prefix):
            self.close()
            raise RuntimeError(f"conformance-server did not start (first line {line!r})")
        self.control = line[len(prefix) :]

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def call(self, method: str, path: str, body: Any = None) -> Any:
        """One control-plane request (blocking); the decoded JSON answer, None when empty."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(f"{self.control}{path}", data=data, method=method)
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read()
        return json.loads(text) if text else None

    def script(
        self,
        routes: Optional[list[tuple[str, str, list[Any]]]] = None,
        default: Any = None,
        sse_connections: Optional[list[Any]] = None,
    ) -> Script:
        """A scripted listener (``async with``); see ``tests/conformance/src/script.rs``."""
        spec: dict[str, Any] = {"routes": [list(r) for r in routes or []]}
        if default is not None:
            spec["default"] = default
        if sse_connections is not None:
            spec["sse_connections"] = sse_connections
        return Script(self, spec)


class Script:
    """One scripted listener of the conformance server, closed on exit."""

    def __init__(self, server: ConformanceServer, spec: dict[str, Any]) -> None:
        self._server = server
        self._spec = spec
        self._id = 0
        self.base_url = ""

    async def __aenter__(self) -> Script:
        r = await asyncio.to_thread(self._server.call, "POST", "/scripts", self._spec)
        self._id, self.base_url = r["id"], r["base_url"]
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await asyncio.to_thread(self._server.call, "DELETE", f"/scripts/{self._id}")

    async def captured(self) -> list[Captured]:
        """Every request received so far, in arrival order."""
        rs = await asyncio.to_thread(self._server.call, "GET", f"/scripts/{self._id}/requests")
        return [
            Captured(r["method"], r["path"], pairs(r["query"]), r["headers"], r["body"].encode()) for r in rs
        ]

    async def requests_to(self, method: str, path: str) -> list[Captured]:
        """The captured requests with this method and raw path."""
        return [r for r in await self.captured() if r.method == method and r.path == path]

    async def sse_requests(self) -> list[Captured]:
        """The captured event-stream connections, in order."""
        return [r for r in await self.captured() if r.path.endswith("/sse")]


@pytest.fixture(scope="module")
def conformance() -> Iterator[ConformanceServer]:
    server = ConformanceServer(_conformance_server_bin())
    yield server
    server.close()


# --- running ---------------------------------------------------------------------------------

Case = Callable[[], Awaitable[list[str]]]


async def run_cases(title: str, cases: list[tuple[str, Case]], capsys: pytest.CaptureFixture[str]) -> None:
    """Runs the cases concurrently; prints the count; fails naming every failing case."""

    async def one(name: str, case: Case) -> list[str]:
        try:
            problems = await asyncio.wait_for(case(), CASE_TIMEOUT)
        except asyncio.TimeoutError:
            problems = [f"did not finish within {CASE_TIMEOUT:.0f} s"]
        except Exception as e:  # a runner-side surprise is a failure of this case, not a crash
            problems = [f"unexpected {type(e).__name__}: {e!r}"]
        return [f"{title}: case {name!r}: {p}" for p in problems]

    results = await asyncio.gather(*(one(n, c) for n, c in cases))
    failed = [r for r in results if r]
    with capsys.disabled():
        print(f"\n[conformance/python] {title}: {len(cases) - len(failed)}/{len(cases)} cases passed")
    if failed:
        pytest.fail("\n".join(line for r in failed for line in r), pytrace=False)


# --- http_requests.json ----------------------------------------------------------------------


async def test_http_requests(capsys: pytest.CaptureFixture[str], conformance: ConformanceServer) -> None:
    v = load("http_requests.json")

    def request_case(c: dict[str, Any]) -> Case:
        async def run() -> list[str]:
            e = c["expect"]
            out: list[str] = []
            async with conformance.script(
                routes=[(e["method"], e["path"], [c["response"]])], default=v["default_response"]
            ) as srv:
                client = make_client(v, srv.base_url)
                try:
                    await perform(client, c["call"], c["args"])
                except EverrunsError as err:
                    return [f"call failed: {err!r}"]
                finally:
                    await client.close()
                matching = await srv.requests_to(e["method"], e["path"])
                if not matching:
                    seen = [(r.method, r.path) for r in await srv.captured()]
                    return [f"no {e['method']} {e['path']} request; saw {seen}"]
                req = matching[0]
                want_q = pairs(e["query"])
                if req.query != want_q:
                    out.append(f"query {req.query} != {want_q}")
                for k, want in (e.get("headers") or {}).items():
                    if req.headers.get(k) != want:
                        out.append(f"header {k}: {req.headers.get(k)!r} != {want!r}")
                if "user_agent_pattern" in e:
                    ua = req.headers.get("user-agent", "")
                    if not re.search(e["user_agent_pattern"], ua) or not LANG_UA.match(ua):
                        out.append(f"user-agent {ua!r} does not match {e['user_agent_pattern']} / {LANG_UA.pattern}")
                    if req.headers.get("x-sdk-version") != ua:
                        out.append(f"x-sdk-version {req.headers.get('x-sdk-version')!r} != user-agent {ua!r}")
                if "body_subset" in e:
                    body = json_body(req)
                    if not subset(e["body_subset"], body):
                        out.append(f"body {body} lacks {e['body_subset']}")
            return out

        return run

    def rejected_case(c: dict[str, Any]) -> Case:
        async def run() -> list[str]:
            async with conformance.script(default=v["default_response"]) as srv:
                return await expect_rejected(v, srv, c["call"], c["args"], c["error_kind"])

        return run

    cases = [(c["name"], request_case(c)) for c in v["cases"]]
    cases += [(f"rejected: {c['name']}", rejected_case(c)) for c in v["rejected_before_sending"]]
    await run_cases("http_requests.json", cases, capsys)


async def expect_rejected(v: Any, srv: Script, call: str, args: dict[str, Any], kind: str) -> list[str]:
    """The call raises the validation class before anything reaches the server."""
    client = make_client(v, srv.base_url)
    out: list[str] = []
    try:
        await perform(client, call, args)
        out.append("the call succeeded, expected a client-side rejection")
    except EverrunsError as err:
        problem = class_problem(err, kind, None)
        if problem:
            out.append(problem)
        elif isinstance(err, ApiError) and err.status is not None:
            out.append(f"status {err.status}: the error came from the server, not the client")
    finally:
        await client.close()
    captured = await srv.captured()
    if captured:
        out.append(f"a request was sent: {[(r.method, r.path) for r in captured]}")
    return out


# --- http_retries.json -----------------------------------------------------------------------


async def test_http_retries(capsys: pytest.CaptureFixture[str], conformance: ConformanceServer) -> None:
    v = load("http_retries.json")

    def retry_case(c: dict[str, Any]) -> Case:
        async def run() -> list[str]:
            m, e = c["match"], c["expect"]
            out: list[str] = []
            async with conformance.script(
                routes=[(m["method"], m["path"], c["responses"])], default=v["default_response"]
            ) as srv:
                client = make_client(v, srv.base_url)
                err: Optional[EverrunsError] = None
                try:
                    await perform(client, c["call"], c["args"])
                except EverrunsError as x:
                    err = x
                finally:
                    await client.close()
                attempts = len(await srv.requests_to(m["method"], m["path"]))
            if attempts != e["attempts"]:
                out.append(f"attempts {attempts} != {e['attempts']} (error: {err!r})")
            if e["outcome"] == "ok":
                if err is not None:
                    out.append(f"expected success, got {err!r}")
                return out
            if err is None:
                return out + ["expected an error, the call succeeded"]
            problem = class_problem(err, e["error_kind"], e.get("error_status"))
            if problem:
                out.append(problem)
            status = getattr(err, "status", None)
            if "error_status" in e and status != e["error_status"]:
                out.append(f"status {status} != {e['error_status']}")
            if "error_code" in e and err.code != e["error_code"]:
                out.append(f"code {err.code!r} != {e['error_code']!r}")
            if "error_message" in e and err.message != e["error_message"]:
                out.append(f"message {err.message!r} != {e['error_message']!r}")
            rid = getattr(err, "request_id", None)
            if "error_request_id" in e and rid != e["error_request_id"]:
                out.append(f"request_id {rid!r} != {e['error_request_id']!r}")
            return out

        return run

    await run_cases("http_retries.json", [(c["name"], retry_case(c)) for c in v["cases"]], capsys)


# --- sse_streams.json ------------------------------------------------------------------------


async def test_sse_streams(capsys: pytest.CaptureFixture[str], conformance: ConformanceServer) -> None:
    v = load("sse_streams.json")
    sid = v["session_id"]
    so = v["stream_options"]

    def stream_case(c: dict[str, Any]) -> Case:
        async def run() -> list[str]:
            o = c.get("options") or {}
            e = c["expect"]
            out: list[str] = []
            ids: list[str] = []
            types: list[str] = []
            err: Optional[EverrunsError] = None
            async with conformance.script(sse_connections=c["connections"], default=v["default_response"]) as srv:
                client = make_client(v, srv.base_url)
                liveness = o.get("liveness_timeout_ms")
                stream = client.events.stream(
                    sid,
                    from_beginning=bool(so.get("from_beginning")),
                    types=o.get("types"),
                    exclude=o.get("exclude"),
                    liveness_timeout=None if liveness is None else liveness / 1000,
                    initial_backoff=so["initial_backoff_ms"] / 1000,
                    max_backoff=so["max_backoff_ms"] / 1000,
                )
                stop_after = c.get("stop_after_type")
                try:
                    async for ev in stream:
                        ids.append(ev.id)
                        types.append(ev.type)
                        if ev.type == stop_after:
                            break
                except EverrunsError as x:
                    err = x
                finally:
                    stream.stop()
                    await client.close()
                connections = await srv.sse_requests()
            if ids != e["ids"]:
                out.append(f"ids {ids} != {e['ids']}")
            if "types" in e and types != e["types"]:
                out.append(f"types {types} != {e['types']}")
            since = [dict(r.query).get("since_id") for r in connections]
            if since != e["since_ids"]:
                out.append(f"since_id per connection {since} != {e['since_ids']}")
            if "query_first" in e:
                got = [(k, val) for k, val in connections[0].query if k in ("types", "exclude")] if connections else []
                if got != pairs(e["query_first"]):
                    out.append(f"filters on the first connection {got} != {pairs(e['query_first'])}")
            # `retry_count` (unexpected drops) is not part of the Python public API; the Rust
            # runner checks it.
            if "error_kind" in e:
                if err is None:
                    out.append(f"expected a {e['error_kind']} error, the stream ended without one")
                else:
                    problem = class_problem(err, e["error_kind"], getattr(err, "status", None))
                    if problem:
                        out.append(problem)
                    if "error_code" in e and err.code != e["error_code"]:
                        out.append(f"code {err.code!r} != {e['error_code']!r}")
            elif err is not None:
                out.append(f"unexpected error {err!r}")
            return out

        return run

    await run_cases("sse_streams.json", [(c["name"], stream_case(c)) for c in v["cases"]], capsys)


# --- error_bodies.json -----------------------------------------------------------------------


async def test_error_bodies(capsys: pytest.CaptureFixture[str], conformance: ConformanceServer) -> None:
    v = load("error_bodies.json")
    path = f"/api/v1/agents/{AGENT_ID}"

    def body_case(c: dict[str, Any]) -> Case:
        async def run() -> list[str]:
            out: list[str] = []
            response = {"status": c["status"], "body": c["body"]}
            async with conformance.script(routes=[("GET", path, [response])]) as srv:
                client = make_client(v, srv.base_url, max_retries=0)
                try:
                    await client.agents.get(AGENT_ID)
                    return ["the call succeeded, expected an error"]
                except ApiError as err:
                    if err.status != c["status"]:
                        out.append(f"status {err.status} != {c['status']}")
                    if err.code != c["code"]:
                        out.append(f"code {err.code!r} != {c['code']!r}")
                    if err.message != c["message"]:
                        out.append(f"message {err.message!r} != {c['message']!r}")
                    if isinstance(err, RateLimitError):
                        want = c["retry_after_seconds"]
                        if err.retry_after != (None if want is None else float(want)):
                            out.append(f"retry_after {err.retry_after!r} != {want!r}")
                except EverrunsError as err:
                    out.append(f"raised {type(err).__name__} ({err!r}), expected an ApiError subclass")
                finally:
                    await client.close()
                attempts = len(await srv.requests_to("GET", path))
                if attempts != 1:
                    out.append(f"{attempts} attempts with max_retries=0")
            return out

        return run

    await run_cases("error_bodies.json", [(c["name"], body_case(c)) for c in v["cases"]], capsys)


# --- names.json ------------------------------------------------------------------------------


async def test_names(capsys: pytest.CaptureFixture[str], conformance: ConformanceServer) -> None:
    v = load("names.json")

    def create_case(name_in: str, display: Optional[str], want: Optional[tuple[str, Optional[str]]]) -> Case:
        """``want`` = (name, display_name) on the wire, or None for a client-side rejection."""

        async def run() -> list[str]:
            args = {"name": name_in, "system_prompt": "p", "display_name": display}
            async with conformance.script(
                routes=[("POST", "/api/v1/agents", [{"status": 201, "body": AGENT_BODY}])]
            ) as srv:
                if want is None:
                    return await expect_rejected(v, srv, "agents.create", args, "validation")
                client = make_client(v, srv.base_url)
                try:
                    await perform(client, "agents.create", args)
                except EverrunsError as err:
                    return [f"call failed: {err!r}"]
                finally:
                    await client.close()
                sent = await srv.requests_to("POST", "/api/v1/agents")
                if len(sent) != 1:
                    return [f"{len(sent)} POST /api/v1/agents requests, expected 1"]
                body = json_body(sent[0]) or {}
                out = []
                if body.get("name") != want[0]:
                    out.append(f"name {body.get('name')!r} != {want[0]!r}")
                if body.get("display_name") != want[1]:
                    out.append(f"display_name {body.get('display_name')!r} != {want[1]!r}")
                return out

        return run

    cases: list[tuple[str, Case]] = []
    for c in v["resolve_name"]:
        want = None if "error" in c else (c["name"], c["resolved_display_name"])
        label = f"resolve_name({c['input']!r}, {c['display_name']!r})"
        cases.append((label, create_case(c["input"], c["display_name"], want)))
    await run_cases("names.json resolve_name", cases, capsys)


# --- ids.json --------------------------------------------------------------------------------

# Each id kind through a call that takes exactly that kind of id (strict validation, no
# name fallback): (call, args, method, raw path on the wire, response).
ID_CALLS: dict[str, Callable[[str], tuple[str, dict[str, Any], str, str, Any]]] = {
    "agent": lambda i: ("agents.delete", {"id": i}, "DELETE", f"/api/v1/agents/{i}", {"status": 204, "body": None}),
    "session": lambda i: (
        "sessions.get",
        {"id": i},
        "GET",
        f"/api/v1/sessions/{i}",
        {"status": 200, "body": SESSION_BODY},
    ),
    "event": lambda i: (
        "events.list",
        {"session_id": SESSION_ID, "since_id": i},
        "GET",
        f"/api/v1/sessions/{SESSION_ID}/events",
        {"status": 200, "body": {"data": []}},
    ),
    "harness": lambda i: (
        "sessions.create",
        {"harness_id": i},
        "POST",
        "/api/v1/sessions",
        {"status": 201, "body": SESSION_BODY},
    ),
}


async def test_ids(capsys: pytest.CaptureFixture[str], conformance: ConformanceServer) -> None:
    v = load("ids.json")

    def id_case(c: dict[str, Any]) -> Case:
        async def run() -> list[str]:
            if c["kind"] not in ID_CALLS:
                return [f"no call for id kind {c['kind']!r}"]
            call, args, method, path, response = ID_CALLS[c["kind"]](c["value"])
            async with conformance.script(routes=[(method, path, [response])]) as srv:
                if not c["valid"]:
                    return await expect_rejected(v, srv, call, args, "validation")
                client = make_client(v, srv.base_url)
                try:
                    await perform(client, call, args)
                except EverrunsError as err:
                    return [f"{call} failed: {err!r}"]
                finally:
                    await client.close()
                sent = await srv.requests_to(method, path)
                if len(sent) != 1:
                    return [f"{len(sent)} {method} {path} requests, expected 1"]
                if c["kind"] == "event" and dict(sent[0].query).get("since_id") != c["value"]:
                    return [f"since_id {dict(sent[0].query).get('since_id')!r} != {c['value']!r}"]
                return []

        return run

    cases = [(f"{c['kind']} {c['value']!r} valid={c['valid']}", id_case(c)) for c in v["cases"]]
    await run_cases("ids.json", cases, capsys)


# --- paths.json ------------------------------------------------------------------------------


async def test_paths(capsys: pytest.CaptureFixture[str], conformance: ConformanceServer) -> None:
    v = load("paths.json")
    prefix = f"/api/v1/sessions/{SESSION_ID}/fs"

    def path_case(raw: str, normalized: Optional[str]) -> Case:
        async def run() -> list[str]:
            args = {"session_id": SESSION_ID, "path": raw}
            async with conformance.script(default={"status": 200, "body": FILE_BODY}) as srv:
                if normalized is None:
                    return await expect_rejected(v, srv, "filesystem.read", args, "validation")
                client = make_client(v, srv.base_url)
                try:
                    await perform(client, "filesystem.read", args)
                except EverrunsError as err:
                    return [f"filesystem.read failed: {err!r}"]
                finally:
                    await client.close()
                captured = await srv.captured()
                sent = [r for r in captured if r.method == "GET" and r.path.startswith(prefix)]
                if len(sent) != 1 or len(captured) != 1:
                    return [f"expected one GET {prefix}…, saw {[(r.method, r.path) for r in captured]}"]
                return []

        return run

    cases = [(f"{raw!r} -> {norm!r}", path_case(raw, norm)) for raw, norm in v["cases"]]
    await run_cases("paths.json", cases, capsys)
