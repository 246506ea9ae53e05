//! File-store decorators: a write blocklist and an approval gate.

use std::sync::Arc;

use async_trait::async_trait;
use everruns_core::{FileInfo, FileStat, GrepResult, InitialFile, SessionFile};

use super::{
    decode_content, normalize, FileWrite, FsError, FsResult, SessionFileSystem, WriteOutcome,
};

/// Directory names [`WriteBlocklistFileStore`] refuses writes into, at any depth.
pub const DEFAULT_WRITE_BLOCKLIST: &[&str] = &[
    ".git",
    "node_modules",
    "target",
    "dist",
    "build",
    ".next",
    ".venv",
    "venv",
    ".tox",
    ".gradle",
];

/// Refuses writes, deletes, moves, copies and directory creation into blocklisted directory
/// names at any depth ([`FsError::Denied`]); reads and seeding pass through.
pub struct WriteBlocklistFileStore {
    inner: Arc<dyn SessionFileSystem>,
    blocklist: Vec<String>,
}

impl WriteBlocklistFileStore {
    /// Wraps `inner` with [`DEFAULT_WRITE_BLOCKLIST`].
    pub fn new(inner: Arc<dyn SessionFileSystem>) -> Self {
        Self {
            inner,
            blocklist: DEFAULT_WRITE_BLOCKLIST
                .iter()
                .map(|s| s.to_string())
                .collect(),
        }
    }

    /// Replaces the blocklist (directory names).
    pub fn with_blocklist<I, S>(mut self, names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.blocklist = names.into_iter().map(Into::into).collect();
        self
    }

    fn check(&self, path: &str) -> FsResult<()> {
        let p = normalize(path)?;
        if let Some(seg) = p
            .split('/')
            .find(|seg| self.blocklist.iter().any(|b| b == seg))
        {
            return Err(FsError::Denied(format!(
                "{p}: writes into `{seg}` directories are blocked by the write blocklist"
            )));
        }
        Ok(())
    }
}

#[async_trait]
impl SessionFileSystem for WriteBlocklistFileStore {
    async fn read(&self, session_id: &str, path: &str) -> FsResult<SessionFile> {
        self.inner.read(session_id, path).await
    }
    async fn write(
        &self,
        session_id: &str,
        path: &str,
        write: FileWrite,
    ) -> FsResult<WriteOutcome> {
        self.check(path)?;
        self.inner.write(session_id, path, write).await
    }
    async fn delete(&self, session_id: &str, path: &str, recursive: bool) -> FsResult<()> {
        self.check(path)?;
        self.inner.delete(session_id, path, recursive).await
    }
    async fn list(&self, session_id: &str, path: &str, recursive: bool) -> FsResult<Vec<FileInfo>> {
        self.inner.list(session_id, path, recursive).await
    }
    async fn stat(&self, session_id: &str, path: &str) -> FsResult<FileStat> {
        self.inner.stat(session_id, path).await
    }
    async fn grep(
        &self,
        session_id: &str,
        pattern: &str,
        path_pattern: Option<&str>,
    ) -> FsResult<Vec<GrepResult>> {
        self.inner.grep(session_id, pattern, path_pattern).await
    }
    async fn create_directory(&self, session_id: &str, path: &str) -> FsResult<FileInfo> {
        self.check(path)?;
        self.inner.create_directory(session_id, path).await
    }
    async fn move_path(&self, session_id: &str, src: &str, dst: &str) -> FsResult<FileInfo> {
        self.check(src)?;
        self.check(dst)?;
        self.inner.move_path(session_id, src, dst).await
    }
    async fn copy_file(&self, session_id: &str, src: &str, dst: &str) -> FsResult<FileInfo> {
        self.check(dst)?;
        self.inner.copy_file(session_id, src, dst).await
    }
    async fn seed_initial_file(&self, session_id: &str, file: &InitialFile) -> FsResult<()> {
        self.inner.seed_initial_file(session_id, file).await
    }
}

/// Embedder callback asked before destructive file operations. `Err(reason)` denies; the
/// denial reaches the model as a tool error.
#[async_trait]
pub trait FileApprovalGate: Send + Sync {
    /// Asked before a write. `before` is the current content (None for a new file or a
    /// metadata-only change), `after` the new content.
    async fn approve_write(
        &self,
        session_id: &str,
        path: &str,
        before: Option<&[u8]>,
        after: Option<&[u8]>,
    ) -> Result<(), String>;
    /// Asked before a delete (and for the source of a move).
    async fn approve_delete(&self, session_id: &str, path: &str) -> Result<(), String>;
}

/// Asks a [`FileApprovalGate`] before writes, deletes, moves, copies and directory creation;
/// reads and seeding pass through. A denial is [`FsError::Denied`].
pub struct ApprovalGatingFileStore {
    inner: Arc<dyn SessionFileSystem>,
    gate: Arc<dyn FileApprovalGate>,
}

impl ApprovalGatingFileStore {
    /// Wraps `inner`.
    pub fn new(inner: Arc<dyn SessionFileSystem>, gate: Arc<dyn FileApprovalGate>) -> Self {
        Self { inner, gate }
    }

    async fn current(&self, session_id: &str, path: &str) -> Option<Vec<u8>> {
        let f = self.inner.read(session_id, path).await.ok()?;
        if f.is_directory {
            return None;
        }
        decode_content(f.content.as_deref().unwrap_or(""), f.encoding.as_ref()).ok()
    }
}

fn denied(path: &str, reason: String) -> FsError {
    FsError::Denied(format!("{path}: not approved: {reason}"))
}

#[async_trait]
impl SessionFileSystem for ApprovalGatingFileStore {
    async fn read(&self, session_id: &str, path: &str) -> FsResult<SessionFile> {
        self.inner.read(session_id, path).await
    }
    async fn write(
        &self,
        session_id: &str,
        path: &str,
        write: FileWrite,
    ) -> FsResult<WriteOutcome> {
        let p = normalize(path)?;
        let before = self.current(session_id, &p).await;
        self.gate
            .approve_write(session_id, &p, before.as_deref(), write.content.as_deref())
            .await
            .map_err(|r| denied(&p, r))?;
        self.inner.write(session_id, &p, write).await
    }
    async fn delete(&self, session_id: &str, path: &str, recursive: bool) -> FsResult<()> {
        let p = normalize(path)?;
        self.gate
            .approve_delete(session_id, &p)
            .await
            .map_err(|r| denied(&p, r))?;
        self.inner.delete(session_id, &p, recursive).await
    }
    async fn list(&self, session_id: &str, path: &str, recursive: bool) -> FsResult<Vec<FileInfo>> {
        self.inner.list(session_id, path, recursive).await
    }
    async fn stat(&self, session_id: &str, path: &str) -> FsResult<FileStat> {
        self.inner.stat(session_id, path).await
    }
    async fn grep(
        &self,
        session_id: &str,
        pattern: &str,
        path_pattern: Option<&str>,
    ) -> FsResult<Vec<GrepResult>> {
        self.inner.grep(session_id, pattern, path_pattern).await
    }
    async fn create_directory(&self, session_id: &str, path: &str) -> FsResult<FileInfo> {
        let p = normalize(path)?;
        self.gate
            .approve_write(session_id, &p, None, None)
            .await
            .map_err(|r| denied(&p, r))?;
        self.inner.create_directory(session_id, &p).await
    }
    async fn move_path(&self, session_id: &str, src: &str, dst: &str) -> FsResult<FileInfo> {
        let s = normalize(src)?;
        let d = normalize(dst)?;
        self.gate
            .approve_delete(session_id, &s)
            .await
            .map_err(|r| denied(&s, r))?;
        let content = self.current(session_id, &s).await;
        self.gate
            .approve_write(session_id, &d, None, content.as_deref())
            .await
            .map_err(|r| denied(&d, r))?;
        self.inner.move_path(session_id, &s, &d).await
    }
    async fn copy_file(&self, session_id: &str, src: &str, dst: &str) -> FsResult<FileInfo> {
        let s = normalize(src)?;
        let d = normalize(dst)?;
        let content = self.current(session_id, &s).await;
        self.gate
            .approve_write(session_id, &d, None, content.as_deref())
            .await
            .map_err(|r| denied(&d, r))?;
        self.inner.copy_file(session_id, &s, &d).await
    }
    async fn seed_initial_file(&self, session_id: &str, file: &InitialFile) -> FsResult<()> {
        self.inner.seed_initial_file(session_id, file).await
    }
}
