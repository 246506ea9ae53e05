#!/usr/bin/env python3
"""Python bench client for `make bench`: the same workloads, arguments and JSON output as
`everruns-bench client` (see bench/src/bin/everruns-bench/client.rs).

It runs with whichever `everruns_sdk` the interpreter has: ours (the PyO3 wheel, in `.venv`) or
the upstream pure-Python SDK 0.3.x (in `.venv-bench-upstream`). The user code is the same for
both: `async for event in client.events.stream(...)`. EVERRUNS_BENCH_EXPECT=ours|upstream makes
`version` fail when the other SDK is installed, so a wrong virtualenv cannot pass unnoticed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from importlib import metadata

import everruns_sdk
from everruns_sdk import Everruns

OURS = hasattr(everruns_sdk, "_native")


def emit(obj: object) -> None:
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


def make_client(url: str) -> Everruns:
    return Everruns(api_key="dev", base_url=url)


def open_stream(client: Everruns, session: str, since: str | None):
    if OURS:
        if since is None:
            return client.events.stream(session, from_beginning=True)
        return client.events.stream(session, since_id=since)
    # Upstream: without since_id the server replays from the first event.
    return client.events.stream(session, since_id=since)


async def close(client: Everruns) -> None:
    await client.close()


async def cmd_stream(a: argparse.Namespace) -> None:
    client = make_client(a.url)
    start = time.perf_counter()
    n = 0
    type_chars = 0
    deltas = 0
    delta_chars = 0
    stream = open_stream(client, a.session, None)
    if a.read == "delta":
        async for event in stream:
            t = event.type
            type_chars += len(t)
            if t == "output.message.delta":
                delta_chars += len(event.data["delta"])
                deltas += 1
            n += 1
            if n == a.count:
                break
    else:
        async for event in stream:
            type_chars += len(event.type)
            n += 1
            if n == a.count:
                break
    secs = time.perf_counter() - start
    emit({"events": n, "secs": secs, "deltas": deltas})
    await close(client)


async def cmd_calls(a: argparse.Namespace) -> None:
    client = make_client(a.url)
    for _ in range(a.warmup):
        await client.agents.get(a.agent)
    us = []
    clock = time.perf_counter
    for _ in range(a.count):
        t = clock()
        await client.agents.get(a.agent)
        us.append((clock() - t) * 1e6)
    emit({"us": us})
    await close(client)


async def cmd_latency(a: argparse.Namespace) -> None:
    client = make_client(a.url)
    ready = 0
    last = a.count - 1

    async def one() -> list[list[float]]:
        nonlocal ready
        warm = False
        samples: list[list[float]] = []
        stream = open_stream(client, a.session, a.since)
        async for event in stream:
            now = time.time_ns()
            data = event.data
            k = data.get("bench_k", -1)
            if k < 0:
                if not warm:
                    warm = True
                    ready += 1
                    if ready == a.streams:
                        sys.stdout.write("ready\n")
                        sys.stdout.flush()
                continue
            samples.append([k, (now - data["bench_t_ns"]) / 1e3])
            if k >= last:
                break
        return samples

    results = await asyncio.gather(*(one() for _ in range(a.streams)))
    emit({"samples": [s for r in results for s in r]})
    await close(client)


def main() -> None:
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("version")
    s = sub.add_parser("stream")
    s.add_argument("--url", required=True)
    s.add_argument("--session", required=True)
    s.add_argument("--count", type=int, required=True)
    s.add_argument("--read", choices=["type", "delta"], default="type")
    c = sub.add_parser("calls")
    c.add_argument("--url", required=True)
    c.add_argument("--agent", required=True)
    c.add_argument("--count", type=int, required=True)
    c.add_argument("--warmup", type=int, default=100)
    lat = sub.add_parser("latency")
    lat.add_argument("--url", required=True)
    lat.add_argument("--session", required=True)
    lat.add_argument("--since", required=True)
    lat.add_argument("--streams", type=int, required=True)
    lat.add_argument("--count", type=int, required=True)
    a = p.parse_args()
    if a.cmd == "version":
        import os

        expect = os.environ.get("EVERRUNS_BENCH_EXPECT")
        kind = "ours" if OURS else "upstream"
        if expect and expect != kind:
            sys.exit(f"expected the {expect} everruns_sdk, found the {kind} one in {sys.prefix}")
        emit({"version": metadata.version("everruns-sdk"), "kind": kind})
        return
    asyncio.run({"stream": cmd_stream, "calls": cmd_calls, "latency": cmd_latency}[a.cmd](a))


if __name__ == "__main__":
    main()
