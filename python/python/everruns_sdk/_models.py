"""Typed result objects.

The classes of the core's wire types are generated from its schemas (``_wire.py``); this module
adds the SDK's own shapes (:class:`FileListing`, :class:`Page`) and re-exports them all.
"""

from __future__ import annotations

from typing import Any, Generic, Optional, TypeVar

from ._wire import (
    Agent,
    AgentVersion,
    AgentVersionDiffResponse,
    BatchSetSecretsResponse,
    Budget,
    BudgetCheckResult,
    CancelTurnResponse,
    CapabilityInfo,
    Connection,
    Event,
    FileInfo,
    FileStat,
    GrepMatch,
    GrepResult,
    Harness,
    LedgerEntry,
    Memory,
    MemoryFile,
    MemoryFileInfo,
    MemoryGrepResult,
    Message,
    Model,
    QuestionAnswersResponse,
    ResourceStats,
    ResumeSessionResponse,
    Session,
    SessionFile,
    SubmitToolApprovalsResponse,
    SubmitToolResultsResponse,
    ToolCall,
    Workspace,
)
from ._wire_object import WireObject

__all__ = [
    "WireObject",
    "QuestionAnswersResponse",
    "SubmitToolApprovalsResponse",
    "SubmitToolResultsResponse",
    "ToolCall",
    "Budget",
    "BudgetCheckResult",
    "LedgerEntry",
    "Connection",
    "ResumeSessionResponse",
    "BatchSetSecretsResponse",
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
    "AgentVersion",
    "AgentVersionDiffResponse",
    "ResourceStats",
    "Page",
    "Workspace",
    "Memory",
    "MemoryFile",
    "MemoryFileInfo",
    "MemoryGrepResult",
]

T = TypeVar("T", bound=WireObject)


class FileListing(WireObject):
    """A directory listing: ``listing.entries``."""

    __slots__ = ()
    path: str
    entries: list[FileInfo]



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
