//! `agent_instructions`: instruction files from the workspace (`AGENTS.md` by default) go into
//! the system prompt of every reason step, read through the session's file store (so a
//! real-disk workspace's own `AGENTS.md` applies).

use std::sync::Arc;

use async_trait::async_trait;
use everruns_core::FileEncoding;
use serde_json::Value;

use super::files::display_path;
use super::{Capability, SystemPromptContext, Tool};
use crate::fs::FsError;

/// Instruction files read when the capability config names none.
pub const DEFAULT_INSTRUCTION_FILES: &[&str] = &["/AGENTS.md"];

/// Characters of one instruction file put into the prompt; the rest is cut with a note.
pub const MAX_INSTRUCTION_CHARS: usize = 32 * 1024;

/// The `agent_instructions` capability (no tools). Config: `{"files": ["AGENTS.md", …]}`
/// (workspace paths, read in order; missing files are skipped).
#[derive(Debug, Clone, Copy, Default)]
pub struct AgentInstructionsCapability;

fn configured_files(config: Option<&Value>) -> Vec<String> {
    match config
        .and_then(|c| c.get("files"))
        .and_then(Value::as_array)
    {
        Some(list) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect(),
        None => DEFAULT_INSTRUCTION_FILES
            .iter()
            .map(|s| s.to_string())
            .collect(),
    }
}

/// Cuts `text` to `max` characters, saying so.
pub(crate) fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((i, _)) => format!(
            "{}\n[… cut: the file is longer than {max} characters; read it with read_file]",
            &text[..i]
        ),
    }
}

#[async_trait]
impl Capability for AgentInstructionsCapability {
    fn id(&self) -> &str {
        "agent_instructions"
    }
    fn name(&self) -> &str {
        "Agent Instructions"
    }
    fn description(&self) -> &str {
        "Reads instruction files from the workspace (AGENTS.md by default) into the system prompt."
    }
    fn category(&self) -> Option<&str> {
        Some("context")
    }
    fn tools(&self) -> Vec<Arc<dyn Tool>> {
        Vec::new()
    }
    async fn session_system_prompt(&self, ctx: &SystemPromptContext) -> Option<String> {
        let mut found = Vec::new();
        for path in configured_files(ctx.capability_config.as_ref()) {
            match ctx.file_store.read(&ctx.session_id, &path).await {
                Ok(f) => {
                    let binary = matches!(f.encoding, Some(FileEncoding::Base64));
                    let Some(text) = f.content.filter(|_| !binary) else {
                        continue; // a directory or a binary file
                    };
                    if text.trim().is_empty() {
                        continue;
                    }
                    found.push(format!(
                        "<instructions path=\"{}\">\n{}\n</instructions>",
                        display_path(&f.path),
                        clip(text.trim(), MAX_INSTRUCTION_CHARS)
                    ));
                }
                Err(FsError::NotFound(_)) => {}
                Err(e) => tracing::warn!(%path, error = %e, "instruction file not read"),
            }
        }
        if found.is_empty() {
            return None;
        }
        Some(format!(
            "The workspace has instruction files for you. Follow them unless the user asks \
             otherwise.\n\n{}",
            found.join("\n\n")
        ))
    }
}
