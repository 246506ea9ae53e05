//! Session file stores: the [`SessionFileSystem`] trait, its typed errors, the path and
//! content rules (docs/runtime.md#7), and the implementations and decorators.
//!
//! Paths given to any method may use the `/workspace` alias, may be relative, and may have
//! trailing or doubled slashes; they are normalised with [`everruns_core::normalize_path`].
//! `..`, `.`, NUL and backslashes are refused with [`FsError::InvalidPath`]. Stored and
//! returned paths are canonical (`/a/b.md`, `/` for the root).
//!
//! Two ways to plug in a host store:
//! * implement [`FileEntryBackend`] (five small record operations) and wrap it in
//!   [`EntryFileSystem`], which applies every rule (normalisation, parents auto-created,
//!   read-only, quotas, compare-and-set, encoding detection, grep); or
//! * implement [`SessionFileSystem`] directly (as [`RealDiskFileStore`] does), using the helpers
//!   in this module ([`normalize`], [`detect_encoding`], [`content_hash`], [`decode_content`]).

mod decorators;
mod disk;
mod entry;
mod factory;
mod mounts;

pub use decorators::{
    ApprovalGatingFileStore, FileApprovalGate, WriteBlocklistFileStore, DEFAULT_WRITE_BLOCKLIST,
};
pub use disk::RealDiskFileStore;
pub use entry::{EntryFileSystem, FileEntry, FileEntryBackend, InMemoryFileEntryBackend};
pub use factory::{
    InMemorySessionFileStore, InMemorySessionFileSystemFactory, RealDiskSessionFileSystemFactory,
    SessionFileSystemFactory,
};
pub use mounts::{
    FileBindingResolver, FileMount, SessionFileBinding, WorkspaceFileSystem, MEMORIES_DIR,
};

use async_trait::async_trait;
use base64::Engine as _;
use everruns_core::{FileEncoding, FileInfo, FileStat, GrepResult, InitialFile, SessionFile};
use sha2::Digest;

/// Typed file-store errors. [`FsError::code`] gives a stable string for HTTP mapping.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FsError {
    /// The path does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// The path exists and the operation needed it not to.
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// The file is read-only (write and delete refused).
    #[error("read-only file: {0}")]
    ReadOnly(String),
    /// The path breaks the path rules (`..`, NUL, escape from a disk root, …).
    #[error("invalid path: {0}")]
    InvalidPath(String),
    /// A path segment that must be a directory is a file.
    #[error("not a directory: {0}")]
    NotADirectory(String),
    /// The operation needs a file but the path is a directory.
    #[error("is a directory: {0}")]
    IsADirectory(String),
    /// Deleting a non-empty directory without `recursive`.
    #[error("directory not empty: {0} (use recursive delete)")]
    DirectoryNotEmpty(String),
    /// A per-file or per-session size limit would be exceeded.
    #[error("quota exceeded: {0}")]
    QuotaExceeded(String),
    /// Compare-and-set failed: the file changed since it was read.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A policy refused the operation (write blocklist, approval gate).
    #[error("denied: {0}")]
    Denied(String),
    /// Content could not be decoded (bad base64, …).
    #[error("invalid content: {0}")]
    InvalidContent(String),
    /// A grep or path pattern is not valid.
    #[error("invalid pattern: {0}")]
    InvalidPattern(String),
    /// The underlying store failed.
    #[error("file store error: {0}")]
    Backend(String),
}

impl FsError {
    /// Stable machine code: `not_found`, `already_exists`, `readonly`, `invalid_path`,
    /// `not_a_directory`, `is_a_directory`, `directory_not_empty`, `quota_exceeded`,
    /// `conflict`, `denied`, `invalid_content`, `invalid_pattern`, `backend`.
    pub fn code(&self) -> &'static str {
        match self {
            FsError::NotFound(_) => "not_found",
            FsError::AlreadyExists(_) => "already_exists",
            FsError::ReadOnly(_) => "readonly",
            FsError::InvalidPath(_) => "invalid_path",
            FsError::NotADirectory(_) => "not_a_directory",
            FsError::IsADirectory(_) => "is_a_directory",
            FsError::DirectoryNotEmpty(_) => "directory_not_empty",
            FsError::QuotaExceeded(_) => "quota_exceeded",
            FsError::Conflict(_) => "conflict",
            FsError::Denied(_) => "denied",
            FsError::InvalidContent(_) => "invalid_content",
            FsError::InvalidPattern(_) => "invalid_pattern",
            FsError::Backend(_) => "backend",
        }
    }
}

/// Result alias of file-store operations.
pub type FsResult<T> = Result<T, FsError>;

/// How a write treats an existing file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum WriteMode {
    /// Create or overwrite (default).
    #[default]
    Upsert,
    /// Fail with [`FsError::AlreadyExists`] when the path exists.
    CreateNew,
    /// Fail with [`FsError::NotFound`] when the path does not exist.
    UpdateExisting,
    /// Compare-and-set: the file must exist and its [`content_hash`] must equal this value,
    /// else [`FsError::Conflict`].
    IfHash(String),
}

/// A write request.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileWrite {
    /// New raw content; `None` keeps the content (e.g. only change `is_readonly`).
    pub content: Option<Vec<u8>>,
    /// New read-only flag; `None` keeps it (new files: `false`).
    pub is_readonly: Option<bool>,
    /// Existence / compare-and-set rule.
    pub mode: WriteMode,
}

impl FileWrite {
    /// Create or overwrite with `content`.
    pub fn upsert(content: impl Into<Vec<u8>>) -> Self {
        Self {
            content: Some(content.into()),
            ..Default::default()
        }
    }

    /// Decodes wire content (`text` or `base64`) into a write.
    pub fn from_wire(content: &str, encoding: Option<&FileEncoding>) -> FsResult<Self> {
        Ok(Self::upsert(decode_content(content, encoding)?))
    }

    /// Sets the mode.
    pub fn with_mode(mut self, mode: WriteMode) -> Self {
        self.mode = mode;
        self
    }

    /// Sets the read-only flag.
    pub fn readonly(mut self, is_readonly: bool) -> Self {
        self.is_readonly = Some(is_readonly);
        self
    }
}

/// What a write did.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteOutcome {
    /// The file after the write (metadata).
    pub file: FileInfo,
    /// True when the file did not exist before.
    pub created: bool,
    /// [`content_hash`] of the new content.
    pub content_hash: String,
}

/// A per-session virtual filesystem. Every method takes the session id first; a store may
/// ignore it (a single real-disk workspace).
///
/// Semantics every implementation follows (tested for the in-memory and real-disk stores):
/// * writes auto-create parent directories; a file in the way → [`FsError::NotADirectory`];
/// * content is bytes; it reads back as text unless it has a NUL in its first 8 KiB or is
///   not UTF-8, then as base64 ([`detect_encoding`]);
/// * a read-only file refuses content writes and deletes ([`FsError::ReadOnly`]);
/// * deleting a non-empty directory needs `recursive`; deleting `/` is refused;
/// * `stat("/")` is a synthetic directory; `list` of a missing path is
///   [`FsError::NotFound`], of a file [`FsError::NotADirectory`];
/// * `grep` applies a Rust regex to the lines of text files; `path_pattern` is a glob
///   (`**/*.md`) or, when it has no glob characters, a substring of the path.
#[async_trait]
pub trait SessionFileSystem: Send + Sync {
    /// A file with content (`content: None` for a directory).
    async fn read(&self, session_id: &str, path: &str) -> FsResult<SessionFile>;
    /// Writes a file.
    async fn write(&self, session_id: &str, path: &str, write: FileWrite)
        -> FsResult<WriteOutcome>;
    /// Deletes a file or directory.
    async fn delete(&self, session_id: &str, path: &str, recursive: bool) -> FsResult<()>;
    /// Entries of a directory (direct children, or all descendants with `recursive`), sorted
    /// by path.
    async fn list(&self, session_id: &str, path: &str, recursive: bool) -> FsResult<Vec<FileInfo>>;
    /// Metadata of one path.
    async fn stat(&self, session_id: &str, path: &str) -> FsResult<FileStat>;
    /// Regex search over text files.
    async fn grep(
        &self,
        session_id: &str,
        pattern: &str,
        path_pattern: Option<&str>,
    ) -> FsResult<Vec<GrepResult>>;
    /// Creates a directory (and its parents). Existing directory → [`FsError::AlreadyExists`].
    async fn create_directory(&self, session_id: &str, path: &str) -> FsResult<FileInfo>;
    /// Moves a file or directory; the destination must not exist.
    async fn move_path(&self, session_id: &str, src: &str, dst: &str) -> FsResult<FileInfo>;
    /// Copies a file (directories are refused); the destination must not exist.
    async fn copy_file(&self, session_id: &str, src: &str, dst: &str) -> FsResult<FileInfo>;
    /// Seeds a starter file at session creation: overwrites whatever is there, even a
    /// read-only file, and applies `is_readonly`.
    async fn seed_initial_file(&self, session_id: &str, file: &InitialFile) -> FsResult<()>;
}

/// Normalises a path (see the module docs); `..` and friends → [`FsError::InvalidPath`].
pub fn normalize(path: &str) -> FsResult<String> {
    everruns_core::normalize_path(path).map_err(|e| FsError::InvalidPath(e.to_string()))
}

/// Parent of a canonical path (`/a/b` → `/a`, `/a` → `/`); `None` for the root.
pub fn parent_of(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/"),
        Some(i) => Some(&path[..i]),
        None => Some("/"),
    }
}

/// Last segment of a canonical path (`""` for the root).
pub fn name_of(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or("")
}

/// True when `path` equals `dir` or lies below it (canonical paths).
pub fn is_within(path: &str, dir: &str) -> bool {
    dir == "/" || path == dir || path.starts_with(&format!("{dir}/"))
}

/// How stored bytes are returned: `base64` when a NUL byte is in the first 8 KiB or the bytes
/// are not UTF-8, else `text`.
pub fn detect_encoding(bytes: &[u8]) -> FileEncoding {
    let head = &bytes[..bytes.len().min(8192)];
    if head.contains(&0) || std::str::from_utf8(bytes).is_err() {
        FileEncoding::Base64
    } else {
        FileEncoding::Text
    }
}

/// Encodes bytes for the wire with [`detect_encoding`].
pub fn encode_content(bytes: &[u8]) -> (String, FileEncoding) {
    match detect_encoding(bytes) {
        FileEncoding::Text => (
            String::from_utf8(bytes.to_vec()).expect("checked utf-8"),
            FileEncoding::Text,
        ),
        _ => (
            base64::engine::general_purpose::STANDARD.encode(bytes),
            FileEncoding::Base64,
        ),
    }
}

/// Decodes wire content: `text` (default) as UTF-8 bytes, `base64` decoded.
pub fn decode_content(content: &str, encoding: Option<&FileEncoding>) -> FsResult<Vec<u8>> {
    match encoding {
        None | Some(FileEncoding::Text) => Ok(content.as_bytes().to_vec()),
        Some(FileEncoding::Base64) => base64::engine::general_purpose::STANDARD
            .decode(content.trim())
            .map_err(|e| FsError::InvalidContent(format!("content is not valid base64: {e}"))),
        Some(FileEncoding::Other(o)) => Err(FsError::InvalidContent(format!(
            "unknown encoding {o:?} (expected text or base64)"
        ))),
    }
}

/// `sha256:<hex>` of the bytes: the compare-and-set token.
pub fn content_hash(bytes: &[u8]) -> String {
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

/// Size limits of a file store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FsLimits {
    /// Largest single file (default 100 MiB).
    pub max_file_bytes: u64,
    /// Largest total of one session's files (default 500 MiB).
    pub max_session_bytes: u64,
}

impl Default for FsLimits {
    fn default() -> Self {
        Self {
            max_file_bytes: 100 * 1024 * 1024,
            max_session_bytes: 500 * 1024 * 1024,
        }
    }
}

/// Compiles a grep request: the regex and a path filter.
pub(crate) struct GrepMatcher {
    regex: regex::Regex,
    path: PathFilter,
}

enum PathFilter {
    All,
    Substring(String),
    Glob(globset::GlobMatcher),
}

impl GrepMatcher {
    pub(crate) fn new(pattern: &str, path_pattern: Option<&str>) -> FsResult<Self> {
        let regex = regex::RegexBuilder::new(pattern)
            .size_limit(1 << 20)
            .build()
            .map_err(|e| FsError::InvalidPattern(format!("bad regex {pattern:?}: {e}")))?;
        let path = match path_pattern.map(str::trim).filter(|p| !p.is_empty()) {
            None => PathFilter::All,
            Some(p) if p.contains(['*', '?', '[', '{']) => {
                let p = p.strip_prefix("/workspace").unwrap_or(p);
                let glob = globset::GlobBuilder::new(p)
                    .literal_separator(false)
                    .build()
                    .map_err(|e| FsError::InvalidPattern(format!("bad glob {p:?}: {e}")))?;
                PathFilter::Glob(glob.compile_matcher())
            }
            Some(p) => PathFilter::Substring(p.to_string()),
        };
        Ok(Self { regex, path })
    }

    pub(crate) fn path_matches(&self, path: &str) -> bool {
        match &self.path {
            PathFilter::All => true,
            PathFilter::Substring(s) => path.contains(s.as_str()),
            PathFilter::Glob(g) => g.is_match(path) || g.is_match(path.trim_start_matches('/')),
        }
    }

    /// Matching lines of one file (text files only; others yield nothing).
    pub(crate) fn search(&self, path: &str, bytes: &[u8]) -> Option<GrepResult> {
        if detect_encoding(bytes) != FileEncoding::Text {
            return None;
        }
        let text = std::str::from_utf8(bytes).ok()?;
        let matches: Vec<_> = text
            .lines()
            .enumerate()
            .filter(|(_, l)| self.regex.is_match(l))
            .map(|(i, l)| everruns_core::GrepMatch {
                path: path.to_string(),
                line_number: i as u64 + 1,
                line: l.to_string(),
            })
            .collect();
        (!matches.is_empty()).then(|| GrepResult {
            path: path.to_string(),
            matches,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_helpers() {
        assert_eq!(parent_of("/a/b"), Some("/a"));
        assert_eq!(parent_of("/a"), Some("/"));
        assert_eq!(parent_of("/"), None);
        assert_eq!(name_of("/a/b.md"), "b.md");
        assert!(is_within("/a/b", "/a"));
        assert!(!is_within("/ab", "/a"));
        assert!(matches!(normalize("/a/../b"), Err(FsError::InvalidPath(_))));
    }

    #[test]
    fn encodings() {
        assert_eq!(detect_encoding(b"hello\n"), FileEncoding::Text);
        assert_eq!(detect_encoding(b"a\0b"), FileEncoding::Base64);
        assert_eq!(detect_encoding(&[0xff, 0xfe]), FileEncoding::Base64);
        let (s, e) = encode_content(&[0, 1, 2]);
        assert_eq!(e, FileEncoding::Base64);
        assert_eq!(decode_content(&s, Some(&e)).unwrap(), vec![0, 1, 2]);
        assert!(matches!(
            decode_content("!!", Some(&FileEncoding::Base64)),
            Err(FsError::InvalidContent(_))
        ));
    }

    #[test]
    fn grep_path_filters() {
        let g = GrepMatcher::new("x", Some("**/*.md")).unwrap();
        assert!(g.path_matches("/a/b.md"));
        assert!(g.path_matches("/b.md"));
        assert!(!g.path_matches("/b.txt"));
        let g = GrepMatcher::new("x", Some("notes")).unwrap();
        assert!(g.path_matches("/notes/a.txt"));
        assert!(GrepMatcher::new("(", None).is_err());
    }
}
