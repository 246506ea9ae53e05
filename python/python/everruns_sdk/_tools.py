"""Client-side tool helpers (upstream 0.3 names): ``ContentPart.make_tool_result`` /
``make_tool_error`` build the parts ``messages.create_tool_results`` sends, and
``extract_tool_calls`` reads the calls a ``tool.call_requested`` event asks for.
"""

from __future__ import annotations

from typing import Any, Mapping

from ._models import ToolCall

__all__ = ["ContentPart", "extract_tool_calls"]


class ContentPart(dict[str, Any]):
    """A message content part (a plain dict with attribute access)."""

    def __getattr__(self, name: str) -> Any:
        return self.get(name)

    @staticmethod
    def make_text(text: str) -> ContentPart:
        """A ``text`` part."""
        return ContentPart(type="text", text=text)

    @staticmethod
    def make_tool_result(tool_call_id: str, result: Any) -> ContentPart:
        """A ``tool_result`` part answering the client-side call ``tool_call_id``."""
        return ContentPart(type="tool_result", tool_call_id=tool_call_id, result=result)

    @staticmethod
    def make_tool_error(tool_call_id: str, error: str) -> ContentPart:
        """A ``tool_result`` part reporting that the client-side call failed."""
        return ContentPart(type="tool_result", tool_call_id=tool_call_id, error=error)


def extract_tool_calls(data: Mapping[str, Any]) -> list[ToolCall]:
    """The tool calls an event asks for: ``data["tool_calls"]`` of a ``tool.call_requested``
    event, else the ``tool_call`` parts of ``data["message"]["content"]``. The same rules as
    ``client.messages.extract_tool_calls`` (the core's)."""
    listed = data.get("tool_calls")
    if not isinstance(listed, list):
        message = data.get("message")
        listed = message.get("content") if isinstance(message, Mapping) else None
    if not isinstance(listed, list):
        return []
    out: list[ToolCall] = []
    for call in listed:
        if not isinstance(call, Mapping) or call.get("type") not in (None, "tool_call"):
            continue
        call_id, name = call.get("id"), call.get("name")
        if isinstance(call_id, str) and call_id and isinstance(name, str) and name:
            arguments = call.get("arguments")
            out.append(
                ToolCall({"id": call_id, "name": name, "arguments": arguments if arguments is not None else {}})
            )
    return out
