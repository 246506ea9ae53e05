"""``AgentClient``: call one agent from an application through the Agent Execution API.

The management client (:class:`everruns_sdk.Everruns`) holds a key that reaches every
management route. ``AgentClient`` holds an agent key (``evr_ak_…``) that reaches one agent's
channel routes and nothing else. Every method runs in the Rust core
(``everruns_core::agent_client``): retries, typed errors and the resilient event stream are
the management client's.

    from everruns_sdk import AgentClient

    async with AgentClient() as agent:  # EVERRUNS_AGENT_URL, EVERRUNS_AGENT_KEY
        print(await agent.run("What is the status of order 42?"))
"""

from __future__ import annotations

import json
from types import TracebackType
from typing import Any, Optional

from . import _native
from ._errors import ClientClosedError
from ._models import CancelTurnResponse, Event, Message
from ._streams import EventStream
from ._wire_object import WireObject

__all__ = ["AgentClient", "AGENT_OPERATIONS"]

#: The core's declaration of every ``AgentClient`` method (what the parity test compares).
AGENT_OPERATIONS: list[dict[str, Any]] = json.loads(_native.agent_operations())["operations"]


def _args(**given: Any) -> dict[str, Any]:
    return {k: v for k, v in given.items() if v is not None}


class AgentClient:
    """A client of one agent's Agent Execution API.

    Args:
        agent_url: ``{api}/v1/channels/{channel_id}``; defaults to ``EVERRUNS_AGENT_URL``.
        credential: the agent key ``evr_ak_…`` (or a runtime token); defaults to
            ``EVERRUNS_AGENT_KEY``.
        end_user: act for this end user (``End-User``; the key needs ``end_user``). Prefer
            :meth:`for_end_user`.
        timeout: whole-request timeout of REST calls, in seconds (default 30).
        max_retries: retries of a failed REST call (default 3).
        debug: log every request (token redacted).
        read_env: whether unset values are read from the environment.
    """

    def __init__(
        self,
        agent_url: Optional[str] = None,
        credential: Optional[str] = None,
        end_user: Optional[str] = None,
        *,
        timeout: Optional[float] = None,
        max_retries: Optional[int] = None,
        debug: Optional[bool] = None,
        read_env: bool = True,
        _native_client: Optional[_native.AgentClient] = None,
    ) -> None:
        if _native_client is None:
            _native_client = _native.AgentClient(
                _args(
                    agent_url=agent_url,
                    agent_key=credential,
                    end_user=end_user,
                    timeout=timeout,
                    max_retries=max_retries,
                    debug=debug,
                    read_env=read_env,
                )
            )
        self._client: Optional[_native.AgentClient] = _native_client
        self._owns = True

    @property
    def _n(self) -> _native.AgentClient:
        c = self._client
        if c is None:
            raise ClientClosedError("the client is closed", code="client_closed")
        return c

    @property
    def agent_url(self) -> str:
        """The agent URL."""
        return self._n.agent_url

    @property
    def end_user(self) -> Optional[str]:
        """The end user this client acts for, if any."""
        return self._n.end_user

    def for_end_user(self, end_user: str) -> AgentClient:
        """A client acting for one of your application's users (``End-User``), sharing this
        client's connections; closing it is a no-op (close the client it came from)."""
        derived = AgentClient(_native_client=self._n.for_end_user(end_user))
        derived._owns = False
        return derived

    async def card(self) -> WireObject:
        """The agent card: name, description, accepted input and credentials."""
        return WireObject(await self._n.call("card", {}))

    async def create_session(
        self, title: Optional[str] = None, *, idempotency_key: Optional[str] = None
    ) -> WireObject:
        """Starts a session; a retry with the same ``idempotency_key`` returns the first one."""
        args = _args(title=title, idempotency_key=idempotency_key)
        return WireObject(await self._n.call("create_session", args))

    async def list_sessions(
        self, *, limit: Optional[int] = None, page_token: Optional[str] = None
    ) -> WireObject:
        """This caller's sessions, most recently active first: ``{data, next_page_token}``."""
        args = _args(limit=limit, page_token=page_token)
        return WireObject(await self._n.call("list_sessions", args))

    async def get_session(self, session_id: str) -> WireObject:
        """One session, with ``pending_questions`` and ``pending_approvals``."""
        return WireObject(await self._n.call("get_session", {"session_id": session_id}))

    async def send_message(
        self, session_id: str, text: str, *, idempotency_key: Optional[str] = None
    ) -> Message:
        """Sends a user text message, which starts a turn."""
        args = _args(session_id=session_id, text=text, idempotency_key=idempotency_key)
        return Message(await self._n.call("send_message", args))

    async def cancel(self, session_id: str) -> CancelTurnResponse:
        """Cancels the running turn."""
        return CancelTurnResponse(await self._n.call("cancel", {"session_id": session_id}))

    async def list_events(
        self,
        session_id: str,
        *,
        after_sequence: Optional[int] = None,
        limit: Optional[int] = None,
    ) -> list[Event]:
        """Events oldest first; page forward with ``after_sequence`` (exclusive)."""
        args = _args(session_id=session_id, after_sequence=after_sequence, limit=limit)
        result: list[Event] = await self._n.call("list_events", args)
        return result

    def stream_events(
        self,
        session_id: str,
        *,
        since_id: Optional[str] = None,
        after_sequence: Optional[int] = None,
        max_retries: Optional[int] = None,
        liveness_timeout: Optional[float] = None,
        batch_size: int = 256,
    ) -> EventStream:
        """Follows the session's events live with the SDK's reconnect rules. Resume with
        ``since_id``, or start after ``after_sequence`` (``0`` replays the whole session)."""
        args = _args(
            session_id=session_id,
            since_id=since_id,
            after_sequence=after_sequence,
            max_retries=max_retries,
            liveness_timeout=liveness_timeout,
        )
        return EventStream(self._n.stream("stream_events", args), batch_size)

    async def answer_questions(self, session_id: str, answers: Any) -> Any:
        """Answers the agent's ``ask_user`` question set (the JSON body is passed through)."""
        return await self._n.call(
            "answer_questions", {"session_id": session_id, "answers": answers}
        )

    async def submit_tool_approvals(self, session_id: str, decisions: Any) -> Any:
        """Allows or rejects held-back tool calls (the JSON body is passed through)."""
        return await self._n.call(
            "submit_tool_approvals", {"session_id": session_id, "decisions": decisions}
        )

    async def runtime_token(self) -> WireObject:
        """A short-lived token for this client's end user (call it on :meth:`for_end_user`):
        ``{access_token, token_type, expires_in, virtual_user_id}``."""
        return WireObject(await self._n.call("runtime_token", {}))

    async def run(self, text: str, session_id: Optional[str] = None) -> str:
        """Sends ``text`` (in a new session unless ``session_id`` is given), follows the turn it
        starts exactly once, and returns the agent's final text. Raises
        :class:`TurnFailedError` when that turn fails or is cancelled."""
        result: str = await self._n.call("run", _args(text=text, session_id=session_id))
        return result

    async def close(self) -> None:
        """Closes the client (a no-op on a client made with :meth:`for_end_user`)."""
        c = self._client
        if c is not None and self._owns:
            c.close()
        self._client = None

    async def __aenter__(self) -> AgentClient:
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
            return "AgentClient(closed)"
        return f"AgentClient(agent_url={self._client.agent_url!r})"
