"""The client's retry settings (``max_retries``, ``retry_base_delay``, ``retry_max_delay``,
``max_retry_after``) reach the core's retry policy: observed on a local HTTP server that answers
503 before 200 (real sockets), by counting attempts and measuring the gaps between them.

Timing checks are one-sided lower bounds, except one generous upper bound that separates a
capped backoff (0.2 s) from an uncapped one (at least 1.6 s)."""

from __future__ import annotations

import math
from typing import Iterator

import pytest

import everruns_sdk as ev
from everruns_sdk import Everruns

from .fault_server import FaultServer, problem

PAGE = {"data": [], "total": 0, "offset": 0, "limit": 20}


@pytest.fixture
def fault() -> Iterator[FaultServer]:
    s = FaultServer()
    yield s
    s.close()


def _gaps(fault: FaultServer) -> list[float]:
    at = [s.at for s in fault.seen]
    return [b - a for a, b in zip(at, at[1:], strict=False)]


def test_settings_are_reported_and_defaulted() -> None:
    c = Everruns(api_key="dev", base_url="http://localhost:1/api", read_env=False)
    assert (c.max_retries, c.retry_base_delay, c.retry_max_delay, c.max_retry_after) == (3, 0.5, 8.0, 60.0)
    assert (c.timeout, c.connect_timeout) == (30.0, 10.0)
    c = Everruns(
        api_key="dev",
        base_url="http://localhost:1/api",
        read_env=False,
        timeout=2.5,
        connect_timeout=1.5,
        max_retries=7,
        retry_base_delay=0.25,
        retry_max_delay=2.0,
        max_retry_after=5.0,
    )
    assert (c.timeout, c.connect_timeout) == (2.5, 1.5)
    assert (c.max_retries, c.retry_base_delay, c.retry_max_delay, c.max_retry_after) == (7, 0.25, 2.0, 5.0)


@pytest.mark.parametrize("name", ["retry_base_delay", "retry_max_delay", "max_retry_after", "connect_timeout"])
@pytest.mark.parametrize("bad", [-1.0, math.nan, math.inf])
def test_bad_delays_are_rejected(name: str, bad: float) -> None:
    # Bad settings are configuration errors, in every language (the core validates them).
    with pytest.raises(ev.ConfigurationError) as info:
        Everruns(api_key="dev", base_url="http://localhost:1/api", read_env=False, **{name: bad})  # type: ignore[arg-type]
    assert name in str(info.value)


async def test_503_then_200_waits_the_base_delay(fault: FaultServer) -> None:
    fault.push_json(503, problem(503, "unavailable", "busy"))
    fault.push_json(503, problem(503, "unavailable", "busy"))
    fault.push_json(200, PAGE)
    async with Everruns(
        api_key="dev", base_url=fault.api_url, read_env=False, max_retries=2, retry_base_delay=0.3, retry_max_delay=0.3
    ) as c:
        page = await c.agents.list()
    assert page.data == [] and page.total == 0
    assert len(fault.seen) == 3
    # Each backoff is at least the base delay (jitter only adds), capped at 0.3 s here.
    assert all(g >= 0.28 for g in _gaps(fault)), _gaps(fault)


async def test_max_delay_caps_the_backoff(fault: FaultServer) -> None:
    for _ in range(5):
        fault.push_json(503, problem(503, "unavailable", "busy"))
    fault.push_json(200, PAGE)
    async with Everruns(
        api_key="dev", base_url=fault.api_url, read_env=False, max_retries=5, retry_base_delay=0.1, retry_max_delay=0.2
    ) as c:
        await c.agents.list()
    gaps = _gaps(fault)
    assert len(gaps) == 5
    # Uncapped, the 5th delay would be at least 0.1 * 2**4 = 1.6 s.
    assert all(g >= 0.09 for g in gaps), gaps
    assert gaps[-1] < 1.2, gaps


async def test_max_retries_bounds_the_attempts(fault: FaultServer) -> None:
    for _ in range(10):
        fault.push_json(503, problem(503, "unavailable", "busy"))
    async with Everruns(
        api_key="dev", base_url=fault.api_url, read_env=False, max_retries=4, retry_base_delay=0.01
    ) as c:
        with pytest.raises(ev.ServerError):
            await c.agents.list()
    assert len(fault.seen) == 5
    n = len(fault.seen)
    async with Everruns(api_key="dev", base_url=fault.api_url, read_env=False, max_retries=0) as c:
        with pytest.raises(ev.ServerError):
            await c.agents.list()
    assert len(fault.seen) == n + 1


async def test_retry_after_within_max_retry_after_is_honoured(fault: FaultServer) -> None:
    fault.push_json(503, problem(503, "unavailable", "busy"), {"Retry-After": "1"})
    fault.push_json(200, PAGE)
    async with Everruns(
        api_key="dev", base_url=fault.api_url, read_env=False, retry_base_delay=0.01, max_retry_after=2.0
    ) as c:
        await c.agents.list()
    assert len(fault.seen) == 2
    assert _gaps(fault)[0] >= 0.95


async def test_retry_after_beyond_max_retry_after_surfaces_the_error(fault: FaultServer) -> None:
    fault.push_json(503, problem(503, "unavailable", "busy"), {"Retry-After": "30"})
    fault.push_json(200, PAGE)
    async with Everruns(
        api_key="dev", base_url=fault.api_url, read_env=False, retry_base_delay=0.01, max_retry_after=5.0
    ) as c:
        with pytest.raises(ev.ServerError) as info:
            await c.agents.list()
    assert info.value.status == 503
    assert len(fault.seen) == 1
