"""The synchronous client ``SyncEverruns``.

The same native client, settings and operations as :class:`everruns_sdk.Everruns` (its
sub-clients are generated from the same operation table into ``_sync_operations.py``), with
blocking methods: no event loop is involved, so it works in plain scripts, Django views,
notebooks whose loop is running, and from many threads at once (calls release the
interpreter while they wait). Ctrl-C interrupts any blocking call or stream pull.
"""

from __future__ import annotations

from types import TracebackType
from typing import Optional

from ._client import _ClientBase
from ._sync_operations import (
    SyncAgentsClient,
    SyncCapabilitiesClient,
    SyncEventsClient,
    SyncFilesystemClient,
    SyncHarnessesClient,
    SyncMessagesClient,
    SyncModelsClient,
    SyncSessionsClient,
    _SyncSubClients,
)

__all__ = [
    "SyncEverruns",
    "SyncAgentsClient",
    "SyncSessionsClient",
    "SyncMessagesClient",
    "SyncEventsClient",
    "SyncFilesystemClient",
    "SyncCapabilitiesClient",
    "SyncHarnessesClient",
    "SyncModelsClient",
]


class SyncEverruns(_ClientBase, _SyncSubClients):
    """The Everruns client for blocking code.

    Takes the same arguments as :class:`everruns_sdk.Everruns` (``api_key``, ``base_url``,
    ``org_id``, timeouts, retries, ``debug``, ``proxy``, ``ca_cert``, ``client_cert``,
    ``client_key``, ``read_env``) and has the same sub-clients and methods, blocking::

        with SyncEverruns() as client:
            agent = client.agents.create("Helper", "Be brief.")
            for event in client.events.stream(session.id):
                ...

    One client may be shared by many threads; it shares one connection pool.
    """

    def close(self) -> None:
        """Closes the client (and every client made from it with :meth:`with_options`): calls
        in flight raise :class:`everruns_sdk.ClientClosedError`, open event streams end, the
        connections are released. Idempotent."""
        c = self._client
        if c is not None:
            c.close()
        self._client = None

    def __enter__(self) -> SyncEverruns:
        return self

    def __exit__(
        self,
        exc_type: Optional[type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()
