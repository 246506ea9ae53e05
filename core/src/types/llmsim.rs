//! Scripts for the deterministic LLM simulator (`llmsim`), settable per session in dev mode
//! (`PUT /v1/sessions/{id}/llmsim`). Shared by the runtime, the server and every SDK's tests.

use serde::{Deserialize, Serialize};

use super::common::{empty_object, null_default};

/// A tool call the simulated model makes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimToolCall {
    /// Call id; generated (deterministically from the step position) when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Tool name, e.g. `write_file`.
    pub name: String,
    /// Arguments object.
    #[serde(default = "empty_object")]
    pub arguments: serde_json::Value,
}

string_enum! {
    /// A provider error the simulator injects.
    pub enum SimErrorKind {
        /// HTTP 429 from the provider.
        RateLimit = "rate_limit",
        /// HTTP 500 from the provider.
        ServerError = "server_error",
        /// The provider timed out.
        Timeout = "timeout",
    }
}

/// One reply of the simulated model: text, tool calls, both, or an injected error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SimStep {
    /// Text streamed as deltas (whitespace and newlines kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Thinking streamed before the text (`reason.thinking.*` events).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thinking: Option<String>,
    /// Tool calls returned after the text.
    #[serde(default, deserialize_with = "null_default")]
    pub tool_calls: Vec<SimToolCall>,
    /// Fail this call with a provider error instead of replying.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<SimErrorKind>,
    /// Delay before the first token, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay_ms: Option<u64>,
}

string_enum! {
    /// What the simulator does once every step was used.
    pub enum OnExhausted {
        /// Repeat the last step (default).
        RepeatLast = "repeat_last",
        /// Start again from the first step.
        Loop = "loop",
        /// Fail every further call with an error.
        Error = "error",
        /// Reply with the fixed fallback text.
        Fixed = "fixed",
    }
}

/// A per-session script for `llmsim`. Its position is persisted with the session, so a retried
/// step never skips or repeats a reply.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LlmSimScript {
    /// The replies, used one per LLM call, in order.
    #[serde(default, deserialize_with = "null_default")]
    pub steps: Vec<SimStep>,
    /// Behaviour after the last step (default `repeat_last`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub on_exhausted: Option<OnExhausted>,
    /// Delay between streamed text chunks, in milliseconds (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk_delay_ms: Option<u64>,
}
