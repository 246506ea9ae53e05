//! Capabilities: modular units that add tools and prompt text (docs/wire.md#9).

use serde::{Deserialize, Serialize};

use super::common::null_default;

/// A tool a capability provides, as listed by `GET /v1/capabilities`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapabilityToolInfo {
    /// Tool name as the model sees it.
    pub name: String,
    /// What the tool does.
    #[serde(default)]
    pub description: String,
    /// JSON Schema of the arguments.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parameters: Option<serde_json::Value>,
}

/// A capability as listed by the server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CapabilityInfo {
    /// Capability id, e.g. `session_file_system`.
    pub id: String,
    /// Human name.
    pub name: String,
    /// What it does.
    #[serde(default)]
    pub description: String,
    /// `active` for usable capabilities.
    #[serde(default = "active")]
    pub status: String,
    /// Grouping label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// Capabilities included automatically with this one.
    #[serde(default, deserialize_with = "null_default")]
    pub dependencies: Vec<String>,
    /// Other ids that name this capability (e.g. `file_system`).
    #[serde(default, deserialize_with = "null_default")]
    pub aliases: Vec<String>,
    /// Prompt text the capability adds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system_prompt: Option<String>,
    /// Tools the capability provides.
    #[serde(default, deserialize_with = "null_default")]
    pub tool_definitions: Vec<CapabilityToolInfo>,
    /// True when the capability needs outbound network access.
    #[serde(default)]
    pub requires_network: bool,
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
}

fn active() -> String {
    "active".to_string()
}

/// Query of `GET /v1/capabilities`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams, utoipa::ToSchema))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ListCapabilitiesParams {
    /// Substring of id, name or description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Items to skip.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
    /// Page size, 1..=100.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<u64>,
}
