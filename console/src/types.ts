// The subset of the v1 wire types the console reads (contract §6–§18). Fields it does not use
// are left out; unknown fields are ignored.

/** A content part of a message. */
export interface ContentPart {
  type: string;
  text?: string;
  id?: string;
  name?: string;
  arguments?: unknown;
  tool_call_id?: string;
  result?: unknown;
  error?: string;
}

/** A message (`input.message`, `output.message.completed`). */
export interface Message {
  id: string;
  role: string;
  content: ContentPart[];
  created_at: string;
}

/** A stored event (SSE `data:` and `GET /events`). */
export interface EventEnvelope {
  id: string;
  type: string;
  ts: string;
  session_id: string;
  sequence?: number;
  context?: Record<string, unknown>;
  data: Record<string, any>;
}

/** An agent. */
export interface Agent {
  id: string;
  name: string;
  display_name?: string;
  description?: string;
  system_prompt: string;
  default_model_id?: string;
  tags?: string[];
  capabilities?: { ref: string; config?: unknown }[];
  session_count?: number;
  updated_at: string;
}

/** A session. */
export interface Session {
  id: string;
  agent_id?: string;
  title?: string;
  status: string;
  model_id?: string;
  created_at: string;
  updated_at: string;
}

/** A model with its provider. */
export interface Model {
  id: string;
  model_id: string;
  display_name: string;
  provider_id: string;
  provider_name: string;
  provider_type: string;
  capabilities: string[];
  enabled: boolean;
  healthy: boolean;
  is_default?: boolean;
  source: string;
}

/** A capability. */
export interface Capability {
  id: string;
  name: string;
  description: string;
}

/** A file listing entry. */
export interface FileInfo {
  path: string;
  name: string;
  is_directory: boolean;
  is_readonly: boolean;
  size_bytes: number;
  updated_at: string;
}

/** A file with content. */
export interface SessionFile extends FileInfo {
  content?: string | null;
  encoding?: "text" | "base64";
}

/** `{data: [...]}` lists; paginated ones add `total`. */
export interface List<T> {
  data: T[];
  total?: number;
}

/** Text of the text parts of a message. */
export function textOf(content: ContentPart[] | undefined): string {
  return (content ?? [])
    .filter((p) => p.type === "text" && typeof p.text === "string")
    .map((p) => p.text)
    .join("");
}
