//! [`EntryFileSystem`]: every file rule on top of a small record store ([`FileEntryBackend`]).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use everruns_core::{FileInfo, FileStat, GrepResult, InitialFile, SessionFile};
use sha2::Digest;

use super::{
    content_hash, decode_content, encode_content, is_within, name_of, normalize, parent_of,
    FileWrite, FsError, FsLimits, FsResult, GrepMatcher, SessionFileSystem, WriteMode,
    WriteOutcome,
};

/// One stored file or directory record (canonical path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEntry {
    /// Canonical path (`/a/b.md`); never `/`.
    pub path: String,
    /// True for a directory (content empty).
    pub is_directory: bool,
    /// True when writes and deletes are refused.
    pub is_readonly: bool,
    /// Raw bytes.
    pub content: Vec<u8>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last update time.
    pub updated_at: DateTime<Utc>,
}

/// A minimal record store of file entries per session. [`EntryFileSystem`] serialises all
/// operations of one session (one async lock per session in this process), so a backend only
/// needs each call to be atomic on its own.
#[async_trait]
pub trait FileEntryBackend: Send + Sync {
    /// The entry at `path`, if any.
    async fn get(&self, session_id: &str, path: &str) -> FsResult<Option<FileEntry>>;
    /// Every entry strictly below `dir` (all depths), any order. `dir` is canonical; `/`
    /// means every entry of the session.
    async fn list_under(&self, session_id: &str, dir: &str) -> FsResult<Vec<FileEntry>>;
    /// Inserts or replaces the entry at `entry.path`.
    async fn put(&self, session_id: &str, entry: FileEntry) -> FsResult<()>;
    /// Removes these paths (missing ones are ignored).
    async fn remove(&self, session_id: &str, paths: &[String]) -> FsResult<()>;
    /// Sum of the content sizes of the session's files.
    async fn total_bytes(&self, session_id: &str) -> FsResult<u64>;
}

/// In-memory [`FileEntryBackend`].
#[derive(Debug, Default)]
pub struct InMemoryFileEntryBackend {
    sessions: Mutex<HashMap<String, BTreeMap<String, FileEntry>>>,
}

impl InMemoryFileEntryBackend {
    /// An empty backend.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl FileEntryBackend for InMemoryFileEntryBackend {
    async fn get(&self, session_id: &str, path: &str) -> FsResult<Option<FileEntry>> {
        let g = self.sessions.lock().expect("fs lock");
        Ok(g.get(session_id).and_then(|m| m.get(path).cloned()))
    }

    async fn list_under(&self, session_id: &str, dir: &str) -> FsResult<Vec<FileEntry>> {
        let g = self.sessions.lock().expect("fs lock");
        let Some(m) = g.get(session_id) else {
            return Ok(Vec::new());
        };
        Ok(m.values()
            .filter(|e| e.path != dir && is_within(&e.path, dir))
            .cloned()
            .collect())
    }

    async fn put(&self, session_id: &str, entry: FileEntry) -> FsResult<()> {
        let mut g = self.sessions.lock().expect("fs lock");
        g.entry(session_id.to_string())
            .or_default()
            .insert(entry.path.clone(), entry);
        Ok(())
    }

    async fn remove(&self, session_id: &str, paths: &[String]) -> FsResult<()> {
        let mut g = self.sessions.lock().expect("fs lock");
        if let Some(m) = g.get_mut(session_id) {
            for p in paths {
                m.remove(p);
            }
        }
        Ok(())
    }

    async fn total_bytes(&self, session_id: &str) -> FsResult<u64> {
        let g = self.sessions.lock().expect("fs lock");
        Ok(g.get(session_id)
            .map(|m| m.values().map(|e| e.content.len() as u64).sum())
            .unwrap_or(0))
    }
}

/// A [`SessionFileSystem`] that applies every path/content rule over a [`FileEntryBackend`].
/// `EntryFileSystem::in_memory()` is the runtime's default store.
pub struct EntryFileSystem {
    backend: Arc<dyn FileEntryBackend>,
    limits: FsLimits,
    locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
}

impl EntryFileSystem {
    /// Rules over `backend` with default limits.
    pub fn new(backend: Arc<dyn FileEntryBackend>) -> Self {
        Self {
            backend,
            limits: FsLimits::default(),
            locks: Mutex::new(HashMap::new()),
        }
    }

    /// Rules over a fresh [`InMemoryFileEntryBackend`].
    pub fn in_memory() -> Self {
        Self::new(Arc::new(InMemoryFileEntryBackend::new()))
    }

    /// Sets the size limits.
    pub fn with_limits(mut self, limits: FsLimits) -> Self {
        self.limits = limits;
        self
    }

    fn lock_for(&self, session_id: &str) -> Arc<tokio::sync::Mutex<()>> {
        self.locks
            .lock()
            .expect("lock map")
            .entry(session_id.to_string())
            .or_default()
            .clone()
    }

    async fn ensure_parents(&self, session_id: &str, path: &str) -> FsResult<()> {
        let mut ancestors = Vec::new();
        let mut cur = parent_of(path);
        while let Some(p) = cur {
            if p == "/" {
                break;
            }
            ancestors.push(p.to_string());
            cur = parent_of(p);
        }
        let now = now();
        for a in ancestors.into_iter().rev() {
            match self.backend.get(session_id, &a).await? {
                Some(e) if e.is_directory => {}
                Some(_) => return Err(FsError::NotADirectory(a)),
                None => {
                    self.backend
                        .put(
                            session_id,
                            FileEntry {
                                path: a,
                                is_directory: true,
                                is_readonly: false,
                                content: Vec::new(),
                                created_at: now,
                                updated_at: now,
                            },
                        )
                        .await?
                }
            }
        }
        Ok(())
    }

    async fn check_quota(&self, session_id: &str, old: u64, new: u64, path: &str) -> FsResult<()> {
        if new > self.limits.max_file_bytes {
            return Err(FsError::QuotaExceeded(format!(
                "{path}: {new} bytes is over the per-file limit of {} bytes",
                self.limits.max_file_bytes
            )));
        }
        let total = self.backend.total_bytes(session_id).await?;
        let after = total.saturating_sub(old) + new;
        if after > self.limits.max_session_bytes {
            return Err(FsError::QuotaExceeded(format!(
                "{path}: the session's files would take {after} bytes, over the limit of {} bytes",
                self.limits.max_session_bytes
            )));
        }
        Ok(())
    }
}

fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// Deterministic `file_<32hex>` id of a path in a session.
pub(crate) fn file_id(session_id: &str, path: &str) -> String {
    let h = sha2::Sha256::digest(format!("{session_id}\n{path}").as_bytes());
    format!("file_{}", hex::encode(&h[..16]))
}

pub(crate) fn info_of(session_id: &str, e: &FileEntry) -> FileInfo {
    FileInfo {
        id: file_id(session_id, &e.path),
        session_id: session_id.to_string(),
        path: e.path.clone(),
        name: name_of(&e.path).to_string(),
        is_directory: e.is_directory,
        is_readonly: e.is_readonly,
        size_bytes: if e.is_directory {
            0
        } else {
            e.content.len() as u64
        },
        created_at: e.created_at,
        updated_at: e.updated_at,
    }
}

pub(crate) fn file_of(session_id: &str, e: &FileEntry) -> SessionFile {
    let i = info_of(session_id, e);
    let (content, encoding) = if e.is_directory {
        (None, None)
    } else {
        let (c, enc) = encode_content(&e.content);
        (Some(c), Some(enc))
    };
    SessionFile {
        id: i.id,
        session_id: i.session_id,
        path: i.path,
        name: i.name,
        is_directory: i.is_directory,
        is_readonly: i.is_readonly,
        size_bytes: i.size_bytes,
        content,
        encoding,
        created_at: i.created_at,
        updated_at: i.updated_at,
    }
}

pub(crate) fn stat_of(i: FileInfo) -> FileStat {
    FileStat {
        path: i.path,
        name: i.name,
        is_directory: i.is_directory,
        is_readonly: i.is_readonly,
        size_bytes: i.size_bytes,
        created_at: i.created_at,
        updated_at: i.updated_at,
    }
}

pub(crate) fn root_entry() -> FileEntry {
    let epoch = DateTime::<Utc>::from_timestamp(0, 0).expect("epoch");
    FileEntry {
        path: "/".into(),
        is_directory: true,
        is_readonly: false,
        content: Vec::new(),
        created_at: epoch,
        updated_at: epoch,
    }
}

#[async_trait]
impl SessionFileSystem for EntryFileSystem {
    async fn read(&self, session_id: &str, path: &str) -> FsResult<SessionFile> {
        let path = normalize(path)?;
        if path == "/" {
            return Ok(file_of(session_id, &root_entry()));
        }
        match self.backend.get(session_id, &path).await? {
            Some(e) => Ok(file_of(session_id, &e)),
            None => Err(FsError::NotFound(path)),
        }
    }

    async fn write(
        &self,
        session_id: &str,
        path: &str,
        write: FileWrite,
    ) -> FsResult<WriteOutcome> {
        let path = normalize(path)?;
        if path == "/" {
            return Err(FsError::IsADirectory(path));
        }
        let lock = self.lock_for(session_id);
        let _g = lock.lock().await;
        let existing = self.backend.get(session_id, &path).await?;
        if let Some(e) = &existing {
            if e.is_directory {
                return Err(FsError::IsADirectory(path));
            }
        }
        match (&write.mode, &existing) {
            (WriteMode::CreateNew, Some(_)) => return Err(FsError::AlreadyExists(path)),
            (WriteMode::UpdateExisting | WriteMode::IfHash(_), None) => {
                return Err(FsError::NotFound(path))
            }
            (WriteMode::IfHash(h), Some(e)) if &content_hash(&e.content) != h => {
                return Err(FsError::Conflict(format!(
                    "{path} changed since it was read (expected {h}); read it again and retry"
                )))
            }
            _ => {}
        }
        if let Some(e) = &existing {
            if e.is_readonly && write.content.is_some() {
                return Err(FsError::ReadOnly(path));
            }
        }
        let old_len = existing
            .as_ref()
            .map(|e| e.content.len() as u64)
            .unwrap_or(0);
        let content = match write.content {
            Some(c) => c,
            None => existing
                .as_ref()
                .map(|e| e.content.clone())
                .unwrap_or_default(),
        };
        self.check_quota(session_id, old_len, content.len() as u64, &path)
            .await?;
        self.ensure_parents(session_id, &path).await?;
        let now = now();
        let entry = FileEntry {
            path: path.clone(),
            is_directory: false,
            is_readonly: write
                .is_readonly
                .unwrap_or(existing.as_ref().map(|e| e.is_readonly).unwrap_or(false)),
            created_at: existing.as_ref().map(|e| e.created_at).unwrap_or(now),
            updated_at: now,
            content,
        };
        let hash = content_hash(&entry.content);
        let info = info_of(session_id, &entry);
        self.backend.put(session_id, entry).await?;
        Ok(WriteOutcome {
            file: info,
            created: existing.is_none(),
            content_hash: hash,
        })
    }

    async fn delete(&self, session_id: &str, path: &str, recursive: bool) -> FsResult<()> {
        let path = normalize(path)?;
        if path == "/" {
            return Err(FsError::InvalidPath(
                "the root directory cannot be deleted".into(),
            ));
        }
        let lock = self.lock_for(session_id);
        let _g = lock.lock().await;
        let e = self
            .backend
            .get(session_id, &path)
            .await?
            .ok_or_else(|| FsError::NotFound(path.clone()))?;
        if e.is_readonly {
            return Err(FsError::ReadOnly(path));
        }
        let mut paths = vec![path.clone()];
        if e.is_directory {
            let children = self.backend.list_under(session_id, &path).await?;
            if !children.is_empty() && !recursive {
                return Err(FsError::DirectoryNotEmpty(path));
            }
            if let Some(ro) = children.iter().find(|c| c.is_readonly) {
                return Err(FsError::ReadOnly(ro.path.clone()));
            }
            paths.extend(children.into_iter().map(|c| c.path));
        }
        self.backend.remove(session_id, &paths).await
    }

    async fn list(&self, session_id: &str, path: &str, recursive: bool) -> FsResult<Vec<FileInfo>> {
        let path = normalize(path)?;
        if path != "/" {
            match self.backend.get(session_id, &path).await? {
                None => return Err(FsError::NotFound(path)),
                Some(e) if !e.is_directory => return Err(FsError::NotADirectory(path)),
                Some(_) => {}
            }
        }
        let mut out: Vec<FileInfo> = self
            .backend
            .list_under(session_id, &path)
            .await?
            .iter()
            .filter(|e| recursive || parent_of(&e.path) == Some(path.as_str()))
            .map(|e| info_of(session_id, e))
            .collect();
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    async fn stat(&self, session_id: &str, path: &str) -> FsResult<FileStat> {
        let path = normalize(path)?;
        if path == "/" {
            return Ok(stat_of(info_of(session_id, &root_entry())));
        }
        match self.backend.get(session_id, &path).await? {
            Some(e) => Ok(stat_of(info_of(session_id, &e))),
            None => Err(FsError::NotFound(path)),
        }
    }

    async fn grep(
        &self,
        session_id: &str,
        pattern: &str,
        path_pattern: Option<&str>,
    ) -> FsResult<Vec<GrepResult>> {
        let m = GrepMatcher::new(pattern, path_pattern)?;
        let mut entries = self.backend.list_under(session_id, "/").await?;
        entries.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(entries
            .iter()
            .filter(|e| !e.is_directory && m.path_matches(&e.path))
            .filter_map(|e| m.search(&e.path, &e.content))
            .collect())
    }

    async fn create_directory(&self, session_id: &str, path: &str) -> FsResult<FileInfo> {
        let path = normalize(path)?;
        if path == "/" {
            return Err(FsError::AlreadyExists(path));
        }
        let lock = self.lock_for(session_id);
        let _g = lock.lock().await;
        if self.backend.get(session_id, &path).await?.is_some() {
            return Err(FsError::AlreadyExists(path));
        }
        self.ensure_parents(session_id, &path).await?;
        let now = now();
        let e = FileEntry {
            path,
            is_directory: true,
            is_readonly: false,
            content: Vec::new(),
            created_at: now,
            updated_at: now,
        };
        let info = info_of(session_id, &e);
        self.backend.put(session_id, e).await?;
        Ok(info)
    }

    async fn move_path(&self, session_id: &str, src: &str, dst: &str) -> FsResult<FileInfo> {
        let src = normalize(src)?;
        let dst = normalize(dst)?;
        if src == "/" || dst == "/" {
            return Err(FsError::InvalidPath(
                "the root directory cannot be moved".into(),
            ));
        }
        if is_within(&dst, &src) {
            return Err(FsError::InvalidPath(format!(
                "cannot move {src} into itself ({dst})"
            )));
        }
        let lock = self.lock_for(session_id);
        let _g = lock.lock().await;
        let e = self
            .backend
            .get(session_id, &src)
            .await?
            .ok_or_else(|| FsError::NotFound(src.clone()))?;
        if self.backend.get(session_id, &dst).await?.is_some() {
            return Err(FsError::AlreadyExists(dst));
        }
        let children = if e.is_directory {
            self.backend.list_under(session_id, &src).await?
        } else {
            Vec::new()
        };
        if let Some(ro) = std::iter::once(&e)
            .chain(children.iter())
            .find(|c| c.is_readonly)
        {
            return Err(FsError::ReadOnly(ro.path.clone()));
        }
        self.ensure_parents(session_id, &dst).await?;
        let now = now();
        let mut removed = vec![src.clone()];
        let mut moved = e.clone();
        moved.path = dst.clone();
        moved.updated_at = now;
        let info = info_of(session_id, &moved);
        self.backend.put(session_id, moved).await?;
        for mut c in children {
            removed.push(c.path.clone());
            c.path = format!("{dst}{}", &c.path[src.len()..]);
            self.backend.put(session_id, c).await?;
        }
        self.backend.remove(session_id, &removed).await?;
        Ok(info)
    }

    async fn copy_file(&self, session_id: &str, src: &str, dst: &str) -> FsResult<FileInfo> {
        let src = normalize(src)?;
        let dst = normalize(dst)?;
        let lock = self.lock_for(session_id);
        let _g = lock.lock().await;
        let e = self
            .backend
            .get(session_id, &src)
            .await?
            .ok_or_else(|| FsError::NotFound(src.clone()))?;
        if e.is_directory {
            return Err(FsError::IsADirectory(format!(
                "{src} (directories cannot be copied)"
            )));
        }
        if dst == "/" || self.backend.get(session_id, &dst).await?.is_some() {
            return Err(FsError::AlreadyExists(dst));
        }
        self.check_quota(session_id, 0, e.content.len() as u64, &dst)
            .await?;
        self.ensure_parents(session_id, &dst).await?;
        let now = now();
        let c = FileEntry {
            path: dst,
            is_directory: false,
            is_readonly: false,
            content: e.content,
            created_at: now,
            updated_at: now,
        };
        let info = info_of(session_id, &c);
        self.backend.put(session_id, c).await?;
        Ok(info)
    }

    async fn seed_initial_file(&self, session_id: &str, file: &InitialFile) -> FsResult<()> {
        let path = normalize(&file.path)?;
        if path == "/" {
            return Err(FsError::IsADirectory(path));
        }
        let content = decode_content(&file.content, file.encoding.as_ref())?;
        let lock = self.lock_for(session_id);
        let _g = lock.lock().await;
        let existing = self.backend.get(session_id, &path).await?;
        if existing.as_ref().is_some_and(|e| e.is_directory) {
            return Err(FsError::IsADirectory(path));
        }
        let old = existing
            .as_ref()
            .map(|e| e.content.len() as u64)
            .unwrap_or(0);
        self.check_quota(session_id, old, content.len() as u64, &path)
            .await?;
        self.ensure_parents(session_id, &path).await?;
        let now = now();
        self.backend
            .put(
                session_id,
                FileEntry {
                    path,
                    is_directory: false,
                    is_readonly: file.is_readonly.unwrap_or(false),
                    content,
                    created_at: existing.map(|e| e.created_at).unwrap_or(now),
                    updated_at: now,
                },
            )
            .await
    }
}
