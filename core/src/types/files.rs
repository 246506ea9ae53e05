//! Session filesystem objects (docs/wire.md#18, docs/decisions.md#2, #3, #11, #14).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::common::FileEncoding;

/// A listing entry (no content).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileInfo {
    /// File id.
    #[serde(default)]
    pub id: String,
    /// The prefixed session id (DECISIONS #14).
    #[serde(default)]
    pub session_id: String,
    /// Absolute stored path, e.g. `/notes.md`.
    pub path: String,
    /// Last path segment.
    pub name: String,
    /// True for directories.
    pub is_directory: bool,
    /// True when writes and deletes are refused.
    #[serde(default)]
    pub is_readonly: bool,
    /// Size in bytes (0 for directories).
    #[serde(default)]
    pub size_bytes: u64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
}

/// A file with its content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SessionFile {
    /// File id.
    #[serde(default)]
    pub id: String,
    /// The prefixed session id.
    #[serde(default)]
    pub session_id: String,
    /// Absolute stored path.
    pub path: String,
    /// Last path segment.
    pub name: String,
    /// True for directories.
    pub is_directory: bool,
    /// True when writes and deletes are refused.
    #[serde(default)]
    pub is_readonly: bool,
    /// Size in bytes.
    #[serde(default)]
    pub size_bytes: u64,
    /// Text, or base64 when `encoding` is `base64`; `null` for directories.
    #[serde(default)]
    pub content: Option<String>,
    /// Content encoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<FileEncoding>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
}

/// What `stat` returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FileStat {
    /// Absolute stored path.
    pub path: String,
    /// Last path segment.
    pub name: String,
    /// True for directories.
    pub is_directory: bool,
    /// True when read-only.
    #[serde(default)]
    pub is_readonly: bool,
    /// Size in bytes.
    #[serde(default)]
    pub size_bytes: u64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
}

/// Body of `POST …/fs/{path}`: a file (default) or, with `is_directory`, a directory.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateFileRequest {
    /// Content (text or base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Content encoding (default text).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<FileEncoding>,
    /// Create the file read-only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_readonly: Option<bool>,
    /// Create a directory instead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_directory: Option<bool>,
}

/// Body of `PUT …/fs/{path}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateFileRequest {
    /// New content.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// Content encoding.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoding: Option<FileEncoding>,
    /// New read-only flag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub is_readonly: Option<bool>,
}

/// Body of `POST …/fs/_/move` and `…/_/copy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MoveFileRequest {
    /// Source path.
    pub src_path: String,
    /// Destination path (must not exist).
    pub dst_path: String,
}

/// Body of `POST …/fs/_/grep`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrepRequest {
    /// Regular expression (Rust `regex` syntax).
    pub pattern: String,
    /// Glob on paths, e.g. `**/*.md`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path_pattern: Option<String>,
}

/// One matching line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrepMatch {
    /// File path.
    pub path: String,
    /// 1-based line number.
    pub line_number: u64,
    /// The line.
    pub line: String,
}

/// Matches in one file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GrepResult {
    /// File path.
    pub path: String,
    /// Matching lines.
    #[serde(default)]
    pub matches: Vec<GrepMatch>,
}

/// Body of `POST …/fs/_/stat`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatRequest {
    /// The path.
    pub path: String,
}

/// Response of `DELETE …/fs/{path}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DeleteFileResponse {
    /// True when something was deleted.
    pub deleted: bool,
}

/// Normalises a filesystem path per docs/decisions.md#3: adds a leading `/`, treats a leading
/// `/workspace` segment as the root, drops trailing and duplicate `/`, and rejects `..`, `.`,
/// NUL and backslashes. Returns the stored form (`/a/b.md`, or `/` for the root).
pub fn normalize_path(input: &str) -> Result<String, PathError> {
    if input.contains('\0') {
        return Err(PathError::new(input, "contains a NUL byte"));
    }
    if input.contains('\\') {
        return Err(PathError::new(input, "contains a backslash"));
    }
    let mut segments: Vec<&str> = Vec::new();
    for seg in input.split('/') {
        match seg {
            "" => {}
            "." | ".." => return Err(PathError::new(input, "contains a '.' or '..' segment")),
            s => segments.push(s),
        }
    }
    if segments.first() == Some(&"workspace") {
        segments.remove(0);
    }
    Ok(format!("/{}", segments.join("/")))
}

/// A path that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid path {path:?}: {reason}")]
pub struct PathError {
    /// The rejected path (truncated).
    pub path: String,
    /// Why.
    pub reason: &'static str,
}

impl PathError {
    fn new(path: &str, reason: &'static str) -> Self {
        Self {
            path: path.chars().take(200).collect(),
            reason,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(normalize_path("/workspace").unwrap(), "/");
        assert_eq!(normalize_path("/workspace/").unwrap(), "/");
        assert_eq!(normalize_path("").unwrap(), "/");
        assert_eq!(normalize_path("/workspace/a.md").unwrap(), "/a.md");
        assert_eq!(normalize_path("a//b/").unwrap(), "/a/b");
        assert_eq!(normalize_path("/workspaces/a").unwrap(), "/workspaces/a");
        assert!(normalize_path("/a/../etc/passwd").is_err());
        assert!(normalize_path("..").is_err());
        assert!(normalize_path("/a\0b").is_err());
        assert!(normalize_path("a\\..\\b").is_err());
    }
}
