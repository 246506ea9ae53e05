"""Blocking iterators over native pull streams (the synchronous client's streams)."""

from __future__ import annotations

from collections import deque
from types import TracebackType
from typing import Any, Callable, Generic, Iterator, Optional, TypeVar

from . import _native
from ._models import Event

__all__ = ["SyncEventStream", "SyncPageIterator"]

T = TypeVar("T")


class SyncEventStream(Iterator[Event]):
    """A session's live event stream for blocking code: ``for event in client.events.stream(sid)``.

    The same native stream as :class:`everruns_sdk.EventStream` (reconnects, liveness,
    de-duplication, acknowledged delivery): only events handed to the loop move
    :attr:`last_event_id` and the session's default stream cursor. Each pull blocks with the
    interpreter released and wakes often enough for Ctrl-C to raise ``KeyboardInterrupt``
    promptly (the stream stays usable). ``break``, :meth:`stop`, :meth:`close`, ``with`` or
    garbage collection ends the stream and closes its connection.
    """

    __slots__ = ("_native", "_buf", "_done", "_batch_size", "__weakref__")

    def __init__(self, native: _native.EventStream, batch_size: int = 256) -> None:
        self._native: _native.EventStream = native
        self._buf: deque[Event] = deque()
        self._done = False
        self._batch_size = max(1, int(batch_size))

    def __iter__(self) -> SyncEventStream:
        return self

    def __next__(self) -> Event:
        buf = self._buf
        if not buf:
            if self._done:
                raise StopIteration
            batch = self._native.next_batch_sync(self._batch_size)
            if not batch:
                self._done = True
                raise StopIteration
            buf.extend(batch)
        ev = buf.popleft()
        self._native.ack()
        return ev

    def stop(self) -> None:
        """Ends the stream now; buffered events are dropped and the connection is closed."""
        self._done = True
        self._buf.clear()
        self._native.stop()

    def close(self) -> None:
        """Same as :meth:`stop` (generator protocol)."""
        self.stop()

    def __enter__(self) -> SyncEventStream:
        return self

    def __exit__(
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
        """True once the stream was stopped or ended."""
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


class SyncPageIterator(Iterator[T], Generic[T]):
    """Every item of a paginated listing for blocking code; pages are fetched on demand."""

    __slots__ = ("_native", "_wrap", "_buf", "_done")

    def __init__(self, native: _native.ItemStream, wrap: Callable[[Any], T]) -> None:
        self._native = native
        self._wrap = wrap
        self._buf: deque[T] = deque()
        self._done = False

    def __iter__(self) -> SyncPageIterator[T]:
        return self

    def __next__(self) -> T:
        if self._buf:
            return self._buf.popleft()
        if self._done:
            raise StopIteration
        batch = self._native.next_batch_sync(100)
        if not batch:
            self._done = True
            raise StopIteration
        self._buf.extend(map(self._wrap, batch))
        return self._buf.popleft()

    def close(self) -> None:
        """Stops fetching pages."""
        self._done = True
        self._buf.clear()
        self._native.close()
