//! File-system factories configured on [`crate::PlatformDefinition`], and the in-memory session
//! file store they hand out by default.
//!
//! A factory decides where a runtime's session files live. The in-process runtime asks the
//! platform's factory for its file store when it is built (unless a store is given to the
//! builder directly), and every built-in capability reaches files only through that store
//! (`ToolContext::files`, `SystemPromptContext::file_store`), so choosing
//! [`RealDiskSessionFileSystemFactory`] makes `read_file`, `write_file`, `bash`,
//! `agent_instructions`, `skills`, … all work on one real directory.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use async_trait::async_trait;
use everruns_core::{FileInfo, FileStat, GrepResult, InitialFile, SessionFile};

use super::{
    EntryFileSystem, FileWrite, FsLimits, FsResult, RealDiskFileStore, SessionFileSystem,
    WriteOutcome,
};

/// Makes the session file store of a runtime.
pub trait SessionFileSystemFactory: Send + Sync {
    /// A store for the runtime's sessions (called once per runtime).
    fn create(&self) -> FsResult<Arc<dyn SessionFileSystem>>;
}

/// Factory of the runtime's default store: [`InMemorySessionFileStore`], one virtual
/// filesystem per session, gone when the runtime is dropped.
#[derive(Debug, Clone, Default)]
pub struct InMemorySessionFileSystemFactory {
    limits: Option<FsLimits>,
}

impl InMemorySessionFileSystemFactory {
    /// A factory with default size limits.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the per-file and per-session size limits of the stores it makes.
    pub fn with_limits(mut self, limits: FsLimits) -> Self {
        self.limits = Some(limits);
        self
    }
}

impl SessionFileSystemFactory for InMemorySessionFileSystemFactory {
    fn create(&self) -> FsResult<Arc<dyn SessionFileSystem>> {
        let mut store = InMemorySessionFileStore::new();
        if let Some(l) = &self.limits {
            store = store.with_limits(*l);
        }
        Ok(Arc::new(store))
    }
}

/// Factory of real-disk session files rooted at one host directory: the store it makes is a
/// [`RealDiskFileStore`] on `root` (session ids are ignored, one workspace per process), or,
/// with [`RealDiskSessionFileSystemFactory::per_session`], one sub-directory per session.
#[derive(Debug, Clone)]
pub struct RealDiskSessionFileSystemFactory {
    root: PathBuf,
    per_session: bool,
    limits: Option<FsLimits>,
}

impl RealDiskSessionFileSystemFactory {
    /// Every session reads and writes `root` (created when missing).
    pub fn new(root: impl AsRef<Path>) -> Self {
        Self {
            root: root.as_ref().to_path_buf(),
            per_session: false,
            limits: None,
        }
    }

    /// Each session gets `root/<session_id>`.
    pub fn per_session(root: impl AsRef<Path>) -> Self {
        Self {
            per_session: true,
            ..Self::new(root)
        }
    }

    /// Sets the size limits.
    pub fn with_limits(mut self, limits: FsLimits) -> Self {
        self.limits = Some(limits);
        self
    }

    /// The configured root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

impl SessionFileSystemFactory for RealDiskSessionFileSystemFactory {
    fn create(&self) -> FsResult<Arc<dyn SessionFileSystem>> {
        let mut store = if self.per_session {
            RealDiskFileStore::per_session(&self.root)?
        } else {
            RealDiskFileStore::new(&self.root)?
        };
        if let Some(l) = &self.limits {
            store = store.with_limits(*l);
        }
        Ok(Arc::new(store))
    }
}

/// In-memory implementation of the session virtual filesystem: every path and content rule of
/// [`EntryFileSystem`] over an in-memory record map, per session.
pub struct InMemorySessionFileStore {
    inner: EntryFileSystem,
}

impl Default for InMemorySessionFileStore {
    fn default() -> Self {
        Self::new()
    }
}

impl InMemorySessionFileStore {
    /// An empty store with default limits.
    pub fn new() -> Self {
        Self {
            inner: EntryFileSystem::in_memory(),
        }
    }

    /// Sets the size limits.
    pub fn with_limits(self, limits: FsLimits) -> Self {
        Self {
            inner: self.inner.with_limits(limits),
        }
    }
}

#[async_trait]
impl SessionFileSystem for InMemorySessionFileStore {
    async fn read(&self, sid: &str, path: &str) -> FsResult<SessionFile> {
        self.inner.read(sid, path).await
    }
    async fn write(&self, sid: &str, path: &str, write: FileWrite) -> FsResult<WriteOutcome> {
        self.inner.write(sid, path, write).await
    }
    async fn delete(&self, sid: &str, path: &str, recursive: bool) -> FsResult<()> {
        self.inner.delete(sid, path, recursive).await
    }
    async fn list(&self, sid: &str, path: &str, recursive: bool) -> FsResult<Vec<FileInfo>> {
        self.inner.list(sid, path, recursive).await
    }
    async fn stat(&self, sid: &str, path: &str) -> FsResult<FileStat> {
        self.inner.stat(sid, path).await
    }
    async fn grep(
        &self,
        sid: &str,
        pattern: &str,
        path_pattern: Option<&str>,
    ) -> FsResult<Vec<GrepResult>> {
        self.inner.grep(sid, pattern, path_pattern).await
    }
    async fn create_directory(&self, sid: &str, path: &str) -> FsResult<FileInfo> {
        self.inner.create_directory(sid, path).await
    }
    async fn move_path(&self, sid: &str, src: &str, dst: &str) -> FsResult<FileInfo> {
        self.inner.move_path(sid, src, dst).await
    }
    async fn copy_file(&self, sid: &str, src: &str, dst: &str) -> FsResult<FileInfo> {
        self.inner.copy_file(sid, src, dst).await
    }
    async fn seed_initial_file(&self, sid: &str, file: &InitialFile) -> FsResult<()> {
        self.inner.seed_initial_file(sid, file).await
    }
}
