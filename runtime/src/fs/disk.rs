//! [`RealDiskFileStore`]: session files in a real directory.

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use everruns_core::{FileInfo, FileStat, GrepResult, InitialFile, SessionFile};

use super::entry::{file_of, info_of, root_entry, stat_of, FileEntry};
use super::{
    content_hash, decode_content, is_within, normalize, parent_of, FileWrite, FsError, FsLimits,
    FsResult, GrepMatcher, SessionFileSystem, WriteMode, WriteOutcome,
};

/// A [`SessionFileSystem`] rooted at a host directory.
///
/// * Shared mode ([`RealDiskFileStore::new`]): every session uses the root itself (one
///   workspace per process, the session id is ignored).
/// * Per-session mode ([`RealDiskFileStore::per_session`]): session `s` lives in `root/s`
///   (created on first use; the id must be `[A-Za-z0-9_-]+`).
///
/// No escape: paths are normalised (`..`, NUL, backslash refused), and every existing
/// component of a resolved path is canonicalised and must stay under the root, so a symlink
/// pointing outside is refused with [`FsError::InvalidPath`]. Read-only files are files whose
/// permissions are read-only.
pub struct RealDiskFileStore {
    root: PathBuf,
    per_session: bool,
    limits: FsLimits,
}

impl RealDiskFileStore {
    /// One workspace rooted at `root` (created when missing).
    pub fn new(root: impl AsRef<Path>) -> FsResult<Self> {
        Self::build(root.as_ref(), false)
    }

    /// One directory per session under `root` (created when missing).
    pub fn per_session(root: impl AsRef<Path>) -> FsResult<Self> {
        Self::build(root.as_ref(), true)
    }

    fn build(root: &Path, per_session: bool) -> FsResult<Self> {
        fs::create_dir_all(root).map_err(io_err(root))?;
        let root = root.canonicalize().map_err(io_err(root))?;
        Ok(Self {
            root,
            per_session,
            limits: FsLimits::default(),
        })
    }

    /// Sets the size limits.
    pub fn with_limits(mut self, limits: FsLimits) -> Self {
        self.limits = limits;
        self
    }

    /// The canonical root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn ctx(&self, session_id: &str) -> FsResult<Ctx> {
        let root = if self.per_session {
            if session_id.is_empty()
                || !session_id
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(FsError::InvalidPath(format!(
                    "session id {session_id:?} cannot name a directory"
                )));
            }
            let r = self.root.join(session_id);
            fs::create_dir_all(&r).map_err(io_err(&r))?;
            r
        } else {
            self.root.clone()
        };
        Ok(Ctx {
            root,
            session_id: session_id.to_string(),
            limits: self.limits,
        })
    }

    async fn run<T, F>(&self, session_id: &str, f: F) -> FsResult<T>
    where
        T: Send + 'static,
        F: FnOnce(&Ctx) -> FsResult<T> + Send + 'static,
    {
        let ctx = self.ctx(session_id)?;
        tokio::task::spawn_blocking(move || f(&ctx))
            .await
            .map_err(|e| FsError::Backend(format!("file task failed: {e}")))?
    }
}

struct Ctx {
    root: PathBuf,
    session_id: String,
    limits: FsLimits,
}

fn io_err(p: &Path) -> impl Fn(std::io::Error) -> FsError + '_ {
    move |e| FsError::Backend(format!("{}: {e}", p.display()))
}

fn mtime(m: &fs::Metadata) -> DateTime<Utc> {
    m.modified()
        .map(DateTime::<Utc>::from)
        .unwrap_or_else(|_| Utc::now())
        .trunc_subsecs(3)
}

fn ctime(m: &fs::Metadata) -> DateTime<Utc> {
    m.created()
        .map(DateTime::<Utc>::from)
        .map(|t| t.trunc_subsecs(3))
        .unwrap_or_else(|_| mtime(m))
}

impl Ctx {
    /// Host path of a canonical store path, after checking that every existing component
    /// resolves inside the root.
    fn host(&self, canon: &str) -> FsResult<PathBuf> {
        let mut cur = self.root.clone();
        for seg in canon.split('/').filter(|s| !s.is_empty()) {
            cur.push(seg);
            match fs::symlink_metadata(&cur) {
                Ok(m) => {
                    if m.file_type().is_symlink() {
                        let target = cur.canonicalize().map_err(|_| {
                            FsError::InvalidPath(format!(
                                "{canon}: {seg} is a dangling symbolic link"
                            ))
                        })?;
                        if !target.starts_with(&self.root) {
                            return Err(FsError::InvalidPath(format!(
                                "{canon}: symbolic link {seg} points outside the workspace"
                            )));
                        }
                    }
                }
                Err(e)
                    if e.kind() == ErrorKind::NotFound || e.kind() == ErrorKind::NotADirectory =>
                {
                    break
                }
                Err(e) => return Err(FsError::Backend(format!("{canon}: {e}"))),
            }
        }
        let full = self.root.join(canon.trim_start_matches('/'));
        if let Ok(c) = full.canonicalize() {
            if !c.starts_with(&self.root) {
                return Err(FsError::InvalidPath(format!(
                    "{canon} resolves outside the workspace"
                )));
            }
        }
        Ok(full)
    }

    fn entry(&self, canon: &str, with_content: bool) -> FsResult<Option<FileEntry>> {
        if canon == "/" {
            return Ok(Some(root_entry()));
        }
        let p = self.host(canon)?;
        let m = match fs::metadata(&p) {
            Ok(m) => m,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) if e.kind() == ErrorKind::NotADirectory => {
                return Err(FsError::NotADirectory(canon.to_string()))
            }
            Err(e) => return Err(FsError::Backend(format!("{canon}: {e}"))),
        };
        let content = if with_content && m.is_file() {
            fs::read(&p).map_err(|e| FsError::Backend(format!("{canon}: {e}")))?
        } else {
            Vec::new()
        };
        Ok(Some(FileEntry {
            path: canon.to_string(),
            is_directory: m.is_dir(),
            is_readonly: m.is_file() && m.permissions().readonly(),
            content,
            created_at: ctime(&m),
            updated_at: mtime(&m),
        }))
    }

    fn info(&self, canon: &str) -> FsResult<FileInfo> {
        let p = self.host(canon)?;
        let m = fs::metadata(&p).map_err(|e| FsError::Backend(format!("{canon}: {e}")))?;
        let mut i = info_of(
            &self.session_id,
            &FileEntry {
                path: canon.to_string(),
                is_directory: m.is_dir(),
                is_readonly: m.is_file() && m.permissions().readonly(),
                content: Vec::new(),
                created_at: ctime(&m),
                updated_at: mtime(&m),
            },
        );
        if m.is_file() {
            i.size_bytes = m.len();
        }
        Ok(i)
    }

    fn ensure_parents(&self, canon: &str) -> FsResult<()> {
        let mut chain = Vec::new();
        let mut cur = parent_of(canon);
        while let Some(p) = cur {
            if p == "/" {
                break;
            }
            chain.push(p.to_string());
            cur = parent_of(p);
        }
        for d in chain.into_iter().rev() {
            let hp = self.host(&d)?;
            match fs::metadata(&hp) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => return Err(FsError::NotADirectory(d)),
                Err(e) if e.kind() == ErrorKind::NotFound => {
                    fs::create_dir(&hp).map_err(|e| FsError::Backend(format!("{d}: {e}")))?
                }
                Err(e) => return Err(FsError::Backend(format!("{d}: {e}"))),
            }
        }
        Ok(())
    }

    /// Every entry below `dir` (no symlinks followed), metadata only unless `content`.
    fn walk(&self, dir: &str, content: bool) -> FsResult<Vec<FileEntry>> {
        let mut out = Vec::new();
        let mut stack = vec![dir.to_string()];
        while let Some(d) = stack.pop() {
            let hp = self.host(&d)?;
            let rd = match fs::read_dir(&hp) {
                Ok(rd) => rd,
                Err(e) => return Err(FsError::Backend(format!("{d}: {e}"))),
            };
            for ent in rd.flatten() {
                let Some(name) = ent.file_name().to_str().map(str::to_string) else {
                    continue;
                };
                let ft = match ent.file_type() {
                    Ok(ft) => ft,
                    Err(_) => continue,
                };
                if ft.is_symlink() {
                    continue;
                }
                let child = if d == "/" {
                    format!("/{name}")
                } else {
                    format!("{d}/{name}")
                };
                if let Some(e) = self.entry(&child, content && ft.is_file())? {
                    if e.is_directory {
                        stack.push(child.clone());
                    }
                    out.push(e);
                }
            }
        }
        Ok(out)
    }

    fn total_bytes(&self) -> FsResult<u64> {
        Ok(self
            .walk("/", false)?
            .iter()
            .filter(|e| !e.is_directory)
            .map(|e| {
                self.host(&e.path)
                    .ok()
                    .and_then(|p| fs::metadata(p).ok())
                    .map(|m| m.len())
                    .unwrap_or(0)
            })
            .sum())
    }

    fn check_quota(&self, old: u64, new: u64, path: &str) -> FsResult<()> {
        if new > self.limits.max_file_bytes {
            return Err(FsError::QuotaExceeded(format!(
                "{path}: {new} bytes is over the per-file limit of {} bytes",
                self.limits.max_file_bytes
            )));
        }
        let after = self.total_bytes()?.saturating_sub(old) + new;
        if after > self.limits.max_session_bytes {
            return Err(FsError::QuotaExceeded(format!(
                "{path}: the session's files would take {after} bytes, over the limit of {} bytes",
                self.limits.max_session_bytes
            )));
        }
        Ok(())
    }

    fn set_readonly(&self, hp: &Path, ro: bool, canon: &str) -> FsResult<()> {
        let mut perm = fs::metadata(hp)
            .map_err(|e| FsError::Backend(format!("{canon}: {e}")))?
            .permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perm.set_readonly(ro);
        fs::set_permissions(hp, perm).map_err(|e| FsError::Backend(format!("{canon}: {e}")))
    }
}

#[async_trait]
impl SessionFileSystem for RealDiskFileStore {
    async fn read(&self, session_id: &str, path: &str) -> FsResult<SessionFile> {
        let canon = normalize(path)?;
        self.run(session_id, move |c| {
            let e = c
                .entry(&canon, true)?
                .ok_or_else(|| FsError::NotFound(canon.clone()))?;
            Ok(file_of(&c.session_id, &e))
        })
        .await
    }

    async fn write(
        &self,
        session_id: &str,
        path: &str,
        write: FileWrite,
    ) -> FsResult<WriteOutcome> {
        let canon = normalize(path)?;
        self.run(session_id, move |c| {
            if canon == "/" {
                return Err(FsError::IsADirectory(canon));
            }
            let existing = c.entry(&canon, true)?;
            if existing.as_ref().is_some_and(|e| e.is_directory) {
                return Err(FsError::IsADirectory(canon));
            }
            match (&write.mode, &existing) {
                (WriteMode::CreateNew, Some(_)) => return Err(FsError::AlreadyExists(canon)),
                (WriteMode::UpdateExisting | WriteMode::IfHash(_), None) => {
                    return Err(FsError::NotFound(canon))
                }
                (WriteMode::IfHash(h), Some(e)) if &content_hash(&e.content) != h => {
                    return Err(FsError::Conflict(format!(
                        "{canon} changed since it was read (expected {h}); read it again and retry"
                    )))
                }
                _ => {}
            }
            let was_ro = existing.as_ref().is_some_and(|e| e.is_readonly);
            if was_ro && write.content.is_some() {
                return Err(FsError::ReadOnly(canon));
            }
            let old = existing
                .as_ref()
                .map(|e| e.content.len() as u64)
                .unwrap_or(0);
            let content = match write.content {
                Some(b) => b,
                None => existing
                    .as_ref()
                    .map(|e| e.content.clone())
                    .unwrap_or_default(),
            };
            c.check_quota(old, content.len() as u64, &canon)?;
            c.ensure_parents(&canon)?;
            let hp = c.host(&canon)?;
            if was_ro {
                c.set_readonly(&hp, false, &canon)?;
            }
            fs::write(&hp, &content).map_err(|e| FsError::Backend(format!("{canon}: {e}")))?;
            let ro = write.is_readonly.unwrap_or(was_ro);
            if ro {
                c.set_readonly(&hp, true, &canon)?;
            }
            Ok(WriteOutcome {
                file: c.info(&canon)?,
                created: existing.is_none(),
                content_hash: content_hash(&content),
            })
        })
        .await
    }

    async fn delete(&self, session_id: &str, path: &str, recursive: bool) -> FsResult<()> {
        let canon = normalize(path)?;
        self.run(session_id, move |c| {
            if canon == "/" {
                return Err(FsError::InvalidPath(
                    "the root directory cannot be deleted".into(),
                ));
            }
            let e = c
                .entry(&canon, false)?
                .ok_or_else(|| FsError::NotFound(canon.clone()))?;
            if e.is_readonly {
                return Err(FsError::ReadOnly(canon));
            }
            let hp = c.host(&canon)?;
            if e.is_directory {
                let children = c.walk(&canon, false)?;
                if !children.is_empty() && !recursive {
                    return Err(FsError::DirectoryNotEmpty(canon));
                }
                if let Some(ro) = children.iter().find(|x| x.is_readonly) {
                    return Err(FsError::ReadOnly(ro.path.clone()));
                }
                fs::remove_dir_all(&hp).map_err(|e| FsError::Backend(format!("{canon}: {e}")))
            } else {
                fs::remove_file(&hp).map_err(|e| FsError::Backend(format!("{canon}: {e}")))
            }
        })
        .await
    }

    async fn list(&self, session_id: &str, path: &str, recursive: bool) -> FsResult<Vec<FileInfo>> {
        let canon = normalize(path)?;
        self.run(session_id, move |c| {
            match c.entry(&canon, false)? {
                None => return Err(FsError::NotFound(canon)),
                Some(e) if !e.is_directory => return Err(FsError::NotADirectory(canon)),
                _ => {}
            }
            let mut out: Vec<FileInfo> = c
                .walk(&canon, false)?
                .iter()
                .filter(|e| recursive || parent_of(&e.path) == Some(canon.as_str()))
                .filter(|e| is_within(&e.path, &canon))
                .map(|e| c.info(&e.path))
                .collect::<FsResult<_>>()?;
            out.sort_by(|a, b| a.path.cmp(&b.path));
            Ok(out)
        })
        .await
    }

    async fn stat(&self, session_id: &str, path: &str) -> FsResult<FileStat> {
        let canon = normalize(path)?;
        self.run(session_id, move |c| {
            if canon == "/" {
                return Ok(stat_of(info_of(&c.session_id, &root_entry())));
            }
            if c.entry(&canon, false)?.is_none() {
                return Err(FsError::NotFound(canon));
            }
            Ok(stat_of(c.info(&canon)?))
        })
        .await
    }

    async fn grep(
        &self,
        session_id: &str,
        pattern: &str,
        path_pattern: Option<&str>,
    ) -> FsResult<Vec<GrepResult>> {
        let m = GrepMatcher::new(pattern, path_pattern)?;
        self.run(session_id, move |c| {
            let mut files: Vec<FileEntry> = c
                .walk("/", false)?
                .into_iter()
                .filter(|e| !e.is_directory && m.path_matches(&e.path))
                .collect();
            files.sort_by(|a, b| a.path.cmp(&b.path));
            let mut out = Vec::new();
            for f in files {
                let hp = c.host(&f.path)?;
                // Large files are skipped (contract: oversized files may be skipped).
                if fs::metadata(&hp).map(|m| m.len()).unwrap_or(0) > 10 * 1024 * 1024 {
                    continue;
                }
                let bytes =
                    fs::read(&hp).map_err(|e| FsError::Backend(format!("{}: {e}", f.path)))?;
                if let Some(r) = m.search(&f.path, &bytes) {
                    out.push(r);
                }
            }
            Ok(out)
        })
        .await
    }

    async fn create_directory(&self, session_id: &str, path: &str) -> FsResult<FileInfo> {
        let canon = normalize(path)?;
        self.run(session_id, move |c| {
            if c.entry(&canon, false)?.is_some() {
                return Err(FsError::AlreadyExists(canon));
            }
            c.ensure_parents(&canon)?;
            let hp = c.host(&canon)?;
            fs::create_dir(&hp).map_err(|e| FsError::Backend(format!("{canon}: {e}")))?;
            c.info(&canon)
        })
        .await
    }

    async fn move_path(&self, session_id: &str, src: &str, dst: &str) -> FsResult<FileInfo> {
        let s = normalize(src)?;
        let d = normalize(dst)?;
        self.run(session_id, move |c| {
            if s == "/" || d == "/" {
                return Err(FsError::InvalidPath(
                    "the root directory cannot be moved".into(),
                ));
            }
            if is_within(&d, &s) {
                return Err(FsError::InvalidPath(format!(
                    "cannot move {s} into itself ({d})"
                )));
            }
            let e = c
                .entry(&s, false)?
                .ok_or_else(|| FsError::NotFound(s.clone()))?;
            if e.is_readonly {
                return Err(FsError::ReadOnly(s));
            }
            if e.is_directory {
                if let Some(ro) = c.walk(&s, false)?.iter().find(|x| x.is_readonly) {
                    return Err(FsError::ReadOnly(ro.path.clone()));
                }
            }
            if c.entry(&d, false)?.is_some() {
                return Err(FsError::AlreadyExists(d));
            }
            c.ensure_parents(&d)?;
            let (hs, hd) = (c.host(&s)?, c.host(&d)?);
            fs::rename(&hs, &hd).map_err(|e| FsError::Backend(format!("{s} -> {d}: {e}")))?;
            c.info(&d)
        })
        .await
    }

    async fn copy_file(&self, session_id: &str, src: &str, dst: &str) -> FsResult<FileInfo> {
        let s = normalize(src)?;
        let d = normalize(dst)?;
        self.run(session_id, move |c| {
            let e = c
                .entry(&s, true)?
                .ok_or_else(|| FsError::NotFound(s.clone()))?;
            if e.is_directory {
                return Err(FsError::IsADirectory(format!(
                    "{s} (directories cannot be copied)"
                )));
            }
            if d == "/" || c.entry(&d, false)?.is_some() {
                return Err(FsError::AlreadyExists(d));
            }
            c.check_quota(0, e.content.len() as u64, &d)?;
            c.ensure_parents(&d)?;
            let hd = c.host(&d)?;
            fs::write(&hd, &e.content).map_err(|e| FsError::Backend(format!("{d}: {e}")))?;
            c.info(&d)
        })
        .await
    }

    async fn seed_initial_file(&self, session_id: &str, file: &InitialFile) -> FsResult<()> {
        let canon = normalize(&file.path)?;
        let content = decode_content(&file.content, file.encoding.as_ref())?;
        let ro = file.is_readonly.unwrap_or(false);
        self.run(session_id, move |c| {
            if canon == "/" {
                return Err(FsError::IsADirectory(canon));
            }
            let existing = c.entry(&canon, false)?;
            if existing.as_ref().is_some_and(|e| e.is_directory) {
                return Err(FsError::IsADirectory(canon));
            }
            c.check_quota(0, content.len() as u64, &canon)?;
            c.ensure_parents(&canon)?;
            let hp = c.host(&canon)?;
            if existing.is_some_and(|e| e.is_readonly) {
                c.set_readonly(&hp, false, &canon)?;
            }
            fs::write(&hp, &content).map_err(|e| FsError::Backend(format!("{canon}: {e}")))?;
            if ro {
                c.set_readonly(&hp, true, &canon)?;
            }
            Ok(())
        })
        .await
    }
}
