"""Exit-crash guard and fork safety of the native runtime.

The crash being guarded against (pyo3-async-runtimes issue #40): a short script that awaits
native futures and exits could crash (SIGSEGV/SIGABRT) when a completion callback re-attached
to the interpreter during finalisation. These tests run many short-lived processes and require
every one of them to exit cleanly.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from concurrent.futures import ThreadPoolExecutor

import pytest

from everruns_sdk import _native

from .conftest import ServerProcess

# Many native futures, some of them still running when the script returns: exactly the pattern
# that crashed without the guard.
EXIT_SCRIPT = textwrap.dedent(
    """
    import asyncio
    from everruns_sdk import _native

    async def main():
        done = await asyncio.gather(*[_native.sleep(i % 3, i) for i in range(50)])
        assert done == list(range(50)), done
        # Leave some futures in flight at exit: their callbacks race with finalisation.
        for i in range(20):
            asyncio.ensure_future(_native.sleep(i % 2))
        await asyncio.sleep(0)

    asyncio.run(main())
    print("ok")
    """
)


def _run_once(_: int) -> tuple[int, str, str]:
    proc = subprocess.run(
        [sys.executable, "-c", EXIT_SCRIPT],
        capture_output=True,
        text=True,
        timeout=120,
    )
    return proc.returncode, proc.stdout, proc.stderr


def test_no_crash_at_exit_over_100_processes() -> None:
    runs = 100
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(_run_once, range(runs)))
    crashes = [(rc, err[-500:]) for rc, out, err in results if rc != 0 or out.strip() != "ok"]
    assert crashes == [], f"{len(crashes)} of {runs} runs failed: {crashes[:3]}"


async def test_native_future_result_and_cancel() -> None:
    import asyncio

    assert await _native.sleep(1, {"a": [1, 2]}) == {"a": [1, 2]}
    task = asyncio.ensure_future(_native.sleep(60_000))
    await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def _sleep(ms: int, value: object = None) -> object:
    return await _native.sleep(ms, value)


def test_fork_child_gets_a_working_runtime() -> None:
    import asyncio

    # The parent uses the runtime first, so the child inherits a runtime without threads.
    assert asyncio.run(_sleep(1, "parent")) == "parent"
    parent_pid, _, _ = _native.runtime_info()
    assert parent_pid == os.getpid()

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 1
        try:
            os.close(r)
            got = asyncio.run(asyncio.wait_for(_sleep(5, "child"), 30))
            owner, _, _ = _native.runtime_info()
            ok = got == "child" and owner == os.getpid()
            os.write(w, b"ok" if ok else b"bad")
            code = 0
        finally:
            os._exit(code)
    os.close(w)
    with os.fdopen(r, "rb") as f:
        msg = f.read()
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
    assert msg == b"ok"
    # The parent's runtime still works after the fork.
    assert asyncio.run(_sleep(1, "again")) == "again"


def test_fork_from_multiprocessing() -> None:
    import asyncio
    import multiprocessing as mp

    asyncio.run(_sleep(1))
    ctx = mp.get_context("fork")
    with ctx.Pool(2) as pool:
        assert pool.map(_child_job, range(4)) == [0, 2, 4, 6]


def _child_job(x: int) -> int:
    import asyncio

    result = asyncio.run(_sleep(2, x * 2))
    assert isinstance(result, int)
    return result


CLIENT_EXIT_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from everruns_sdk import Everruns

    async def main():
        client = Everruns(api_key="dev", base_url=sys.argv[1])
        pages = await asyncio.gather(*[client.models.list() for _ in range(5)])
        assert all(p for p in pages)
        # Leave a request and a stream pull in flight at exit.
        asyncio.ensure_future(client.agents.list())
        s = await client.sessions.create(title="exit")
        stream = client.events.stream(s.id, from_beginning=True)
        asyncio.ensure_future(stream.__anext__())
        await asyncio.sleep(0)

    asyncio.run(main())
    print("ok")
    """
)


def test_no_crash_at_exit_with_real_client_calls(server: ServerProcess) -> None:
    runs = 30

    def once(_: int) -> tuple[int, str, str]:
        proc = subprocess.run(
            [sys.executable, "-c", CLIENT_EXIT_SCRIPT, server.api_url],
            capture_output=True,
            text=True,
            timeout=120,
        )
        return proc.returncode, proc.stdout, proc.stderr

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(once, range(runs)))
    crashes = [(rc, err[-500:]) for rc, out, err in results if rc != 0 or out.strip() != "ok"]
    assert crashes == [], f"{len(crashes)} of {runs} runs failed: {crashes[:3]}"
