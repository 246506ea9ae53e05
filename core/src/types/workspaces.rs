//! Workspaces (a set of files that sessions work in) and memories (files mounted read-only into
//! the sessions of the agents that list them). Shapes follow upstream Everruns 0.3
//! (docs/workspaces.md).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A workspace: the files of one or more sessions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Workspace {
    /// `wsp_<32hex>`. A session's default workspace has the session's hex.
    pub id: String,
    /// Human name.
    pub name: String,
    /// What the workspace is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `active` or `archived`.
    pub status: String,
    /// The session this is the default workspace of (absent for workspaces made with
    /// `POST /v1/workspaces`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
    /// When the workspace was archived.
    #[serde(default)]
    pub archived_at: Option<DateTime<Utc>>,
    /// Always null (workspaces are archived, never deleted).
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Body of `POST /v1/workspaces`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateWorkspaceRequest {
    /// Human name (1–256 bytes).
    pub name: String,
    /// What the workspace is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Body of `PATCH /v1/workspaces/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateWorkspaceRequest {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// `active` or `archived`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// A memory: a named set of files, attached to agents by `memory_ids`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Memory {
    /// `mem_<32hex>`.
    pub id: String,
    /// Human name; also the directory the memory is mounted at (`/memories/{name}`).
    pub name: String,
    /// What the memory holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Where the files come from. This server supports `manual` (files written through the
    /// API) only.
    pub source_type: String,
    /// Source configuration: `{"provider": "manual"}`.
    pub source: serde_json::Value,
    /// Whether sessions see the memory read-only (always true here).
    pub is_readonly: bool,
    /// Sync state of a remote source (`idle` for manual memories).
    pub sync_status: String,
    /// Last sync error (never set for manual memories).
    #[serde(default)]
    pub last_sync_error: Option<String>,
    /// Last successful sync (never set for manual memories).
    #[serde(default)]
    pub last_synced_at: Option<DateTime<Utc>>,
    /// `active` or `archived`.
    pub status: String,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
    /// When the memory was archived.
    #[serde(default)]
    pub archived_at: Option<DateTime<Utc>>,
    /// Always null (memories are archived, never deleted).
    #[serde(default)]
    pub deleted_at: Option<DateTime<Utc>>,
}

/// Body of `POST /v1/memories`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateMemoryRequest {
    /// Human name (1–256 bytes, no `/`).
    pub name: String,
    /// What the memory holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Source: absent or `{"provider": "manual"}`; `git`/`github` sources are refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<serde_json::Value>,
}

/// Body of `PATCH /v1/memories/{id}`: only the fields present change.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMemoryRequest {
    /// New name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// New description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// New source (only `manual` is supported).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<serde_json::Value>,
}

/// A memory file with its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemoryFile {
    /// Canonical path (`/facts/a.md`).
    pub path: String,
    /// Content, as `encoding` says.
    pub content: String,
    /// `text` or `base64`.
    pub encoding: String,
    /// Content size in bytes.
    pub size_bytes: u64,
    /// `sha256:<hex>` of the content.
    #[serde(default)]
    pub content_hash: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
}

/// A memory file or directory, without content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemoryFileInfo {
    /// Canonical path.
    pub path: String,
    /// Whether this is a directory.
    pub is_directory: bool,
    /// Content size in bytes (0 for directories).
    pub size_bytes: u64,
    /// `sha256:<hex>` of a file's content.
    #[serde(default)]
    pub content_hash: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
}

/// A memory file whose content matches a grep pattern.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemoryGrepResult {
    /// Canonical path.
    pub path: String,
    /// Content size in bytes.
    pub size_bytes: u64,
}

/// Body of `POST /v1/memories/{id}/fs/{path}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateMemoryFileRequest {
    /// Content (default empty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// `text` (default) or `base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<super::FileEncoding>,
    /// Create a directory instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_directory: Option<bool>,
}

/// Body of `PUT /v1/memories/{id}/fs/{path}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMemoryFileRequest {
    /// New content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// `text` (default) or `base64`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<super::FileEncoding>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_reads_upstream_shape() {
        let w: Workspace = serde_json::from_str(
            r#"{"id":"wsp_1","name":"n","status":"active","created_at":"2026-01-01T00:00:00Z",
                "updated_at":"2026-01-01T00:00:00Z","archived_at":null,"deleted_at":null}"#,
        )
        .unwrap();
        assert_eq!(w.name, "n");
        let v = serde_json::to_value(&w).unwrap();
        assert!(v.get("deleted_at").is_some() && v.get("session_id").is_none());
    }
}
