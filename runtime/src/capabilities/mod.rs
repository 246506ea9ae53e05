//! Capabilities: bundles of tools, prompt text and mounted files, and the registry that
//! resolves capability ids (with aliases) for a turn.
//!
//! Embedders add their own by implementing [`Capability`] (and [`Tool`] for each tool) and
//! registering it in a [`CapabilityRegistry`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use everruns_core::{CapabilityInfo, CapabilityToolInfo, FileWrittenData, InitialFile};
use serde_json::Value;

use crate::fs::SessionFileSystem;
use crate::runtime_config::{NetworkPolicy, RuntimeConfig};
use crate::store::SessionStorage;

mod bash;
pub mod files;
mod instructions;
mod interaction;
mod math;
mod samples;
pub mod secret_env;
pub mod skills;
pub mod storage;
mod time;
mod todos;
mod weather;
pub mod web;

pub use bash::VirtualBashCapability;
pub use files::SessionFileSystemCapability;
pub use instructions::{
    AgentInstructionsCapability, DEFAULT_INSTRUCTION_FILES, MAX_INSTRUCTION_CHARS,
};
pub use interaction::{AskUserCapability, ToolApprovalCapability};
pub use math::TestMathCapability;
pub use samples::SampleDataCapability;
pub use skills::SkillsCapability;
pub use storage::SessionStorageCapability;
pub use time::CurrentTimeCapability;
pub use todos::StatelessTodoListCapability;
pub use weather::TestWeatherCapability;
pub use web::WebFetchCapability;

/// Concurrency class of tools that change session files (run one at a time, in call order).
pub const CLASS_SESSION_WORKSPACE: &str = "session_workspace";
/// Concurrency class of kv/secret tools.
pub const CLASS_SESSION_STORAGE: &str = "session_storage";
/// Concurrency class of the todo tool.
pub const CLASS_SESSION_TODOS: &str = "session_todos";

/// A tool failure. The model sees `message` as the tool's error result; it never fails the
/// turn.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ToolError {
    /// Model-visible text.
    pub message: String,
}

impl ToolError {
    /// A tool error.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

impl From<crate::fs::FsError> for ToolError {
    fn from(e: crate::fs::FsError) -> Self {
        ToolError::new(e.to_string())
    }
}

impl From<crate::store::StoreError> for ToolError {
    fn from(e: crate::store::StoreError) -> Self {
        ToolError::new(e.to_string())
    }
}

/// What a tool gets to work with.
#[derive(Clone)]
pub struct ToolContext {
    /// The session.
    pub session_id: String,
    /// The turn.
    pub turn_id: String,
    /// This call's id.
    pub tool_call_id: String,
    /// The session's files (tools must use only this for files).
    pub files: Arc<dyn SessionFileSystem>,
    /// The session's kv/secret storage.
    pub storage: Arc<dyn SessionStorage>,
    /// Engine settings.
    pub config: Arc<RuntimeConfig>,
    /// The owning capability's per-capability config (`CapabilityRef.config`).
    pub capability_config: Option<Value>,
    /// Merged network lists of the session.
    pub network: NetworkPolicy,
    pub(crate) effects: Arc<Mutex<Vec<FileWrittenData>>>,
}

impl ToolContext {
    /// Records a file change; the runtime emits it as `file.written` after `tool.completed`.
    pub fn record_file_written(&self, data: FileWrittenData) {
        self.effects.lock().expect("effects lock").push(data);
    }

    /// A context for calling a tool outside a turn (tests, host tooling).
    pub fn standalone(
        session_id: impl Into<String>,
        files: Arc<dyn SessionFileSystem>,
        storage: Arc<dyn SessionStorage>,
        config: Arc<RuntimeConfig>,
    ) -> Self {
        Self {
            session_id: session_id.into(),
            turn_id: String::new(),
            tool_call_id: String::new(),
            files,
            storage,
            config,
            capability_config: None,
            network: NetworkPolicy::default(),
            effects: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// File changes recorded so far.
    pub fn recorded_file_writes(&self) -> Vec<FileWrittenData> {
        self.effects.lock().expect("effects lock").clone()
    }
}

/// A tool the model can call.
#[async_trait]
pub trait Tool: Send + Sync {
    /// Name as the model sees it.
    fn name(&self) -> &str;
    /// Description for the model.
    fn description(&self) -> &str;
    /// JSON Schema of the arguments.
    fn parameters(&self) -> Value;
    /// Human label.
    fn display_name(&self) -> Option<&str> {
        None
    }
    /// Calls sharing a class run one at a time, in call order (`None`: fully concurrent).
    fn concurrency_class(&self) -> Option<&str> {
        None
    }
    /// Own timeout (else [`RuntimeConfig::tool_timeout`]).
    fn timeout(&self) -> Option<Duration> {
        None
    }
    /// True for tools the caller answers (`ask_user`): the act step runs
    /// [`Tool::execute`] only to check and normalise the arguments, then the turn waits
    /// for the answer (`tool.call_requested`).
    fn waits_for_caller(&self) -> bool {
        false
    }
    /// Runs the tool. `Err` is a tool error the model sees.
    async fn execute(&self, arguments: Value, ctx: &ToolContext) -> Result<Value, ToolError>;
}

/// Files a capability provides at session creation (e.g. read-only samples).
#[derive(Debug, Clone, PartialEq)]
pub struct MountPoint {
    /// Mount directory (`/samples`).
    pub path: String,
    /// Files, with paths relative to the mount or absolute under it.
    pub files: Vec<InitialFile>,
}

impl MountPoint {
    /// A read-only mount: every file is seeded read-only.
    pub fn readonly(path: impl Into<String>, files: Vec<(String, String)>) -> Self {
        let path = path.into();
        let files = files
            .into_iter()
            .map(|(name, content)| InitialFile {
                path: format!(
                    "{}/{}",
                    path.trim_end_matches('/'),
                    name.trim_start_matches('/')
                ),
                content,
                encoding: None,
                is_readonly: Some(true),
            })
            .collect();
        Self { path, files }
    }
}

/// What a capability's session prompt ([`Capability::session_system_prompt`]) can read.
#[derive(Clone)]
pub struct SystemPromptContext {
    /// The session.
    pub session_id: String,
    /// The session's files (capabilities must read files only through this store, so the
    /// platform's file-system factory applies).
    pub file_store: Arc<dyn SessionFileSystem>,
    /// The capability's per-capability config (`CapabilityRef.config`).
    pub capability_config: Option<Value>,
}

/// A capability: id, prompt text, tools, dependencies and mounts.
#[async_trait]
pub trait Capability: Send + Sync {
    /// Stable id (`session_file_system`).
    fn id(&self) -> &str;
    /// Human name.
    fn name(&self) -> &str;
    /// What it does.
    fn description(&self) -> &str;
    /// Other ids that name it (`file_system`).
    fn aliases(&self) -> Vec<String> {
        Vec::new()
    }
    /// Grouping label.
    fn category(&self) -> Option<&str> {
        None
    }
    /// Prompt text added before the merged prompt.
    fn system_prompt(&self) -> Option<String> {
        None
    }
    /// Prompt text for one session, assembled before every reason step; it may read the
    /// session's files. The default is [`Capability::system_prompt`].
    async fn session_system_prompt(&self, ctx: &SystemPromptContext) -> Option<String> {
        let _ = ctx;
        self.system_prompt()
    }
    /// Tools.
    fn tools(&self) -> Vec<Arc<dyn Tool>>;
    /// Capability ids included automatically (resolved before this one).
    fn dependencies(&self) -> Vec<String> {
        Vec::new()
    }
    /// Files seeded at session creation.
    fn mounts(&self) -> Vec<MountPoint> {
        Vec::new()
    }
    /// Whether it reaches the network.
    fn requires_network(&self) -> bool {
        false
    }
    /// Metadata as `GET /v1/capabilities` lists it.
    fn info(&self) -> CapabilityInfo {
        CapabilityInfo {
            id: self.id().to_string(),
            name: self.name().to_string(),
            description: self.description().to_string(),
            status: "active".into(),
            category: self.category().map(str::to_string),
            dependencies: self.dependencies(),
            aliases: self.aliases(),
            system_prompt: self.system_prompt(),
            tool_definitions: self
                .tools()
                .iter()
                .map(|t| CapabilityToolInfo {
                    name: t.name().to_string(),
                    description: t.description().to_string(),
                    parameters: Some(t.parameters()),
                })
                .collect(),
            requires_network: self.requires_network(),
            self_url: None,
            view_url: None,
            ui_link: None,
        }
    }
}

/// Capability id (or alias) → capability. [`CapabilityRegistry::new`] is empty;
/// [`CapabilityRegistry::with_builtins`] holds every built-in.
#[derive(Clone, Default)]
pub struct CapabilityRegistry {
    caps: Vec<Arc<dyn Capability>>,
    by_id: HashMap<String, usize>,
}

impl CapabilityRegistry {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every built-in capability.
    pub fn with_builtins() -> Self {
        let mut r = Self::new();
        r.register(CurrentTimeCapability);
        r.register(SessionFileSystemCapability);
        r.register(StatelessTodoListCapability);
        r.register(SessionStorageCapability);
        r.register(SampleDataCapability);
        r.register(TestMathCapability);
        r.register(TestWeatherCapability);
        r.register(WebFetchCapability);
        r.register(VirtualBashCapability);
        r.register(AgentInstructionsCapability);
        r.register(SkillsCapability);
        r.register(AskUserCapability);
        r.register(ToolApprovalCapability);
        r
    }

    /// Registers (or replaces, by id) a capability.
    pub fn register(&mut self, capability: impl Capability + 'static) {
        self.register_arc(Arc::new(capability));
    }

    /// Registers a shared capability.
    pub fn register_arc(&mut self, capability: Arc<dyn Capability>) {
        let id = capability.id().to_string();
        let idx = match self.by_id.get(&id) {
            Some(&i) => {
                self.caps[i] = capability.clone();
                i
            }
            None => {
                self.caps.push(capability.clone());
                self.caps.len() - 1
            }
        };
        self.by_id.insert(id, idx);
        for a in capability.aliases() {
            self.by_id.insert(a, idx);
        }
    }

    /// The capability with this id or alias.
    pub fn get(&self, id: &str) -> Option<Arc<dyn Capability>> {
        self.by_id.get(id).map(|&i| self.caps[i].clone())
    }

    /// The canonical id of `id` (itself when unknown).
    pub fn canonical_id(&self, id: &str) -> String {
        self.get(id)
            .map(|c| c.id().to_string())
            .unwrap_or_else(|| id.to_string())
    }

    /// Metadata of every capability, in registration order.
    pub fn infos(&self) -> Vec<CapabilityInfo> {
        self.caps.iter().map(|c| c.info()).collect()
    }

    /// Every capability, in registration order.
    pub fn all(&self) -> &[Arc<dyn Capability>] {
        &self.caps
    }
}

/// Reads a required string argument.
pub fn arg_str<'a>(args: &'a Value, key: &str) -> Result<&'a str, ToolError> {
    args.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| ToolError::new(format!("missing required string argument `{key}`")))
}

/// Reads an optional string argument.
pub fn opt_str<'a>(args: &'a Value, key: &str) -> Option<&'a str> {
    args.get(key).and_then(Value::as_str)
}
