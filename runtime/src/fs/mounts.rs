//! Workspaces and memory mounts: a [`SessionFileSystem`] decorator that stores a session's files
//! under its workspace's owner key and shows memories read-only under [`MEMORIES_DIR`].
//!
//! The host says, per session, where its files live ([`SessionFileBinding`]): the owner key of
//! its workspace in the inner store (several sessions on one workspace share one key, hence
//! one set of files) and the memories mounted at `/memories/{name}` (each stored in the inner
//! store under its own key). Paths under a mount read from the memory; every write, delete,
//! move or directory creation there fails with [`FsError::ReadOnly`]. Copying a memory file
//! into the workspace is allowed. A workspace's own `/memories` directory, if it has one, is
//! hidden while the session has memories mounted.

use std::sync::Arc;

use async_trait::async_trait;
use everruns_core::{FileInfo, FileStat, GrepResult, InitialFile, SessionFile};

use super::{
    decode_content, is_within, normalize, FileWrite, FsError, FsResult, SessionFileSystem,
    WriteMode, WriteOutcome,
};

/// Directory the memories of a session are mounted under.
pub const MEMORIES_DIR: &str = "/memories";

/// One memory mounted into a session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileMount {
    /// Directory name under [`MEMORIES_DIR`] (one path segment).
    pub name: String,
    /// Owner key of the memory's files in the inner store.
    pub key: String,
}

/// Where a session's files live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFileBinding {
    /// Owner key of the session's workspace in the inner store.
    pub file_key: String,
    /// Memories mounted read-only under [`MEMORIES_DIR`].
    pub mounts: Vec<FileMount>,
}

impl SessionFileBinding {
    /// The session's files under their own id, nothing mounted.
    pub fn own(session_id: &str) -> Self {
        Self {
            file_key: session_id.to_string(),
            mounts: Vec::new(),
        }
    }
}

/// Host lookup of a session's [`SessionFileBinding`] (asked on every operation, so changes to
/// an agent's memories apply to its running sessions).
#[async_trait]
pub trait FileBindingResolver: Send + Sync {
    /// The binding of `session_id`.
    async fn binding(&self, session_id: &str) -> FsResult<SessionFileBinding>;
}

/// The decorator (see the module docs).
pub struct WorkspaceFileSystem {
    inner: Arc<dyn SessionFileSystem>,
    resolver: Arc<dyn FileBindingResolver>,
}

enum Target {
    Own(String),
    MountRoot,
    Mount {
        name: String,
        key: String,
        path: String,
    },
}

fn readonly(path: &str) -> FsError {
    FsError::ReadOnly(format!(
        "{path}: memories under {MEMORIES_DIR} are mounted read-only; change them with the memories API"
    ))
}

fn prefixed(name: &str, path: &str) -> String {
    if path == "/" {
        format!("{MEMORIES_DIR}/{name}")
    } else {
        format!("{MEMORIES_DIR}/{name}{path}")
    }
}

fn name_of(path: &str) -> String {
    super::name_of(path).to_string()
}

fn synthetic_dir(session_id: &str, path: &str) -> FileInfo {
    let t = chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
    FileInfo {
        id: String::new(),
        session_id: session_id.to_string(),
        path: path.to_string(),
        name: name_of(path),
        is_directory: true,
        is_readonly: true,
        size_bytes: 0,
        created_at: t,
        updated_at: t,
    }
}

fn stat_of(i: FileInfo) -> FileStat {
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

impl WorkspaceFileSystem {
    /// Wraps `inner` (whose session-id argument becomes an owner key).
    pub fn new(inner: Arc<dyn SessionFileSystem>, resolver: Arc<dyn FileBindingResolver>) -> Self {
        Self { inner, resolver }
    }

    async fn target(&self, sid: &str, path: &str) -> FsResult<(SessionFileBinding, Target)> {
        let p = normalize(path)?;
        let b = self.resolver.binding(sid).await?;
        if b.mounts.is_empty() || !is_within(&p, MEMORIES_DIR) {
            return Ok((b, Target::Own(p)));
        }
        if p == MEMORIES_DIR {
            return Ok((b, Target::MountRoot));
        }
        let rest = &p[MEMORIES_DIR.len() + 1..];
        let (name, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let Some(m) = b.mounts.iter().find(|m| m.name == name).cloned() else {
            return Err(FsError::NotFound(format!(
                "{p} (no memory named {name:?} is mounted in this session)"
            )));
        };
        let t = Target::Mount {
            name: m.name,
            key: m.key,
            path: format!("/{tail}"),
        };
        Ok((b, t))
    }

    fn fix_info(sid: &str, mount: Option<&str>, mut i: FileInfo) -> FileInfo {
        i.session_id = sid.to_string();
        if let Some(n) = mount {
            i.path = prefixed(n, &i.path);
            i.name = name_of(&i.path);
            i.is_readonly = true;
        }
        i
    }

    fn fix_file(sid: &str, mount: Option<&str>, mut f: SessionFile) -> SessionFile {
        f.session_id = sid.to_string();
        if let Some(n) = mount {
            f.path = prefixed(n, &f.path);
            f.name = name_of(&f.path);
            f.is_readonly = true;
        }
        f
    }

    fn fix_grep(mount: Option<&str>, mut g: GrepResult) -> GrepResult {
        if let Some(n) = mount {
            g.path = prefixed(n, &g.path);
            for m in &mut g.matches {
                m.path = prefixed(n, &m.path);
            }
        }
        g
    }

    /// The mount directories (and, with `recursive`, their contents).
    async fn list_mounts(
        &self,
        sid: &str,
        b: &SessionFileBinding,
        recursive: bool,
    ) -> FsResult<Vec<FileInfo>> {
        let mut out = Vec::new();
        for m in &b.mounts {
            out.push(synthetic_dir(sid, &prefixed(&m.name, "/")));
            if recursive {
                for i in self.inner.list(&m.key, "/", true).await? {
                    out.push(Self::fix_info(sid, Some(&m.name), i));
                }
            }
        }
        Ok(out)
    }
}

#[async_trait]
impl SessionFileSystem for WorkspaceFileSystem {
    async fn read(&self, sid: &str, path: &str) -> FsResult<SessionFile> {
        match self.target(sid, path).await? {
            (b, Target::Own(p)) => Ok(Self::fix_file(
                sid,
                None,
                self.inner.read(&b.file_key, &p).await?,
            )),
            (_, Target::MountRoot) => {
                let i = synthetic_dir(sid, MEMORIES_DIR);
                Ok(SessionFile {
                    id: i.id,
                    session_id: i.session_id,
                    path: i.path,
                    name: i.name,
                    is_directory: true,
                    is_readonly: true,
                    size_bytes: 0,
                    content: None,
                    encoding: None,
                    created_at: i.created_at,
                    updated_at: i.updated_at,
                })
            }
            (_, Target::Mount { name, key, path }) => Ok(Self::fix_file(
                sid,
                Some(&name),
                self.inner.read(&key, &path).await?,
            )),
        }
    }

    async fn write(&self, sid: &str, path: &str, write: FileWrite) -> FsResult<WriteOutcome> {
        match self.target(sid, path).await? {
            (b, Target::Own(p)) => {
                let mut o = self.inner.write(&b.file_key, &p, write).await?;
                o.file = Self::fix_info(sid, None, o.file);
                Ok(o)
            }
            _ => Err(readonly(&normalize(path)?)),
        }
    }

    async fn delete(&self, sid: &str, path: &str, recursive: bool) -> FsResult<()> {
        match self.target(sid, path).await? {
            (b, Target::Own(p)) => self.inner.delete(&b.file_key, &p, recursive).await,
            _ => Err(readonly(&normalize(path)?)),
        }
    }

    async fn list(&self, sid: &str, path: &str, recursive: bool) -> FsResult<Vec<FileInfo>> {
        let mut out = match self.target(sid, path).await? {
            (b, Target::Own(p)) => {
                let mut v: Vec<FileInfo> = self
                    .inner
                    .list(&b.file_key, &p, recursive)
                    .await?
                    .into_iter()
                    .filter(|i| b.mounts.is_empty() || !is_within(&i.path, MEMORIES_DIR))
                    .map(|i| Self::fix_info(sid, None, i))
                    .collect();
                if p == "/" && !b.mounts.is_empty() {
                    v.push(synthetic_dir(sid, MEMORIES_DIR));
                    if recursive {
                        v.extend(self.list_mounts(sid, &b, true).await?);
                    }
                }
                v
            }
            (b, Target::MountRoot) => self.list_mounts(sid, &b, recursive).await?,
            (_, Target::Mount { name, key, path }) => self
                .inner
                .list(&key, &path, recursive)
                .await?
                .into_iter()
                .map(|i| Self::fix_info(sid, Some(&name), i))
                .collect(),
        };
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    async fn stat(&self, sid: &str, path: &str) -> FsResult<FileStat> {
        match self.target(sid, path).await? {
            (b, Target::Own(p)) => self.inner.stat(&b.file_key, &p).await,
            (_, Target::MountRoot) => Ok(stat_of(synthetic_dir(sid, MEMORIES_DIR))),
            (_, Target::Mount { name, key, path }) => {
                let mut s = self.inner.stat(&key, &path).await?;
                s.path = prefixed(&name, &s.path);
                s.name = name_of(&s.path);
                s.is_readonly = true;
                Ok(s)
            }
        }
    }

    async fn grep(
        &self,
        sid: &str,
        pattern: &str,
        path_pattern: Option<&str>,
    ) -> FsResult<Vec<GrepResult>> {
        let b = self.resolver.binding(sid).await?;
        let mut out: Vec<GrepResult> = self
            .inner
            .grep(&b.file_key, pattern, path_pattern)
            .await?
            .into_iter()
            .filter(|g| b.mounts.is_empty() || !is_within(&g.path, MEMORIES_DIR))
            .collect();
        for m in &b.mounts {
            for g in self.inner.grep(&m.key, pattern, path_pattern).await? {
                out.push(Self::fix_grep(Some(&m.name), g));
            }
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    async fn create_directory(&self, sid: &str, path: &str) -> FsResult<FileInfo> {
        match self.target(sid, path).await? {
            (b, Target::Own(p)) => Ok(Self::fix_info(
                sid,
                None,
                self.inner.create_directory(&b.file_key, &p).await?,
            )),
            _ => Err(readonly(&normalize(path)?)),
        }
    }

    async fn move_path(&self, sid: &str, src: &str, dst: &str) -> FsResult<FileInfo> {
        let (b, s) = self.target(sid, src).await?;
        let (_, d) = self.target(sid, dst).await?;
        match (s, d) {
            (Target::Own(s), Target::Own(d)) => Ok(Self::fix_info(
                sid,
                None,
                self.inner.move_path(&b.file_key, &s, &d).await?,
            )),
            (Target::Own(_), _) => Err(readonly(&normalize(dst)?)),
            _ => Err(readonly(&normalize(src)?)),
        }
    }

    async fn copy_file(&self, sid: &str, src: &str, dst: &str) -> FsResult<FileInfo> {
        let (b, s) = self.target(sid, src).await?;
        let (_, d) = self.target(sid, dst).await?;
        let Target::Own(d) = d else {
            return Err(readonly(&normalize(dst)?));
        };
        match s {
            Target::Own(s) => Ok(Self::fix_info(
                sid,
                None,
                self.inner.copy_file(&b.file_key, &s, &d).await?,
            )),
            Target::MountRoot => Err(FsError::IsADirectory(MEMORIES_DIR.to_string())),
            Target::Mount { key, path, .. } => {
                let f = self.inner.read(&key, &path).await?;
                if f.is_directory {
                    return Err(FsError::IsADirectory(normalize(src)?));
                }
                let bytes =
                    decode_content(f.content.as_deref().unwrap_or(""), f.encoding.as_ref())?;
                let w = FileWrite::upsert(bytes).with_mode(WriteMode::CreateNew);
                let o = self.inner.write(&b.file_key, &d, w).await?;
                Ok(Self::fix_info(sid, None, o.file))
            }
        }
    }

    async fn seed_initial_file(&self, sid: &str, file: &InitialFile) -> FsResult<()> {
        match self.target(sid, &file.path).await? {
            (b, Target::Own(_)) => self.inner.seed_initial_file(&b.file_key, file).await,
            _ => Err(readonly(&normalize(&file.path)?)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::InMemorySessionFileStore;

    struct Fixed(SessionFileBinding);

    #[async_trait]
    impl FileBindingResolver for Fixed {
        async fn binding(&self, _sid: &str) -> FsResult<SessionFileBinding> {
            Ok(self.0.clone())
        }
    }

    fn setup() -> (Arc<InMemorySessionFileStore>, WorkspaceFileSystem) {
        let inner = Arc::new(InMemorySessionFileStore::new());
        let b = SessionFileBinding {
            file_key: "wsp_a".into(),
            mounts: vec![FileMount {
                name: "docs".into(),
                key: "mem_a".into(),
            }],
        };
        let fs = WorkspaceFileSystem::new(inner.clone(), Arc::new(Fixed(b)));
        (inner, fs)
    }

    #[tokio::test]
    async fn files_go_to_the_workspace_key_and_memories_read_only() {
        let (inner, fs) = setup();
        inner
            .write("mem_a", "/facts.md", FileWrite::upsert("sky is blue"))
            .await
            .unwrap();
        fs.write("session_x", "/notes.md", FileWrite::upsert("hi"))
            .await
            .unwrap();
        assert_eq!(
            inner
                .read("wsp_a", "/notes.md")
                .await
                .unwrap()
                .content
                .as_deref(),
            Some("hi")
        );
        let f = fs
            .read("session_x", "/memories/docs/facts.md")
            .await
            .unwrap();
        assert_eq!(f.path, "/memories/docs/facts.md");
        assert!(f.is_readonly);
        assert_eq!(f.session_id, "session_x");
        let e = fs
            .write(
                "session_x",
                "/memories/docs/facts.md",
                FileWrite::upsert("no"),
            )
            .await
            .unwrap_err();
        assert!(matches!(e, FsError::ReadOnly(_)), "{e:?}");
        assert!(matches!(
            fs.delete("session_x", "/memories/docs", true).await,
            Err(FsError::ReadOnly(_))
        ));
        let root: Vec<String> = fs
            .list("session_x", "/", true)
            .await
            .unwrap()
            .into_iter()
            .map(|i| i.path)
            .collect();
        assert_eq!(
            root,
            vec![
                "/memories",
                "/memories/docs",
                "/memories/docs/facts.md",
                "/notes.md"
            ]
        );
        let g = fs.grep("session_x", "blue", None).await.unwrap();
        assert_eq!(g[0].path, "/memories/docs/facts.md");
        fs.copy_file("session_x", "/memories/docs/facts.md", "/copy.md")
            .await
            .unwrap();
        assert!(matches!(
            fs.read("session_x", "/memories/nope/x").await,
            Err(FsError::NotFound(_))
        ));
    }
}
