//! Sessions: a running conversation with a workspace of files (docs/wire.md#10).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{
    null_default, CapabilityRef, InitialFile, NetworkAccess, TokenUsage, ToolDefinition,
};
use super::event_data::ToolCall;
use super::interaction::{PendingQuestions, PendingToolApproval};

string_enum! {
    /// Session status (docs/decisions.md#12: the server emits only these four).
    pub enum SessionStatus {
        /// Created, no turn yet.
        Started = "started",
        /// A turn is running.
        Active = "active",
        /// The last turn ended.
        Idle = "idle",
        /// Paused until the client posts client-side tool results.
        WaitingForToolResults = "waitingfortoolresults",
    }
}

/// A session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Session {
    /// `session_<32hex>`.
    pub id: String,
    /// `org_<32hex>`.
    #[serde(default)]
    pub organization_id: String,
    /// The session's harness.
    #[serde(default)]
    pub harness_id: String,
    /// The session's agent, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// `wsp_<32hex>`: the workspace that owns the session's files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// BCP 47 locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Model override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// Prompt added to the agent's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Status.
    pub status: SessionStatus,
    /// Tags.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
    /// Capabilities added to the agent's and harness's.
    #[serde(default, deserialize_with = "null_default")]
    pub capabilities: Vec<CapabilityRef>,
    /// Client-side tools added to the agent's.
    #[serde(default, deserialize_with = "null_default")]
    pub tools: Vec<ToolDefinition>,
    /// Files seeded at creation.
    #[serde(default, deserialize_with = "null_default")]
    pub initial_files: Vec<InitialFile>,
    /// Iteration limit override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<u32>,
    /// Parallel-tools override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Network lists (can only narrow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<NetworkAccess>,
    /// Accumulated token usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// First user text, truncated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// Last agent text, truncated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_preview: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
    /// When the first turn started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub started_at: Option<DateTime<Utc>>,
    /// Absolute API URL of this session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub self_url: Option<String>,
    /// Absolute URL of this resource in the web console (upstream's `view_url`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub view_url: Option<String>,
    /// The same as `view_url` (upstream's alias for command and MCP outputs).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub ui_link: Option<String>,
    /// Client-side tool calls the waiting turn needs results for (`GET` only).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub pending_tool_calls: Vec<ToolCall>,
    /// Tool calls the waiting turn needs approved (`GET` only).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub pending_approvals: Vec<PendingToolApproval>,
    /// `ask_user` question sets the waiting turn needs answered (`GET` only).
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub pending_questions: Vec<PendingQuestions>,
    /// The agent version the session runs (`agentver_…`), recorded at creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_version_id: Option<String>,
    /// Whether the session is pinned (`PUT`/`DELETE /v1/sessions/{id}/pin`).
    #[serde(default)]
    pub is_pinned: bool,
}

/// Body of `POST /v1/sessions` (every field optional).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateSessionRequest {
    /// Agent by id (exclusive with `agent_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Agent by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_name: Option<String>,
    /// Harness by id (exclusive with `harness_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness_id: Option<String>,
    /// Harness by name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness_name: Option<String>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// BCP 47 locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Model override (`model_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_id: Option<String>,
    /// Prompt added to the agent's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Tags.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
    /// Extra capabilities.
    #[serde(default, deserialize_with = "null_default")]
    pub capabilities: Vec<CapabilityRef>,
    /// Extra client-side tools.
    #[serde(default, deserialize_with = "null_default")]
    pub tools: Vec<ToolDefinition>,
    /// Extra starter files (same path overrides the agent's).
    #[serde(default, deserialize_with = "null_default")]
    pub initial_files: Vec<InitialFile>,
    /// Iteration limit override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<u32>,
    /// Parallel-tools override.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Network lists (can only narrow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<NetworkAccess>,
    /// Work in this existing, active workspace (`wsp_…`) instead of a new default one, so
    /// several sessions share files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<String>,
}

/// Body of `PATCH /v1/sessions/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateSessionRequest {
    /// New title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// New locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Replaces the tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
}

/// Query of `GET /v1/sessions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ListSessionsParams {
    /// Only sessions of this agent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_id: Option<String>,
    /// Case-insensitive title substring.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Items to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Page size, 1..=100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

string_enum! {
    /// Outcome of `POST /v1/sessions/{id}/cancel`.
    pub enum CancelStatus {
        /// A running turn was cancelled.
        Cancelled = "cancelled",
        /// Nothing was running.
        NoOp = "no_op",
    }
}

/// Response of `POST /v1/sessions/{id}/cancel`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CancelTurnResponse {
    /// What happened.
    pub status: CancelStatus,
    /// Human-readable explanation.
    #[serde(default)]
    pub message: String,
    /// The cancelled turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub turn_id: Option<String>,
}
