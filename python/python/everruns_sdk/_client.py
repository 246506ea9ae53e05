"""The asyncio client ``Everruns``.

Its sub-clients (``agents``, ``sessions``, …) are generated from the core's operation table
(``_operations.py``). Retries, timeouts, URL building, error classification, pagination, input
validation and the SSE reconnect logic all live in the Rust core; this layer names things the
Python way and adapts native futures and streams to ``async``/``await``.
"""

from __future__ import annotations

import logging
from types import TracebackType
from typing import Any, Mapping, Optional, TypeVar, Union

from . import _native
from ._errors import ClientClosedError
from ._operations import (
    AgentsClient,
    CapabilitiesClient,
    EventsClient,
    FilesystemClient,
    HarnessesClient,
    MessagesClient,
    ModelsClient,
    SessionsClient,
    _SubClients,
)

__all__ = [
    "Everruns",
    "AgentsClient",
    "SessionsClient",
    "MessagesClient",
    "EventsClient",
    "FilesystemClient",
    "CapabilitiesClient",
    "HarnessesClient",
    "ModelsClient",
    "CapabilitySpec",
]

#: A capability given by id (``"web_fetch"``) or as ``{"ref": "web_fetch", "config": {...}}``.
CapabilitySpec = Union[str, Mapping[str, Any]]


def _show_debug_logs() -> None:
    """Debug mode on an application that configured no logging: print the SDK's records on
    stderr (an application that configured logging keeps its own handlers)."""
    log = logging.getLogger("everruns")
    own = [h for h in log.handlers if not isinstance(h, logging.NullHandler)]
    if own or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("everruns %(levelname)s: %(message)s"))
    log.addHandler(handler)
    if log.level == logging.NOTSET or log.level > logging.INFO:
        log.setLevel(logging.INFO)


_C = TypeVar("_C", bound="_ClientBase")


def _given(**settings: Any) -> dict[str, Any]:
    return {k: v for k, v in settings.items() if v is not None}


class _ClientBase:
    """Settings, properties and lifecycle shared by :class:`Everruns` and
    :class:`everruns_sdk.SyncEverruns` (the sub-clients come from the subclass)."""

    def __init__(
        self,
        api_key: Optional[str] = None,
        base_url: Optional[str] = None,
        org_id: Optional[str] = None,
        *,
        timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        retry_base_delay: Optional[float] = None,
        retry_max_delay: Optional[float] = None,
        max_retry_after: Optional[float] = None,
        debug: Optional[bool] = None,
        proxy: Optional[str] = None,
        ca_cert: Optional[str] = None,
        client_cert: Optional[str] = None,
        client_key: Optional[str] = None,
        read_env: bool = True,
        _native_client: Optional[_native.Client] = None,
    ) -> None:
        if _native_client is None:
            _native_client = _native.Client(
                _given(
                    api_key=api_key,
                    base_url=base_url,
                    org_id=org_id,
                    timeout=timeout,
                    connect_timeout=connect_timeout,
                    max_retries=max_retries,
                    retry_base_delay=retry_base_delay,
                    retry_max_delay=retry_max_delay,
                    max_retry_after=max_retry_after,
                    debug=debug,
                    proxy=proxy,
                    ca_cert=ca_cert,
                    client_cert=client_cert,
                    client_key=client_key,
                    read_env=read_env,
                )
            )
            if _native_client.debug:
                _show_debug_logs()
            _native.refresh_log_level()
        self._client: Optional[_native.Client] = _native_client
        super().__init__()

    @property
    def _native(self) -> _native.Client:
        c = self._client
        if c is None:
            raise ClientClosedError("the client is closed", code="client_closed")
        return c

    @property
    def base_url(self) -> str:
        """The normalised base URL."""
        return self._native.base_url

    @property
    def org_id(self) -> Optional[str]:
        """The ``X-Org-Id`` sent, if any."""
        return self._native.org_id

    @property
    def timeout(self) -> float:
        """Whole-request timeout of REST calls, in seconds."""
        return self._native.timeout

    @property
    def max_retries(self) -> int:
        """Retries of a failed REST call."""
        return self._native.max_retries

    @property
    def connect_timeout(self) -> float:
        """TCP/TLS connect timeout, in seconds."""
        return self._native.connect_timeout

    @property
    def retry_base_delay(self) -> float:
        """First retry backoff delay, in seconds."""
        return self._native.retry_base_delay

    @property
    def retry_max_delay(self) -> float:
        """Retry backoff cap, in seconds."""
        return self._native.retry_max_delay

    @property
    def max_retry_after(self) -> float:
        """Longest ``Retry-After`` honoured, in seconds."""
        return self._native.max_retry_after

    @property
    def user_agent(self) -> str:
        """The ``User-Agent`` / ``X-SDK-Version`` string sent."""
        return self._native.user_agent

    @property
    def closed(self) -> bool:
        """True after :meth:`close`."""
        return self._client is None

    def with_options(
        self: _C,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
        reason: Optional[str] = None,
    ) -> _C:
        """A client sharing this one's connections whose calls use these settings."""
        native = self._native.with_options(
            _given(
                timeout=timeout,
                max_retries=max_retries,
                idempotency_key=idempotency_key,
                headers=dict(headers) if headers else None,
                reason=reason,
            )
        )
        return type(self)(_native_client=native)

    def with_reason(self: _C, reason: str) -> _C:
        """A client sharing this one's connections whose every request records ``reason``
        as its change reason (the ``Everruns-Change-Reason`` header, percent-encoded UTF-8).

        The reason is stored with what the request changes: on the agent version a change
        creates and in a new session's ``session.started`` event. A blank reason sends no
        header; one over 1000 characters or with control characters (other than newline and
        tab) raises :class:`~everruns_sdk.ValidationError`.
        """
        return self.with_options(reason=reason)

    def __repr__(self) -> str:
        if getattr(self, "_client", None) is None or self._client is None:
            return f"{type(self).__name__}(closed)"
        return f"{type(self).__name__}(base_url={self._client.base_url!r})"


class Everruns(_ClientBase, _SubClients):
    """The Everruns client (asyncio).

    Args:
        api_key: API token; defaults to ``EVERRUNS_API_KEY``.
        base_url: API base URL including ``/api``; defaults to ``EVERRUNS_API_URL``, then
            ``http://localhost:9300/api``.
        org_id: ``X-Org-Id`` header value; defaults to ``EVERRUNS_ORG_ID``.
        timeout: whole-request timeout of REST calls, in seconds (default 30).
        connect_timeout: TCP/TLS connect timeout, in seconds (default 10).
        max_retries: retries of a failed REST call (default 3; 0 disables).
        retry_base_delay: first retry backoff delay, in seconds (default 0.5; doubles with
            jitter).
        retry_max_delay: retry backoff cap, in seconds (default 8).
        max_retry_after: longest server-requested ``Retry-After`` honoured, in seconds
            (default 60); a longer one surfaces the error instead of waiting.
        debug: log every request (token redacted) through the ``everruns`` logger; defaults to
            ``EVERRUNS_DEBUG``.
        proxy: proxy URL for every request, e.g. ``http://user:pass@proxy:3128`` (credentials
            are never logged); defaults to ``HTTPS_PROXY``/``HTTP_PROXY``/``ALL_PROXY``, with
            ``NO_PROXY`` honoured. ``"none"`` disables proxies.
        ca_cert: PEM file of extra trusted CA certificates (default: ``SSL_CERT_FILE``), added
            to the system's roots.
        client_cert: PEM file with the client certificate (chain) for mutual TLS; the key may be
            in the same file.
        client_key: PEM file with the client certificate's private key (when not in
            ``client_cert``).
        read_env: whether unset values are read from the environment.

    The settings are validated by the core (``ConfigurationError``). Use
    ``async with Everruns() as client:`` or call :meth:`close` when done.
    For blocking code use :class:`everruns_sdk.SyncEverruns` (same settings and methods).
    """

    async def close(self) -> None:
        """Closes the client (and every client made from it with :meth:`with_options`): calls
        in flight raise :class:`ClientClosedError`, open event streams end, the connections are
        released. Idempotent."""
        c = self._client
        if c is not None:
            c.close()
        self._client = None

    async def __aenter__(self) -> Everruns:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.close()
