"""Typed result objects.

Every result is a :class:`WireObject`: a ``dict`` of the wire JSON (so ``json.dumps(obj)``
works and ``obj["id"]`` too) with attribute access for its declared fields (``obj.id``).
Optional fields the server left out read as ``None``; unknown fields sent by a newer server
are kept in the dict. ``to_dict()`` returns plain ``dict``/``list`` copies.

The field lists mirror the wire types of ``everruns-core`` (``core/src/types``); a test
compares them with the core's JSON so they cannot drift.
"""

from __future__ import annotations

from typing import Any, ClassVar, Generic, Optional, TypeVar

__all__ = [
    "WireObject",
    "Agent",
    "Session",
    "Message",
    "Event",
    "FileInfo",
    "SessionFile",
    "FileStat",
    "FileListing",
    "GrepMatch",
    "GrepResult",
    "CancelTurnResponse",
    "CapabilityInfo",
    "Harness",
    "Model",
    "Page",
]

T = TypeVar("T", bound="WireObject")


def _plain(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v


class WireObject(dict[str, Any]):
    """A wire object: a ``dict`` with attribute access for its declared fields."""

    __slots__ = ()
    #: Declared field names (collected from the annotations of the class and its bases).
    _fields: ClassVar[frozenset[str]] = frozenset()
    #: Fields holding nested wire objects: name → (class, is_list).
    _nested: ClassVar[dict[str, tuple[type[WireObject], bool]]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        names: set[str] = set()
        for klass in reversed(cls.__mro__):
            names.update(
                n for n in klass.__dict__.get("__annotations__", {}) if not n.startswith("_")
            )
        cls._fields = frozenset(names)

    def __init__(self, data: Any = (), /, **kwargs: Any) -> None:
        super().__init__(data, **kwargs)
        for name, (klass, is_list) in self._nested.items():
            v = dict.get(self, name)
            if v is None:
                continue
            if is_list:
                dict.__setitem__(
                    self, name, [x if isinstance(x, klass) else klass(x) for x in v]
                )
            elif not isinstance(v, klass):
                dict.__setitem__(self, name, klass(v))

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            if name in type(self)._fields:
                return None
            raise AttributeError(
                f"{type(self).__name__!r} object has no attribute {name!r}"
            ) from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(type(self)._fields) | set(self.keys()))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({dict.__repr__(self)})"

    def __reduce__(self) -> Any:
        return (type(self), (dict(self),))

    def to_dict(self) -> dict[str, Any]:
        """The object as plain ``dict``/``list`` values (JSON-ready)."""
        out: dict[str, Any] = _plain(dict(self))
        return out


class Agent(WireObject):
    """An agent: system prompt, default model and capabilities."""

    __slots__ = ()
    id: str
    name: str
    display_name: Optional[str]
    description: Optional[str]
    system_prompt: str
    harness_id: str
    default_model_id: Optional[str]
    status: str
    tags: list[str]
    capabilities: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    initial_files: list[dict[str, Any]]
    max_iterations: Optional[int]
    parallel_tool_calls: Optional[bool]
    network_access: Optional[dict[str, Any]]
    created_at: str
    updated_at: str
    archived_at: Optional[str]
    usage: Optional[dict[str, Any]]
    session_count: Optional[int]
    self_url: Optional[str]


class Session(WireObject):
    """A session: a running conversation with a workspace of files."""

    __slots__ = ()
    id: str
    organization_id: str
    harness_id: str
    agent_id: Optional[str]
    workspace_id: Optional[str]
    title: Optional[str]
    locale: Optional[str]
    model_id: Optional[str]
    system_prompt: Optional[str]
    status: str
    tags: list[str]
    capabilities: list[dict[str, Any]]
    tools: list[dict[str, Any]]
    initial_files: list[dict[str, Any]]
    max_iterations: Optional[int]
    parallel_tool_calls: Optional[bool]
    network_access: Optional[dict[str, Any]]
    usage: Optional[dict[str, Any]]
    preview: Optional[str]
    output_preview: Optional[str]
    created_at: str
    updated_at: str
    started_at: Optional[str]
    self_url: Optional[str]


class Message(WireObject):
    """A stored message (derived from events)."""

    __slots__ = ()
    id: str
    role: str
    content: list[dict[str, Any]]
    created_at: str
    session_id: Optional[str]
    sequence: Optional[int]
    controls: Optional[dict[str, Any]]
    metadata: Optional[dict[str, Any]]
    tags: list[str]

    @property
    def text(self) -> str:
        """The text parts joined with newlines."""
        return "\n".join(
            p["text"] for p in self.get("content") or [] if p.get("type") == "text" and "text" in p
        )


class Event(WireObject):
    """One immutable event of a session: ``event.type``, ``event.data`` (a dict), ``event.id``."""

    __slots__ = ()
    id: str
    type: str
    ts: str
    session_id: str
    sequence: Optional[int]
    context: dict[str, Any]
    data: dict[str, Any]
    metadata: Optional[dict[str, Any]]
    tags: list[str]


class FileInfo(WireObject):
    """A directory listing entry (no content)."""

    __slots__ = ()
    id: str
    session_id: str
    path: str
    name: str
    is_directory: bool
    is_readonly: bool
    size_bytes: int
    created_at: str
    updated_at: str


class SessionFile(WireObject):
    """A file with its content (text, or base64 when ``encoding == "base64"``)."""

    __slots__ = ()
    id: str
    session_id: str
    path: str
    name: str
    is_directory: bool
    is_readonly: bool
    size_bytes: int
    content: Optional[str]
    encoding: Optional[str]
    created_at: str
    updated_at: str


class FileStat(WireObject):
    """Metadata of a file or directory."""

    __slots__ = ()
    path: str
    name: str
    is_directory: bool
    is_readonly: bool
    size_bytes: int
    created_at: str
    updated_at: str


class FileListing(WireObject):
    """A directory listing: ``listing.entries``."""

    __slots__ = ()
    path: str
    entries: list[FileInfo]


class GrepMatch(WireObject):
    """One matching line."""

    __slots__ = ()
    path: str
    line_number: int
    line: str


class GrepResult(WireObject):
    """The matches in one file."""

    __slots__ = ()
    path: str
    matches: list[GrepMatch]


class CancelTurnResponse(WireObject):
    """What ``sessions.cancel`` did: ``status`` is ``cancelled`` or ``no_op``."""

    __slots__ = ()
    status: str
    message: str
    turn_id: Optional[str]


class CapabilityInfo(WireObject):
    """A capability the server offers."""

    __slots__ = ()
    id: str
    name: str
    description: str
    status: str
    category: Optional[str]
    dependencies: list[str]
    aliases: list[str]
    system_prompt: Optional[str]
    tool_definitions: list[dict[str, Any]]
    requires_network: bool


class Harness(WireObject):
    """A harness: the base environment of agents and sessions."""

    __slots__ = ()
    id: str
    name: str
    display_name: Optional[str]
    description: Optional[str]
    system_prompt: Optional[str]
    capabilities: list[dict[str, Any]]
    default_model_id: Optional[str]
    initial_files: list[dict[str, Any]]
    tags: list[str]
    is_built_in: bool
    parent_harness_id: Optional[str]
    parallel_tool_calls: Optional[bool]
    network_access: Optional[dict[str, Any]]
    status: str
    created_at: str
    updated_at: str


class Model(WireObject):
    """An LLM model with its provider."""

    __slots__ = ()
    id: str
    model_id: str
    display_name: str
    provider_id: str
    provider_name: str
    provider_type: str
    capabilities: list[str]
    enabled: bool
    healthy: bool
    is_favorite: bool
    source: str
    is_default: bool
    created_at: str
    updated_at: str


class Page(WireObject, Generic[T]):
    """One page of an offset/limit listing."""

    __slots__ = ()
    data: list[T]
    total: int
    offset: int
    limit: int
    next_url: Optional[str]
    prev_url: Optional[str]

    @classmethod
    def of(cls, item_type: type[T], raw: dict[str, Any]) -> Page[T]:
        """A page whose items are ``item_type`` objects."""
        page: Page[T] = cls(raw)
        dict.__setitem__(page, "data", [item_type(x) for x in raw.get("data") or []])
        return page

    @property
    def has_more(self) -> bool:
        """True when more items follow this page."""
        return bool(self.get("next_url")) or (
            int(self.get("offset") or 0) + len(self.get("data") or []) < int(self.get("total") or 0)
        )


FileListing._nested = {"entries": (FileInfo, True)}
GrepResult._nested = {"matches": (GrepMatch, True)}
