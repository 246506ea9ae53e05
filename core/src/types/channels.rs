//! The Agent Execution API (upstream 0.3 names and shapes): `api` channels on an agent, the
//! agent keys that call them, and what a channel caller sees of its sessions.
//!
//! Management routes: `/v1/agents/{agent_id}/channels…`. Execution routes (agent URL):
//! `/v1/channels/{channel_id}…`, authenticated with `Authorization: Bearer evr_ak_…`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Prefix of every agent key secret.
pub const AGENT_KEY_PREFIX: &str = "evr_ak_";
/// Prefix of every runtime token (minted by `POST …/runtime-auth`).
pub const RUNTIME_TOKEN_PREFIX: &str = "evr_rt_";
/// Header a key with the `end_user` permission sends to act for one of its users.
pub const END_USER_HEADER: &str = "End-User";
/// Header that makes session create and message send idempotent on a channel.
pub const IDEMPOTENCY_KEY_HEADER: &str = "Idempotency-Key";
/// Longest `End-User` value.
pub const MAX_END_USER_CHARS: usize = 256;

/// An agent's channel (`appchan_…`). Only `channel_type: "api"` is served here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentChannel {
    /// `appchan_<32hex>`.
    pub id: String,
    /// The owning agent.
    #[serde(default)]
    pub agent_id: String,
    /// `api`.
    pub channel_type: String,
    /// The channel's settings (for `api`: [`ApiChannelConfig`]).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub channel_config: Value,
    /// `draft` (refuses traffic), `live` (published) or `disabled`.
    pub status: String,
    /// True unless disabled.
    #[serde(default)]
    pub enabled: bool,
    /// The agent URL callers use (`…/api/v1/channels/{id}`), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent_url: Option<String>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Settings of an `api` channel. Unknown fields are refused by the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiChannelConfig {
    /// What callers see of events: `messages` (agent text only), `activity` (default: text
    /// plus tool start/finish without names or arguments) or `full` (raw events).
    #[serde(default = "default_visibility")]
    pub visibility: String,
    /// How much a failure says: `public` (default: a public code and message) or `detailed`.
    #[serde(default = "default_errors")]
    pub errors: String,
    /// Who answers held-back tool calls: `operator` (default) or `caller`.
    #[serde(default = "default_tool_approvals")]
    pub tool_approvals: String,
    /// Text shown for tool activity in `activity` visibility (default `Working...`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tool_activity_text: Option<String>,
    /// Requests per minute per key (and end user); `None` or `0` is unlimited.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit_per_minute: Option<u32>,
}

fn default_visibility() -> String {
    "activity".into()
}
fn default_errors() -> String {
    "public".into()
}
fn default_tool_approvals() -> String {
    "operator".into()
}

impl Default for ApiChannelConfig {
    fn default() -> Self {
        Self {
            visibility: default_visibility(),
            errors: default_errors(),
            tool_approvals: default_tool_approvals(),
            tool_activity_text: None,
            rate_limit_per_minute: None,
        }
    }
}

/// `POST /v1/agents/{agent_id}/channels`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateAgentChannelRequest {
    /// `api` (the only type this server serves).
    pub channel_type: String,
    /// Channel settings (for `api`: [`ApiChannelConfig`]); defaults apply when omitted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub channel_config: Option<Value>,
}

/// `PATCH /v1/agents/{agent_id}/channels/{channel_id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateAgentChannelRequest {
    /// New settings (replace the old ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub channel_config: Option<Value>,
}

/// An agent key as management sees it; never carries the secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentKey {
    /// `agentkey_<32hex>`; stable across rotations.
    pub id: String,
    /// The channel the key calls.
    pub channel_id: String,
    /// Display name.
    pub name: String,
    /// Non-secret display prefix of the current secret (`evr_ak_1a2b3c4d...`).
    pub prefix: String,
    /// `sessions`, and `end_user` to act for the application's users.
    pub permissions: Vec<String>,
    /// When the key stops working, if ever.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Until when the secret replaced by the last rotation still works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_valid_until: Option<DateTime<Utc>>,
    /// Last successful use (written at most once a minute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<DateTime<Utc>>,
    /// When revoked; a revoked key never works again.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<DateTime<Utc>>,
    /// Created.
    pub created_at: DateTime<Utc>,
}

/// A key with its secret: returned once, by create and rotate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentKeyWithSecret {
    /// The key.
    #[serde(flatten)]
    pub key: AgentKey,
    /// The secret (`evr_ak_…`). Shown only in this response.
    pub secret: String,
}

/// `POST …/channels/{channel_id}/keys`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateAgentKeyRequest {
    /// Display name, e.g. the application holding the key.
    pub name: String,
    /// When the key stops working; omit for never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    /// Default `["sessions"]`; add `end_user` to allow the `End-User` header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub permissions: Option<Vec<String>>,
}

/// `POST …/keys/{key_id}/rotate`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RotateAgentKeyRequest {
    /// Hours the replaced secret keeps working (0 to 168, default 24).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub overlap_hours: Option<u32>,
}

/// `GET /v1/channels/{channel_id}`: what a caller needs to start talking to the agent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentCard {
    /// The agent's display name.
    pub name: String,
    /// The agent's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Events can be followed live (SSE).
    #[serde(default)]
    pub streaming: bool,
    /// Accepted input content (`text`).
    #[serde(default)]
    pub input: Vec<String>,
    /// Accepted credentials (`agent_key`, `runtime_token`).
    #[serde(default)]
    pub auth: Vec<String>,
    /// Suggested first messages.
    #[serde(default)]
    pub conversation_starters: Vec<String>,
    /// Where to go next (`sessions`: the sessions route).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub links: Value,
}

/// A session as a channel caller sees it: no instructions, tools or costs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentSession {
    /// `session_<32hex>`.
    pub id: String,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `started`, `active`, `idle`, `waitingfortoolresults`, …
    pub status: String,
    /// Outcome of the last finished turn: `completed`, `failed` or `cancelled`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_turn_status: Option<String>,
    /// Questions the agent is waiting on (`GET` of one session only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Object>>))]
    pub pending_questions: Option<Vec<Value>>,
    /// Tool calls waiting for an approval (`GET` of one session only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Object>>))]
    pub pending_approvals: Option<Vec<Value>>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// `GET /v1/channels/{channel_id}/sessions`: one page, most recent first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentSessionPage {
    /// The sessions.
    pub data: Vec<AgentSession>,
    /// Pass as `page_token` for the next page; absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_page_token: Option<String>,
}

/// `POST /v1/channels/{channel_id}/sessions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAgentSessionRequest {
    /// Title (≤ 200 characters).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// `POST /v1/channels/{channel_id}/runtime-auth`: a short-lived token for one end user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuntimeToken {
    /// The token (`evr_rt_…`), accepted by this channel's routes only.
    pub access_token: String,
    /// `Bearer`.
    pub token_type: String,
    /// Seconds until it expires.
    pub expires_in: u64,
    /// The end user it acts for.
    pub virtual_user_id: String,
}
