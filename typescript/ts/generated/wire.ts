// @generated from the everruns-core wire types (utoipa schemas) by
// typescript/tests/wire_types.rs — do not edit; run `make node-wire`.
//
// Struct fields are camelCase (the addon renames them mechanically); free-form JSON (event
// `data`, `metadata`, capability `config`, tool `arguments`, content parts) keeps its wire keys.
// String enums list the known values and accept any other string (servers may add values).

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * One part of a message's content, as on the wire (snake_case keys), discriminated by `type`.
 * Parts of kinds this version does not know are passed through untouched.
 */
export type ContentPart =
  | { type: "text"; text: string }
  | { type: "image"; base64?: string; url?: string; media_type?: string }
  | { type: "image_file"; image_id: string; filename?: string }
  | { type: "tool_call"; id: string; name: string; arguments: { [key: string]: JsonValue } }
  | { type: "tool_result"; tool_call_id: string; result?: JsonValue; error?: string }
  | { type: string; [key: string]: JsonValue };

/** An agent: system prompt, default model and capabilities. */
export interface Agent {
  /** Apps using this resource: always 0 (this server has no apps; upstream's `app_count`). */
  appCount?: number | null;
  /** When the agent was archived. */
  archivedAt?: string | null;
  /** Enabled capabilities, in order. */
  capabilities?: CapabilityRef[];
  /** Creation time. */
  createdAt: string;
  /** Default model (`model_…`). */
  defaultModelId?: string | null;
  /** The version new sessions of this agent record (`agentver_…`). */
  defaultVersionId?: string | null;
  /** What the agent is for. */
  description?: string | null;
  /** Human label. */
  displayName?: string | null;
  /** The agent this one was copied or forked from. */
  forkedFromAgentId?: string | null;
  /** The version this agent was forked from. */
  forkedFromVersionId?: string | null;
  /** The harness the agent runs in (defaults to the built-in `generic`). */
  harnessId: string;
  /** `agent_<32hex>`. */
  id: string;
  /** Files seeded into every session of this agent. */
  initialFiles?: InitialFile[];
  /** Maximum reason→act iterations per turn (default 100). */
  maxIterations?: number | null;
  /** Memories (`mem_…`) mounted read-only at `/memories/{name}` in the agent's sessions. */
  memoryIds?: string[];
  /** Addressable slug, unique per organization. */
  name: string;
  networkAccess?: null | NetworkAccess;
  /** Whether tool calls of one batch may run in parallel. */
  parallelToolCalls?: boolean | null;
  /** Absolute API URL of this agent. */
  selfUrl?: string | null;
  /** Number of sessions using this agent (list/get responses). */
  sessionCount?: number | null;
  /** Lifecycle status. */
  status: ResourceStatus;
  /** The agent's instructions. */
  systemPrompt: string;
  /** Free-form tags. */
  tags?: string[];
  /** Client-side tools. */
  tools?: ToolDefinition[];
  /** The same as `view_url` (upstream's alias for command and MCP outputs). */
  uiLink?: string | null;
  /** Last update time. */
  updatedAt: string;
  usage?: null | TokenUsage;
  /** Absolute URL of this resource in the web console (upstream's `view_url`). */
  viewUrl?: string | null;
}

/**
 * An immutable snapshot of an agent: what its author wrote and what a session runs (the
 * agent folded over its harness chain), with a content hash and the version it follows.
 */
export interface AgentVersion {
  /** The agent. */
  agentId: string;
  /** The agent's fields as written (name, prompt, harness, model, capabilities, tools…). */
  authoredConfig: { [key: string]: JsonValue };
  /** Why it was made. */
  changeKind: AgentVersionChangeKind;
  /** The `Everruns-Change-Reason` of the request that made it. */
  changeReason?: string | null;
  /** SHA-256 (hex) of the authored configuration's canonical JSON. */
  configHash: string;
  /** Creation time. */
  createdAt: string;
  /** `agentver_<32hex>`. */
  id: string;
  /** Whether it is the agent's default version. */
  isPublished?: boolean | null;
  /** The version this one follows (the agent's previous version). */
  parentVersionId?: string | null;
  /** The configuration a session runs: the agent folded over its harness chain. */
  resolvedConfig: { [key: string]: JsonValue };
  /** Semver major number. */
  semverMajor: number;
  /** Semver minor number. */
  semverMinor: number;
  /** Semver patch number. */
  semverPatch: number;
  /** The version it was restored or forked from. */
  sourceVersionId?: string | null;
  /** A note given with `create_version`/`rollback_version`. */
  summary?: string | null;
  /** `MAJOR.MINOR.PATCH`. */
  version: string;
  /** 1, 2, 3… per agent. */
  versionNumber: number;
}

export type AgentVersionChangeKind = "auto" | "manual" | "patch" | "minor" | "major" | "import" | "rollback" | "fork" | (string & {});

/** `GET /v1/agents/{agent_id}/versions/{from}/diff/{to}`: the fields that differ. */
export interface AgentVersionDiffResponse {
  /** Changed fields of the authored configuration, in field order. */
  authoredDiff?: ConfigFieldChange[];
  /** The first version. */
  fromVersionId: string;
  /** Changed fields of the resolved configuration, in field order. */
  resolvedDiff?: ConfigFieldChange[];
  /** The second version. */
  toVersionId: string;
}

/** Answer of `PUT /v1/sessions/{id}/storage/secrets`. */
export interface BatchSetSecretsResponse {
  /** Number of secrets stored. */
  count: number;
}

/** A spending cap for a subject (`session`, `agent`, …) in a currency (`usd`, `tokens`). */
export interface Budget {
  /** Remaining: limit minus consumption plus top-ups. */
  balance: number;
  /** Created. */
  createdAt: string;
  /** `usd` or `tokens`. */
  currency: string;
  /** `bdgt_…`. */
  id: string;
  /** Hard limit. */
  limit: number;
  /** Free-form metadata. */
  metadata?: { [key: string]: JsonValue } | null;
  /** The organization. */
  organizationId?: string;
  /** Recurring period (stored, not enforced by this server). */
  period?: { [key: string]: JsonValue } | null;
  /** When the current period started. */
  periodStartedAt?: string | null;
  /** Threshold under which the balance warns (`budget.warning`). */
  softLimit?: number | null;
  /** `active`, `paused`, `exhausted` or `disabled`. */
  status: string;
  /** The subject's id. */
  subjectId: string;
  /** `session`, `agent`, `user`, `organization`, `app` or `app_channel`. */
  subjectType: string;
  /** Last changed. */
  updatedAt: string;
}

/** The most restrictive answer over the budgets that apply. */
export interface BudgetCheckResult {
  /** `continue`, `warn`, `pause` or `stop`. */
  action: string;
  /** Its balance. */
  balance?: number | null;
  /** The budget that decided. */
  budgetId?: string | null;
  /** Its currency. */
  currency?: string | null;
  /** Stable code (`budget_exhausted`, `budget_paused`, `budget_low`). */
  errorCode?: string | null;
  /** Human-readable, when `action` is not `continue`. */
  message?: string | null;
}

export type CancelStatus = "cancelled" | "no_op" | (string & {});

/** Response of `POST /v1/sessions/{id}/cancel`. */
export interface CancelTurnResponse {
  /** Human-readable explanation. */
  message: string;
  /** What happened. */
  status: CancelStatus;
  /** The cancelled turn. */
  turnId?: string | null;
}

/** A capability as listed by the server. */
export interface CapabilityInfo {
  /** Other ids that name this capability (e.g. `file_system`). */
  aliases?: string[];
  /** Grouping label. */
  category?: string | null;
  /** Capabilities included automatically with this one. */
  dependencies?: string[];
  /** What it does. */
  description: string;
  /** Capability id, e.g. `session_file_system`. */
  id: string;
  /** Human name. */
  name: string;
  /** True when the capability needs outbound network access. */
  requiresNetwork: boolean;
  /** Absolute API URL of this resource (upstream's `self_url`). */
  selfUrl?: string | null;
  /** `active` for usable capabilities. */
  status: string;
  /** Prompt text the capability adds. */
  systemPrompt?: string | null;
  /** Tools the capability provides. */
  toolDefinitions?: CapabilityToolInfo[];
  /** The same as `view_url` (upstream's alias for command and MCP outputs). */
  uiLink?: string | null;
  /** Absolute URL of this resource in the web console (upstream's `view_url`). */
  viewUrl?: string | null;
}

/**
 * A capability enabled on a harness, agent or session: `{ref, config?}`.
 * 
 * Also decodes a bare string (`"web_fetch"`), the form used in agent markdown files and by old
 * servers.
 */
export interface CapabilityRef {
  /** Per-capability configuration. */
  config?: JsonValue;
  /** Capability id, e.g. `session_file_system`. */
  ref: string;
}

/** A tool a capability provides, as listed by `GET /v1/capabilities`. */
export interface CapabilityToolInfo {
  /** What the tool does. */
  description: string;
  /** Tool name as the model sees it. */
  name: string;
  /** JSON Schema of the arguments. */
  parameters: JsonValue;
}

/** One changed field between two versions. */
export interface ConfigFieldChange {
  /** Top-level field name. */
  field: string;
  /** Its value in the first version (absent: not set). */
  from?: { [key: string]: JsonValue } | null;
  /** Its value in the second version (absent: not set). */
  to?: { [key: string]: JsonValue } | null;
}

/** A provider connection: a per-user API key, stored encrypted and never returned. */
export interface Connection {
  /** Same as `updated_at` (upstream's name). */
  connectedAt?: string | null;
  /** Always `api_key` here. */
  connectionType?: string;
  /** When the key was first set. */
  createdAt: string;
  /** The last four characters of the key, masked (`…abcd`). */
  keyHint?: string | null;
  /** Provider name (`openai`, `anthropic`). */
  provider: string;
  /** When the key was last replaced. */
  updatedAt: string;
}

/** Per-turn overrides sent with a message. */
export interface Controls {
  /** Locale for this turn. */
  locale?: string | null;
  /** Model for this turn (`model_…`). */
  modelId?: string | null;
  /** Reasoning settings, e.g. `{"effort":"high"}`. */
  reasoning?: JsonValue;
}

/** Body of `POST /v1/agents` and `PUT /v1/agents/{id_or_name}` (create or upsert). */
export interface CreateAgentRequest {
  /** Enabled capabilities, in order. */
  capabilities?: Array<CapabilityRef | string>;
  /** Default model (`model_…`). */
  defaultModelId?: string | null;
  /** What the agent is for. */
  description?: string | null;
  /** Human label. */
  displayName?: string | null;
  /** Harness by id (exclusive with `harness_name`). */
  harnessId?: string | null;
  /** Harness by name (exclusive with `harness_id`). */
  harnessName?: string | null;
  /** Client-chosen id: upsert by id when present. */
  id?: string | null;
  /** Files seeded into every session. */
  initialFiles?: InitialFile[];
  /** Maximum iterations per turn. */
  maxIterations?: number | null;
  /** Memories (`mem_…`) mounted read-only at `/memories/{name}` in the agent's sessions. */
  memoryIds?: string[];
  /** Addressable slug (an existing agent with this name is updated). */
  name: string;
  networkAccess?: null | NetworkAccess;
  /** Whether tool calls may run in parallel. */
  parallelToolCalls?: boolean | null;
  /** The agent's instructions. */
  systemPrompt: string;
  /** Free-form tags. */
  tags?: string[];
  /** Client-side tools. */
  tools?: ToolDefinition[];
}

/** Body of `POST /v1/agents/{agent_id}/versions`. */
export interface CreateAgentVersionRequest {
  changeKind?: null | AgentVersionChangeKind;
  /** A note stored with the version. */
  summary?: string | null;
}

/** Body of `POST /v1/budgets`. */
export interface CreateBudgetRequest {
  /** `usd` or `tokens`. */
  currency: string;
  /** Hard limit (> 0). */
  limit: number;
  /** Free-form metadata. */
  metadata?: { [key: string]: JsonValue } | null;
  /** Recurring period (stored as given). */
  period?: { [key: string]: JsonValue } | null;
  /** Warning threshold (0 ≤ soft_limit ≤ limit). */
  softLimit?: number | null;
  /** The subject's id. */
  subjectId: string;
  /** `session` or `agent` (enforced); others are stored. */
  subjectType: string;
}

/** Body of `POST …/fs/{path}`: a file (default) or, with `is_directory`, a directory. */
export interface CreateFileRequest {
  /** Content (text or base64). */
  content?: string | null;
  encoding?: null | FileEncoding;
  /** Create a directory instead. */
  isDirectory?: boolean | null;
  /** Create the file read-only. */
  isReadonly?: boolean | null;
}

/** Body of `POST /v1/harnesses`. */
export interface CreateHarnessRequest {
  /** Capabilities every session of this harness gets. */
  capabilities?: Array<CapabilityRef | string>;
  /** Default model (`model_…`). */
  defaultModelId?: string | null;
  /** What the harness is for. */
  description?: string | null;
  /** Human label. */
  displayName?: string | null;
  /** Starter files. */
  initialFiles?: InitialFile[];
  /** Addressable slug, unique. */
  name: string;
  networkAccess?: null | NetworkAccess;
  /** Parent harness to inherit from. */
  parentHarnessId?: string | null;
  /** Base system prompt. */
  systemPrompt?: string | null;
  /** Tags. */
  tags?: string[];
}

/** Body of `POST /v1/sessions` (every field optional). */
export interface CreateSessionRequest {
  /** Agent by id (exclusive with `agent_name`). */
  agentId?: string | null;
  /** Agent by name. */
  agentName?: string | null;
  /** Extra capabilities. */
  capabilities?: Array<CapabilityRef | string>;
  /** Harness by id (exclusive with `harness_name`). */
  harnessId?: string | null;
  /** Harness by name. */
  harnessName?: string | null;
  /** Extra starter files (same path overrides the agent's). */
  initialFiles?: InitialFile[];
  /** BCP 47 locale. */
  locale?: string | null;
  /** Iteration limit override. */
  maxIterations?: number | null;
  /** Model override (`model_…`). */
  modelId?: string | null;
  networkAccess?: null | NetworkAccess;
  /** Parallel-tools override. */
  parallelToolCalls?: boolean | null;
  /** Prompt added to the agent's. */
  systemPrompt?: string | null;
  /** Tags. */
  tags?: string[];
  /** Title. */
  title?: string | null;
  /** Extra client-side tools. */
  tools?: ToolDefinition[];
  /**
   * Work in this existing, active workspace (`wsp_…`) instead of a new default one, so
   * several sessions share files.
   */
  workspaceId?: string | null;
}

/** One immutable, append-only event of a session. */
export interface Event {
  /** Correlation ids. */
  context: EventContext;
  /** Type-specific payload; always an object. See [`Event::payload`]. */
  data: { [key: string]: JsonValue };
  /** `event_<32hex>`; also the SSE `id:` and the `since_id` cursor. */
  id: string;
  /** Arbitrary metadata. */
  metadata: JsonValue;
  /** Position in the session's log, starting at 1 (the sort key). */
  sequence?: number | null;
  /** `session_<32hex>`. */
  sessionId: string;
  /** Tags. */
  tags?: string[];
  /** Creation time (millisecond precision). */
  ts: string;
  /** Dotted type, e.g. `output.message.delta`. */
  type: string;
}

/** Correlation ids of an event; every member is optional. */
export interface EventContext {
  /** The reason/act step (`exec_…`). */
  execId?: string | null;
  /** The user message that started the turn. */
  inputMessageId?: string | null;
  /** Trace id (usually the turn id). */
  traceId?: string | null;
  /** The turn (`turn_…`). */
  turnId?: string | null;
}

export type FileEncoding = "text" | "base64" | (string & {});

/** A listing entry (no content). */
export interface FileInfo {
  /** Creation time. */
  createdAt: string;
  /** File id. */
  id: string;
  /** True for directories. */
  isDirectory: boolean;
  /** True when writes and deletes are refused. */
  isReadonly: boolean;
  /** Last path segment. */
  name: string;
  /** Absolute stored path, e.g. `/notes.md`. */
  path: string;
  /** The prefixed session id (DECISIONS #14). */
  sessionId: string;
  /** Size in bytes (0 for directories). */
  sizeBytes: number;
  /** Last update time. */
  updatedAt: string;
}

/** What `stat` returns. */
export interface FileStat {
  /** Creation time. */
  createdAt: string;
  /** True for directories. */
  isDirectory: boolean;
  /** True when read-only. */
  isReadonly: boolean;
  /** Last path segment. */
  name: string;
  /** Absolute stored path. */
  path: string;
  /** Size in bytes. */
  sizeBytes: number;
  /** Last update time. */
  updatedAt: string;
}

/** Body of `POST /v1/agents/{agent_id}/versions/{version_id}/fork`. */
export interface ForkAgentVersionRequest {
  /** The new agent's description. */
  description?: string | null;
  /** The new agent's label. */
  displayName?: string | null;
  /** The new agent's name (a slug, unused). */
  name: string;
}

/** One matching line. */
export interface GrepMatch {
  /** The line. */
  line: string;
  /** 1-based line number. */
  lineNumber: number;
  /** File path. */
  path: string;
}

/** Body of `POST …/fs/_/grep`. */
export interface GrepRequest {
  /** Glob on paths, e.g. `**\/*.md`. */
  pathPattern?: string | null;
  /** Regular expression (Rust `regex` syntax). */
  pattern: string;
}

/** Matches in one file. */
export interface GrepResult {
  /** Matching lines. */
  matches?: GrepMatch[];
  /** File path. */
  path: string;
}

/**
 * A harness: base prompt, capabilities and starter files. The built-in `generic` harness is
 * the default of every agent and session.
 */
export interface Harness {
  /** Apps using this resource: always 0 (this server has no apps; upstream's `app_count`). */
  appCount?: number | null;
  /** Capabilities every session of this harness gets. */
  capabilities?: CapabilityRef[];
  /** Creation time. */
  createdAt: string;
  /** Default model. */
  defaultModelId?: string | null;
  /** What the harness is for. */
  description?: string | null;
  /** Human label. */
  displayName?: string | null;
  /** `harness_<32hex>`. */
  id: string;
  /** Starter files. */
  initialFiles?: InitialFile[];
  /** True for harnesses shipped with the server. */
  isBuiltIn: boolean;
  /** Addressable slug. */
  name: string;
  networkAccess?: null | NetworkAccess;
  /** Whether tool calls may run in parallel. */
  parallelToolCalls?: boolean | null;
  /** Parent harness for inheritance. */
  parentHarnessId?: string | null;
  /** Absolute API URL of this resource (upstream's `self_url`). */
  selfUrl?: string | null;
  /** Sessions running on this harness (upstream's `session_count`). */
  sessionCount?: number | null;
  /** Lifecycle status. */
  status: ResourceStatus;
  /** Base system prompt. */
  systemPrompt?: string | null;
  /** Tags. */
  tags?: string[];
  /** The same as `view_url` (upstream's alias for command and MCP outputs). */
  uiLink?: string | null;
  /** Last update time. */
  updatedAt: string;
  /** Absolute URL of this resource in the web console (upstream's `view_url`). */
  viewUrl?: string | null;
}

/** A file seeded into a session's workspace at creation (`/workspace` prefix accepted). */
export interface InitialFile {
  /** Content, as text or base64 per `encoding`. */
  content: string;
  encoding?: null | FileEncoding;
  /** Whether the seeded file is read-only. */
  isReadonly?: boolean | null;
  /** Absolute path, e.g. `/workspace/README.md`. */
  path: string;
}

/** The message part of a create-message request. */
export interface InputMessage {
  /** Text, image or image_file parts. */
  content: ContentPart[];
  /** Always `user` for API-created messages. */
  role?: MessageRole;
}

/** An immutable ledger entry: consumption (positive) or credit (negative). */
export interface LedgerEntry {
  /** Positive = debit, negative = credit. */
  amount: number;
  /** The budget. */
  budgetId: string;
  /** When. */
  createdAt: string;
  /** What was consumed or why. */
  description?: string | null;
  /** `ledg_…`. */
  id: string;
  /** `llm_tokens` or `manual`. */
  meterSource: string;
  /** Reference id (e.g. the turn). */
  refId?: string | null;
  /** `llm_generation` or `manual`. */
  refType?: string | null;
  /** The session that consumed. */
  sessionId?: string | null;
}

/** Query of `GET /v1/agents`. */
export interface ListAgentsParams {
  /** Include archived agents. */
  includeArchived?: boolean | null;
  /** Page size, 1..=100 (default 20). */
  limit?: number | null;
  /** Items to skip (default 0). */
  offset?: number | null;
  /** Case-insensitive substring of name, display name or description. */
  search?: string | null;
}

/** Query of `GET /v1/capabilities`. */
export interface ListCapabilitiesParams {
  /** Page size, 1..=100. */
  limit?: number | null;
  /** Items to skip. */
  offset?: number | null;
  /** Substring of id, name or description. */
  search?: string | null;
}

/** Query of `GET /v1/sessions/{id}/events` (filters are repeated keys on the wire). */
export interface ListEventsParams {
  /** Only events with a higher sequence. */
  afterSequence?: number | null;
  /** Anchor event id: the events within `window` sequences of it (no other cursor, no limit). */
  around?: string | null;
  /** Only events with a lower sequence. */
  beforeSequence?: number | null;
  /** Not these types (applied after `types`). */
  exclude?: string[];
  /** Only events whose `context.exec_id` is this. */
  execId?: string | null;
  /** Only events at or after this RFC 3339 time. */
  fromTs?: string | null;
  /** Only the last N matching events (1..=1000), oldest first. */
  limit?: number | null;
  /** Newest first (default oldest first). */
  orderDesc?: boolean | null;
  /** Text search: every word must occur in the payload's text (case-insensitive). */
  q?: string | null;
  /** Only events after this one (exclusive). */
  sinceId?: string | null;
  /** Only events carrying any of these tags. */
  tags?: string[];
  /** Only events at or before this RFC 3339 time. */
  toTs?: string | null;
  /** Only events whose `data.tool_name` is this (`tool.*` events). */
  toolName?: string | null;
  /** Only events whose `context.trace_id` is this. */
  traceId?: string | null;
  /** Only events of this turn. */
  turnId?: string | null;
  /** Only these types (empty = all). */
  types?: string[];
  /** Events on each side of `around` (1..=500, default 50). */
  window?: number | null;
}

/** Query of `GET /v1/harnesses`. */
export interface ListHarnessesParams {
  /** Include archived harnesses. */
  includeArchived?: boolean | null;
  /** Substring of name or description. */
  search?: string | null;
}

/** Query of `GET /v1/models`. */
export interface ListModelsParams {
  /** Only favourites. */
  favoritesOnly?: boolean | null;
  source?: null | ModelSource;
}

/** Query of `GET /v1/sessions`. */
export interface ListSessionsParams {
  /** Only sessions of this agent. */
  agentId?: string | null;
  /** Page size, 1..=100. */
  limit?: number | null;
  /** Items to skip. */
  offset?: number | null;
  /** Case-insensitive title substring. */
  search?: string | null;
}

export type LlmProviderType = "openai" | "anthropic" | "azure_openai" | "llmsim" | (string & {});

/**
 * A per-session script for `llmsim`. Its position is persisted with the session, so a retried
 * step never skips or repeats a reply.
 */
export interface LlmSimScript {
  /** Delay between streamed text chunks, in milliseconds (default 0). */
  chunkDelayMs?: number | null;
  onExhausted?: null | OnExhausted;
  /** The replies, used one per LLM call, in order. */
  steps?: SimStep[];
}

/** A memory: a named set of files, attached to agents by `memory_ids`. */
export interface Memory {
  /** When the memory was archived. */
  archivedAt?: string | null;
  /** Creation time. */
  createdAt: string;
  /** Always null (memories are archived, never deleted). */
  deletedAt?: string | null;
  /** What the memory holds. */
  description?: string | null;
  /** `mem_<32hex>`. */
  id: string;
  /** Whether sessions see the memory read-only (always true here). */
  isReadonly: boolean;
  /** Last sync error (never set for manual memories). */
  lastSyncError?: string | null;
  /** Last successful sync (never set for manual memories). */
  lastSyncedAt?: string | null;
  /** Human name; also the directory the memory is mounted at (`/memories/{name}`). */
  name: string;
  /** Source configuration: `{"provider": "manual"}`. */
  source: JsonValue;
  /**
   * Where the files come from. This server supports `manual` (files written through the
   * API) only.
   */
  sourceType: string;
  /** `active` or `archived`. */
  status: string;
  /** Sync state of a remote source (`idle` for manual memories). */
  syncStatus: string;
  /** Last update time. */
  updatedAt: string;
}

/** A memory file with its content. */
export interface MemoryFile {
  /** Content, as `encoding` says. */
  content: string;
  /** `sha256:<hex>` of the content. */
  contentHash?: string | null;
  /** Creation time. */
  createdAt: string;
  /** `text` or `base64`. */
  encoding: string;
  /** Canonical path (`/facts/a.md`). */
  path: string;
  /** Content size in bytes. */
  sizeBytes: number;
  /** Last update time. */
  updatedAt: string;
}

/** A memory file or directory, without content. */
export interface MemoryFileInfo {
  /** `sha256:<hex>` of a file's content. */
  contentHash?: string | null;
  /** Creation time. */
  createdAt: string;
  /** Whether this is a directory. */
  isDirectory: boolean;
  /** Canonical path. */
  path: string;
  /** Content size in bytes (0 for directories). */
  sizeBytes: number;
  /** Last update time. */
  updatedAt: string;
}

/** A memory file whose content matches a grep pattern. */
export interface MemoryGrepResult {
  /** Canonical path. */
  path: string;
  /** Content size in bytes. */
  sizeBytes: number;
}

/** A stored message (derived from events). */
export interface Message {
  /** Content parts. */
  content?: ContentPart[];
  controls?: null | Controls;
  /** Creation time. */
  createdAt: string;
  /** `message_<32hex>`. */
  id: string;
  /** Arbitrary metadata. */
  metadata: JsonValue;
  /** Author. */
  role: MessageRole;
  /** Sequence of the event that carries this message. */
  sequence?: number | null;
  /** The session. */
  sessionId?: string | null;
  /** Tags. */
  tags?: string[];
}

export type MessageRole = "system" | "user" | "agent" | "tool_result" | (string & {});

/** A model together with its provider (`ModelWithProvider`). */
export interface Model {
  /** Features such as `text`, `tools`, `vision`, `thinking`. */
  capabilities?: string[];
  /** Creation time. */
  createdAt: string;
  /** Human label. */
  displayName: string;
  /** Whether the model can be used. */
  enabled: boolean;
  /** Whether the provider answered its last health check. */
  healthy: boolean;
  /** `model_<32hex>`. */
  id: string;
  /** True for the server's default model. */
  isDefault: boolean;
  /** Marked as favourite. */
  isFavorite: boolean;
  /** Provider-side model name, e.g. `gpt-4o` or `llmsim-model`. */
  modelId: string;
  /** `provider_<32hex>`. */
  providerId: string;
  /** Provider's name. */
  providerName: string;
  /** Driver, e.g. `llmsim`, `openai`, `anthropic`. */
  providerType: LlmProviderType;
  /** Absolute API URL of this resource (upstream's `self_url`). */
  selfUrl?: string | null;
  /** Where the entry came from. */
  source: ModelSource;
  /** The same as `view_url` (upstream's alias for command and MCP outputs). */
  uiLink?: string | null;
  /** Last update time. */
  updatedAt: string;
  /** Absolute URL of this resource in the web console (upstream's `view_url`). */
  viewUrl?: string | null;
}

export type ModelSource = "manual" | "discovered" | "predefined" | (string & {});

/** Network allow/block lists (host patterns). */
export interface NetworkAccess {
  /** Hosts that may be reached (empty = no restriction from this layer). */
  allowed?: string[];
  /** Hosts that may not be reached. */
  blocked?: string[];
}

export type OnExhausted = "repeat_last" | "loop" | "error" | "fixed" | (string & {});

/** A question set an `ask_user` call waits on. */
export interface PendingQuestions {
  /** The questions. */
  questions: Question[];
  /** The `ask_user` call. */
  toolCallId: string;
}

/** A tool call waiting for a person's approval. */
export interface PendingToolApproval {
  /** The arguments it would run with. */
  arguments?: JsonValue;
  /** The model's call id of the gated call. */
  originalToolCallId: string;
  /** The gated tool. */
  tool: string;
  /** The approval call to answer (`tool_approval_{original id}`). */
  toolCallId: string;
}

/** One `ask_user` question. */
export interface Question {
  /** Free text is accepted besides the options. */
  allowOther?: boolean;
  /** Id answers refer to. */
  id: string;
  /** Several options may be selected. */
  multiSelect?: boolean;
  /** Options (empty: free text). */
  options?: QuestionOption[];
  /** The question. */
  question: string;
}

/** One answer of `POST /v1/sessions/{id}/question-answers`. */
export interface QuestionAnswer {
  /** The question's id. */
  id: string;
  /** Free text. */
  otherText?: string | null;
  /** Option labels picked. */
  selected?: string[];
}

export type QuestionAnswerStatus = "answered" | "declined" | (string & {});

/** Answer of `POST /v1/sessions/{id}/question-answers`: what the model reads. */
export interface QuestionAnswersResponse {
  /** The answers in question order (empty when declined). */
  answers?: QuestionAnswer[];
  /** Session status after the answer. */
  sessionStatus: string;
  /** `answered` or `declined`. */
  status: QuestionAnswerStatus;
  /** The `ask_user` call answered. */
  toolCallId: string;
}

/** One option of an `ask_user` question. */
export interface QuestionOption {
  /** More detail. */
  description?: string | null;
  /** What the user picks (answers select by label). */
  label: string;
}

/** `GET /v1/agents/{agent_id}/stats`: aggregates over the agent's sessions. */
export interface ResourceStats {
  /** Sessions running a turn. */
  activeSessionCount: number;
  /** Mean session duration, milliseconds. */
  avgSessionDurationMs?: number | null;
  /** Turns run. */
  executionCount: number;
  /** First session's creation time. */
  firstSessionAt?: string | null;
  /** Sessions waiting for input. */
  idleSessionCount: number;
  /** Start of the last turn. */
  lastExecutionAt?: string | null;
  /** Last session's creation time. */
  lastSessionAt?: string | null;
  /** Sessions of the agent. */
  sessionCount: number;
  /** Sessions created but never run. */
  startedSessionCount: number;
  /** Cache creation tokens over all sessions. */
  totalCacheCreationTokens: number;
  /** Cache read tokens over all sessions. */
  totalCacheReadTokens: number;
  /** Input tokens over all sessions. */
  totalInputTokens: number;
  /** Output tokens over all sessions. */
  totalOutputTokens: number;
  /** Summed session durations (creation to last update), milliseconds. */
  totalSessionDurationMs: number;
  /** Sessions waiting for client-side tool results. */
  waitingForToolResultsSessionCount: number;
}

export type ResourceStatus = "active" | "archived" | "deleted" | (string & {});

/** Answer of `POST /v1/sessions/{id}/resume`. */
export interface ResumeSessionResponse {
  /** Paused budgets set back to active. */
  resumedBudgets: number;
  /** The session. */
  sessionId: string;
}

/** Body of `POST /v1/agents/{agent_id}/versions/{version_id}/rollback`. */
export interface RollbackAgentVersionRequest {
  /** Record the restored configuration as a new version (default true). */
  saveVersion?: boolean | null;
  /** A note stored with that version. */
  summary?: string | null;
}

/** A session. */
export interface Session {
  /** The session's agent, if any. */
  agentId?: string | null;
  /** The agent version the session runs (`agentver_…`), recorded at creation. */
  agentVersionId?: string | null;
  /** Capabilities added to the agent's and harness's. */
  capabilities?: CapabilityRef[];
  /** Creation time. */
  createdAt: string;
  /** The session's harness. */
  harnessId: string;
  /** `session_<32hex>`. */
  id: string;
  /** Files seeded at creation. */
  initialFiles?: InitialFile[];
  /** Whether the session is pinned (`PUT`/`DELETE /v1/sessions/{id}/pin`). */
  isPinned: boolean;
  /** BCP 47 locale. */
  locale?: string | null;
  /** Iteration limit override. */
  maxIterations?: number | null;
  /** Model override. */
  modelId?: string | null;
  networkAccess?: null | NetworkAccess;
  /** `org_<32hex>`. */
  organizationId: string;
  /** Last agent text, truncated. */
  outputPreview?: string | null;
  /** Parallel-tools override. */
  parallelToolCalls?: boolean | null;
  /** Tool calls the waiting turn needs approved (`GET` only). */
  pendingApprovals?: PendingToolApproval[];
  /** `ask_user` question sets the waiting turn needs answered (`GET` only). */
  pendingQuestions?: PendingQuestions[];
  /** Client-side tool calls the waiting turn needs results for (`GET` only). */
  pendingToolCalls?: ToolCall[];
  /** First user text, truncated. */
  preview?: string | null;
  /** Absolute API URL of this session. */
  selfUrl?: string | null;
  /** When the first turn started. */
  startedAt?: string | null;
  /** Status. */
  status: SessionStatus;
  /** Prompt added to the agent's. */
  systemPrompt?: string | null;
  /** Tags. */
  tags?: string[];
  /** Title. */
  title?: string | null;
  /** Client-side tools added to the agent's. */
  tools?: ToolDefinition[];
  /** The same as `view_url` (upstream's alias for command and MCP outputs). */
  uiLink?: string | null;
  /** Last update time. */
  updatedAt: string;
  usage?: null | TokenUsage;
  /** Absolute URL of this resource in the web console (upstream's `view_url`). */
  viewUrl?: string | null;
  /** `wsp_<32hex>`: the workspace that owns the session's files. */
  workspaceId?: string | null;
}

/** A file with its content. */
export interface SessionFile {
  /** Text, or base64 when `encoding` is `base64`; `null` for directories. */
  content?: string | null;
  /** Creation time. */
  createdAt: string;
  encoding?: null | FileEncoding;
  /** File id. */
  id: string;
  /** True for directories. */
  isDirectory: boolean;
  /** True when writes and deletes are refused. */
  isReadonly: boolean;
  /** Last path segment. */
  name: string;
  /** Absolute stored path. */
  path: string;
  /** The prefixed session id. */
  sessionId: string;
  /** Size in bytes. */
  sizeBytes: number;
  /** Last update time. */
  updatedAt: string;
}

export type SessionStatus = "started" | "active" | "idle" | "waitingfortoolresults" | (string & {});

export type SimErrorKind = "rate_limit" | "server_error" | "timeout" | (string & {});

/** One reply of the simulated model: text, tool calls, both, or an injected error. */
export interface SimStep {
  /** Delay before the first token, in milliseconds. */
  delayMs?: number | null;
  error?: null | SimErrorKind;
  /** Text streamed as deltas (whitespace and newlines kept). */
  text?: string | null;
  /** Thinking streamed before the text (`reason.thinking.*` events). */
  thinking?: string | null;
  /** Tool calls returned after the text. */
  toolCalls?: SimToolCall[];
}

/** A tool call the simulated model makes. */
export interface SimToolCall {
  /** Arguments object. */
  arguments?: JsonValue;
  /** Call id; generated (deterministically from the step position) when absent. */
  id?: string | null;
  /** Tool name, e.g. `write_file`. */
  name: string;
}

/** Answer of `POST /v1/sessions/{id}/tool-approvals`. */
export interface SubmitToolApprovalsResponse {
  /** Every pending approval of the batch. */
  resolved: ToolApprovalResolution[];
  /** Session status after the decisions. */
  status: string;
}

/** Answer of `POST /v1/sessions/{id}/tool-results`. */
export interface SubmitToolResultsResponse {
  /** Results stored. */
  accepted: number;
  /** Session status after the results (`active`, or still `waitingfortoolresults`). */
  status: string;
}

/** Token accounting of an LLM call, a turn or a session. */
export interface TokenUsage {
  /** Tokens written to the provider's cache. */
  cacheCreationTokens?: number | null;
  /** Tokens read from the provider's cache. */
  cacheReadTokens?: number | null;
  /** Estimated cost in US dollars. */
  estimatedCostUsd?: number | null;
  /** Prompt tokens (excluding cache buckets). */
  inputTokens: number;
  /** Completion tokens. */
  outputTokens: number;
}

/** How one approval request was settled. */
export interface ToolApprovalResolution {
  /** `allow`, `allow_always`, `reject`, `reject_always` or `not_approved` (left out). */
  outcome: string;
  /** The gated tool. */
  tool: string;
  /** The approval call. */
  toolCallId: string;
}

/** A tool call as reported by `llm.generation`. */
export interface ToolCall {
  /** Arguments object. */
  arguments?: JsonValue;
  /** Call id. */
  id: string;
  /** Tool name. */
  name: string;
}

/** A client-side tool the agent may call (the client posts its results). */
export interface ToolDefinition {
  /** What the tool does, for the model. */
  description?: string;
  /** Tool name. */
  name: string;
  /** JSON Schema of the arguments. */
  parameters?: JsonValue;
  /** Tool kind, normally `client_side`. */
  type?: string;
}

/** Body of `PATCH /v1/agents/{id}`: only the fields present change. */
export interface UpdateAgentRequest {
  /** Replaces the capability list. */
  capabilities?: Array<CapabilityRef | string> | null;
  /** New default model. */
  defaultModelId?: string | null;
  /** New description. */
  description?: string | null;
  /** New human label. */
  displayName?: string | null;
  /** Replaces the initial files. */
  initialFiles?: InitialFile[] | null;
  /** New iteration limit. */
  maxIterations?: number | null;
  /** Replaces the attached memories (`mem_…`). */
  memoryIds?: string[] | null;
  /** New slug. */
  name?: string | null;
  networkAccess?: null | NetworkAccess;
  /** New parallel-tools flag. */
  parallelToolCalls?: boolean | null;
  status?: null | ResourceStatus;
  /** New system prompt. */
  systemPrompt?: string | null;
  /** Replaces the tags. */
  tags?: string[] | null;
  /** Replaces the client-side tools. */
  tools?: ToolDefinition[] | null;
}

/** Body of `PATCH /v1/budgets/{id}`. */
export interface UpdateBudgetRequest {
  /** New hard limit. */
  limit?: number | null;
  /** New metadata. */
  metadata?: { [key: string]: JsonValue } | null;
  /** New soft limit. */
  softLimit?: number | null;
  /** New status (`active`, `paused`, `disabled`). */
  status?: string | null;
}

/** Body of `PUT …/fs/{path}`. */
export interface UpdateFileRequest {
  /** New content. */
  content?: string | null;
  encoding?: null | FileEncoding;
  /** New read-only flag. */
  isReadonly?: boolean | null;
}

/** Body of `PATCH /v1/harnesses/{harness_id}`: only the given fields change. */
export interface UpdateHarnessRequest {
  /** New capabilities. */
  capabilities?: Array<CapabilityRef | string> | null;
  /** New default model. */
  defaultModelId?: string | null;
  /** New description. */
  description?: string | null;
  /** New label. */
  displayName?: string | null;
  /** New starter files. */
  initialFiles?: InitialFile[] | null;
  /** New slug. */
  name?: string | null;
  networkAccess?: null | NetworkAccess;
  /** New parent harness. */
  parentHarnessId?: string | null;
  status?: null | ResourceStatus;
  /** New base system prompt. */
  systemPrompt?: string | null;
  /** New tags. */
  tags?: string[] | null;
}

/** Body of `PATCH /v1/sessions/{id}`. */
export interface UpdateSessionRequest {
  /** New locale. */
  locale?: string | null;
  /** Replaces the tags. */
  tags?: string[] | null;
  /** New title. */
  title?: string | null;
}

/** A workspace: the files of one or more sessions. */
export interface Workspace {
  /** When the workspace was archived. */
  archivedAt?: string | null;
  /** Creation time. */
  createdAt: string;
  /** Always null (workspaces are archived, never deleted). */
  deletedAt?: string | null;
  /** What the workspace is for. */
  description?: string | null;
  /** `wsp_<32hex>`. A session's default workspace has the session's hex. */
  id: string;
  /** Human name. */
  name: string;
  /**
   * The session this is the default workspace of (absent for workspaces made with
   * `POST /v1/workspaces`).
   */
  sessionId?: string | null;
  /** `active` or `archived`. */
  status: string;
  /** Last update time. */
  updatedAt: string;
}

// ----- Event payloads (`Event.data` by event type; keys exactly as on the wire) -----

/** `act.completed`. */
export interface ActCompletedData {
  /** Whether every call finished. */
  completed: boolean;
  /** Wall time. */
  duration_ms?: number | null;
  /** Calls that failed. */
  error_count: number;
  /** Calls that succeeded. */
  success_count: number;
}

/** `act.started`. */
export interface ActStartedData {
  /** The calls of this batch. */
  tool_calls: ActToolCall[];
}

/** A call listed by `act.started`. */
export interface ActToolCall {
  /** Human label. */
  display_name?: string | null;
  /** Call id. */
  id: string;
  /** Tool name. */
  name: string;
}

/** Data of the `budget.*` events. */
export interface BudgetEventData {
  /** Its balance when the event was emitted. */
  balance: number;
  /** The budget. */
  budget_id: string;
  /** Its currency. */
  currency: string;
  /** Its limit. */
  limit: number;
  /** Human-readable. */
  message?: string | null;
  /** Its soft limit. */
  soft_limit?: number | null;
}

/** `connected`: `{"status":"connected"}`. */
export interface ConnectedData {
  /** Always `connected`. */
  status?: string;
}

/** Per-turn overrides sent with a message. */
export interface WireControls {
  /** Locale for this turn. */
  locale?: string | null;
  /** Model for this turn (`model_…`). */
  model_id?: string | null;
  /** Reasoning settings, e.g. `{"effort":"high"}`. */
  reasoning?: JsonValue;
}

/** `disconnecting`: `{"reason":"connection_cycle","retry_ms":100}`. */
export interface DisconnectingData {
  /** `connection_cycle`, `server_shutdown`, … */
  reason?: string;
  /** Delay before reconnecting. */
  retry_ms?: number | null;
}

/** `file.written`. */
export interface FileWrittenData {
  /** True when the file did not exist before. */
  created: boolean;
  /** `write`, `edit`, `delete`, … */
  operation: string;
  /** Stored path, e.g. `/notes.md`. */
  path: string;
  /** Size after the write. */
  size_bytes: number;
}

/** `input.message`: the stored user message. */
export interface InputMessageData {
  /** The message (role `user`). */
  message: WireMessage;
}

/**
 * `llm.generation`: one provider call.
 * 
 * `messages` holds what this call added to the conversation: when the session's previous
 * `llm.generation` sent a list this call's list extends (checked by `messages_digest`), its
 * first `messages_omitted` messages are not repeated, so the log grows with the conversation
 * rather than with its square (docs/wire.md#13.1).
 */
export interface LlmGenerationData {
  /**
   * Messages sent (provider-neutral form), after the `messages_omitted` leading ones. Each
   * has the shape of a [`Message`] (`id`, `role`, `content`, `created_at`, …), the system
   * prompt included (role `system`).
   */
  messages?: WireMessage[];
  /**
   * SHA-256 (hex) over the whole list this call sent, each message's JSON followed by a
   * newline: the next call omits this list only when its own list starts with it.
   */
  messages_digest?: string | null;
  /**
   * Leading messages of this call not repeated here: the previous `llm.generation` of the
   * session sent them (0: `messages` is the whole list).
   */
  messages_omitted?: number;
  /** Messages this call sent, omitted ones included. */
  messages_total?: number | null;
  /** Call metadata. */
  metadata?: LlmGenerationMetadata;
  /** What came back. */
  output?: LlmGenerationOutput;
  /** Tools offered (`{name, description}`). */
  tools?: JsonValue[];
}

/** Metadata of one provider call. */
export interface LlmGenerationMetadata {
  /** Wall time. */
  duration_ms?: number | null;
  /** Error text when the call failed. */
  error?: string | null;
  /** Model name. */
  model?: string;
  /** Driver type. */
  provider?: string | null;
  /** Whether the call succeeded. */
  success?: boolean;
  /** Time to the first streamed token. */
  time_to_first_token_ms?: number | null;
  usage?: null | WireTokenUsage;
}

/** The output half of `llm.generation`. */
export interface LlmGenerationOutput {
  /** Text produced. */
  text?: string | null;
  /** Tool calls produced. */
  tool_calls?: WireToolCall[];
}

/** A stored message (derived from events). */
export interface WireMessage {
  /** Content parts. */
  content?: ContentPart[];
  controls?: null | WireControls;
  /** Creation time. */
  created_at: string;
  /** `message_<32hex>`. */
  id: string;
  /** Arbitrary metadata. */
  metadata?: JsonValue;
  /** Author. */
  role: MessageRole;
  /** Sequence of the event that carries this message. */
  sequence?: number | null;
  /** The session. */
  session_id?: string | null;
  /** Tags. */
  tags?: string[];
}

/** Model identification attached to reasoning events. */
export interface ModelMetadata {
  /** Provider-side model name. */
  model?: string;
  /** `model_…` id. */
  model_id?: string | null;
  /** Driver type. */
  provider?: string | null;
  /** `provider_…` id. */
  provider_id?: string | null;
}

/** `output.message.completed`: the agent message of one reasoning step. */
export interface OutputMessageCompletedData {
  /** Set when the message reports an error to the user. */
  error_code?: string | null;
  /** The message (role `agent`; may hold `tool_call` parts). */
  message: WireMessage;
  metadata?: null | ModelMetadata;
  usage?: null | WireTokenUsage;
}

/** `output.message.delta`. */
export interface OutputMessageDeltaData {
  /** All text of this reply so far. */
  accumulated?: string;
  /** New text. */
  delta: string;
  /** The turn. */
  turn_id: string;
}

/** `output.message.started`. */
export interface OutputMessageStartedData {
  /** 1-based iteration. */
  iteration?: number | null;
  /** Model name. */
  model?: string | null;
  /** The turn. */
  turn_id: string;
}

/** `reason.completed`. */
export interface ReasonCompletedData {
  /** Wall time. */
  duration_ms?: number | null;
  /** Error text on failure. */
  error?: string | null;
  /** Whether tool calls follow. */
  has_tool_calls: boolean;
  /** Whether the LLM call succeeded. */
  success: boolean;
  /** First 200 characters of the text. */
  text_preview?: string | null;
  /** Number of tool calls. */
  tool_call_count: number;
  usage?: null | WireTokenUsage;
}

/** `reason.recovered`: a turn interrupted by a crash resumed (docs/runtime.md). */
export interface ReasonRecoveredData {
  /** Length of the reply text streamed before the interruption. */
  accumulated_len: number;
  /**
   * `restart` (the step runs again) or `finalize` (the reply was complete: only the
   * turn's end is written).
   */
  mode: string;
  /** The turn. */
  turn_id: string;
}

/** `reason.started`. */
export interface ReasonStartedData {
  /** The agent. */
  agent_id?: string | null;
  /** The harness. */
  harness_id: string;
  metadata?: null | ModelMetadata;
}

/** `reason.thinking.completed`: the whole thinking block of one step. */
export interface ReasonThinkingCompletedData {
  /** The provider's signature of the block (sent back with it on the next call). */
  signature?: string | null;
  /** The thinking text. */
  thinking: string;
  /** The turn. */
  turn_id: string;
}

/** `reason.thinking.delta`: a chunk of the model's thinking. */
export interface ReasonThinkingDeltaData {
  /** The new thinking text. */
  delta: string;
  /** The turn. */
  turn_id: string;
}

/** `reason.thinking.started`: the model began a thinking (reasoning) block. */
export interface ReasonThinkingStartedData {
  /** The turn. */
  turn_id: string;
}

/** `session.activated`. */
export interface SessionActivatedData {
  /** The user message that started it. */
  input_message_id: string;
  /** The turn. */
  turn_id: string;
}

/** `session.idled`. */
export interface SessionIdledData {
  /** Iterations of that turn. */
  iterations?: number | null;
  /** The turn that ended. */
  turn_id: string;
  usage?: null | WireTokenUsage;
}

/** `session.started`. */
export interface SessionStartedData {
  /** The session's agent. */
  agent_id?: string | null;
  /** The agent version the session records (`agentver_…`). */
  agent_version_id?: string | null;
  /** The `Everruns-Change-Reason` of the request that created the session. */
  change_reason?: string | null;
  /** The session's harness. */
  harness_id: string;
  /** The session's model override. */
  model_id?: string | null;
}

/** Token accounting of an LLM call, a turn or a session. */
export interface WireTokenUsage {
  /** Tokens written to the provider's cache. */
  cache_creation_tokens?: number | null;
  /** Tokens read from the provider's cache. */
  cache_read_tokens?: number | null;
  /** Estimated cost in US dollars. */
  estimated_cost_usd?: number | null;
  /** Prompt tokens (excluding cache buckets). */
  input_tokens?: number;
  /** Completion tokens. */
  output_tokens?: number;
}

/** A tool call as reported by `llm.generation`. */
export interface WireToolCall {
  /** Arguments object. */
  arguments?: JsonValue;
  /** Call id. */
  id: string;
  /** Tool name. */
  name: string;
}

/**
 * `tool.call_requested`: the turn waits for the caller to answer these calls (client-side
 * tool results, tool approvals, `ask_user` question sets).
 */
export interface ToolCallRequestedData {
  /** When the turn stops waiting and fails (`error_code: tool_results_timeout`). */
  expires_at?: string | null;
  /** The calls the caller must answer, in the model's call order. */
  tool_calls?: WireToolCall[];
  /** The turn. */
  turn_id?: string | null;
}

/** `tool.completed`. */
export interface ToolCompletedData {
  /** Capability that provided the tool. */
  capability_id?: string | null;
  /** Wall time. */
  duration_ms?: number | null;
  /** Error text on failure. */
  error?: string | null;
  /** Result parts on success. */
  result?: ContentPart[] | null;
  /** Outcome. */
  status: ToolStatus;
  /** True when `status` is `success`. */
  success: boolean;
  /** The call. */
  tool_call_id: string;
  /** Tool name. */
  tool_name: string;
}

/** `tool.output.delta`. */
export interface ToolOutputDeltaData {
  /** New output. */
  delta: string;
  /** `stdout` or `stderr`. */
  stream?: string;
  /** The call. */
  tool_call_id: string;
  /** Tool name. */
  tool_name: string;
}

/** `tool.started`. */
export interface ToolStartedData {
  /** Human label. */
  display_name?: string | null;
  /** The call. */
  tool_call: WireToolCall;
}

export type ToolStatus = "success" | "error" | "timeout" | "cancelled" | (string & {});

/** `turn.cancelled` (terminal). */
export interface TurnCancelledData {
  /** Why. */
  reason?: string | null;
  /** The turn. */
  turn_id: string;
  usage?: null | WireTokenUsage;
}

/** `turn.completed` (terminal). */
export interface TurnCompletedData {
  /** Wall time. */
  duration_ms?: number | null;
  /** Start of the final answer. */
  final_answer_preview?: string | null;
  /** The final agent message. */
  final_message_id?: string | null;
  /** Reason→act iterations used. */
  iterations: number;
  /** LLM calls made. */
  llm_call_count?: number | null;
  /** Tool calls made. */
  tool_call_count?: number | null;
  /** The turn. */
  turn_id: string;
  usage?: null | WireTokenUsage;
}

/** `turn.failed` (terminal). */
export interface TurnFailedData {
  /** User-safe error text. */
  error: string;
  /** Stable code: `llm_error`, `max_iterations`, … */
  error_code?: string | null;
  /** The turn. */
  turn_id: string;
}

/** `turn.started`. */
export interface TurnStartedData {
  /**
   * That message's text (its text parts joined by newlines), for observability; absent
   * when it has no text. Upstream's shape (`string | null`); the full parts are in the
   * `input.message` event.
   */
  input_content?: string | null;
  /** The user message that started it. */
  input_message_id: string;
  /** The turn. */
  turn_id: string;
}

/** `turn.steered`: user messages sent while the turn ran joined it at a step boundary. */
export interface TurnSteeredData {
  /** The messages that joined it, oldest first. */
  input_message_ids: string[];
  /** The turn. */
  turn_id: string;
}

/** The `data` type of each known event type. */
export interface EventDataMap {
  "input.message": InputMessageData;
  "turn.started": TurnStartedData;
  "session.started": SessionStartedData;
  "session.activated": SessionActivatedData;
  "reason.started": ReasonStartedData;
  "output.message.started": OutputMessageStartedData;
  "output.message.delta": OutputMessageDeltaData;
  "llm.generation": LlmGenerationData;
  "output.message.completed": OutputMessageCompletedData;
  "reason.completed": ReasonCompletedData;
  "act.started": ActStartedData;
  "tool.started": ToolStartedData;
  "tool.output.delta": ToolOutputDeltaData;
  "tool.completed": ToolCompletedData;
  "tool.call_requested": ToolCallRequestedData;
  "act.completed": ActCompletedData;
  "file.written": FileWrittenData;
  "turn.completed": TurnCompletedData;
  "turn.failed": TurnFailedData;
  "turn.cancelled": TurnCancelledData;
  "session.idled": SessionIdledData;
  "reason.thinking.started": ReasonThinkingStartedData;
  "reason.thinking.delta": ReasonThinkingDeltaData;
  "reason.thinking.completed": ReasonThinkingCompletedData;
  "reason.recovered": ReasonRecoveredData;
  "turn.steered": TurnSteeredData;
  "connected": ConnectedData;
  "disconnecting": DisconnectingData;
  "budget.warning": BudgetEventData;
  "budget.exhausted": BudgetEventData;
  "budget.paused": BudgetEventData;
  "budget.resumed": BudgetEventData;
}
