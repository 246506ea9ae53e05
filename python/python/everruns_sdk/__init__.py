"""Everruns SDK for Python: asyncio and blocking clients over the shared Rust core (PyO3).

    from everruns_sdk import Everruns, SyncEverruns

    async with Everruns() as client:
        agent = await client.agents.create(name="Helper", system_prompt="Be brief.")

    with SyncEverruns() as client:
        agent = client.agents.create(name="Helper", system_prompt="Be brief.")
"""

from __future__ import annotations

import logging

from . import _native
from ._client import (
    AgentsClient,
    CapabilitiesClient,
    CapabilitySpec,
    EventsClient,
    Everruns,
    FilesystemClient,
    HarnessesClient,
    MessagesClient,
    ModelsClient,
    SessionsClient,
)
from ._errors import (
    ApiError,
    AuthenticationError,
    ClientClosedError,
    ConfigurationError,
    ConflictError,
    DecodeError,
    EverrunsError,
    EverrunsTimeoutError,
    NetworkError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    StreamError,
    TlsError,
    TurnFailedError,
    ValidationError,
)
from ._models import (
    Agent,
    AgentVersion,
    AgentVersionDiffResponse,
    CancelTurnResponse,
    CapabilityInfo,
    Event,
    FileInfo,
    FileListing,
    FileStat,
    GrepMatch,
    GrepResult,
    Harness,
    Message,
    Model,
    Page,
    ResourceStats,
    Session,
    SessionFile,
    WireObject,
)
from ._streams import EventStream, PageIterator
from ._sync_client import (
    SyncAgentsClient,
    SyncCapabilitiesClient,
    SyncEventsClient,
    SyncEverruns,
    SyncFilesystemClient,
    SyncHarnessesClient,
    SyncMessagesClient,
    SyncModelsClient,
    SyncSessionsClient,
)
from ._sync_streams import SyncEventStream, SyncPageIterator
from ._tools import ContentPart, extract_tool_calls
from .agent import AgentClient

__version__: str = _native.__version__

# A library logs through the `everruns` logger and prints nothing unless the application
# configures logging.
logging.getLogger("everruns").addHandler(logging.NullHandler())

__all__ = [
    "__version__",
    "Everruns",
    "AgentClient",
    "TurnFailedError",
    "AgentsClient",
    "SessionsClient",
    "MessagesClient",
    "EventsClient",
    "FilesystemClient",
    "CapabilitiesClient",
    "HarnessesClient",
    "ModelsClient",
    "CapabilitySpec",
    "EventStream",
    "PageIterator",
    "SyncEverruns",
    "SyncAgentsClient",
    "SyncSessionsClient",
    "SyncMessagesClient",
    "SyncEventsClient",
    "SyncFilesystemClient",
    "SyncCapabilitiesClient",
    "SyncHarnessesClient",
    "SyncModelsClient",
    "SyncEventStream",
    "SyncPageIterator",
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
    "AgentVersion",
    "AgentVersionDiffResponse",
    "ResourceStats",
    "Page",
    "ContentPart",
    "extract_tool_calls",
    "EverrunsError",
    "ApiError",
    "ValidationError",
    "AuthenticationError",
    "PermissionDeniedError",
    "NotFoundError",
    "ConflictError",
    "RateLimitError",
    "ServerError",
    "NetworkError",
    "TlsError",
    "EverrunsTimeoutError",
    "StreamError",
    "DecodeError",
    "ConfigurationError",
    "ClientClosedError",
]
