//! Builders of core [`Harness`], [`Agent`] and [`Session`] values with runtime-friendly
//! defaults (fresh ids, `active`/`started` status, now as timestamps).

use chrono::{SubsecRound, Utc};
use everruns_core::ids::{new_id, IdKind};
use everruns_core::{
    Agent, CapabilityRef, Harness, InitialFile, NetworkAccess, ResourceStatus, Session,
    SessionStatus, ToolDefinition,
};

fn text_file(path: &str, content: &str, readonly: bool) -> InitialFile {
    InitialFile {
        path: path.to_string(),
        content: content.to_string(),
        encoding: None,
        is_readonly: readonly.then_some(true),
    }
}

/// Capabilities of the built-in `generic` harness, in order: a session workspace of files,
/// bash and key/value storage, plus the workspace's instruction files and skills.
pub const GENERIC_HARNESS_CAPABILITIES: &[&str] = &[
    "session_file_system",
    "virtual_bash",
    "session_storage",
    "agent_instructions",
    "skills",
];

/// Builds a [`Harness`].
#[derive(Debug, Clone)]
pub struct HarnessBuilder {
    h: Harness,
}

impl HarnessBuilder {
    /// A harness named `name` with `system_prompt`.
    pub fn new(name: impl Into<String>, system_prompt: impl Into<String>) -> Self {
        let now = Utc::now().trunc_subsecs(3);
        let prompt: String = system_prompt.into();
        Self {
            h: Harness {
                id: new_id(IdKind::Harness),
                name: name.into(),
                display_name: None,
                description: None,
                system_prompt: (!prompt.is_empty()).then_some(prompt),
                capabilities: Vec::new(),
                default_model_id: None,
                initial_files: Vec::new(),
                tags: Vec::new(),
                is_built_in: false,
                parent_harness_id: None,
                parallel_tool_calls: None,
                network_access: None,
                status: ResourceStatus::Active,
                created_at: now,
                updated_at: now,
                self_url: None,
                view_url: None,
                ui_link: None,
                session_count: None,
                app_count: None,
            },
        }
    }
    /// The built-in `generic` harness (display name "Generic", prompt "You are a helpful
    /// assistant.", capabilities [`GENERIC_HARNESS_CAPABILITIES`]), marked built-in.
    pub fn generic() -> Self {
        let mut b = Self::new("generic", "You are a helpful assistant.").display_name("Generic");
        b.h.description = Some(
            "Default harness: a session workspace of files, bash and key/value storage, with the \
             workspace's AGENTS.md and skills."
                .into(),
        );
        b.h.is_built_in = true;
        for c in GENERIC_HARNESS_CAPABILITIES {
            b = b.capability(*c);
        }
        b
    }
    /// Sets the id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.h.id = id.into();
        self
    }
    /// Sets the display name.
    pub fn display_name(mut self, v: impl Into<String>) -> Self {
        self.h.display_name = Some(v.into());
        self
    }
    /// Adds a capability.
    pub fn capability(mut self, c: impl Into<CapabilityRef>) -> Self {
        self.h.capabilities.push(c.into());
        self
    }
    /// Adds a starter text file.
    pub fn initial_file(mut self, path: &str, content: &str) -> Self {
        self.h.initial_files.push(text_file(path, content, false));
        self
    }
    /// Sets the default model id.
    pub fn default_model_id(mut self, v: impl Into<String>) -> Self {
        self.h.default_model_id = Some(v.into());
        self
    }
    /// Sets `parallel_tool_calls`.
    pub fn parallel_tool_calls(mut self, v: bool) -> Self {
        self.h.parallel_tool_calls = Some(v);
        self
    }
    /// Sets the network lists.
    pub fn network_access(mut self, v: NetworkAccess) -> Self {
        self.h.network_access = Some(v);
        self
    }
    /// The harness.
    pub fn build(self) -> Harness {
        self.h
    }
}

/// Builds an [`Agent`].
#[derive(Debug, Clone)]
pub struct AgentBuilder {
    a: Agent,
}

impl AgentBuilder {
    /// An agent named `name` with `system_prompt`, in harness `harness_id`.
    pub fn new(name: impl Into<String>, system_prompt: impl Into<String>) -> Self {
        let now = Utc::now().trunc_subsecs(3);
        Self {
            a: Agent {
                id: new_id(IdKind::Agent),
                name: name.into(),
                display_name: None,
                description: None,
                system_prompt: system_prompt.into(),
                harness_id: String::new(),
                default_model_id: None,
                status: ResourceStatus::Active,
                tags: Vec::new(),
                capabilities: Vec::new(),
                tools: Vec::new(),
                initial_files: Vec::new(),
                max_iterations: None,
                parallel_tool_calls: None,
                network_access: None,
                memory_ids: Vec::new(),
                created_at: now,
                updated_at: now,
                archived_at: None,
                usage: None,
                session_count: None,
                self_url: None,
                view_url: None,
                ui_link: None,
                app_count: None,
                default_version_id: None,
                forked_from_agent_id: None,
                forked_from_version_id: None,
            },
        }
    }
    /// Sets the id.
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.a.id = id.into();
        self
    }
    /// Sets the harness id.
    pub fn harness_id(mut self, id: impl Into<String>) -> Self {
        self.a.harness_id = id.into();
        self
    }
    /// Sets the display name.
    pub fn display_name(mut self, v: impl Into<String>) -> Self {
        self.a.display_name = Some(v.into());
        self
    }
    /// Adds a capability.
    pub fn capability(mut self, c: impl Into<CapabilityRef>) -> Self {
        self.a.capabilities.push(c.into());
        self
    }
    /// Adds a starter text file.
    pub fn initial_file(mut self, path: &str, content: &str) -> Self {
        self.a.initial_files.push(text_file(path, content, false));
        self
    }
    /// Adds a client-side tool.
    pub fn tool(mut self, t: ToolDefinition) -> Self {
        self.a.tools.push(t);
        self
    }
    /// Sets `max_iterations`.
    pub fn max_iterations(mut self, n: u32) -> Self {
        self.a.max_iterations = Some(n);
        self
    }
    /// Sets `parallel_tool_calls`.
    pub fn parallel_tool_calls(mut self, v: bool) -> Self {
        self.a.parallel_tool_calls = Some(v);
        self
    }
    /// Sets the default model id.
    pub fn default_model_id(mut self, v: impl Into<String>) -> Self {
        self.a.default_model_id = Some(v.into());
        self
    }
    /// Sets the network lists.
    pub fn network_access(mut self, v: NetworkAccess) -> Self {
        self.a.network_access = Some(v);
        self
    }
    /// The agent.
    pub fn build(self) -> Agent {
        self.a
    }
}

/// Builds a [`Session`].
#[derive(Debug, Clone)]
pub struct SessionBuilder {
    s: Session,
}

impl SessionBuilder {
    /// A session of harness `harness_id`.
    pub fn new(harness_id: impl Into<String>) -> Self {
        let now = Utc::now().trunc_subsecs(3);
        let id = new_id(IdKind::Session);
        let workspace = everruns_core::ids::rekind(&id, IdKind::Session, IdKind::Workspace).ok();
        Self {
            s: Session {
                id,
                organization_id: String::new(),
                harness_id: harness_id.into(),
                agent_id: None,
                workspace_id: workspace,
                title: None,
                locale: None,
                model_id: None,
                system_prompt: None,
                status: SessionStatus::Started,
                tags: Vec::new(),
                capabilities: Vec::new(),
                tools: Vec::new(),
                initial_files: Vec::new(),
                max_iterations: None,
                parallel_tool_calls: None,
                network_access: None,
                usage: None,
                preview: None,
                output_preview: None,
                created_at: now,
                updated_at: now,
                started_at: None,
                self_url: None,
                view_url: None,
                ui_link: None,
                pending_tool_calls: Vec::new(),
                pending_approvals: Vec::new(),
                pending_questions: Vec::new(),
                agent_version_id: None,
                is_pinned: false,
            },
        }
    }
    /// Sets the id (and the matching workspace id).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.s.id = id.into();
        self.s.workspace_id =
            everruns_core::ids::rekind(&self.s.id, IdKind::Session, IdKind::Workspace).ok();
        self
    }
    /// Sets the agent id.
    pub fn agent_id(mut self, id: impl Into<String>) -> Self {
        self.s.agent_id = Some(id.into());
        self
    }
    /// Sets the title.
    pub fn title(mut self, v: impl Into<String>) -> Self {
        self.s.title = Some(v.into());
        self
    }
    /// Sets the session prompt.
    pub fn system_prompt(mut self, v: impl Into<String>) -> Self {
        self.s.system_prompt = Some(v.into());
        self
    }
    /// Sets the model override.
    pub fn model_id(mut self, v: impl Into<String>) -> Self {
        self.s.model_id = Some(v.into());
        self
    }
    /// Adds a capability.
    pub fn capability(mut self, c: impl Into<CapabilityRef>) -> Self {
        self.s.capabilities.push(c.into());
        self
    }
    /// Adds a starter file.
    pub fn initial_file(mut self, file: InitialFile) -> Self {
        self.s.initial_files.push(file);
        self
    }
    /// Sets `max_iterations`.
    pub fn max_iterations(mut self, n: u32) -> Self {
        self.s.max_iterations = Some(n);
        self
    }
    /// Sets `parallel_tool_calls`.
    pub fn parallel_tool_calls(mut self, v: bool) -> Self {
        self.s.parallel_tool_calls = Some(v);
        self
    }
    /// Sets the network lists.
    pub fn network_access(mut self, v: NetworkAccess) -> Self {
        self.s.network_access = Some(v);
        self
    }
    /// The session.
    pub fn build(self) -> Session {
        self.s
    }
}
