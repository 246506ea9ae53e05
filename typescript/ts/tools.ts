/**
 * Client-side tool helpers (upstream 0.3 names): `ContentPart.makeToolResult` /
 * `makeToolError` build the parts `messages.createToolResults` sends, and `extractToolCalls`
 * reads the calls a `tool.call_requested` event asks for.
 */
import type { ContentPart as WireContentPart, ToolCall } from "./generated/wire";

/** A message content part as the wire carries it (the same name also holds the builders). */
export type ContentPart = WireContentPart;

/** A message content part, with wire keys. */
export type ContentPartValue = { type: string; [key: string]: unknown };

/** Builders of content parts. */
export const ContentPart = {
  /** A `text` part. */
  makeText(text: string): ContentPartValue {
    return { type: "text", text };
  },
  /** A `tool_result` part answering the client-side call `toolCallId`. */
  makeToolResult(toolCallId: string, result: unknown): ContentPartValue {
    return { type: "tool_result", tool_call_id: toolCallId, result };
  },
  /** A `tool_result` part reporting that the client-side call failed. */
  makeToolError(toolCallId: string, error: string): ContentPartValue {
    return { type: "tool_result", tool_call_id: toolCallId, error };
  },
};

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The tool calls an event asks for: `data.tool_calls` of a `tool.call_requested` event, else
 * the `tool_call` parts of `data.message.content` (the rules of
 * `client.messages.extractToolCalls`).
 */
export function extractToolCalls(data: unknown): ToolCall[] {
  if (!isRecord(data)) return [];
  let listed: unknown = data.tool_calls;
  if (!Array.isArray(listed)) {
    listed = isRecord(data.message) ? data.message.content : undefined;
  }
  if (!Array.isArray(listed)) return [];
  const out: ToolCall[] = [];
  for (const call of listed) {
    if (!isRecord(call) || (call.type !== undefined && call.type !== "tool_call")) continue;
    const { id, name } = call;
    if (typeof id === "string" && id && typeof name === "string" && name) {
      const args = call.arguments;
      out.push({ id, name, arguments: (args ?? {}) as ToolCall["arguments"] });
    }
  }
  return out;
}
