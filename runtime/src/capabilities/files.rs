//! `session_file_system` (alias `file_system`): read, write, edit, list, grep, delete, stat
//! over the session's file store. The model sees paths under `/workspace`; `/workspace/x`,
//! `/x` and `x` all name store path `/x`.

use std::sync::Arc;

use async_trait::async_trait;
use everruns_core::{FileEncoding, FileWrittenData};
use serde_json::{json, Value};

use super::{arg_str, opt_str, Capability, Tool, ToolContext, ToolError, CLASS_SESSION_WORKSPACE};
use crate::fs::{content_hash, decode_content, normalize, FileWrite, FsError, WriteMode};

/// Default number of lines `read_file` returns.
pub const READ_DEFAULT_LINES: usize = 2000;
/// Default and maximum entries of `list_directory` / matches of `grep_files`.
pub const LIST_DEFAULT: usize = 200;
/// Maximum entries of `list_directory` / matches of `grep_files`.
pub const LIST_MAX: usize = 1000;
/// Largest diff `edit_file` returns.
pub const EDIT_DIFF_MAX_CHARS: usize = 16_000;

/// The `session_file_system` capability.
#[derive(Debug, Clone, Copy, Default)]
pub struct SessionFileSystemCapability;

/// `/x` → `/workspace/x` (what the model sees).
pub fn display_path(store_path: &str) -> String {
    if store_path == "/" {
        "/workspace".into()
    } else {
        format!("/workspace{store_path}")
    }
}

fn usize_arg(args: &Value, key: &str, default: usize, max: usize) -> Result<usize, ToolError> {
    match args.get(key) {
        None | Some(Value::Null) => Ok(default),
        Some(v) => v
            .as_u64()
            .map(|n| (n as usize).min(max))
            .ok_or_else(|| ToolError::new(format!("`{key}` must be a non-negative integer"))),
    }
}

fn fs_err(e: FsError) -> ToolError {
    ToolError::new(match e {
        FsError::NotFound(p) => format!("File not found: {}", display_path(&p)),
        FsError::ReadOnly(p) => format!(
            "{} is read-only and cannot be changed or deleted",
            display_path(&p)
        ),
        other => other.to_string(),
    })
}

struct ReadFile;
struct WriteFileTool;
struct EditFile;
struct ListDirectory;
struct GrepFiles;
struct DeleteFile;
struct StatFile;

#[async_trait]
impl Tool for ReadFile {
    fn name(&self) -> &str {
        "read_file"
    }
    fn description(&self) -> &str {
        "Read a file from the session workspace. Text files return lines (use offset/limit for \
         long files); binary files return base64. The result includes content_hash for edit_file."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "description": "File path, e.g. /workspace/notes.md"},
                "offset": {"type": "integer", "minimum": 0, "description": "First line (0-based)"},
                "limit": {"type": "integer", "minimum": 1, "description": "Number of lines (default 2000)"}
            },
            "required": ["path"],
            "additionalProperties": false
        })
    }
    async fn execute(&self, args: Value, ctx: &ToolContext) -> Result<Value, ToolError> {
        let path = normalize(arg_str(&args, "path")?).map_err(fs_err)?;
        let f = ctx
            .files
            .read(&ctx.session_id, &path)
            .await
            .map_err(fs_err)?;
        if f.is_directory {
            return Err(ToolError::new(format!(
                "{} is a directory; use list_directory",
                display_path(&path)
            )));
        }
        let content = f.content.unwrap_or_default();
        let bytes = decode_content(&content, f.encoding.as_ref()).map_err(fs_err)?;
        let hash = content_hash(&bytes);
        if f.encoding == Some(FileEncoding::Base64) {
            return Ok(json!({
                "path": display_path(&path),
                "encoding": "base64",
                "size_bytes": f.size_bytes,
                "content_hash": hash,
                "content": content,
            }));
        }
        let offset = usize_arg(&args, "offset", 0, usize::MAX)?;
        let limit = usize_arg(&args, "limit", READ_DEFAULT_LINES, usize::MAX)?.max(1);
        let lines: Vec<&str> = content.split_inclusive('\n').collect();
        let total = lines.len();
        let end = (offset + limit).min(total);
        let slice = if offset < total {
            lines[offset..end].concat()
        } else {
            String::new()
        };
        Ok(json!({
            "path": display_path(&path),
            "encoding": "text",
            "size_bytes": f.size_bytes,
            "content_hash": hash,
            "total_lines": total,
            "offset": offset,
            "lines_returned": end.saturating_sub(offset),
            "truncated": end < total,
            "content": slice,
        }))
    }
}

#[async_trait]
impl Tool for WriteFileTool {
    fn name(&self) -> &str {
        "write_file"
    }
    fn description(&self) -> &str {
        "Create or overwrite a file in the session workspace. Parent directories are created."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "content": {"type": "string"},
                "encoding": {"type": "string", "enum": ["text", "base64"], "default": "text"}
            },
            "required": ["path", "content"],
            "additionalProperties": false
        })
    }
    fn concurrency_class(&self) -> Option<&str> {
        Some(CLASS_SESSION_WORKSPACE)
    }
    async fn execute(&self, args: Value, ctx: &ToolContext) -> Result<Value, ToolError> {
        let path = normalize(arg_str(&args, "path")?).map_err(fs_err)?;
        let content = arg_str(&args, "content")?;
        let enc = opt_str(&args, "encoding").map(FileEncoding::from);
        let w = FileWrite::from_wire(content, enc.as_ref()).map_err(fs_err)?;
        let out = ctx
            .files
            .write(&ctx.session_id, &path, w)
            .await
            .map_err(fs_err)?;
        ctx.record_file_written(FileWrittenData {
            path: out.file.path.clone(),
            operation: "write".into(),
            created: out.created,
            size_bytes: out.file.size_bytes,
        });
        Ok(json!({
            "path": display_path(&path),
            "size_bytes": out.file.size_bytes,
            "created": out.created,
            "content_hash": out.content_hash,
        }))
    }
}

#[async_trait]
impl Tool for EditFile {
    fn name(&self) -> &str {
        "edit_file"
    }
    fn description(&self) -> &str {
        "Edit a text file by exact replacements. Each old_text must occur exactly once and edits \
         must not overlap. Pass expected_hash (content_hash from read_file) to fail if the file \
         changed since you read it."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "expected_hash": {"type": "string"},
                "edits": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "properties": {
                            "old_text": {"type": "string"},
                            "new_text": {"type": "string"}
                        },
                        "required": ["old_text", "new_text"],
                        "additionalProperties": false
                    }
                }
            },
            "required": ["path", "edits"],
            "additionalProperties": false
        })
    }
    fn concurrency_class(&self) -> Option<&str> {
        Some(CLASS_SESSION_WORKSPACE)
    }
    async fn execute(&self, args: Value, ctx: &ToolContext) -> Result<Value, ToolError> {
        let path = normalize(arg_str(&args, "path")?).map_err(fs_err)?;
        let edits = args
            .get("edits")
            .and_then(Value::as_array)
            .filter(|a| !a.is_empty())
            .ok_or_else(|| ToolError::new("`edits` must be a non-empty array"))?;
        let f = ctx
            .files
            .read(&ctx.session_id, &path)
            .await
            .map_err(fs_err)?;
        if f.is_directory || f.encoding == Some(FileEncoding::Base64) {
            return Err(ToolError::new(format!(
                "{} is not a text file",
                display_path(&path)
            )));
        }
        let original = f.content.unwrap_or_default();
        let current_hash = content_hash(original.as_bytes());
        if let Some(h) = opt_str(&args, "expected_hash") {
            if h != current_hash {
                return Err(ToolError::new(format!(
                    "{} changed since it was read (expected {h}, now {current_hash}); read it again",
                    display_path(&path)
                )));
            }
        }
        let mut ranges: Vec<(usize, usize, String, String)> = Vec::new();
        for (i, e) in edits.iter().enumerate() {
            let old = e
                .get("old_text")
                .and_then(Value::as_str)
                .ok_or_else(|| ToolError::new(format!("edit {i}: missing `old_text`")))?;
            let new = e
                .get("new_text")
                .and_then(Value::as_str)
                .ok_or_else(|| ToolError::new(format!("edit {i}: missing `new_text`")))?;
            if old.is_empty() {
                return Err(ToolError::new(format!("edit {i}: `old_text` is empty")));
            }
            let mut found = original.match_indices(old);
            let Some((start, _)) = found.next() else {
                return Err(ToolError::new(format!(
                    "edit {i}: old_text was not found in {}",
                    display_path(&path)
                )));
            };
            if found.next().is_some() {
                return Err(ToolError::new(format!(
                    "edit {i}: old_text occurs more than once; include more context to make it unique"
                )));
            }
            ranges.push((start, start + old.len(), old.to_string(), new.to_string()));
        }
        ranges.sort_by_key(|r| r.0);
        if ranges.windows(2).any(|w| w[0].1 > w[1].0) {
            return Err(ToolError::new("edits overlap; merge them into one edit"));
        }
        let mut result = String::with_capacity(original.len());
        let mut last = 0;
        let mut diff = String::new();
        for (s, e, old, new) in &ranges {
            result.push_str(&original[last..*s]);
            result.push_str(new);
            last = *e;
            // whole lines around the replacement
            let ls = original[..*s].rfind('\n').map(|i| i + 1).unwrap_or(0);
            let le = original[*e..]
                .find('\n')
                .map(|i| e + i)
                .unwrap_or(original.len());
            let before = &original[ls..le];
            let after = format!("{}{new}{}", &original[ls..*s], &original[*e..le]);
            let line = original[..ls].matches('\n').count() + 1;
            diff.push_str(&format!("@@ line {line} @@\n"));
            for l in before.split('\n') {
                diff.push_str(&format!("-{l}\n"));
            }
            for l in after.split('\n') {
                diff.push_str(&format!("+{l}\n"));
            }
            let _ = old;
        }
        result.push_str(&original[last..]);
        if diff.chars().count() > EDIT_DIFF_MAX_CHARS {
            diff =
                diff.chars().take(EDIT_DIFF_MAX_CHARS).collect::<String>() + "\n[diff truncated]";
        }
        let out = ctx
            .files
            .write(
                &ctx.session_id,
                &path,
                FileWrite::upsert(result.into_bytes()).with_mode(WriteMode::IfHash(current_hash)),
            )
            .await
            .map_err(fs_err)?;
        ctx.record_file_written(FileWrittenData {
            path: out.file.path.clone(),
            operation: "edit".into(),
            created: false,
            size_bytes: out.file.size_bytes,
        });
        Ok(json!({
            "path": display_path(&path),
            "replacements": ranges.len(),
            "size_bytes": out.file.size_bytes,
            "content_hash": out.content_hash,
            "diff": diff,
        }))
    }
}

#[async_trait]
impl Tool for ListDirectory {
    fn name(&self) -> &str {
        "list_directory"
    }
    fn description(&self) -> &str {
        "List a directory of the session workspace (default /workspace)."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string", "default": "/workspace"},
                "recursive": {"type": "boolean", "default": false},
                "offset": {"type": "integer", "minimum": 0},
                "limit": {"type": "integer", "minimum": 1, "maximum": 1000}
            },
            "additionalProperties": false
        })
    }
    async fn execute(&self, args: Value, ctx: &ToolContext) -> Result<Value, ToolError> {
        let path = normalize(opt_str(&args, "path").unwrap_or("/")).map_err(fs_err)?;
        let recursive = args
            .get("recursive")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let offset = usize_arg(&args, "offset", 0, usize::MAX)?;
        let limit = usize_arg(&args, "limit", LIST_DEFAULT, LIST_MAX)?.max(1);
        let entries = ctx
            .files
            .list(&ctx.session_id, &path, recursive)
            .await
            .map_err(fs_err)?;
        let total = entries.len();
        let page: Vec<Value> = entries
            .into_iter()
            .skip(offset)
            .take(limit)
            .map(|e| {
                json!({
                    "path": display_path(&e.path),
                    "name": e.name,
                    "is_directory": e.is_directory,
                    "is_readonly": e.is_readonly,
                    "size_bytes": e.size_bytes,
                })
            })
            .collect();
        Ok(json!({
            "path": display_path(&path),
            "count": page.len(),
            "total": total,
            "truncated": offset + page.len() < total,
            "entries": page,
        }))
    }
}

#[async_trait]
impl Tool for GrepFiles {
    fn name(&self) -> &str {
        "grep_files"
    }
    fn description(&self) -> &str {
        "Search text files of the workspace with a regular expression. path_pattern filters \
         paths: a glob such as **/*.md, or a plain substring."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "pattern": {"type": "string", "description": "Rust regex"},
                "path_pattern": {"type": "string"},
                "limit": {"type": "integer", "minimum": 1, "maximum": 1000}
            },
            "required": ["pattern"],
            "additionalProperties": false
        })
    }
    async fn execute(&self, args: Value, ctx: &ToolContext) -> Result<Value, ToolError> {
        let pattern = arg_str(&args, "pattern")?;
        let limit = usize_arg(&args, "limit", LIST_DEFAULT, LIST_MAX)?.max(1);
        let results = ctx
            .files
            .grep(&ctx.session_id, pattern, opt_str(&args, "path_pattern"))
            .await
            .map_err(fs_err)?;
        let all: Vec<Value> = results
            .into_iter()
            .flat_map(|r| r.matches)
            .map(|m| {
                json!({"path": display_path(&m.path), "line_number": m.line_number, "line": m.line})
            })
            .collect();
        let total = all.len();
        let matches: Vec<Value> = all.into_iter().take(limit).collect();
        Ok(json!({
            "match_count": total,
            "truncated": matches.len() < total,
            "matches": matches,
        }))
    }
}

#[async_trait]
impl Tool for DeleteFile {
    fn name(&self) -> &str {
        "delete_file"
    }
    fn description(&self) -> &str {
        "Delete a file, or a directory (non-empty directories need recursive=true)."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {
                "path": {"type": "string"},
                "recursive": {"type": "boolean", "default": false}
            },
            "required": ["path"],
            "additionalProperties": false
        })
    }
    fn concurrency_class(&self) -> Option<&str> {
        Some(CLASS_SESSION_WORKSPACE)
    }
    async fn execute(&self, args: Value, ctx: &ToolContext) -> Result<Value, ToolError> {
        let path = normalize(arg_str(&args, "path")?).map_err(fs_err)?;
        let recursive = args
            .get("recursive")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        ctx.files
            .delete(&ctx.session_id, &path, recursive)
            .await
            .map_err(fs_err)?;
        ctx.record_file_written(FileWrittenData {
            path: path.clone(),
            operation: "delete".into(),
            created: false,
            size_bytes: 0,
        });
        Ok(json!({"path": display_path(&path), "deleted": true}))
    }
}

#[async_trait]
impl Tool for StatFile {
    fn name(&self) -> &str {
        "stat_file"
    }
    fn description(&self) -> &str {
        "Metadata of a path: exists, is_directory, is_readonly, size_bytes, timestamps."
    }
    fn parameters(&self) -> Value {
        json!({
            "type": "object",
            "properties": {"path": {"type": "string"}},
            "required": ["path"],
            "additionalProperties": false
        })
    }
    async fn execute(&self, args: Value, ctx: &ToolContext) -> Result<Value, ToolError> {
        let path = normalize(arg_str(&args, "path")?).map_err(fs_err)?;
        match ctx.files.stat(&ctx.session_id, &path).await {
            Ok(s) => Ok(json!({
                "path": display_path(&path),
                "exists": true,
                "is_directory": s.is_directory,
                "is_readonly": s.is_readonly,
                "size_bytes": s.size_bytes,
                "created_at": s.created_at,
                "updated_at": s.updated_at,
            })),
            Err(FsError::NotFound(_)) => Ok(json!({"path": display_path(&path), "exists": false})),
            Err(e) => Err(fs_err(e)),
        }
    }
}

impl Capability for SessionFileSystemCapability {
    fn id(&self) -> &str {
        "session_file_system"
    }
    fn name(&self) -> &str {
        "File System"
    }
    fn description(&self) -> &str {
        "Read, write, edit, list, search and delete files in the session workspace."
    }
    fn aliases(&self) -> Vec<String> {
        vec!["file_system".into()]
    }
    fn category(&self) -> Option<&str> {
        Some("files")
    }
    fn system_prompt(&self) -> Option<String> {
        Some(
            "You have a session workspace rooted at /workspace. Use read_file, write_file, \
             edit_file, list_directory, grep_files, delete_file and stat_file to work with it. \
             Paths may be absolute (/workspace/notes.md) or relative to /workspace. Read a file \
             before describing or editing it."
                .into(),
        )
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        vec![
            Arc::new(ReadFile),
            Arc::new(WriteFileTool),
            Arc::new(EditFile),
            Arc::new(ListDirectory),
            Arc::new(GrepFiles),
            Arc::new(DeleteFile),
            Arc::new(StatFile),
        ]
    }
}
