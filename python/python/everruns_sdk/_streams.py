"""Async iterators over native pull streams."""

from __future__ import annotations

import asyncio
import os
import weakref
from collections import deque
from types import TracebackType
from typing import Any, AsyncIterator, Callable, Generic, Optional, TypeVar, Union

from . import _native
from ._models import Event

__all__ = ["EventStream", "PageIterator"]

T = TypeVar("T")

#: The completion hub of each running event loop (``False``: the loop cannot watch a
#: descriptor, e.g. the Windows proactor loop; pulls then complete one by one).
_HUBS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Union[_native.LoopHub, bool]] = (
    weakref.WeakKeyDictionary()
)


#: ``EVERRUNS_STREAM_HUB=0`` turns the hub off (one loop hand-off per pull, as before it
#: existed): a switch for measuring what it buys, not a tuning knob.
_HUB_ENABLED = os.environ.get("EVERRUNS_STREAM_HUB", "1") != "0"


def _hub_of(loop: asyncio.AbstractEventLoop) -> Optional[_native.LoopHub]:
    """The loop's hub: finished pulls of every stream on this loop are resolved together, in
    one loop wake-up (see ``python/src/hub.rs``)."""
    if not _HUB_ENABLED:
        return None
    hub = _HUBS.get(loop)
    if hub is None:
        new = _native.LoopHub()
        try:
            loop.add_reader(new.fileno(), new.drain)
            hub = new
        except (NotImplementedError, AttributeError):
            hub = False
        _HUBS[loop] = hub
    return hub if isinstance(hub, _native.LoopHub) else None


class EventStream(AsyncIterator[Event]):
    """A session's live event stream: ``async for event in client.events.stream(sid)``.

    Reconnection (``since_id`` resume), heartbeat liveness, backoff with jitter and
    de-duplication happen in the native core. Events are pulled in batches, but only the
    events handed to the loop count as delivered (for :attr:`last_event_id` and the session's
    default stream cursor): a loop that ``break``s mid-batch is resumed by the next default
    stream right after the last event it received. Leaving the loop early (``break``),
    :meth:`stop`, :meth:`aclose`, ``async with`` or garbage collection ends the stream and
    closes its connection.
    """

    __slots__ = ("_native", "_buf", "_done", "_batch_size", "_loop", "_hub", "__weakref__")

    def __init__(self, native: _native.EventStream, batch_size: int = 256) -> None:
        self._native: _native.EventStream = native
        self._buf: deque[Event] = deque()
        self._done = False
        self._batch_size = max(1, int(batch_size))
        self._loop: Optional[asyncio.AbstractEventLoop] = None
        self._hub: Optional[_native.LoopHub] = None

    async def _pull(self) -> list[Event]:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._loop = loop
            self._hub = _hub_of(loop)
        hub = self._hub
        if hub is None:
            return await self._native.next_batch(self._batch_size)
        fut: asyncio.Future[list[Event]] = loop.create_future()
        self._native.next_batch_into(hub, fut, self._batch_size)
        return await fut

    def __aiter__(self) -> EventStream:
        return self

    async def __anext__(self) -> Event:
        buf = self._buf
        if not buf:
            if self._done:
                raise StopAsyncIteration
            batch = await self._pull()
            if not batch:
                self._done = True
                raise StopAsyncIteration
            # The native side already builds `Event` objects (dict subclasses), without copies.
            buf.extend(batch)
        ev = buf.popleft()
        # Handed to user code now: only now does it move the resume cursor.
        self._native.ack()
        return ev

    def stop(self) -> None:
        """Ends the stream now; buffered events are dropped and the connection is closed."""
        self._done = True
        self._buf.clear()
        self._native.stop()

    async def aclose(self) -> None:
        """Same as :meth:`stop` (async-generator protocol)."""
        self.stop()

    async def __aenter__(self) -> EventStream:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.stop()

    def __del__(self) -> None:
        try:
            self._native.stop()
        except Exception:  # pragma: no cover - interpreter teardown
            pass

    @property
    def session_id(self) -> str:
        """The session this stream follows."""
        return self._native.session_id

    @property
    def stopped(self) -> bool:
        """True once the stream was stopped."""
        return self._done and not self._buf

    @property
    def last_event_id(self) -> Optional[str]:
        """Id of the last event this iterator handed out (``None`` before the first)."""
        return self._native.last_event_id

    @property
    def reconnect_count(self) -> int:
        """Connections made after the first one (graceful cycles and unexpected drops)."""
        return self._native.reconnect_count

    @property
    def retry_count(self) -> int:
        """Unexpected disconnects in a row (back to 0 once a connection delivers again)."""
        return self._native.retry_count


class PageIterator(AsyncIterator[T], Generic[T]):
    """Every item of a paginated listing; pages are fetched on demand by the native core."""

    __slots__ = ("_native", "_wrap", "_buf", "_done")

    def __init__(self, native: _native.ItemStream, wrap: Callable[[Any], T]) -> None:
        self._native = native
        self._wrap = wrap
        self._buf: deque[T] = deque()
        self._done = False

    def __aiter__(self) -> PageIterator[T]:
        return self

    async def __anext__(self) -> T:
        if self._buf:
            return self._buf.popleft()
        if self._done:
            raise StopAsyncIteration
        batch = await self._native.next_batch(100)
        if not batch:
            self._done = True
            raise StopAsyncIteration
        self._buf.extend(map(self._wrap, batch))
        return self._buf.popleft()

    async def aclose(self) -> None:
        """Stops fetching pages."""
        self._done = True
        self._buf.clear()
        self._native.close()
