"""Chaos client for the Python SDK (everruns_sdk): follows one session and reports JSON lines.

    python chaos_client.py --base-url http://127.0.0.1:PORT/api --session session_... \
        [--liveness-ms 1500] [--connect-timeout-ms 5000] [--initial-backoff-ms 200] \
        [--max-backoff-ms 1000]

Streams the session from the beginning with ``client.events.stream`` and stops on the first
terminal event (``turn.completed``, ``turn.failed``, ``turn.cancelled``, ``turn.sealed``).
Lines printed on stdout, one JSON object each:

    {"kind": "ready", "lang": "python"}
    {"kind": "events", "ids": [...], "seqs": [...], "recv_ms": [...], "reconnects": N}
    {"kind": "end", "terminal": "turn.completed", "events": N, "reconnects": N}
    {"kind": "error", "message": "..."}            (then exit status 1)

``recv_ms`` is when each event was handed to this loop (milliseconds since the Unix epoch);
``reconnects`` is the SDK's own count (graceful cycles included). The orchestrator
(everruns_chaos::suite) checks the ids against the stored log.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from typing import Any

TERMINAL = {"turn.completed", "turn.failed", "turn.cancelled", "turn.sealed"}
FLUSH_EVENTS = 500
FLUSH_SECS = 0.25


def emit(obj: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(obj, separators=(",", ":")) + "\n")
    sys.stdout.flush()


async def follow(args: argparse.Namespace) -> int:
    from everruns_sdk import Everruns

    client = Everruns(api_key="dev", base_url=args.base_url, read_env=False)
    stream = client.events.stream(
        args.session,
        from_beginning=True,
        liveness_timeout=args.liveness_ms / 1000.0,
        connect_timeout=args.connect_timeout_ms / 1000.0,
        initial_backoff=args.initial_backoff_ms / 1000.0,
        max_backoff=args.max_backoff_ms / 1000.0,
        max_event_bytes=256 << 20,
    )
    emit({"kind": "ready", "lang": "python"})
    ids: list[str] = []
    seqs: list[int] = []
    recv: list[int] = []
    count = 0
    last_flush = time.monotonic()

    def flush() -> None:
        nonlocal last_flush
        if ids:
            emit(
                {
                    "kind": "events",
                    "ids": ids,
                    "seqs": seqs,
                    "recv_ms": recv,
                    "reconnects": stream.reconnect_count,
                }
            )
            ids.clear()
            seqs.clear()
            recv.clear()
        last_flush = time.monotonic()

    try:
        async for event in stream:
            ids.append(event.id)
            seqs.append(event.sequence if event.sequence is not None else -1)
            recv.append(time.time_ns() // 1_000_000)
            count += 1
            if event.type in TERMINAL:
                flush()
                emit(
                    {
                        "kind": "end",
                        "terminal": event.type,
                        "events": count,
                        "reconnects": stream.reconnect_count,
                    }
                )
                return 0
            if len(ids) >= FLUSH_EVENTS or time.monotonic() - last_flush >= FLUSH_SECS:
                flush()
    except Exception as e:  # reported to the orchestrator, which fails the run
        flush()
        emit({"kind": "error", "message": f"{type(e).__name__}: {e}"})
        return 1
    finally:
        stream.stop()
    flush()
    emit({"kind": "error", "message": "the stream ended before a terminal event"})
    return 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--base-url", required=True)
    p.add_argument("--session", required=True)
    p.add_argument("--liveness-ms", type=int, default=1500)
    p.add_argument("--connect-timeout-ms", type=int, default=5000)
    p.add_argument("--initial-backoff-ms", type=int, default=200)
    p.add_argument("--max-backoff-ms", type=int, default=1000)
    args = p.parse_args()
    try:
        return asyncio.run(follow(args))
    except Exception as e:  # e.g. the package is not installed
        emit({"kind": "error", "message": f"{type(e).__name__}: {e}"})
        return 1


if __name__ == "__main__":
    sys.exit(main())
