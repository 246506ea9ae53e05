//! The in-process runtime of seed 003: seed a harness, agent and session in code, run turns,
//! inspect events and messages. In-memory stores by default; every store is replaceable.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use everruns_core::ids::{new_id, IdKind};
use everruns_core::{
    Agent, Controls, Event, EventContext, EventPayload, Harness, InitialFile, InputMessage,
    LlmProviderType, LlmSimScript, Message, Session, SessionStartedData,
};
use tokio_util::sync::CancellationToken;

use crate::builders::{AgentBuilder, HarnessBuilder, SessionBuilder};
use crate::engine::{
    append_input_message, AssembledTurnContext, PlatformDefinition, RuntimeBackends, RuntimeError,
    TurnEngine, TurnRequest, TurnResult,
};
use crate::fs::{RealDiskFileStore, SessionFileSystem};
use crate::llmsim_driver::{LlmSimConfig, LlmSimDriver};
use crate::messages::messages_from_events;
use crate::runtime_config::RuntimeConfig;
use crate::store::{
    EventDraft, EventLog, LlmSimStore, ModelCatalog, ModelWithProvider, SessionStorage,
    StaticModelCatalog,
};

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

    fn build(self) -> (Harness, Option<Agent>, Session) {
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

/// Builder of [`InProcessRuntime`].
#[derive(Default)]
pub struct InProcessRuntimeBuilder {
    platform: Option<PlatformDefinition>,
    single: Option<SingleSessionBuilder>,
    llm_sim: Option<LlmSimConfig>,
    default_model: Option<ModelWithProvider>,
    config: Option<RuntimeConfig>,
    backends: Option<RuntimeBackends>,
    events: Option<Arc<dyn EventLog>>,
    files: Option<Arc<dyn SessionFileSystem>>,
    storage: Option<Arc<dyn SessionStorage>>,
    llmsim: Option<Arc<dyn LlmSimStore>>,
    models: Option<Arc<dyn ModelCatalog>>,
}

impl InProcessRuntimeBuilder {
    /// A builder with in-memory stores and the built-in platform.
    pub fn new() -> Self {
        Self::default()
    }
    /// Capabilities and drivers (default: [`PlatformDefinition::builtin`]).
    pub fn platform_definition(mut self, platform: PlatformDefinition) -> Self {
        self.platform = Some(platform);
        self
    }
    /// Seeds one harness/agent/session; its id is [`InProcessRuntime::default_session_id`].
    pub fn single_session(
        mut self,
        f: impl FnOnce(SingleSessionBuilder) -> SingleSessionBuilder,
    ) -> Self {
        self.single = Some(f(SingleSessionBuilder::default()));
        self
    }
    /// Registers the llmsim driver with this configuration (and, without
    /// [`Self::default_model`], makes `llmsim-model` the default model).
    pub fn llm_sim(mut self, config: LlmSimConfig) -> Self {
        self.llm_sim = Some(config);
        self
    }
    /// The default model.
    pub fn default_model(mut self, model: ModelWithProvider) -> Self {
        self.default_model = Some(model);
        self
    }
    /// Engine settings.
    pub fn runtime_config(mut self, config: RuntimeConfig) -> Self {
        self.config = Some(config);
        self
    }
    /// All stores at once (e.g. the ones of a previous runtime, to model a restart).
    pub fn backends(mut self, backends: RuntimeBackends) -> Self {
        self.backends = Some(backends);
        self
    }
    /// The event log.
    pub fn event_log(mut self, v: Arc<dyn EventLog>) -> Self {
        self.events = Some(v);
        self
    }
    /// The session file store.
    pub fn file_system(mut self, v: Arc<dyn SessionFileSystem>) -> Self {
        self.files = Some(v);
        self
    }
    /// Files in a real directory (one workspace, see [`RealDiskFileStore::new`]).
    pub fn real_disk_workspace(mut self, root: impl AsRef<Path>) -> Result<Self, RuntimeError> {
        self.files = Some(Arc::new(RealDiskFileStore::new(root)?));
        Ok(self)
    }
    /// The kv/secret storage.
    pub fn session_storage(mut self, v: Arc<dyn SessionStorage>) -> Self {
        self.storage = Some(v);
        self
    }
    /// The llmsim script store.
    pub fn llmsim_store(mut self, v: Arc<dyn LlmSimStore>) -> Self {
        self.llmsim = Some(v);
        self
    }
    /// The model catalogue (the default model is then the catalogue's).
    pub fn model_catalog(mut self, v: Arc<dyn ModelCatalog>) -> Self {
        self.models = Some(v);
        self
    }

    /// Builds the runtime and creates the single session (unless its log already has
    /// `session.started`, i.e. it was created by an earlier runtime over the same stores).
    pub async fn build(self) -> Result<InProcessRuntime, RuntimeError> {
        let mut platform = self.platform.unwrap_or_else(PlatformDefinition::builtin);
        if let Some(cfg) = &self.llm_sim {
            platform
                .drivers
                .register(LlmProviderType::LlmSim, LlmSimDriver::new(cfg.clone()));
        }
        let mut b = self.backends.unwrap_or_else(RuntimeBackends::in_memory);
        if let Some(v) = self.events {
            b.events = v;
        }
        if let Some(v) = self.files {
            b.files = v;
        }
        if let Some(v) = self.storage {
            b.storage = v;
        }
        if let Some(v) = self.llmsim {
            b.llmsim = v;
        }
        match self.models {
            Some(v) => b.models = v,
            None => {
                let default = self.default_model.or_else(|| {
                    self.llm_sim.as_ref().map(|_| ModelWithProvider {
                        model: "llmsim-model".into(),
                        provider_type: LlmProviderType::LlmSim,
                        api_key: None,
                        base_url: None,
                    })
                });
                if let Some(m) = default {
                    b.models = Arc::new(StaticModelCatalog::with_default(m));
                }
            }
        }
        let engine = TurnEngine::new(platform, self.config.unwrap_or_default());
        let rt = InProcessRuntime {
            engine,
            backends: b,
            sessions: Mutex::new(HashMap::new()),
            running: Mutex::new(HashMap::new()),
            default_session: None,
        };
        let mut rt = rt;
        if let Some(single) = self.single {
            let (h, a, s) = single.build();
            let id = rt.create_session(h, a, s).await?;
            rt.default_session = Some(id);
        }
        Ok(rt)
    }
}

#[derive(Clone)]
struct SessionRecord {
    harness: Harness,
    agent: Option<Agent>,
    session: Session,
}

/// Runs sessions in this process over [`RuntimeBackends`].
pub struct InProcessRuntime {
    engine: TurnEngine,
    backends: RuntimeBackends,
    sessions: Mutex<HashMap<String, SessionRecord>>,
    running: Mutex<HashMap<String, CancellationToken>>,
    default_session: Option<String>,
}

impl InProcessRuntime {
    /// The session created by `single_session`.
    pub fn default_session_id(&self) -> Option<String> {
        self.default_session.clone()
    }

    /// The engine.
    pub fn engine(&self) -> &TurnEngine {
        &self.engine
    }

    /// The stores.
    pub fn backends(&self) -> &RuntimeBackends {
        &self.backends
    }

    /// Registers a session (with its harness and agent), emits `session.started` and seeds its
    /// files — unless the log already has `session.started` for this id.
    pub async fn create_session(
        &self,
        harness: Harness,
        agent: Option<Agent>,
        mut session: Session,
    ) -> Result<String, RuntimeError> {
        session.harness_id = harness.id.clone();
        if let Some(a) = &agent {
            session.agent_id = Some(a.id.clone());
        }
        let id = session.id.clone();
        let existing = self.backends.events.list(&id).await?;
        let already = existing
            .iter()
            .any(|e| matches!(e.payload(), EventPayload::SessionStarted(_)));
        if !already {
            self.engine
                .initialize_session(&session, agent.as_ref(), &harness, &[], &self.backends)
                .await?;
            self.backends
                .events
                .append(
                    &id,
                    EventDraft::new(
                        SessionStartedData {
                            harness_id: harness.id.clone(),
                            agent_id: agent.as_ref().map(|a| a.id.clone()),
                            model_id: session.model_id.clone(),
                        },
                        EventContext::default(),
                    ),
                )
                .await?;
        }
        self.sessions.lock().expect("sessions lock").insert(
            id.clone(),
            SessionRecord {
                harness,
                agent,
                session,
            },
        );
        Ok(id)
    }

    fn record(&self, session_id: &str) -> Result<SessionRecord, RuntimeError> {
        self.sessions
            .lock()
            .expect("sessions lock")
            .get(session_id)
            .cloned()
            .ok_or_else(|| RuntimeError::NotFound(format!("session {session_id}")))
    }

    /// Stores the user message and runs a turn to its end.
    pub async fn run_turn(
        &self,
        session_id: impl AsRef<str>,
        input: InputMessage,
    ) -> Result<TurnResult, RuntimeError> {
        self.run_turn_with_controls(session_id, input, None).await
    }

    /// [`Self::run_turn`] with per-turn controls (model override, reasoning effort).
    pub async fn run_turn_with_controls(
        &self,
        session_id: impl AsRef<str>,
        input: InputMessage,
        controls: Option<Controls>,
    ) -> Result<TurnResult, RuntimeError> {
        let sid = session_id.as_ref();
        let rec = self.record(sid)?;
        let token = CancellationToken::new();
        {
            let mut running = self.running.lock().expect("running lock");
            if running.contains_key(sid) {
                return Err(RuntimeError::Invalid(format!(
                    "a turn is already running in session {sid}"
                )));
            }
            running.insert(sid.to_string(), token.clone());
        }
        let _guard = RunningGuard {
            map: &self.running,
            sid: sid.to_string(),
        };
        let msg = append_input_message(
            self.backends.events.as_ref(),
            sid,
            input,
            controls,
            None,
            Vec::new(),
        )
        .await?;
        let mut req = TurnRequest::new(rec.session, rec.harness, new_id(IdKind::Turn), msg.id)
            .with_agent(rec.agent);
        req.cancel = token;
        self.engine.run_turn(&req, &self.backends).await
    }

    /// Resumes every unfinished turn of a session (after a restart), in order.
    pub async fn resume_unfinished_turns(
        &self,
        session_id: impl AsRef<str>,
    ) -> Result<Vec<TurnResult>, RuntimeError> {
        let sid = session_id.as_ref();
        let rec = self.record(sid)?;
        let mut out = Vec::new();
        for (turn_id, input_id) in self.engine.unfinished_turns(sid, &self.backends).await? {
            let req = TurnRequest::new(rec.session.clone(), rec.harness.clone(), turn_id, input_id)
                .with_agent(rec.agent.clone());
            out.push(self.engine.run_turn(&req, &self.backends).await?);
        }
        Ok(out)
    }

    /// Cancels the running turn of a session; `false` when none runs.
    pub fn cancel(&self, session_id: impl AsRef<str>) -> bool {
        match self
            .running
            .lock()
            .expect("running lock")
            .get(session_id.as_ref())
        {
            Some(t) => {
                t.cancel();
                true
            }
            None => false,
        }
    }

    /// Events of the default session.
    pub async fn events(&self) -> Result<Vec<Event>, RuntimeError> {
        let sid = self.default_session.clone().ok_or_else(|| {
            RuntimeError::Invalid("no default session (use single_session)".into())
        })?;
        self.session_events(sid).await
    }

    /// Events of a session.
    pub async fn session_events(
        &self,
        session_id: impl AsRef<str>,
    ) -> Result<Vec<Event>, RuntimeError> {
        Ok(self.backends.events.list(session_id.as_ref()).await?)
    }

    /// Messages of the default session.
    pub async fn messages(&self) -> Result<Vec<Message>, RuntimeError> {
        Ok(messages_from_events(&self.events().await?))
    }

    /// Messages of a session.
    pub async fn session_messages(
        &self,
        session_id: impl AsRef<str>,
    ) -> Result<Vec<Message>, RuntimeError> {
        Ok(messages_from_events(
            &self.session_events(session_id).await?,
        ))
    }

    /// The system prompt and tools the next turn of the session would use.
    pub fn load_context(
        &self,
        session_id: impl AsRef<str>,
    ) -> Result<AssembledTurnContext, RuntimeError> {
        let rec = self.record(session_id.as_ref())?;
        Ok(self
            .engine
            .load_context(&rec.session, rec.agent.as_ref(), &rec.harness, &[]))
    }

    /// Writes a text file into the session's workspace.
    pub async fn seed_text_file(
        &self,
        session_id: impl AsRef<str>,
        path: &str,
        content: &str,
    ) -> Result<(), RuntimeError> {
        self.backends
            .files
            .seed_initial_file(
                session_id.as_ref(),
                &InitialFile {
                    path: path.to_string(),
                    content: content.to_string(),
                    encoding: None,
                    is_readonly: None,
                },
            )
            .await?;
        Ok(())
    }

    /// Sets the session's llmsim script (position reset).
    pub async fn set_llmsim_script(
        &self,
        session_id: impl AsRef<str>,
        script: LlmSimScript,
    ) -> Result<(), RuntimeError> {
        self.backends
            .llmsim
            .set_script(session_id.as_ref(), Some(script))
            .await?;
        Ok(())
    }
}

struct RunningGuard<'a> {
    map: &'a Mutex<HashMap<String, CancellationToken>>,
    sid: String,
}

impl Drop for RunningGuard<'_> {
    fn drop(&mut self) {
        if let Ok(mut m) = self.map.lock() {
            m.remove(&self.sid);
        }
    }
}
