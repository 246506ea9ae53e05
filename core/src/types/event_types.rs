//! Event type names (docs/wire.md#13, #15.6).

/// `input.message` — a user message was accepted.
pub const INPUT_MESSAGE: &str = "input.message";
/// `output.message.started` — the model began a reply.
pub const OUTPUT_MESSAGE_STARTED: &str = "output.message.started";
/// `output.message.delta` — a streamed text chunk.
pub const OUTPUT_MESSAGE_DELTA: &str = "output.message.delta";
/// `output.message.replaced` — a guardrail replaced the draft.
pub const OUTPUT_MESSAGE_REPLACED: &str = "output.message.replaced";
/// `output.message.completed` — the agent message of one reasoning step.
pub const OUTPUT_MESSAGE_COMPLETED: &str = "output.message.completed";
/// `turn.started`.
pub const TURN_STARTED: &str = "turn.started";
/// `turn.completed` (terminal).
pub const TURN_COMPLETED: &str = "turn.completed";
/// `turn.failed` (terminal).
pub const TURN_FAILED: &str = "turn.failed";
/// `turn.cancelled` (terminal).
pub const TURN_CANCELLED: &str = "turn.cancelled";
/// `turn.sealed` (terminal).
pub const TURN_SEALED: &str = "turn.sealed";
/// A running turn took in user messages sent while it ran (steering): `data.input_message_ids`.
pub const TURN_STEERED: &str = "turn.steered";
/// `reason.started`.
pub const REASON_STARTED: &str = "reason.started";
/// `reason.completed`.
pub const REASON_COMPLETED: &str = "reason.completed";
/// `llm.generation` — one provider call, for observability.
pub const LLM_GENERATION: &str = "llm.generation";
/// `act.started` — a batch of tool calls begins.
pub const ACT_STARTED: &str = "act.started";
/// `act.completed` — the batch ended.
pub const ACT_COMPLETED: &str = "act.completed";
/// `tool.started`.
pub const TOOL_STARTED: &str = "tool.started";
/// `tool.completed`.
pub const TOOL_COMPLETED: &str = "tool.completed";
/// `tool.output.delta`.
pub const TOOL_OUTPUT_DELTA: &str = "tool.output.delta";
/// The turn waits for its caller to answer client-side tool calls, approvals or questions.
pub const TOOL_CALL_REQUESTED: &str = "tool.call_requested";
/// `session.started`.
pub const SESSION_STARTED: &str = "session.started";
/// `session.activated` — a turn started.
pub const SESSION_ACTIVATED: &str = "session.activated";
/// `session.idled` — the turn ended.
pub const SESSION_IDLED: &str = "session.idled";
/// `file.written`.
pub const FILE_WRITTEN: &str = "file.written";

/// SSE framing: first frame of every connection (never stored).
pub const CONNECTED: &str = "connected";
/// SSE framing: last frame before a graceful close (never stored).
pub const DISCONNECTING: &str = "disconnecting";

/// `reason.thinking.started`
pub const REASON_THINKING_STARTED: &str = "reason.thinking.started";
/// `reason.thinking.delta`
pub const REASON_THINKING_DELTA: &str = "reason.thinking.delta";
/// `reason.thinking.completed`
pub const REASON_THINKING_COMPLETED: &str = "reason.thinking.completed";
/// `reason.recovered`
pub const REASON_RECOVERED: &str = "reason.recovered";

/// Every event type a server may be asked to filter on (`types=` / `exclude=`).
pub const KNOWN: &[&str] = &[
    "input.message",
    "output.message.started",
    "output.message.delta",
    "output.message.replaced",
    "output.message.completed",
    "turn.started",
    "turn.completed",
    "turn.failed",
    "turn.cancelled",
    "turn.sealed",
    "reason.started",
    "reason.completed",
    "reason.recovered",
    "reason.item",
    "reason.thinking.started",
    "reason.thinking.delta",
    "reason.thinking.completed",
    "llm.generation",
    "act.started",
    "act.completed",
    "tool.started",
    "tool.completed",
    "tool.progress",
    "tool.output.delta",
    "tool.call_requested",
    "turn.steered",
    "tool.call_repaired",
    "transcript.repaired",
    "session.started",
    "session.activated",
    "session.idled",
    "session.title.updated",
    "file.written",
    "context.compacting",
    "context.compacted",
    "capability.usage",
    "task.created",
    "task.updated",
    "task.message.sent",
    "task.message.received",
    "voice.session.started",
    "voice.session.ended",
    "voice.session.failed",
    "budget.warning",
    "budget.paused",
    "budget.exhausted",
    "budget.resumed",
];

/// Types that end a turn; exactly one per turn (docs/decisions.md#21).
pub const TERMINAL: &[&str] = &[TURN_COMPLETED, TURN_FAILED, TURN_CANCELLED, TURN_SEALED];

/// Delta types a stream usually excludes (`exclude_deltas`).
pub const DELTAS: &[&str] = &[
    "output.message.delta",
    "reason.thinking.delta",
    "tool.output.delta",
];

/// Maximum number of values of one filter parameter.
pub const MAX_FILTER_VALUES: usize = 25;

/// True for a type listed in [`KNOWN`].
pub fn is_known(event_type: &str) -> bool {
    KNOWN.contains(&event_type)
}

/// True for a turn-ending type.
pub fn is_terminal(event_type: &str) -> bool {
    TERMINAL.contains(&event_type)
}

/// True for SSE framing types that are never stored.
pub fn is_framing(event_type: &str) -> bool {
    event_type == CONNECTED || event_type == DISCONNECTING
}
