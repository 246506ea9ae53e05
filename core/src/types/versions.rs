//! Agent versions, agent statistics and harness writes (upstream 0.3's shapes).

use serde::{Deserialize, Serialize};

use super::common::{null_default, CapabilityRef, InitialFile, NetworkAccess, ResourceStatus};

string_enum! {
    /// Why an agent version was made.
    pub enum AgentVersionChangeKind {
        /// Saved automatically by a change to the agent (create, update, `PUT`).
        Auto = "auto",
        /// Saved by `create_version` without a semver bump kind.
        Manual = "manual",
        /// Saved by `create_version`, bumping the patch number.
        Patch = "patch",
        /// Saved by `create_version`, bumping the minor number.
        Minor = "minor",
        /// Saved by `create_version`, bumping the major number.
        Major = "major",
        /// Saved by an agent-file import.
        Import = "import",
        /// Saved by `rollback_version`.
        Rollback = "rollback",
        /// The first version of an agent made by `fork_version` or `copy`.
        Fork = "fork",
    }
}

/// An immutable snapshot of an agent: what its author wrote and what a session runs (the
/// agent folded over its harness chain), with a content hash and the version it follows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentVersion {
    /// `agentver_<32hex>`.
    pub id: String,
    /// The agent.
    pub agent_id: String,
    /// 1, 2, 3… per agent.
    pub version_number: u64,
    /// `MAJOR.MINOR.PATCH`.
    pub version: String,
    /// Semver major number.
    pub semver_major: u64,
    /// Semver minor number.
    pub semver_minor: u64,
    /// Semver patch number.
    pub semver_patch: u64,
    /// Why it was made.
    pub change_kind: AgentVersionChangeKind,
    /// SHA-256 (hex) of the authored configuration's canonical JSON.
    pub config_hash: String,
    /// The agent's fields as written (name, prompt, harness, model, capabilities, tools…).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub authored_config: serde_json::Value,
    /// The configuration a session runs: the agent folded over its harness chain.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub resolved_config: serde_json::Value,
    /// The version this one follows (the agent's previous version).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_version_id: Option<String>,
    /// The version it was restored or forked from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_version_id: Option<String>,
    /// A note given with `create_version`/`rollback_version`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
    /// The `Everruns-Change-Reason` of the request that made it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_reason: Option<String>,
    /// Whether it is the agent's default version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_published: Option<bool>,
    /// Creation time.
    pub created_at: chrono::DateTime<chrono::Utc>,
}

/// Body of `POST /v1/agents/{agent_id}/versions`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateAgentVersionRequest {
    /// `manual` (default), `patch`, `minor` or `major`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub change_kind: Option<AgentVersionChangeKind>,
    /// A note stored with the version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// Body of `POST /v1/agents/{agent_id}/versions/default`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetDefaultAgentVersionRequest {
    /// A version of this agent.
    pub version_id: String,
}

/// Body of `POST /v1/agents/{agent_id}/versions/{version_id}/fork`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ForkAgentVersionRequest {
    /// The new agent's name (a slug, unused).
    pub name: String,
    /// The new agent's label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The new agent's description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Body of `POST /v1/agents/{agent_id}/versions/{version_id}/rollback`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RollbackAgentVersionRequest {
    /// Record the restored configuration as a new version (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub save_version: Option<bool>,
    /// A note stored with that version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<String>,
}

/// One changed field between two versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConfigFieldChange {
    /// Top-level field name.
    pub field: String,
    /// Its value in the first version (absent: not set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub from: Option<serde_json::Value>,
    /// Its value in the second version (absent: not set).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub to: Option<serde_json::Value>,
}

/// `GET /v1/agents/{agent_id}/versions/{from}/diff/{to}`: the fields that differ.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgentVersionDiffResponse {
    /// The first version.
    pub from_version_id: String,
    /// The second version.
    pub to_version_id: String,
    /// Changed fields of the authored configuration, in field order.
    #[serde(default, deserialize_with = "null_default")]
    pub authored_diff: Vec<ConfigFieldChange>,
    /// Changed fields of the resolved configuration, in field order.
    #[serde(default, deserialize_with = "null_default")]
    pub resolved_diff: Vec<ConfigFieldChange>,
}

/// `GET /v1/agents/{agent_id}/stats`: aggregates over the agent's sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResourceStats {
    /// Sessions of the agent.
    pub session_count: u64,
    /// Sessions running a turn.
    pub active_session_count: u64,
    /// Sessions waiting for input.
    pub idle_session_count: u64,
    /// Sessions created but never run.
    pub started_session_count: u64,
    /// Sessions waiting for client-side tool results.
    pub waiting_for_tool_results_session_count: u64,
    /// Turns run.
    pub execution_count: u64,
    /// Input tokens over all sessions.
    pub total_input_tokens: u64,
    /// Output tokens over all sessions.
    pub total_output_tokens: u64,
    /// Cache read tokens over all sessions.
    pub total_cache_read_tokens: u64,
    /// Cache creation tokens over all sessions.
    pub total_cache_creation_tokens: u64,
    /// Summed session durations (creation to last update), milliseconds.
    pub total_session_duration_ms: u64,
    /// Mean session duration, milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avg_session_duration_ms: Option<u64>,
    /// First session's creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_session_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Last session's creation time.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_session_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Start of the last turn.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_execution_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// Body of `POST /v1/harnesses`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateHarnessRequest {
    /// Addressable slug, unique.
    pub name: String,
    /// Base system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// What the harness is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Default model (`model_…`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_model_id: Option<String>,
    /// Capabilities every session of this harness gets.
    #[serde(default, deserialize_with = "null_default")]
    pub capabilities: Vec<CapabilityRef>,
    /// Starter files.
    #[serde(default, deserialize_with = "null_default")]
    pub initial_files: Vec<InitialFile>,
    /// Network allow/block lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<NetworkAccess>,
    /// Parent harness to inherit from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_harness_id: Option<String>,
    /// Tags.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
}

/// Body of `PATCH /v1/harnesses/{harness_id}`: only the given fields change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateHarnessRequest {
    /// New slug.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New base system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// New label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New default model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_model_id: Option<String>,
    /// New capabilities.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capabilities: Option<Vec<CapabilityRef>>,
    /// New starter files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_files: Option<Vec<InitialFile>>,
    /// New network lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<NetworkAccess>,
    /// New parent harness.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_harness_id: Option<String>,
    /// New tags.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// `active`, `archived` or `deleted`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResourceStatus>,
}
