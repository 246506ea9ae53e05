//! Agents: configuration for the agentic loop (docs/wire.md#6).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{
    null_default, CapabilityRef, InitialFile, NetworkAccess, ResourceStatus, TokenUsage,
    ToolDefinition,
};

/// An agent: system prompt, default model and capabilities.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agent {
    /// `agent_<32hex>`.
    pub id: String,
    /// Addressable slug, unique per organization.
    pub name: String,
    /// Human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// What the agent is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The agent's instructions.
    #[serde(default)]
    pub system_prompt: String,
    /// The harness the agent runs in (defaults to the built-in `generic`).
    #[serde(default)]
    pub harness_id: String,
    /// Default model (`model_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_model_id: Option<String>,
    /// Lifecycle status.
    pub status: ResourceStatus,
    /// Free-form tags.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
    /// Enabled capabilities, in order.
    #[serde(default, deserialize_with = "null_default")]
    pub capabilities: Vec<CapabilityRef>,
    /// Client-side tools.
    #[serde(default, deserialize_with = "null_default")]
    pub tools: Vec<ToolDefinition>,
    /// Files seeded into every session of this agent.
    #[serde(default, deserialize_with = "null_default")]
    pub initial_files: Vec<InitialFile>,
    /// Maximum reason→act iterations per turn (default 100).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<u32>,
    /// Whether tool calls of one batch may run in parallel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Network allow/block lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<NetworkAccess>,
    /// Memories (`mem_…`) mounted read-only at `/memories/{name}` in the agent's sessions.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub memory_ids: Vec<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
    /// When the agent was archived.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archived_at: Option<DateTime<Utc>>,
    /// Accumulated token usage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<TokenUsage>,
    /// Number of sessions using this agent (list/get responses).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub session_count: Option<u64>,
    /// Absolute API URL of this agent.
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
    /// Apps using this resource: always 0 (this server has no apps; upstream's `app_count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub app_count: Option<u64>,
    /// The version new sessions of this agent record (`agentver_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_version_id: Option<String>,
    /// The agent this one was copied or forked from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forked_from_agent_id: Option<String>,
    /// The version this agent was forked from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forked_from_version_id: Option<String>,
}

/// Body of `POST /v1/agents` and `PUT /v1/agents/{id_or_name}` (create or upsert).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateAgentRequest {
    /// Client-chosen id: upsert by id when present.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Addressable slug (an existing agent with this name is updated).
    pub name: String,
    /// Human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// What the agent is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The agent's instructions.
    pub system_prompt: String,
    /// Harness by id (exclusive with `harness_name`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness_id: Option<String>,
    /// Harness by name (exclusive with `harness_id`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub harness_name: Option<String>,
    /// Default model (`model_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_model_id: Option<String>,
    /// Free-form tags.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
    /// Enabled capabilities, in order.
    #[serde(default, deserialize_with = "null_default")]
    pub capabilities: Vec<CapabilityRef>,
    /// Client-side tools.
    #[serde(default, deserialize_with = "null_default")]
    pub tools: Vec<ToolDefinition>,
    /// Files seeded into every session.
    #[serde(default, deserialize_with = "null_default")]
    pub initial_files: Vec<InitialFile>,
    /// Maximum iterations per turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<u32>,
    /// Whether tool calls may run in parallel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Network allow/block lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<NetworkAccess>,
    /// Memories (`mem_…`) mounted read-only at `/memories/{name}` in the agent's sessions.
    #[serde(
        default,
        deserialize_with = "null_default",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub memory_ids: Vec<String>,
}

impl CreateAgentRequest {
    /// A request with a name and system prompt; other fields default.
    pub fn new(name: impl Into<String>, system_prompt: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            system_prompt: system_prompt.into(),
            ..Default::default()
        }
    }
}

/// Body of `PATCH /v1/agents/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateAgentRequest {
    /// New slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// New default model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_model_id: Option<String>,
    /// Replaces the tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Replaces the capability list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<CapabilityRef>>,
    /// Replaces the client-side tools.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tools: Option<Vec<ToolDefinition>>,
    /// Replaces the initial files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_files: Option<Vec<InitialFile>>,
    /// New iteration limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_iterations: Option<u32>,
    /// New parallel-tools flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// New network lists (`{}` clears).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<NetworkAccess>,
    /// New status (`archived` = soft delete).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResourceStatus>,
    /// Replaces the attached memories (`mem_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_ids: Option<Vec<String>>,
}

/// Query of `GET /v1/agents`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ListAgentsParams {
    /// Case-insensitive substring of name, display name or description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Include archived agents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_archived: Option<bool>,
    /// Items to skip (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Page size, 1..=100 (default 20).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agent_decodes_minimal_and_extra_fields() {
        let json = r#"{"id":"agent_0190f3c2a7b87e1c9d2a5b6c7d8e9f01","name":"a","system_prompt":"p",
            "harness_id":"harness_0190f3c2a7b87e1c9d2a5b6c7d8e9f01","status":"active",
            "created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00.123Z",
            "tags":null,"capabilities":["web_fetch",{"ref":"current_time"}],"mcpServers":{},"app_count":0}"#;
        let a: Agent = serde_json::from_str(json).unwrap();
        assert!(a.tags.is_empty());
        assert_eq!(a.capabilities.len(), 2);
        assert_eq!(a.capabilities[0].r#ref, "web_fetch");
    }

    #[test]
    fn create_request_serialises_empty_arrays() {
        let v = serde_json::to_value(CreateAgentRequest::new("a", "p")).unwrap();
        assert_eq!(v["tags"], serde_json::json!([]));
        assert!(v.get("id").is_none());
    }
}
