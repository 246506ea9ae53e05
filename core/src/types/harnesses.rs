//! Harnesses: the base environment of agents and sessions (docs/wire.md#7).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::{null_default, CapabilityRef, InitialFile, NetworkAccess, ResourceStatus};

/// A harness: base prompt, capabilities and starter files. The built-in `generic` harness is
/// the default of every agent and session.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Harness {
    /// `harness_<32hex>`.
    pub id: String,
    /// Addressable slug.
    pub name: String,
    /// Human label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// What the harness is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Base system prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Capabilities every session of this harness gets.
    #[serde(default, deserialize_with = "null_default")]
    pub capabilities: Vec<CapabilityRef>,
    /// Default model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_model_id: Option<String>,
    /// Starter files.
    #[serde(default, deserialize_with = "null_default")]
    pub initial_files: Vec<InitialFile>,
    /// Tags.
    #[serde(default, deserialize_with = "null_default")]
    pub tags: Vec<String>,
    /// True for harnesses shipped with the server.
    #[serde(default)]
    pub is_built_in: bool,
    /// Parent harness for inheritance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_harness_id: Option<String>,
    /// Whether tool calls may run in parallel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parallel_tool_calls: Option<bool>,
    /// Network allow/block lists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub network_access: Option<NetworkAccess>,
    /// Lifecycle status.
    pub status: ResourceStatus,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
    /// Absolute API URL of this resource (upstream's `self_url`).
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
    /// Sessions running on this harness (upstream's `session_count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub session_count: Option<u64>,
    /// Apps using this resource: always 0 (this server has no apps; upstream's `app_count`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub app_count: Option<u64>,
}

/// Query of `GET /v1/harnesses`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ListHarnessesParams {
    /// Substring of name or description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Include archived harnesses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_archived: Option<bool>,
}
