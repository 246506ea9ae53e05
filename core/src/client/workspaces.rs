//! `client.workspaces()`, `client.workspace_files()` and `client.memories()`: upstream 0.3's
//! workspace and memory routes (`/v1/workspaces…`, `/v1/memories…`, docs/workspaces.md).
//!
//! Paths are checked before anything is sent (no `..`/`.` segments, NUL or backslashes; a
//! top-level `_` segment is reserved) and sent segment by segment, percent-encoded.

use reqwest::Method;

use super::transport::Call;
use super::{Error, Everruns, Result};
use crate::ids::{self, IdKind};
use crate::types::{
    normalize_path, CreateFileRequest, CreateMemoryFileRequest, CreateMemoryRequest,
    CreateWorkspaceRequest, DeleteFileResponse, FileInfo, FileStat, GrepRequest, GrepResult,
    ListResponse, Memory, MemoryFile, MemoryFileInfo, MemoryGrepResult, MoveFileRequest,
    SessionFile, StatRequest, UpdateFileRequest, UpdateMemoryFileRequest, UpdateMemoryRequest,
    UpdateWorkspaceRequest, Workspace,
};

/// Checks `path` and splits it into URL segments.
fn segments(path: &str) -> Result<Vec<String>> {
    normalize_path(path)?;
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if segs.first().is_some_and(|s| s == "_") {
        return Err(Error::validation(format!(
            "invalid path {path:?}: a top-level `_` segment is reserved"
        )));
    }
    Ok(segs)
}

fn decode_err(e: serde_json::Error) -> Error {
    Error::Decode {
        status: None,
        message: e.to_string(),
        request_id: None,
    }
}

fn list_query(search: Option<&str>, include_archived: Option<bool>) -> Vec<(&'static str, String)> {
    let mut q = Vec::new();
    if let Some(s) = search {
        q.push(("search", s.to_string()));
    }
    if let Some(a) = include_archived {
        q.push(("include_archived", a.to_string()));
    }
    q
}

/// Workspaces: sets of files that sessions work in.
#[derive(Debug, Clone)]
pub struct WorkspacesClient {
    client: Everruns,
}

impl WorkspacesClient {
    pub(crate) fn new(client: Everruns) -> Self {
        Self { client }
    }

    /// Workspaces, newest first (`search`: name or description; archived ones with
    /// `include_archived`).
    pub async fn list(
        &self,
        search: Option<&str>,
        include_archived: Option<bool>,
    ) -> Result<Vec<Workspace>> {
        let url = self
            .client
            .url_with_query(&["workspaces"], &list_query(search, include_archived));
        let r: ListResponse<Workspace> = self.client.get_json(url).await?;
        Ok(r.data)
    }

    /// Creates a workspace.
    pub async fn create(&self, req: CreateWorkspaceRequest) -> Result<Workspace> {
        if req.name.trim().is_empty() {
            return Err(Error::validation("a workspace needs a name"));
        }
        let url = self.client.url(&["workspaces"]);
        self.client.send_json(Method::POST, url, &req, false).await
    }

    /// A workspace by id.
    pub async fn get(&self, workspace_id: &str) -> Result<Workspace> {
        ids::validate(IdKind::Workspace, workspace_id)?;
        self.client
            .get_json(self.client.url(&["workspaces", workspace_id]))
            .await
    }

    /// Changes a workspace's name, description or status (`active` / `archived`).
    pub async fn update(
        &self,
        workspace_id: &str,
        req: UpdateWorkspaceRequest,
    ) -> Result<Workspace> {
        ids::validate(IdKind::Workspace, workspace_id)?;
        let url = self.client.url(&["workspaces", workspace_id]);
        self.client.send_json(Method::PATCH, url, &req, true).await
    }

    /// Archives a workspace.
    pub async fn delete(&self, workspace_id: &str) -> Result<()> {
        ids::validate(IdKind::Workspace, workspace_id)?;
        self.client
            .delete_empty(self.client.url(&["workspaces", workspace_id]))
            .await
    }
}

/// The files of a workspace (`/v1/workspaces/{id}/fs…`).
#[derive(Debug, Clone)]
pub struct WorkspaceFilesClient {
    client: Everruns,
}

impl WorkspaceFilesClient {
    pub(crate) fn new(client: Everruns) -> Self {
        Self { client }
    }

    fn url(
        &self,
        workspace_id: &str,
        tail: &[String],
        query: &[(&str, String)],
    ) -> Result<url::Url> {
        ids::validate(IdKind::Workspace, workspace_id)?;
        let mut segs: Vec<&str> = vec!["workspaces", workspace_id, "fs"];
        segs.extend(tail.iter().map(String::as_str));
        Ok(self.client.url_with_query(&segs, query))
    }

    fn op_url(&self, workspace_id: &str, op: &str) -> Result<url::Url> {
        self.url(workspace_id, &["_".to_string(), op.to_string()], &[])
    }

    /// Entries of a directory (the root by default; all descendants with `recursive`). A
    /// file gives that one entry.
    pub async fn list(
        &self,
        workspace_id: &str,
        path: &str,
        recursive: bool,
    ) -> Result<Vec<FileInfo>> {
        let q = if recursive {
            vec![("recursive", "true".to_string())]
        } else {
            Vec::new()
        };
        let url = self.url(workspace_id, &segments(path)?, &q)?;
        let v: serde_json::Value = self.client.get_json(url).await?;
        match v.get("data") {
            Some(d) => serde_json::from_value(d.clone()).map_err(decode_err),
            None => {
                let f: SessionFile = serde_json::from_value(v).map_err(decode_err)?;
                Ok(vec![FileInfo {
                    id: f.id,
                    session_id: f.session_id,
                    path: f.path,
                    name: f.name,
                    is_directory: f.is_directory,
                    is_readonly: f.is_readonly,
                    size_bytes: f.size_bytes,
                    created_at: f.created_at,
                    updated_at: f.updated_at,
                }])
            }
        }
    }

    /// A file with its content.
    pub async fn read(&self, workspace_id: &str, path: &str) -> Result<SessionFile> {
        let url = self.url(workspace_id, &segments(path)?, &[])?;
        let v: serde_json::Value = self.client.get_json(url).await?;
        if v.get("data").is_some() {
            return Err(Error::validation(format!(
                "{path} is a directory; use list to see its entries"
            )));
        }
        serde_json::from_value(v).map_err(decode_err)
    }

    /// Creates a file (parents too); a conflict error when it exists.
    pub async fn create(
        &self,
        workspace_id: &str,
        path: &str,
        req: CreateFileRequest,
    ) -> Result<SessionFile> {
        let url = self.url(workspace_id, &segments(path)?, &[])?;
        self.client.send_json(Method::POST, url, &req, false).await
    }

    /// Creates a directory (parents too).
    pub async fn create_dir(&self, workspace_id: &str, path: &str) -> Result<SessionFile> {
        let req = CreateFileRequest {
            is_directory: Some(true),
            ..Default::default()
        };
        self.create(workspace_id, path, req).await
    }

    /// Replaces a file's content and/or read-only flag.
    pub async fn update(
        &self,
        workspace_id: &str,
        path: &str,
        req: UpdateFileRequest,
    ) -> Result<SessionFile> {
        let url = self.url(workspace_id, &segments(path)?, &[])?;
        self.client.send_json(Method::PUT, url, &req, true).await
    }

    /// Deletes a file or (with `recursive`) a directory.
    pub async fn delete(&self, workspace_id: &str, path: &str, recursive: bool) -> Result<bool> {
        let q = if recursive {
            vec![("recursive", "true".to_string())]
        } else {
            Vec::new()
        };
        let url = self.url(workspace_id, &segments(path)?, &q)?;
        let r: DeleteFileResponse = self
            .client
            .call(Call::new(Method::DELETE, url).idempotent(true))
            .await?
            .json()?;
        Ok(r.deleted)
    }

    async fn move_or_copy(
        &self,
        workspace_id: &str,
        op: &str,
        src: &str,
        dst: &str,
    ) -> Result<SessionFile> {
        segments(src)?;
        segments(dst)?;
        let body = MoveFileRequest {
            src_path: src.to_string(),
            dst_path: dst.to_string(),
        };
        let url = self.op_url(workspace_id, op)?;
        self.client.send_json(Method::POST, url, &body, false).await
    }

    /// Moves (renames) a file or directory.
    pub async fn move_file(
        &self,
        workspace_id: &str,
        src_path: &str,
        dst_path: &str,
    ) -> Result<SessionFile> {
        self.move_or_copy(workspace_id, "move", src_path, dst_path)
            .await
    }

    /// Copies a file.
    pub async fn copy_file(
        &self,
        workspace_id: &str,
        src_path: &str,
        dst_path: &str,
    ) -> Result<SessionFile> {
        self.move_or_copy(workspace_id, "copy", src_path, dst_path)
            .await
    }

    /// Searches file contents with a regular expression.
    pub async fn grep(&self, workspace_id: &str, req: GrepRequest) -> Result<Vec<GrepResult>> {
        let url = self.op_url(workspace_id, "grep")?;
        let r: ListResponse<GrepResult> =
            self.client.send_json(Method::POST, url, &req, true).await?;
        Ok(r.data)
    }

    /// Metadata of a file or directory.
    pub async fn stat(&self, workspace_id: &str, path: &str) -> Result<FileStat> {
        segments(path)?;
        let url = self.op_url(workspace_id, "stat")?;
        let body = StatRequest {
            path: path.to_string(),
        };
        self.client.send_json(Method::POST, url, &body, true).await
    }
}

/// Memories: files mounted read-only into the sessions of agents that list them.
#[derive(Debug, Clone)]
pub struct MemoriesClient {
    client: Everruns,
}

impl MemoriesClient {
    pub(crate) fn new(client: Everruns) -> Self {
        Self { client }
    }

    fn fs_url(&self, memory_id: &str, tail: &[String]) -> Result<url::Url> {
        ids::validate(IdKind::Memory, memory_id)?;
        let mut segs: Vec<&str> = vec!["memories", memory_id, "fs"];
        segs.extend(tail.iter().map(String::as_str));
        Ok(self.client.url(&segs))
    }

    /// Memories, newest first.
    pub async fn list(
        &self,
        search: Option<&str>,
        include_archived: Option<bool>,
    ) -> Result<Vec<Memory>> {
        let url = self
            .client
            .url_with_query(&["memories"], &list_query(search, include_archived));
        let r: ListResponse<Memory> = self.client.get_json(url).await?;
        Ok(r.data)
    }

    /// Creates a memory (source `manual`).
    pub async fn create(&self, req: CreateMemoryRequest) -> Result<Memory> {
        if req.name.trim().is_empty() {
            return Err(Error::validation("a memory needs a name"));
        }
        let url = self.client.url(&["memories"]);
        self.client.send_json(Method::POST, url, &req, false).await
    }

    /// A memory by id.
    pub async fn get(&self, memory_id: &str) -> Result<Memory> {
        ids::validate(IdKind::Memory, memory_id)?;
        self.client
            .get_json(self.client.url(&["memories", memory_id]))
            .await
    }

    /// Changes a memory's name or description.
    pub async fn update(&self, memory_id: &str, req: UpdateMemoryRequest) -> Result<Memory> {
        ids::validate(IdKind::Memory, memory_id)?;
        let url = self.client.url(&["memories", memory_id]);
        self.client.send_json(Method::PATCH, url, &req, true).await
    }

    /// Archives a memory.
    pub async fn delete(&self, memory_id: &str) -> Result<()> {
        ids::validate(IdKind::Memory, memory_id)?;
        self.client
            .delete_empty(self.client.url(&["memories", memory_id]))
            .await
    }

    /// Syncs a memory from its remote source (the reference server refuses: it stores
    /// manual memories only).
    pub async fn sync(&self, memory_id: &str) -> Result<Memory> {
        ids::validate(IdKind::Memory, memory_id)?;
        let url = self.client.url(&["memories", memory_id, "sync"]);
        self.client
            .send_json(Method::POST, url, &serde_json::json!({}), false)
            .await
    }

    /// Entries of the memory's root directory.
    pub async fn list_files(&self, memory_id: &str) -> Result<Vec<MemoryFileInfo>> {
        let r: ListResponse<MemoryFileInfo> =
            self.client.get_json(self.fs_url(memory_id, &[])?).await?;
        Ok(r.data)
    }

    /// A memory file with its content.
    pub async fn read_file(&self, memory_id: &str, path: &str) -> Result<MemoryFile> {
        let url = self.fs_url(memory_id, &segments(path)?)?;
        self.client.get_json(url).await
    }

    /// Creates a memory file (parents too).
    pub async fn create_file(
        &self,
        memory_id: &str,
        path: &str,
        req: CreateMemoryFileRequest,
    ) -> Result<MemoryFileInfo> {
        let url = self.fs_url(memory_id, &segments(path)?)?;
        self.client.send_json(Method::POST, url, &req, false).await
    }

    /// Creates a memory directory.
    pub async fn create_dir(&self, memory_id: &str, path: &str) -> Result<MemoryFileInfo> {
        let req = CreateMemoryFileRequest {
            is_directory: Some(true),
            ..Default::default()
        };
        self.create_file(memory_id, path, req).await
    }

    /// Replaces a memory file's content.
    pub async fn update_file(
        &self,
        memory_id: &str,
        path: &str,
        req: UpdateMemoryFileRequest,
    ) -> Result<MemoryFile> {
        let url = self.fs_url(memory_id, &segments(path)?)?;
        self.client.send_json(Method::PUT, url, &req, true).await
    }

    /// Deletes a memory file or empty directory.
    pub async fn delete_file(&self, memory_id: &str, path: &str) -> Result<()> {
        let url = self.fs_url(memory_id, &segments(path)?)?;
        self.client.delete_empty(url).await
    }

    /// Files whose content matches a regular expression.
    pub async fn grep_files(
        &self,
        memory_id: &str,
        req: GrepRequest,
    ) -> Result<Vec<MemoryGrepResult>> {
        let url = self.fs_url(memory_id, &["_".into(), "grep".into()])?;
        let r: ListResponse<MemoryGrepResult> =
            self.client.send_json(Method::POST, url, &req, true).await?;
        Ok(r.data)
    }

    /// Metadata of a memory file or directory.
    pub async fn stat_file(&self, memory_id: &str, path: &str) -> Result<MemoryFileInfo> {
        segments(path)?;
        let url = self.fs_url(memory_id, &["_".into(), "stat".into()])?;
        let body = StatRequest {
            path: path.to_string(),
        };
        self.client.send_json(Method::POST, url, &body, true).await
    }
}
