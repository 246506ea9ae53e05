//! `virtual_bash`: a `bash` tool backed by the in-process bashkit interpreter (not a real
//! shell). `/workspace` is the session's file store (`/workspace/x` ↔ store `/x`); the rest of
//! the virtual filesystem (`/tmp`, …) is scratch memory that lives for one call.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use async_trait::async_trait;
use bashkit::{DirEntry, FileSystem, FileSystemExt, FileType, Metadata};
use everruns_core::FileWrittenData;
use serde_json::{json, Value};

use super::{opt_str, Capability, Tool, ToolContext, ToolError, CLASS_SESSION_WORKSPACE};
use crate::fs::{decode_content, normalize, FileWrite, FsError};

/// Largest script accepted (1 MiB).
pub const MAX_SCRIPT_BYTES: usize = 1024 * 1024;

/// The `virtual_bash` capability (depends on `session_file_system`).
#[derive(Debug, Clone, Copy, Default)]
pub struct VirtualBashCapability;

/// bashkit filesystem over one session's file store (mounted at `/workspace`).
struct SessionVfs {
    ctx: ToolContext,
}

fn io(kind: std::io::ErrorKind, msg: String) -> bashkit::Error {
    bashkit::Error::Io(std::io::Error::new(kind, msg))
}

fn map_err(e: FsError) -> bashkit::Error {
    use std::io::ErrorKind as K;
    let kind = match &e {
        FsError::NotFound(_) => K::NotFound,
        FsError::AlreadyExists(_) => K::AlreadyExists,
        FsError::ReadOnly(_) | FsError::Denied(_) => K::PermissionDenied,
        FsError::InvalidPath(_) | FsError::InvalidContent(_) | FsError::InvalidPattern(_) => {
            K::InvalidInput
        }
        FsError::NotADirectory(_) => K::NotADirectory,
        FsError::IsADirectory(_) => K::IsADirectory,
        FsError::DirectoryNotEmpty(_) => K::DirectoryNotEmpty,
        FsError::QuotaExceeded(_) => K::StorageFull,
        _ => K::Other,
    };
    io(kind, e.to_string())
}

fn store_path(p: &Path) -> bashkit::Result<String> {
    let s = p
        .to_str()
        .ok_or_else(|| io(std::io::ErrorKind::InvalidInput, "path is not UTF-8".into()))?;
    normalize(s).map_err(map_err)
}

fn systime(t: chrono::DateTime<chrono::Utc>) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_millis(t.timestamp_millis().max(0) as u64)
}

impl SessionVfs {
    async fn bytes(&self, path: &str) -> bashkit::Result<Option<Vec<u8>>> {
        match self.ctx.files.read(&self.ctx.session_id, path).await {
            Ok(f) if f.is_directory => Err(io(
                std::io::ErrorKind::IsADirectory,
                format!("{path}: is a directory"),
            )),
            Ok(f) => Ok(Some(
                decode_content(f.content.as_deref().unwrap_or(""), f.encoding.as_ref())
                    .map_err(map_err)?,
            )),
            Err(FsError::NotFound(_)) => Ok(None),
            Err(e) => Err(map_err(e)),
        }
    }

    async fn put(&self, path: &str, content: Vec<u8>) -> bashkit::Result<()> {
        let out = self
            .ctx
            .files
            .write(&self.ctx.session_id, path, FileWrite::upsert(content))
            .await
            .map_err(map_err)?;
        self.ctx.record_file_written(FileWrittenData {
            path: out.file.path,
            operation: "write".into(),
            created: out.created,
            size_bytes: out.file.size_bytes,
        });
        Ok(())
    }
}

#[async_trait]
impl FileSystemExt for SessionVfs {}

#[async_trait]
impl FileSystem for SessionVfs {
    async fn read_file(&self, path: &Path) -> bashkit::Result<Vec<u8>> {
        let p = store_path(path)?;
        self.bytes(&p).await?.ok_or_else(|| {
            io(
                std::io::ErrorKind::NotFound,
                format!("/workspace{p}: no such file"),
            )
        })
    }

    async fn write_file(&self, path: &Path, content: &[u8]) -> bashkit::Result<()> {
        let p = store_path(path)?;
        self.put(&p, content.to_vec()).await
    }

    async fn append_file(&self, path: &Path, content: &[u8]) -> bashkit::Result<()> {
        let p = store_path(path)?;
        let mut bytes = self.bytes(&p).await?.unwrap_or_default();
        bytes.extend_from_slice(content);
        self.put(&p, bytes).await
    }

    async fn mkdir(&self, path: &Path, recursive: bool) -> bashkit::Result<()> {
        let p = store_path(path)?;
        if !recursive {
            if let Some(parent) = crate::fs::parent_of(&p) {
                if parent != "/" {
                    match self.ctx.files.stat(&self.ctx.session_id, parent).await {
                        Ok(s) if s.is_directory => {}
                        Ok(_) => {
                            return Err(io(
                                std::io::ErrorKind::NotADirectory,
                                format!("{parent}: not a directory"),
                            ))
                        }
                        Err(e) => return Err(map_err(e)),
                    }
                }
            }
        }
        match self
            .ctx
            .files
            .create_directory(&self.ctx.session_id, &p)
            .await
        {
            Ok(_) => Ok(()),
            Err(FsError::AlreadyExists(_)) if recursive => Ok(()),
            Err(e) => Err(map_err(e)),
        }
    }

    async fn remove(&self, path: &Path, recursive: bool) -> bashkit::Result<()> {
        let p = store_path(path)?;
        self.ctx
            .files
            .delete(&self.ctx.session_id, &p, recursive)
            .await
            .map_err(map_err)?;
        self.ctx.record_file_written(FileWrittenData {
            path: p,
            operation: "delete".into(),
            created: false,
            size_bytes: 0,
        });
        Ok(())
    }

    async fn stat(&self, path: &Path) -> bashkit::Result<Metadata> {
        let p = store_path(path)?;
        let s = self
            .ctx
            .files
            .stat(&self.ctx.session_id, &p)
            .await
            .map_err(map_err)?;
        Ok(Metadata {
            file_type: if s.is_directory {
                FileType::Directory
            } else {
                FileType::File
            },
            size: s.size_bytes,
            mode: if s.is_readonly { 0o555 } else { 0o755 },
            modified: systime(s.updated_at),
            created: systime(s.created_at),
        })
    }

    async fn read_dir(&self, path: &Path) -> bashkit::Result<Vec<DirEntry>> {
        let p = store_path(path)?;
        let entries = self
            .ctx
            .files
            .list(&self.ctx.session_id, &p, false)
            .await
            .map_err(map_err)?;
        Ok(entries
            .into_iter()
            .map(|e| DirEntry {
                name: e.name,
                metadata: Metadata {
                    file_type: if e.is_directory {
                        FileType::Directory
                    } else {
                        FileType::File
                    },
                    size: e.size_bytes,
                    mode: if e.is_readonly { 0o555 } else { 0o755 },
                    modified: systime(e.updated_at),
                    created: systime(e.created_at),
                },
            })
            .collect())
    }

    async fn exists(&self, path: &Path) -> bashkit::Result<bool> {
        let p = store_path(path)?;
        match self.ctx.files.stat(&self.ctx.session_id, &p).await {
            Ok(_) => Ok(true),
            Err(FsError::NotFound(_)) => Ok(false),
            Err(e) => Err(map_err(e)),
        }
    }

    async fn rename(&self, from: &Path, to: &Path) -> bashkit::Result<()> {
        let (f, t) = (store_path(from)?, store_path(to)?);
        if let Ok(s) = self.ctx.files.stat(&self.ctx.session_id, &t).await {
            if !s.is_directory {
                self.ctx
                    .files
                    .delete(&self.ctx.session_id, &t, false)
                    .await
                    .map_err(map_err)?;
            }
        }
        let info = self
            .ctx
            .files
            .move_path(&self.ctx.session_id, &f, &t)
            .await
            .map_err(map_err)?;
        self.ctx.record_file_written(FileWrittenData {
            path: info.path,
            operation: "move".into(),
            created: true,
            size_bytes: info.size_bytes,
        });
        Ok(())
    }

    async fn copy(&self, from: &Path, to: &Path) -> bashkit::Result<()> {
        let (f, t) = (store_path(from)?, store_path(to)?);
        let bytes = self.bytes(&f).await?.ok_or_else(|| {
            io(
                std::io::ErrorKind::NotFound,
                format!("/workspace{f}: no such file"),
            )
        })?;
        self.put(&t, bytes).await
    }

    async fn symlink(&self, _target: &Path, _link: &Path) -> bashkit::Result<()> {
        Err(io(
            std::io::ErrorKind::Unsupported,
            "symbolic links are not supported in /workspace".into(),
        ))
    }

    async fn read_link(&self, path: &Path) -> bashkit::Result<PathBuf> {
        Err(io(
            std::io::ErrorKind::InvalidInput,
            format!("{}: not a symbolic link", path.display()),
        ))
    }

    async fn chmod(&self, _path: &Path, _mode: u32) -> bashkit::Result<()> {
        Ok(())
    }
}

struct BashTool;

#[async_trait]
impl Tool for BashTool {
    fn name(&self) -> &str {
        "bash"
    }
    fn description(&self) -> &str {
        "Run a bash script in a sandboxed virtual shell (bashkit: an in-process interpreter with \
         common utilities, no network, no real processes). /workspace is the session workspace; \
         other paths such as /tmp are scratch space discarded after the call. Returns stdout, \
         stderr and exit_code."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "command": {"type": "string", "description": "Script to run"},
                "working_dir": {"type": "string", "default": "/workspace"},
                "timeout_ms": {"type": "integer", "minimum": 1, "maximum": 60000, "default": 30000}
            },
            "required": ["command"],
            "additionalProperties": false
        })
    }
    fn concurrency_class(&self) -> Option<&str> {
        Some(CLASS_SESSION_WORKSPACE)
    }
    fn timeout(&self) -> Option<Duration> {
        // The call enforces its own (bounded) timeout; this is the outer safety net.
        Some(Duration::from_secs(75))
    }
    async fn execute(&self, args: Value, ctx: &ToolContext) -> Result<Value, ToolError> {
        let script = opt_str(&args, "command")
            .or_else(|| opt_str(&args, "commands"))
            .ok_or_else(|| ToolError::new("missing required string argument `command`"))?;
        if script.len() > MAX_SCRIPT_BYTES {
            return Err(ToolError::new(format!(
                "script is {} bytes; the limit is {MAX_SCRIPT_BYTES}",
                script.len()
            )));
        }
        let cfg = &ctx.config.bash;
        let timeout = match args.get("timeout_ms").and_then(Value::as_u64) {
            Some(ms) => Duration::from_millis(ms).min(cfg.max_timeout),
            None => cfg.default_timeout,
        };
        let wd = opt_str(&args, "working_dir").unwrap_or("/workspace");
        let wd = if wd.starts_with('/') && !wd.starts_with("/workspace") {
            wd.to_string()
        } else {
            let store = normalize(wd).map_err(|e| ToolError::new(e.to_string()))?;
            if store == "/" {
                "/workspace".to_string()
            } else {
                format!("/workspace{store}")
            }
        };
        let limits = bashkit::ExecutionLimits::new()
            .max_commands(1000)
            .max_loop_iterations(10_000)
            .timeout(timeout);
        let secrets = super::secret_env::session_secret_env(ctx).await;
        let mut builder = bashkit::Bash::builder().limits(limits).cwd(&wd);
        for (k, v) in &secrets {
            builder = builder.env(k, v);
        }
        let mut bash = builder.build();
        bash.mount(
            "/workspace",
            Arc::new(SessionVfs { ctx: ctx.clone() }) as Arc<dyn FileSystem>,
        )
        .map_err(|e| ToolError::new(format!("cannot mount /workspace: {e}")))?;
        let run = bash.exec(script);
        let out = match tokio::time::timeout(timeout + Duration::from_secs(1), run).await {
            Err(_) => {
                return Err(ToolError::new(format!(
                    "bash timed out after {} ms",
                    timeout.as_millis()
                )))
            }
            Ok(Err(e)) => {
                return Ok(json!({
                    "stdout": "",
                    "stderr": super::secret_env::redact(&e.to_string(), &secrets),
                    "exit_code": 2,
                    "success": false,
                }))
            }
            Ok(Ok(r)) => r,
        };
        Ok(json!({
            "stdout": super::secret_env::redact(&out.stdout, &secrets),
            "stderr": super::secret_env::redact(&out.stderr, &secrets),
            "exit_code": out.exit_code,
            "success": out.exit_code == 0,
        }))
    }
}

impl Capability for VirtualBashCapability {
    fn id(&self) -> &str {
        "virtual_bash"
    }
    fn name(&self) -> &str {
        "Virtual Bash"
    }
    fn description(&self) -> &str {
        "A sandboxed bash interpreter (bashkit) over the session workspace."
    }
    fn category(&self) -> Option<&str> {
        Some("execution")
    }
    fn system_prompt(&self) -> Option<String> {
        Some(
            "You can run shell scripts with the bash tool. It is a virtual, in-process bash \
             (bashkit) with common utilities (cat, grep, sed, awk, sort, find, …), no network and \
             no real programs. The working directory is /workspace, which holds the session's \
             files; anything written elsewhere (such as /tmp) is discarded after the call."
                .into(),
        )
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        vec![Arc::new(BashTool)]
    }
    fn dependencies(&self) -> Vec<String> {
        vec!["session_file_system".into()]
    }
}
