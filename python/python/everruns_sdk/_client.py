"""The asyncio client: ``Everruns`` and its sub-clients.

A thin, typed layer over the native core (``everruns_sdk._native``): it names arguments the
Python way, wraps results into typed objects and adapts native futures and streams to
``async``/``await``. Retries, timeouts, URL building, error classification, pagination and the
SSE reconnect logic all live in the Rust core.
"""

from __future__ import annotations

import builtins
import weakref
from types import TracebackType
from typing import Any, Mapping, Optional, Sequence, Union

from . import _native
from ._errors import ConfigurationError, ValidationError
from ._models import (
    Agent,
    CancelTurnResponse,
    CapabilityInfo,
    Event,
    FileListing,
    FileStat,
    GrepResult,
    Harness,
    Message,
    Model,
    Page,
    Session,
    SessionFile,
)
from ._streams import EventStream, PageIterator

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


def _compact(**fields: Any) -> dict[str, Any]:
    """The keyword arguments that were given (``None`` means "not given")."""
    return {k: v for k, v in fields.items() if v is not None}


def _list(v: Optional[Sequence[Any]]) -> Optional[list[Any]]:
    return None if v is None else list(v)


class Everruns:
    """The Everruns client.

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
        debug: log every request (token redacted); defaults to ``EVERRUNS_DEBUG``.
        read_env: whether unset values are read from the environment.

    Use ``async with Everruns() as client:`` or call :meth:`close` when done.
    """

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
        read_env: bool = True,
        _native_client: Optional[_native.Client] = None,
    ) -> None:
        if _native_client is None:
            _native_client = _native.Client(
                api_key,
                base_url,
                org_id,
                timeout=timeout,
                connect_timeout=connect_timeout,
                max_retries=max_retries,
                retry_base_delay=retry_base_delay,
                retry_max_delay=retry_max_delay,
                max_retry_after=max_retry_after,
                debug=debug,
                read_env=read_env,
            )
        self._client: Optional[_native.Client] = _native_client
        self._streams: weakref.WeakSet[EventStream] = weakref.WeakSet()
        self.agents = AgentsClient(self)
        self.sessions = SessionsClient(self)
        self.messages = MessagesClient(self)
        self.events = EventsClient(self)
        self.filesystem = FilesystemClient(self)
        self.capabilities = CapabilitiesClient(self)
        self.harnesses = HarnessesClient(self)
        self.models = ModelsClient(self)

    @property
    def _native(self) -> _native.Client:
        c = self._client
        if c is None:
            raise ConfigurationError("this client is closed", code="client_closed")
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
        self,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        idempotency_key: Optional[str] = None,
        headers: Optional[Mapping[str, str]] = None,
    ) -> Everruns:
        """A client sharing this one's connections whose calls use these settings."""
        native = self._native.with_options(
            timeout=timeout,
            max_retries=max_retries,
            idempotency_key=idempotency_key,
            headers=list(headers.items()) if headers else None,
        )
        return Everruns(_native_client=native)

    async def close(self) -> None:
        """Stops this client's open event streams and releases its connections."""
        for s in list(self._streams):
            s.stop()
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

    def __repr__(self) -> str:
        if self._client is None:
            return "Everruns(closed)"
        return f"Everruns(base_url={self._client.base_url!r})"


class _Sub:
    __slots__ = ("_owner",)

    def __init__(self, owner: Everruns) -> None:
        self._owner = owner

    @property
    def _n(self) -> _native.Client:
        return self._owner._native


class AgentsClient(_Sub):
    """``client.agents``: create, import, list, update and delete agents."""

    __slots__ = ()

    async def create(
        self,
        name: str,
        system_prompt: str,
        *,
        capabilities: Optional[Sequence[CapabilitySpec]] = None,
        id: Optional[str] = None,
        display_name: Optional[str] = None,
        description: Optional[str] = None,
        harness_id: Optional[str] = None,
        harness_name: Optional[str] = None,
        default_model_id: Optional[str] = None,
        tags: Optional[Sequence[str]] = None,
        tools: Optional[Sequence[Mapping[str, Any]]] = None,
        initial_files: Optional[Sequence[Mapping[str, Any]]] = None,
        max_iterations: Optional[int] = None,
        parallel_tool_calls: Optional[bool] = None,
        network_access: Optional[Mapping[str, Any]] = None,
    ) -> Agent:
        """Creates an agent (or updates the one with the same name).

        ``name`` may be a human name ("Research Assistant"): the slug is sent as the name and
        the input as ``display_name``. ``capabilities`` are ids or ``{"ref", "config"}`` dicts.
        """
        req = _compact(
            id=id,
            name=name,
            system_prompt=system_prompt,
            display_name=display_name,
            description=description,
            harness_id=harness_id,
            harness_name=harness_name,
            default_model_id=default_model_id,
            tags=_list(tags),
            capabilities=_list(capabilities),
            tools=_list(tools),
            initial_files=_list(initial_files),
            max_iterations=max_iterations,
            parallel_tool_calls=parallel_tool_calls,
            network_access=network_access,
        )
        return Agent(await self._n.agents_create(req))

    async def apply(
        self,
        id: str,
        name: str,
        system_prompt: str,
        *,
        capabilities: Optional[Sequence[CapabilitySpec]] = None,
        display_name: Optional[str] = None,
        description: Optional[str] = None,
        tags: Optional[Sequence[str]] = None,
        default_model_id: Optional[str] = None,
        max_iterations: Optional[int] = None,
    ) -> Agent:
        """Creates or updates the agent with the client-chosen ``id`` (idempotent)."""
        req = _compact(
            id=id,
            name=name,
            system_prompt=system_prompt,
            capabilities=_list(capabilities),
            display_name=display_name,
            description=description,
            tags=_list(tags),
            default_model_id=default_model_id,
            max_iterations=max_iterations,
        )
        return Agent(await self._n.agents_apply(req))

    def generate_id(self) -> str:
        """A fresh ``agent_…`` id for :meth:`apply`."""
        return self._n.agents_generate_id()

    async def list(
        self,
        *,
        search: Optional[str] = None,
        include_archived: Optional[bool] = None,
        offset: Optional[int] = None,
        limit: Optional[int] = None,
    ) -> Page[Agent]:
        """One page of agents."""
        raw = await self._n.agents_list(
            _compact(search=search, include_archived=include_archived, offset=offset, limit=limit)
        )
        return Page.of(Agent, raw)

    def list_all(
        self,
        *,
        search: Optional[str] = None,
        include_archived: Optional[bool] = None,
        page_size: Optional[int] = None,
    ) -> PageIterator[Agent]:
        """Every matching agent: ``async for agent in client.agents.list_all():``."""
        return PageIterator(
            self._n.agents_list_all(
                _compact(search=search, include_archived=include_archived, limit=page_size)
            ),
            Agent,
        )

    async def get(self, agent_id: str) -> Agent:
        """An agent by id or name."""
        return Agent(await self._n.agents_get(agent_id))

    async def update(
        self,
        agent_id: str,
        *,
        name: Optional[str] = None,
        display_name: Optional[str] = None,
        description: Optional[str] = None,
        system_prompt: Optional[str] = None,
        default_model_id: Optional[str] = None,
        tags: Optional[Sequence[str]] = None,
        capabilities: Optional[Sequence[CapabilitySpec]] = None,
        tools: Optional[Sequence[Mapping[str, Any]]] = None,
        initial_files: Optional[Sequence[Mapping[str, Any]]] = None,
        max_iterations: Optional[int] = None,
        parallel_tool_calls: Optional[bool] = None,
        network_access: Optional[Mapping[str, Any]] = None,
        status: Optional[str] = None,
    ) -> Agent:
        """Changes only the given fields."""
        req = _compact(
            name=name,
            display_name=display_name,
            description=description,
            system_prompt=system_prompt,
            default_model_id=default_model_id,
            tags=_list(tags),
            capabilities=_list(capabilities),
            tools=_list(tools),
            initial_files=_list(initial_files),
            max_iterations=max_iterations,
            parallel_tool_calls=parallel_tool_calls,
            network_access=network_access,
            status=status,
        )
        return Agent(await self._n.agents_update(agent_id, req))

    async def delete(self, agent_id: str) -> None:
        """Deletes an agent."""
        await self._n.agents_delete(agent_id)

    async def import_agent(self, markdown: str) -> Agent:
        """Creates (or updates) an agent from a markdown file with YAML front matter."""
        return Agent(await self._n.agents_import(markdown))

    async def export(self, agent_id: str) -> str:
        """The agent as a markdown file."""
        text: str = await self._n.agents_export(agent_id)
        return text


class SessionsClient(_Sub):
    """``client.sessions``: create, list, update, cancel and delete sessions."""

    __slots__ = ()

    async def create(
        self,
        *,
        agent_id: Optional[str] = None,
        title: Optional[str] = None,
        agent_name: Optional[str] = None,
        harness_id: Optional[str] = None,
        harness_name: Optional[str] = None,
        locale: Optional[str] = None,
        model_id: Optional[str] = None,
        system_prompt: Optional[str] = None,
        tags: Optional[Sequence[str]] = None,
        capabilities: Optional[Sequence[CapabilitySpec]] = None,
        tools: Optional[Sequence[Mapping[str, Any]]] = None,
        initial_files: Optional[Sequence[Mapping[str, Any]]] = None,
        max_iterations: Optional[int] = None,
        parallel_tool_calls: Optional[bool] = None,
        network_access: Optional[Mapping[str, Any]] = None,
    ) -> Session:
        """Creates a session (of an agent, a harness, or the default harness)."""
        req = _compact(
            agent_id=agent_id,
            agent_name=agent_name,
            harness_id=harness_id,
            harness_name=harness_name,
            title=title,
            locale=locale,
            model_id=model_id,
            system_prompt=system_prompt,
            tags=_list(tags),
            capabilities=_list(capabilities),
            tools=_list(tools),
            initial_files=_list(initial_files),
            max_iterations=max_iterations,
            parallel_tool_calls=parallel_tool_calls,
            network_access=network_access,
        )
        return Session(await self._n.sessions_create(req))

    async def list(
        self,
        *,
        agent_id: Optional[str] = None,
        search: Optional[str] = None,
        offset: Optional[int] = None,
        limit: Optional[int] = None,
    ) -> Page[Session]:
        """One page of sessions."""
        raw = await self._n.sessions_list(
            _compact(agent_id=agent_id, search=search, offset=offset, limit=limit)
        )
        return Page.of(Session, raw)

    def list_all(
        self,
        *,
        agent_id: Optional[str] = None,
        search: Optional[str] = None,
        page_size: Optional[int] = None,
    ) -> PageIterator[Session]:
        """Every matching session: ``async for s in client.sessions.list_all():``."""
        return PageIterator(
            self._n.sessions_list_all(_compact(agent_id=agent_id, search=search, limit=page_size)),
            Session,
        )

    async def get(self, session_id: str) -> Session:
        """A session by id."""
        return Session(await self._n.sessions_get(session_id))

    async def update(
        self,
        session_id: str,
        *,
        title: Optional[str] = None,
        locale: Optional[str] = None,
        tags: Optional[Sequence[str]] = None,
    ) -> Session:
        """Changes the title, locale or tags."""
        req = _compact(title=title, locale=locale, tags=_list(tags))
        return Session(await self._n.sessions_update(session_id, req))

    async def delete(self, session_id: str) -> None:
        """Deletes a session and its files."""
        await self._n.sessions_delete(session_id)

    async def cancel(self, session_id: str) -> CancelTurnResponse:
        """Cancels the running turn (``status`` ``cancelled``, or ``no_op`` when idle)."""
        return CancelTurnResponse(await self._n.sessions_cancel(session_id))

    async def set_llmsim_script(
        self,
        session_id: str,
        steps: Optional[Sequence[Mapping[str, Any]]] = None,
        *,
        on_exhausted: Optional[str] = None,
        chunk_delay_ms: Optional[int] = None,
    ) -> None:
        """Dev servers only: scripts the LLM simulator of this session.

        Each step is ``{"text": …, "tool_calls": [{"name", "arguments"}], "error": …,
        "delay_ms": …}``; one step is used per LLM call.
        """
        script = _compact(
            steps=_list(steps) if steps is not None else [],
            on_exhausted=on_exhausted,
            chunk_delay_ms=chunk_delay_ms,
        )
        await self._n.sessions_set_llmsim_script(session_id, script)


class MessagesClient(_Sub):
    """``client.messages``: send user messages (each starts a turn) and read history."""

    __slots__ = ()

    async def create(
        self,
        session_id: str,
        text: Optional[str] = None,
        *,
        content: Optional[Sequence[Mapping[str, Any]]] = None,
        controls: Optional[Mapping[str, Any]] = None,
        metadata: Optional[Mapping[str, Any]] = None,
        tags: Optional[Sequence[str]] = None,
    ) -> Message:
        """Sends a user message: plain ``text``, or ``content`` parts (text/image)."""
        if (text is None) == (content is None):
            raise ValidationError(
                "give exactly one of text or content", status=None, code="invalid_input"
            )
        if text is not None and controls is None and metadata is None and tags is None:
            return Message(await self._n.messages_create(session_id, text))
        parts = [{"type": "text", "text": text}] if text is not None else _list(content)
        req = _compact(
            message={"role": "user", "content": parts},
            controls=controls,
            metadata=metadata,
            tags=_list(tags),
        )
        return Message(await self._n.messages_create(session_id, req))

    async def list(self, session_id: str) -> builtins.list[Message]:
        """Every message of the session, oldest first."""
        return [Message(m) for m in await self._n.messages_list(session_id)]


class EventsClient(_Sub):
    """``client.events``: the event log and its live stream."""

    __slots__ = ()

    async def list(
        self,
        session_id: str,
        *,
        since_id: Optional[str] = None,
        types: Optional[Sequence[str]] = None,
        exclude: Optional[Sequence[str]] = None,
        limit: Optional[int] = None,
        before_sequence: Optional[int] = None,
        after_sequence: Optional[int] = None,
        turn_id: Optional[str] = None,
    ) -> builtins.list[Event]:
        """Stored events (oldest first), filtered."""
        params = _compact(
            since_id=since_id,
            types=_list(types),
            exclude=_list(exclude),
            limit=limit,
            before_sequence=before_sequence,
            after_sequence=after_sequence,
            turn_id=turn_id,
        )
        events: builtins.list[Event] = await self._n.events_list(session_id, params)
        return events

    def stream(
        self,
        session_id: str,
        *,
        since_id: Optional[str] = None,
        from_beginning: bool = False,
        types: Optional[Sequence[str]] = None,
        exclude: Optional[Sequence[str]] = None,
        max_retries: Optional[int] = None,
        liveness_timeout: Optional[float] = None,
        stall_timeout: Optional[float] = None,
        connect_timeout: Optional[float] = None,
        max_event_bytes: Optional[int] = None,
        initial_backoff: Optional[float] = None,
        max_backoff: Optional[float] = None,
        disable_liveness: bool = False,
        batch_size: int = 256,
    ) -> EventStream:
        """The session's live events: ``async for event in client.events.stream(sid):``.

        Without ``since_id`` it yields the events of the turn the caller started last (or
        continues after the last event this client delivered); ``since_id`` starts strictly
        after that event; ``from_beginning=True`` replays the whole history. The stream
        reconnects by itself (``max_retries`` unexpected drops in a row, unlimited by default);
        timeouts are seconds. Nothing is sent until the first event is awaited.
        """
        native = self._n.events_stream(
            session_id,
            since_id=since_id,
            from_beginning=from_beginning,
            types=_list(types),
            exclude=_list(exclude),
            max_retries=max_retries,
            liveness_timeout=liveness_timeout,
            stall_timeout=stall_timeout,
            connect_timeout=connect_timeout,
            max_event_bytes=max_event_bytes,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
            disable_liveness=disable_liveness,
        )
        stream = EventStream(native, batch_size)
        self._owner._streams.add(stream)
        return stream

    def default_cursor(self, session_id: str) -> Optional[str]:
        """The event id the next default stream of ``session_id`` starts after, if known."""
        return self._n.default_cursor(session_id)

    def reset_default_cursor(self, session_id: str) -> None:
        """Forgets where the default stream of ``session_id`` continues."""
        self._n.reset_default_cursor(session_id)


class FilesystemClient(_Sub):
    """``client.filesystem``: the session's workspace files (``/workspace`` is the root)."""

    __slots__ = ()

    async def list(self, session_id: str, path: str = "/", *, recursive: bool = False) -> FileListing:
        """Lists a directory: ``listing.entries`` (each with ``.name``, ``.is_directory``)."""
        return FileListing(await self._n.fs_list(session_id, path, recursive))

    async def read(self, session_id: str, path: str) -> SessionFile:
        """Reads a file: ``file.content``."""
        return SessionFile(await self._n.fs_read(session_id, path))

    async def get(self, session_id: str, path: str) -> Union[SessionFile, FileListing]:
        """A file, or a listing when ``path`` is a directory."""
        raw = await self._n.fs_get(session_id, path)
        if "file" in raw:
            return SessionFile(raw["file"])
        return FileListing(raw["directory"])

    async def create(
        self,
        session_id: str,
        path: str,
        content: Optional[str] = None,
        *,
        encoding: Optional[str] = None,
        is_readonly: Optional[bool] = None,
    ) -> SessionFile:
        """Creates a file (parents too); ``ConflictError`` when it exists."""
        req = _compact(content=content if content is not None else "", encoding=encoding, is_readonly=is_readonly)
        return SessionFile(await self._n.fs_create(session_id, path, req))

    async def create_dir(self, session_id: str, path: str) -> SessionFile:
        """Creates a directory (parents too)."""
        return SessionFile(await self._n.fs_create(session_id, path, {"is_directory": True}))

    async def update(
        self,
        session_id: str,
        path: str,
        content: Optional[str] = None,
        *,
        encoding: Optional[str] = None,
        is_readonly: Optional[bool] = None,
    ) -> SessionFile:
        """Replaces a file's content and/or read-only flag."""
        req = _compact(content=content, encoding=encoding, is_readonly=is_readonly)
        return SessionFile(await self._n.fs_update(session_id, path, req))

    async def delete(self, session_id: str, path: str, *, recursive: bool = False) -> bool:
        """Deletes a file or directory; returns whether something was deleted."""
        deleted: bool = await self._n.fs_delete(session_id, path, recursive)
        return deleted

    async def move(self, session_id: str, src_path: str, dst_path: str) -> SessionFile:
        """Moves (renames) a file or directory."""
        return SessionFile(await self._n.fs_move(session_id, src_path, dst_path))

    async def copy(self, session_id: str, src_path: str, dst_path: str) -> SessionFile:
        """Copies a file."""
        return SessionFile(await self._n.fs_copy(session_id, src_path, dst_path))

    async def grep(
        self, session_id: str, pattern: str, *, path_pattern: Optional[str] = None
    ) -> builtins.list[GrepResult]:
        """Searches file contents with a regular expression."""
        raw = await self._n.fs_grep(session_id, _compact(pattern=pattern, path_pattern=path_pattern))
        return [GrepResult(r) for r in raw]

    async def stat(self, session_id: str, path: str) -> FileStat:
        """Metadata of a file or directory."""
        return FileStat(await self._n.fs_stat(session_id, path))


class CapabilitiesClient(_Sub):
    """``client.capabilities``: the capabilities the server offers."""

    __slots__ = ()

    async def list(
        self,
        *,
        search: Optional[str] = None,
        offset: Optional[int] = None,
        limit: Optional[int] = None,
    ) -> Page[CapabilityInfo]:
        """One page of capabilities."""
        raw = await self._n.capabilities_list(_compact(search=search, offset=offset, limit=limit))
        return Page.of(CapabilityInfo, raw)

    def list_all(
        self, *, search: Optional[str] = None, page_size: Optional[int] = None
    ) -> PageIterator[CapabilityInfo]:
        """Every matching capability."""
        return PageIterator(
            self._n.capabilities_list_all(_compact(search=search, limit=page_size)),
            CapabilityInfo,
        )

    async def get(self, capability_id: str) -> CapabilityInfo:
        """A capability by id."""
        return CapabilityInfo(await self._n.capabilities_get(capability_id))


class HarnessesClient(_Sub):
    """``client.harnesses``: base environments."""

    __slots__ = ()

    async def list(
        self, *, search: Optional[str] = None, include_archived: Optional[bool] = None
    ) -> builtins.list[Harness]:
        """Harnesses."""
        raw = await self._n.harnesses_list(_compact(search=search, include_archived=include_archived))
        return [Harness(h) for h in raw]

    async def get(self, harness_id: str) -> Harness:
        """A harness by id or name."""
        return Harness(await self._n.harnesses_get(harness_id))


class ModelsClient(_Sub):
    """``client.models``: LLM models and their providers."""

    __slots__ = ()

    async def list(
        self, *, source: Optional[str] = None, favorites_only: Optional[bool] = None
    ) -> builtins.list[Model]:
        """Models."""
        raw = await self._n.models_list(_compact(source=source, favorites_only=favorites_only))
        return [Model(m) for m in raw]

    async def get(self, model_id: str) -> Model:
        """A model by id."""
        return Model(await self._n.models_get(model_id))
