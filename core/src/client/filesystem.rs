//! `client.filesystem()` — a session's files (docs/wire.md#18, docs/decisions.md#2, #3).
//!
//! Paths keep the caller's form on the wire (`/workspace/notes.md`; the server treats a
//! leading `/workspace` as the root), each segment percent-encoded with `/` kept between
//! segments. Paths with `..`/`.` segments, NUL bytes or backslashes are rejected before
//! anything is sent.
//!
//! Routes: `/v1/sessions/{id}/fs…`. When a server answers 404/405 there and the root listing
//! is missing too, the client looks up the session's `workspace_id` and uses
//! `/v1/workspaces/{workspace_id}/fs…` from then on (decided once per session).

use reqwest::Method;
use serde::{Deserialize, Serialize};

use super::transport::{Call, Reply};
use super::{Error, Everruns, Result};
use crate::ids::{self, IdKind};
use crate::types::{
    normalize_path, CreateFileRequest, DeleteFileResponse, FileInfo, FileStat, GrepRequest,
    GrepResult, ListResponse, MoveFileRequest, SessionFile, StatRequest, UpdateFileRequest,
};

/// A directory listing (`client.filesystem().list(..)`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FileListing {
    /// The path that was listed, as given.
    pub path: String,
    /// The entries (no content).
    pub entries: Vec<FileInfo>,
}

/// What `GET …/fs/{path}` returned: a file or a directory listing.
#[derive(Debug, Clone, PartialEq)]
pub enum FsEntry {
    /// A file with its content.
    File(SessionFile),
    /// A directory's entries.
    Directory(FileListing),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FsRoute {
    Session,
    Workspace(String),
}

struct FsOp {
    method: Method,
    tail: Vec<String>,
    query: Vec<(&'static str, String)>,
    body: Option<serde_json::Value>,
    idempotent: bool,
}

impl FsOp {
    fn new(method: Method, tail: Vec<String>) -> Self {
        Self {
            method,
            tail,
            query: Vec::new(),
            body: None,
            idempotent: false,
        }
    }
}

/// Validates `path` and splits it into URL segments (caller's form kept).
fn segments(path: &str) -> Result<Vec<String>> {
    normalize_path(path)?;
    let segs: Vec<String> = path
        .split('/')
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    let first_real = if segs.first().is_some_and(|s| s == "workspace") {
        segs.get(1)
    } else {
        segs.first()
    };
    if first_real.is_some_and(|s| s == "_") {
        return Err(Error::validation(format!(
            "invalid path {path:?}: a top-level `_` segment is reserved"
        )));
    }
    Ok(segs)
}

fn checked(path: &str) -> Result<String> {
    segments(path)?;
    Ok(path.to_string())
}

fn to_json<T: Serialize>(v: &T) -> Result<serde_json::Value> {
    serde_json::to_value(v)
        .map_err(|e| Error::validation(format!("cannot encode the request body: {e}")))
}

fn is_listing(reply: &Reply) -> Result<bool> {
    let v: serde_json::Value = reply.json()?;
    Ok(v.get("data").is_some())
}

/// A session's files.
#[derive(Debug, Clone)]
pub struct FilesystemClient {
    client: Everruns,
}

impl FilesystemClient {
    pub(crate) fn new(client: Everruns) -> Self {
        Self { client }
    }

    fn url_for(&self, route: &FsRoute, session_id: &str, op: &FsOp) -> url::Url {
        let mut segs: Vec<&str> = match route {
            FsRoute::Session => vec!["sessions", session_id, "fs"],
            FsRoute::Workspace(w) => vec!["workspaces", w.as_str(), "fs"],
        };
        segs.extend(op.tail.iter().map(String::as_str));
        self.client.url_with_query(&segs, &op.query)
    }

    async fn send_on(&self, route: &FsRoute, session_id: &str, op: &FsOp) -> Result<Reply> {
        let mut call = Call::new(op.method.clone(), self.url_for(route, session_id, op))
            .idempotent(op.idempotent);
        if let Some(b) = &op.body {
            call = call.json_body(b)?;
        }
        self.client.call(call).await
    }

    /// The route a session's files live on, when already decided.
    fn cached_route(&self, session_id: &str) -> Option<FsRoute> {
        self.client
            .inner
            .fs_routes
            .lock()
            .unwrap()
            .get(session_id)
            .cloned()
    }

    fn cache_route(&self, session_id: &str, route: FsRoute) {
        self.client
            .inner
            .fs_routes
            .lock()
            .unwrap()
            .insert(session_id.to_string(), route);
    }

    /// Decides the route after the session route answered 404/405.
    async fn detect(&self, session_id: &str, op: &FsOp) -> Option<FsRoute> {
        let probe_is_op = op.method == Method::GET && op.tail.is_empty() && op.query.is_empty();
        if !probe_is_op {
            let probe = FsOp::new(Method::GET, Vec::new());
            match self.send_on(&FsRoute::Session, session_id, &probe).await {
                Ok(_) => return Some(FsRoute::Session),
                Err(e) if matches!(e.status(), Some(404 | 405)) => {}
                Err(_) => return None,
            }
        }
        let session = self.client.sessions().get(session_id).await.ok()?;
        session
            .workspace_id
            .filter(|w| !w.is_empty())
            .map(FsRoute::Workspace)
    }

    async fn run(&self, session_id: &str, op: FsOp) -> Result<Reply> {
        ids::validate(IdKind::Session, session_id)?;
        if let Some(route) = self.cached_route(session_id) {
            return self.send_on(&route, session_id, &op).await;
        }
        let first = self.send_on(&FsRoute::Session, session_id, &op).await;
        match &first {
            Ok(_) => {
                self.cache_route(session_id, FsRoute::Session);
                first
            }
            Err(e) if matches!(e.status(), Some(404 | 405)) => {
                match self.detect(session_id, &op).await {
                    Some(FsRoute::Session) => {
                        self.cache_route(session_id, FsRoute::Session);
                        first
                    }
                    Some(route) => {
                        tracing::debug!(
                            target: "everruns",
                            session_id,
                            ?route,
                            "session file routes missing; using workspace routes"
                        );
                        self.cache_route(session_id, route.clone());
                        self.send_on(&route, session_id, &op).await
                    }
                    None => first,
                }
            }
            Err(_) => first,
        }
    }

    /// Lists a directory (`/`, `""` and `/workspace` are the root).
    pub async fn list(&self, session_id: &str, path: &str) -> Result<FileListing> {
        self.list_with_options(session_id, path, false).await
    }

    /// Lists a directory, recursively when `recursive`. Listing a file gives that one entry.
    pub async fn list_with_options(
        &self,
        session_id: &str,
        path: &str,
        recursive: bool,
    ) -> Result<FileListing> {
        let mut op = FsOp::new(Method::GET, segments(path)?);
        if recursive {
            op.query.push(("recursive", "true".into()));
        }
        let reply = self.run(session_id, op).await?;
        if is_listing(&reply)? {
            let list: ListResponse<FileInfo> = reply.json()?;
            Ok(FileListing {
                path: path.to_string(),
                entries: list.data,
            })
        } else {
            let f: SessionFile = reply.json()?;
            Ok(FileListing {
                path: path.to_string(),
                entries: vec![FileInfo {
                    id: f.id,
                    session_id: f.session_id,
                    path: f.path,
                    name: f.name,
                    is_directory: f.is_directory,
                    is_readonly: f.is_readonly,
                    size_bytes: f.size_bytes,
                    created_at: f.created_at,
                    updated_at: f.updated_at,
                }],
            })
        }
    }

    /// A file or directory listing at `path` (`GET …/fs/{path}`).
    pub async fn get(&self, session_id: &str, path: &str) -> Result<FsEntry> {
        let reply = self
            .run(session_id, FsOp::new(Method::GET, segments(path)?))
            .await?;
        if is_listing(&reply)? {
            let list: ListResponse<FileInfo> = reply.json()?;
            Ok(FsEntry::Directory(FileListing {
                path: path.to_string(),
                entries: list.data,
            }))
        } else {
            Ok(FsEntry::File(reply.json()?))
        }
    }

    /// Reads a file with its content. A directory gives a validation error (use `list`).
    pub async fn read(&self, session_id: &str, path: &str) -> Result<SessionFile> {
        match self.get(session_id, path).await? {
            FsEntry::File(f) => Ok(f),
            FsEntry::Directory(_) => Err(Error::validation(format!(
                "{path:?} is a directory; use filesystem().list()"
            ))),
        }
    }

    /// Creates a text file (parents are created; 409 when it exists).
    pub async fn create(&self, session_id: &str, path: &str, content: &str) -> Result<SessionFile> {
        self.create_with_options(
            session_id,
            path,
            CreateFileRequest {
                content: Some(content.to_string()),
                ..Default::default()
            },
        )
        .await
    }

    /// Creates a file or directory with a full request (encoding, read-only flag, …).
    pub async fn create_with_options(
        &self,
        session_id: &str,
        path: &str,
        request: CreateFileRequest,
    ) -> Result<SessionFile> {
        let tail = segments(path)?;
        if tail.is_empty() || (tail.len() == 1 && tail[0] == "workspace") {
            return Err(Error::validation("cannot create the root directory"));
        }
        let mut op = FsOp::new(Method::POST, tail);
        op.body = Some(to_json(&request)?);
        self.run(session_id, op).await?.json()
    }

    /// Creates a directory (and its parents).
    pub async fn create_dir(&self, session_id: &str, path: &str) -> Result<SessionFile> {
        self.create_with_options(
            session_id,
            path,
            CreateFileRequest {
                is_directory: Some(true),
                ..Default::default()
            },
        )
        .await
    }

    /// Replaces a file's text content.
    pub async fn update(&self, session_id: &str, path: &str, content: &str) -> Result<SessionFile> {
        self.update_with_options(
            session_id,
            path,
            UpdateFileRequest {
                content: Some(content.to_string()),
                ..Default::default()
            },
        )
        .await
    }

    /// Updates a file with a full request (`PUT`).
    pub async fn update_with_options(
        &self,
        session_id: &str,
        path: &str,
        request: UpdateFileRequest,
    ) -> Result<SessionFile> {
        let mut op = FsOp::new(Method::PUT, segments(path)?);
        op.body = Some(to_json(&request)?);
        self.run(session_id, op).await?.json()
    }

    /// Deletes a file or directory (`recursive` for non-empty directories). Returns whether
    /// something was deleted.
    pub async fn delete(&self, session_id: &str, path: &str, recursive: bool) -> Result<bool> {
        let tail = segments(path)?;
        if tail.is_empty() || (tail.len() == 1 && tail[0] == "workspace") {
            return Err(Error::validation("cannot delete the root directory"));
        }
        let mut op = FsOp::new(Method::DELETE, tail);
        if recursive {
            op.query.push(("recursive", "true".into()));
        }
        let reply = self.run(session_id, op).await?;
        if reply.body.iter().all(u8::is_ascii_whitespace) {
            return Ok(true);
        }
        Ok(reply.json::<DeleteFileResponse>()?.deleted)
    }

    /// Moves (renames) a file or directory; 409 when the destination exists.
    pub async fn move_file(
        &self,
        session_id: &str,
        src_path: &str,
        dst_path: &str,
    ) -> Result<SessionFile> {
        let mut op = FsOp::new(Method::POST, vec!["_".into(), "move".into()]);
        op.body = Some(to_json(&MoveFileRequest {
            src_path: checked(src_path)?,
            dst_path: checked(dst_path)?,
        })?);
        self.run(session_id, op).await?.json()
    }

    /// Copies a file; 409 when the destination exists.
    pub async fn copy(
        &self,
        session_id: &str,
        src_path: &str,
        dst_path: &str,
    ) -> Result<SessionFile> {
        let mut op = FsOp::new(Method::POST, vec!["_".into(), "copy".into()]);
        op.body = Some(to_json(&MoveFileRequest {
            src_path: checked(src_path)?,
            dst_path: checked(dst_path)?,
        })?);
        self.run(session_id, op).await?.json()
    }

    /// Searches file contents with a regular expression (read-only; retried normally).
    pub async fn grep(&self, session_id: &str, request: GrepRequest) -> Result<Vec<GrepResult>> {
        if request.pattern.is_empty() {
            return Err(Error::validation("the grep pattern must not be empty"));
        }
        let mut op = FsOp::new(Method::POST, vec!["_".into(), "grep".into()]);
        op.body = Some(to_json(&request)?);
        op.idempotent = true;
        let list: ListResponse<GrepResult> = self.run(session_id, op).await?.json()?;
        Ok(list.data)
    }

    /// Metadata of a file or directory (read-only; retried normally).
    pub async fn stat(&self, session_id: &str, path: &str) -> Result<FileStat> {
        let mut op = FsOp::new(Method::POST, vec!["_".into(), "stat".into()]);
        op.body = Some(to_json(&StatRequest {
            path: checked(path)?,
        })?);
        op.idempotent = true;
        self.run(session_id, op).await?.json()
    }
}
