//! Typed payloads (`data`) of the events the reference server emits (docs/wire.md#13).
//!
//! [`EventPayload::from_wire`] decodes an event's `data` by its type; unknown types (and
//! payloads that do not match their type's shape) stay raw JSON in [`EventPayload::Unknown`].
//! [`EventPayload::to_wire`] gives the `(type, data)` pair the server stores.

use serde::{Deserialize, Serialize};

use super::common::{null_default, TokenUsage};
use super::messages::{ContentPart, Message};

macro_rules! payloads {
    ( $( $(#[$m:meta])* $variant:ident($ty:ident) = $name:literal, )+ ) => {
        /// An event payload in typed form.
        #[derive(Debug, Clone, PartialEq)]
        pub enum EventPayload {
            $( $(#[$m])* $variant($ty), )+
            /// Any other type (or a payload that does not match its type's shape), as sent.
            Unknown {
                /// The event type.
                event_type: String,
                /// The raw `data`.
                data: serde_json::Value,
            },
        }

        impl EventPayload {
            /// Decodes `data` according to `event_type`.
            pub fn from_wire(event_type: &str, data: &serde_json::Value) -> Self {
                let unknown = || EventPayload::Unknown {
                    event_type: event_type.to_string(),
                    data: data.clone(),
                };
                match event_type {
                    $( $name => $ty::deserialize(data)
                        .map(EventPayload::$variant)
                        .unwrap_or_else(|_| unknown()), )+
                    _ => unknown(),
                }
            }

            /// The event type of this payload.
            pub fn event_type(&self) -> &str {
                match self {
                    $( EventPayload::$variant(_) => $name, )+
                    EventPayload::Unknown { event_type, .. } => event_type,
                }
            }

            /// `(type, data)` as stored and sent.
            pub fn to_wire(&self) -> (String, serde_json::Value) {
                let data = match self {
                    $( EventPayload::$variant(p) => serde_json::to_value(p)
                        .expect("event payloads always serialise"), )+
                    EventPayload::Unknown { data, .. } => data.clone(),
                };
                (self.event_type().to_string(), data)
            }
        }

        $(
            impl From<$ty> for EventPayload {
                fn from(p: $ty) -> Self {
                    EventPayload::$variant(p)
                }
            }
        )+
    };
}

payloads! {
    /// `input.message`
    InputMessage(InputMessageData) = "input.message",
    /// `turn.started`
    TurnStarted(TurnStartedData) = "turn.started",
    /// `session.started`
    SessionStarted(SessionStartedData) = "session.started",
    /// `session.activated`
    SessionActivated(SessionActivatedData) = "session.activated",
    /// `reason.started`
    ReasonStarted(ReasonStartedData) = "reason.started",
    /// `output.message.started`
    OutputMessageStarted(OutputMessageStartedData) = "output.message.started",
    /// `output.message.delta`
    OutputMessageDelta(OutputMessageDeltaData) = "output.message.delta",
    /// `llm.generation`
    LlmGeneration(LlmGenerationData) = "llm.generation",
    /// `output.message.completed`
    OutputMessageCompleted(OutputMessageCompletedData) = "output.message.completed",
    /// `reason.completed`
    ReasonCompleted(ReasonCompletedData) = "reason.completed",
    /// `act.started`
    ActStarted(ActStartedData) = "act.started",
    /// `tool.started`
    ToolStarted(ToolStartedData) = "tool.started",
    /// `tool.output.delta`
    ToolOutputDelta(ToolOutputDeltaData) = "tool.output.delta",
    /// `tool.completed`
    ToolCompleted(ToolCompletedData) = "tool.completed",
    /// `tool.call_requested`
    ToolCallRequested(ToolCallRequestedData) = "tool.call_requested",
    /// `act.completed`
    ActCompleted(ActCompletedData) = "act.completed",
    /// `file.written`
    FileWritten(FileWrittenData) = "file.written",
    /// `turn.completed`
    TurnCompleted(TurnCompletedData) = "turn.completed",
    /// `turn.failed`
    TurnFailed(TurnFailedData) = "turn.failed",
    /// `turn.cancelled`
    TurnCancelled(TurnCancelledData) = "turn.cancelled",
    /// `session.idled`
    SessionIdled(SessionIdledData) = "session.idled",
    /// `reason.thinking.started`
    ReasonThinkingStarted(ReasonThinkingStartedData) = "reason.thinking.started",
    /// `reason.thinking.delta`
    ReasonThinkingDelta(ReasonThinkingDeltaData) = "reason.thinking.delta",
    /// `reason.thinking.completed`
    ReasonThinkingCompleted(ReasonThinkingCompletedData) = "reason.thinking.completed",
    /// `reason.recovered`
    ReasonRecovered(ReasonRecoveredData) = "reason.recovered",
    /// `turn.steered`
    TurnSteered(TurnSteeredData) = "turn.steered",
    /// `connected` (SSE framing)
    Connected(ConnectedData) = "connected",
    /// `disconnecting` (SSE framing)
    Disconnecting(DisconnectingData) = "disconnecting",
}

/// `reason.thinking.started`: the model began a thinking (reasoning) block.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonThinkingStartedData {
    /// The turn.
    pub turn_id: String,
}

/// `reason.thinking.delta`: a chunk of the model's thinking.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonThinkingDeltaData {
    /// The turn.
    pub turn_id: String,
    /// The new thinking text.
    pub delta: String,
}

/// `reason.thinking.completed`: the whole thinking block of one step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonThinkingCompletedData {
    /// The turn.
    pub turn_id: String,
    /// The thinking text.
    pub thinking: String,
    /// The provider's signature of the block (sent back with it on the next call).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

/// `reason.recovered`: a turn interrupted by a crash resumed (docs/runtime.md).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonRecoveredData {
    /// The turn.
    pub turn_id: String,
    /// `restart` (the step runs again) or `finalize` (the reply was complete: only the
    /// turn's end is written).
    pub mode: String,
    /// Length of the reply text streamed before the interruption.
    pub accumulated_len: u64,
}

/// `turn.steered`: user messages sent while the turn ran joined it at a step boundary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TurnSteeredData {
    /// The turn.
    pub turn_id: String,
    /// The messages that joined it, oldest first.
    pub input_message_ids: Vec<String>,
}

/// `input.message`: the stored user message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InputMessageData {
    /// The message (role `user`).
    pub message: Message,
}

/// `turn.started`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TurnStartedData {
    /// The turn.
    pub turn_id: String,
    /// The user message that started it.
    pub input_message_id: String,
    /// That message's text (its text parts joined by newlines), for observability; absent
    /// when it has no text. Upstream's shape (`string | null`); the full parts are in the
    /// `input.message` event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub input_content: Option<String>,
}

/// `session.started`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionStartedData {
    /// The session's harness.
    pub harness_id: String,
    /// The session's agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The session's model override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// The agent version the session records (`agentver_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_version_id: Option<String>,
    /// The `Everruns-Change-Reason` of the request that created the session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_reason: Option<String>,
}

/// `session.activated`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionActivatedData {
    /// The turn.
    pub turn_id: String,
    /// The user message that started it.
    pub input_message_id: String,
}

/// Model identification attached to reasoning events.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ModelMetadata {
    /// Provider-side model name.
    #[serde(default)]
    pub model: String,
    /// `model_…` id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// `provider_…` id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
    /// Driver type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
}

/// `reason.started`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonStartedData {
    /// The harness.
    pub harness_id: String,
    /// The agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// The model used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ModelMetadata>,
}

/// `output.message.started`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutputMessageStartedData {
    /// The turn.
    pub turn_id: String,
    /// Model name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// 1-based iteration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iteration: Option<u32>,
}

/// `output.message.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutputMessageDeltaData {
    /// The turn.
    pub turn_id: String,
    /// New text.
    pub delta: String,
    /// All text of this reply so far.
    #[serde(default)]
    pub accumulated: String,
}

/// A tool call as reported by `llm.generation`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolCall {
    /// Call id.
    pub id: String,
    /// Tool name.
    pub name: String,
    /// Arguments object.
    #[serde(default = "super::common::empty_object")]
    pub arguments: serde_json::Value,
}

/// The output half of `llm.generation`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LlmGenerationOutput {
    /// Text produced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Tool calls produced.
    #[serde(default, deserialize_with = "null_default")]
    pub tool_calls: Vec<ToolCall>,
}

/// Metadata of one provider call.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LlmGenerationMetadata {
    /// Model name.
    #[serde(default)]
    pub model: String,
    /// Whether the call succeeded.
    #[serde(default)]
    pub success: bool,
    /// Driver type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider: Option<String>,
    /// Tokens used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// Wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Error text when the call failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Time to the first streamed token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_to_first_token_ms: Option<u64>,
}

/// `llm.generation`: one provider call.
///
/// `messages` holds what this call added to the conversation: when the session's previous
/// `llm.generation` sent a list this call's list extends (checked by `messages_digest`), its
/// first `messages_omitted` messages are not repeated, so the log grows with the conversation
/// rather than with its square (docs/wire.md#13.1).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LlmGenerationData {
    /// Messages sent (provider-neutral form), after the `messages_omitted` leading ones. Each
    /// has the shape of a [`Message`] (`id`, `role`, `content`, `created_at`, …), the system
    /// prompt included (role `system`).
    #[serde(default, deserialize_with = "null_default")]
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Message>))]
    pub messages: Vec<serde_json::Value>,
    /// Leading messages of this call not repeated here: the previous `llm.generation` of the
    /// session sent them (0: `messages` is the whole list).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub messages_omitted: u64,
    /// Messages this call sent, omitted ones included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages_total: Option<u64>,
    /// SHA-256 (hex) over the whole list this call sent, each message's JSON followed by a
    /// newline: the next call omits this list only when its own list starts with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub messages_digest: Option<String>,
    /// What came back.
    #[serde(default)]
    pub output: LlmGenerationOutput,
    /// Call metadata.
    #[serde(default)]
    pub metadata: LlmGenerationMetadata,
    /// Tools offered (`{name, description}`).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub tools: Vec<serde_json::Value>,
}

/// `output.message.completed`: the agent message of one reasoning step.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutputMessageCompletedData {
    /// The message (role `agent`; may hold `tool_call` parts).
    pub message: Message,
    /// Model that wrote it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<ModelMetadata>,
    /// Tokens used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// Set when the message reports an error to the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

/// `reason.completed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonCompletedData {
    /// Whether the LLM call succeeded.
    pub success: bool,
    /// Whether tool calls follow.
    pub has_tool_calls: bool,
    /// Number of tool calls.
    pub tool_call_count: u32,
    /// First 200 characters of the text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text_preview: Option<String>,
    /// Error text on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Tokens used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
}

/// A call listed by `act.started`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActToolCall {
    /// Call id.
    pub id: String,
    /// Tool name.
    pub name: String,
    /// Human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// `act.started`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActStartedData {
    /// The calls of this batch.
    pub tool_calls: Vec<ActToolCall>,
}

/// `tool.started`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolStartedData {
    /// The call.
    pub tool_call: ToolCall,
    /// Human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

/// `tool.output.delta`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolOutputDeltaData {
    /// The call.
    pub tool_call_id: String,
    /// Tool name.
    pub tool_name: String,
    /// New output.
    pub delta: String,
    /// `stdout` or `stderr`.
    #[serde(default)]
    pub stream: String,
}

string_enum! {
    /// Outcome of one tool call.
    pub enum ToolStatus {
        /// The tool returned a result.
        Success = "success",
        /// The tool failed (the model sees the error).
        Error = "error",
        /// The tool ran past its timeout.
        Timeout = "timeout",
        /// The turn was cancelled while the tool ran.
        Cancelled = "cancelled",
    }
}

/// `tool.completed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolCompletedData {
    /// The call.
    pub tool_call_id: String,
    /// Tool name.
    pub tool_name: String,
    /// True when `status` is `success`.
    pub success: bool,
    /// Outcome.
    pub status: ToolStatus,
    /// Result parts on success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Vec<ContentPart>>,
    /// Error text on failure.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Capability that provided the tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability_id: Option<String>,
}

/// `tool.call_requested`: the turn waits for the caller to answer these calls (client-side
/// tool results, tool approvals, `ask_user` question sets).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ToolCallRequestedData {
    /// The turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
    /// The calls the caller must answer, in the model's call order.
    #[serde(default, deserialize_with = "null_default")]
    pub tool_calls: Vec<ToolCall>,
    /// When the turn stops waiting and fails (`error_code: tool_results_timeout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// `act.completed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ActCompletedData {
    /// Whether every call finished.
    pub completed: bool,
    /// Calls that succeeded.
    pub success_count: u32,
    /// Calls that failed.
    pub error_count: u32,
    /// Wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
}

/// `file.written`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileWrittenData {
    /// Stored path, e.g. `/notes.md`.
    pub path: String,
    /// `write`, `edit`, `delete`, …
    pub operation: String,
    /// True when the file did not exist before.
    pub created: bool,
    /// Size after the write.
    pub size_bytes: u64,
}

/// `turn.completed` (terminal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TurnCompletedData {
    /// The turn.
    pub turn_id: String,
    /// Reason→act iterations used.
    pub iterations: u32,
    /// Wall time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ms: Option<u64>,
    /// Tokens used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// The final agent message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_message_id: Option<String>,
    /// Start of the final answer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub final_answer_preview: Option<String>,
    /// LLM calls made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm_call_count: Option<u32>,
    /// Tool calls made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_call_count: Option<u32>,
}

/// `turn.failed` (terminal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TurnFailedData {
    /// The turn.
    pub turn_id: String,
    /// User-safe error text.
    pub error: String,
    /// Stable code: `llm_error`, `max_iterations`, …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

/// `turn.cancelled` (terminal).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TurnCancelledData {
    /// The turn.
    pub turn_id: String,
    /// Why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Tokens used before the cancel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
}

/// `session.idled`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionIdledData {
    /// The turn that ended.
    pub turn_id: String,
    /// Iterations of that turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iterations: Option<u32>,
    /// Tokens used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
}

/// `connected`: `{"status":"connected"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConnectedData {
    /// Always `connected`.
    #[serde(default)]
    pub status: String,
}

/// `disconnecting`: `{"reason":"connection_cycle","retry_ms":100}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DisconnectingData {
    /// `connection_cycle`, `server_shutdown`, …
    #[serde(default)]
    pub reason: String,
    /// Delay before reconnecting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_ms: Option<u64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn typed_round_trip() {
        let p = EventPayload::from(TurnFailedData {
            turn_id: "turn_1".into(),
            error: "boom".into(),
            error_code: Some("llm_error".into()),
        });
        let (ty, data) = p.to_wire();
        assert_eq!(ty, "turn.failed");
        assert_eq!(EventPayload::from_wire(&ty, &data), p);
    }

    #[test]
    fn malformed_payload_stays_raw() {
        let p = EventPayload::from_wire("tool.completed", &json!({"tool_name": 3}));
        assert!(matches!(p, EventPayload::Unknown { .. }));
        let p = EventPayload::from_wire(
            "output.message.delta",
            &json!({"turn_id":"t","delta":"a b\n"}),
        );
        match p {
            EventPayload::OutputMessageDelta(d) => assert_eq!(d.delta, "a b\n"),
            other => panic!("{other:?}"),
        }
    }
}
