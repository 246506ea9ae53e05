//! Seed 003's `single_session`: one harness, one agent (optional) and one session, described in
//! code.

use everruns_core::{Agent, Harness, InitialFile, Session};

use crate::builders::{AgentBuilder, HarnessBuilder, SessionBuilder};

/// Seeds one harness, one agent (optional) and one session (seed 003's `single_session`).
#[derive(Debug, Clone, Default)]
pub struct SingleSessionBuilder {
    harness_name: Option<String>,
    harness_prompt: String,
    harness_display_name: Option<String>,
    harness_capabilities: Vec<String>,
    agent: Option<(String, String)>,
    agent_display_name: Option<String>,
    agent_max_iterations: Option<u32>,
    agent_capabilities: Vec<String>,
    session_title: Option<String>,
    session_id: Option<String>,
    session_prompt: Option<String>,
    files: Vec<InitialFile>,
}

impl SingleSessionBuilder {
    /// The harness: slug name and base prompt.
    pub fn harness(mut self, name: impl Into<String>, system_prompt: impl Into<String>) -> Self {
        self.harness_name = Some(name.into());
        self.harness_prompt = system_prompt.into();
        self
    }
    /// The built-in `generic` harness ([`crate::HarnessBuilder::generic`]: files, bash,
    /// storage, `agent_instructions`, `skills`); [`Self::with_capability`] adds more.
    pub fn generic_harness(mut self) -> Self {
        self.harness_name = Some("generic".into());
        self.harness_prompt = "You are a helpful assistant.".into();
        self.harness_display_name = Some("Generic".into());
        for c in crate::GENERIC_HARNESS_CAPABILITIES {
            if !self.harness_capabilities.iter().any(|x| x == c) {
                self.harness_capabilities.push(c.to_string());
            }
        }
        self
    }
    /// The harness's display name.
    pub fn harness_display_name(mut self, v: impl Into<String>) -> Self {
        self.harness_display_name = Some(v.into());
        self
    }
    /// Enables a capability on the harness.
    pub fn with_capability(mut self, id: impl Into<String>) -> Self {
        self.harness_capabilities.push(id.into());
        self
    }
    /// The agent: slug name and prompt.
    pub fn agent(mut self, name: impl Into<String>, system_prompt: impl Into<String>) -> Self {
        self.agent = Some((name.into(), system_prompt.into()));
        self
    }
    /// The agent's display name.
    pub fn agent_display_name(mut self, v: impl Into<String>) -> Self {
        self.agent_display_name = Some(v.into());
        self
    }
    /// The agent's iteration limit.
    pub fn agent_max_iterations(mut self, n: u32) -> Self {
        self.agent_max_iterations = Some(n);
        self
    }
    /// Enables a capability on the agent.
    pub fn with_agent_capability(mut self, id: impl Into<String>) -> Self {
        self.agent_capabilities.push(id.into());
        self
    }
    /// The session title.
    pub fn session_title(mut self, v: impl Into<String>) -> Self {
        self.session_title = Some(v.into());
        self
    }
    /// A fixed session id (so a rebuilt runtime over the same stores finds the session).
    pub fn session_id(mut self, id: impl Into<String>) -> Self {
        self.session_id = Some(id.into());
        self
    }
    /// A session-level prompt.
    pub fn session_prompt(mut self, v: impl Into<String>) -> Self {
        self.session_prompt = Some(v.into());
        self
    }
    /// A starter text file of the session.
    pub fn seed_text_file(mut self, path: impl Into<String>, content: impl Into<String>) -> Self {
        self.files.push(InitialFile {
            path: path.into(),
            content: content.into(),
            encoding: None,
            is_readonly: None,
        });
        self
    }

    pub(crate) fn build(self) -> (Harness, Option<Agent>, Session) {
        let mut h = HarnessBuilder::new(
            self.harness_name.unwrap_or_else(|| "default".into()),
            if self.harness_prompt.is_empty() {
                "You are a helpful assistant.".to_string()
            } else {
                self.harness_prompt
            },
        );
        if let Some(d) = self.harness_display_name {
            h = h.display_name(d);
        }
        for c in self.harness_capabilities {
            h = h.capability(c);
        }
        let harness = h.build();
        let agent = self.agent.map(|(name, prompt)| {
            let mut a = AgentBuilder::new(name, prompt).harness_id(&harness.id);
            if let Some(d) = self.agent_display_name {
                a = a.display_name(d);
            }
            if let Some(n) = self.agent_max_iterations {
                a = a.max_iterations(n);
            }
            for c in self.agent_capabilities {
                a = a.capability(c);
            }
            a.build()
        });
        let mut s = SessionBuilder::new(&harness.id);
        if let Some(id) = self.session_id {
            s = s.id(id);
        }
        if let Some(a) = &agent {
            s = s.agent_id(&a.id);
        }
        if let Some(t) = self.session_title {
            s = s.title(t);
        }
        if let Some(p) = self.session_prompt {
            s = s.system_prompt(p);
        }
        for f in self.files {
            s = s.initial_file(f);
        }
        (harness, agent, s.build())
    }
}
