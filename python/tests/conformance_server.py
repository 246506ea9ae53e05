"""The scripted raw-HTTP server the conformance runner plays the shared vectors against.

It speaks HTTP/1.1 on a real local socket (asyncio streams, one request per connection) and
records every request exactly as it arrived: method, the raw (still percent-encoded) path, the
ordered query pairs (repeated keys kept), lower-cased headers and the body. It is the Python twin
of the Rust runner's server in ``core/tests/conformance_http.rs``:

* ``routes``: requests matching ``(method, path)`` get that route's responses in order (the last
  one repeats); anything else gets ``default``.
* ``sse_connections``: ``GET …/sse`` connection k gets ``connections[k]`` (the last repeats):
  either a plain response (``status``/``body``) or ``chunks`` written one by one (flushed
  separately) followed by ``then``: ``close`` or ``hold`` (keep the socket open, send nothing).
"""

from __future__ import annotations

import asyncio
import http
import json
from dataclasses import dataclass, field
from typing import Any, Optional
from urllib.parse import parse_qsl

__all__ = ["Captured", "ScriptedServer"]


@dataclass
class Captured:
    """One request as it arrived."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes


@dataclass
class _Route:
    method: str
    path: str
    responses: list[Any]
    hits: int = 0


@dataclass
class ScriptedServer:
    """A local HTTP server answering from a script; use ``async with``."""

    routes: list[tuple[str, str, list[Any]]] = field(default_factory=list)
    default: Any = field(default_factory=lambda: {"status": 200, "body": {"data": []}})
    sse_connections: Optional[list[Any]] = None
    captured: list[Captured] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._routes = [_Route(m, p, list(r)) for m, p, r in self.routes]
        self._sse_count = 0
        self._server: Optional[asyncio.Server] = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.base_url = ""

    async def __aenter__(self) -> ScriptedServer:
        self._server = await asyncio.start_server(self._on_connection, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        self.base_url = f"http://127.0.0.1:{port}/api"
        return self

    async def __aexit__(self, *exc: Any) -> None:
        assert self._server is not None
        self._server.close()
        for w in list(self._writers):
            w.close()
        for t in list(self._tasks):
            t.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    def requests_to(self, method: str, path: str) -> list[Captured]:
        """The captured requests with this method and raw path."""
        return [r for r in self.captured if r.method == method and r.path == path]

    def sse_requests(self) -> list[Captured]:
        """The captured event-stream connections, in order."""
        return [r for r in self.captured if r.path.endswith("/sse")]

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._tasks.add(task)
        self._writers.add(writer)
        try:
            req = await _read_request(reader)
            if req is None:
                return
            self.captured.append(req)
            await self._answer(req, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        except asyncio.CancelledError:
            pass
        finally:
            self._writers.discard(writer)
            self._tasks.discard(task)
            writer.close()

    async def _answer(self, req: Captured, writer: asyncio.StreamWriter) -> None:
        if self.sse_connections is not None:
            if not req.path.endswith("/sse"):
                await _write_response(writer, self.default)
                return
            k = self._sse_count
            self._sse_count += 1
            conn = self.sse_connections[min(k, len(self.sse_connections) - 1)]
            if "status" in conn:
                await _write_response(writer, conn)
                return
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                b"Cache-Control: no-cache\r\nConnection: close\r\n\r\n"
            )
            await writer.drain()
            for chunk in conn["chunks"]:
                writer.write(chunk.encode())
                await writer.drain()
                await asyncio.sleep(0.002)
            if conn.get("then") == "hold":
                await asyncio.sleep(60)
            return
        for route in self._routes:
            if route.method == req.method and route.path == req.path:
                k = route.hits
                route.hits += 1
                await _write_response(writer, route.responses[min(k, len(route.responses) - 1)])
                return
        await _write_response(writer, self.default)


async def _read_request(reader: asyncio.StreamReader) -> Optional[Captured]:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head[:-4].decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    method = parts[0] if parts else ""
    target = parts[1] if len(parts) > 1 else ""
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    length = int(headers.get("content-length", "0") or "0")
    body = await reader.readexactly(length) if length else b""
    path, _, query = target.partition("?")
    pairs = parse_qsl(query, keep_blank_values=True, encoding="utf-8", errors="strict")
    return Captured(method, path, pairs, headers, body)


def _body_text(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, str):
        return body
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


async def _write_response(writer: asyncio.StreamWriter, r: Any) -> None:
    status = int(r.get("status", 200))
    body = _body_text(r.get("body")).encode()
    content_type = "text/html" if body.lstrip().startswith(b"<") else "application/json"
    try:
        reason = http.HTTPStatus(status).phrase
    except ValueError:
        reason = "Unknown"
    head = (
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n"
    )
    for k, v in (r.get("headers") or {}).items():
        head += f"{k}: {v}\r\n"
    head += "\r\n"
    writer.write(head.encode("latin-1") + body)
    await writer.drain()
