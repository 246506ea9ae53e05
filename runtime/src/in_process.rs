//! The in-process runtime of seed 003: seed a harness, agent and session in code, run turns,
//! inspect events and messages. In-memory stores by default; every store is replaceable
//! (the store traits of [`crate::host`]), and the runtime is itself a
//! [`RuntimeHostAdapter`], so the phase functions run on it too.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use everruns_core::{
    Agent, Controls, Event, Harness, InitialFile, InputMessage, LlmProviderType, LlmSimScript,
    Message, Session, SessionStatus,
};
use tokio_util::sync::CancellationToken;

use crate::engine::{
    AssembledTurnContext, PlatformDefinition, RuntimeBackends, RuntimeError, TurnEngine, TurnResult,
};
use crate::fs::{RealDiskFileStore, SessionFileSystem};
use crate::host::{
    EventBus, InMemorySessionStore, PublishingEventLog, RuntimeAgentStore, RuntimeHarnessStore,
    RuntimeHostAdapter, RuntimeHostTurnContext, RuntimeMessageStore, RuntimeProviderStore,
    RuntimeSessionLifecycle, RuntimeSessionStore,
};
use crate::llmsim_driver::{LlmSimConfig, LlmSimDriver};
use crate::runtime_config::RuntimeConfig;
use crate::single_session::SingleSessionBuilder;
use crate::store::{
    EventDraft, EventLog, LlmSimStore, ModelCatalog, ModelWithProvider, SessionStorage,
    StaticModelCatalog, StoreError,
};

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
    messages: Option<Arc<dyn RuntimeMessageStore>>,
    files: Option<Arc<dyn SessionFileSystem>>,
    storage: Option<Arc<dyn SessionStorage>>,
    llmsim: Option<Arc<dyn LlmSimStore>>,
    models: Option<Arc<dyn ModelCatalog>>,
    providers: Option<Arc<dyn RuntimeProviderStore>>,
    harnesses: Option<Arc<dyn RuntimeHarnessStore>>,
    agents: Option<Arc<dyn RuntimeAgentStore>>,
    sessions: Option<Arc<dyn RuntimeSessionStore>>,
    bus: Option<Arc<dyn EventBus>>,
}

impl InProcessRuntimeBuilder {
    /// A builder with in-memory stores and the built-in platform.
    pub fn new() -> Self {
        Self::default()
    }
    /// Capabilities, drivers and the session file-system factory (default:
    /// [`PlatformDefinition::builtin`], in-memory files).
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
    /// All turn stores at once (e.g. the ones of a previous runtime, to model a restart).
    pub fn backends(mut self, backends: RuntimeBackends) -> Self {
        self.backends = Some(backends);
        self
    }
    /// The event log (messages are derived from it).
    pub fn event_log(mut self, v: Arc<dyn EventLog>) -> Self {
        self.events = Some(v);
        self
    }
    /// The message store: the event log, with its message queries.
    pub fn message_store<S: RuntimeMessageStore + 'static>(mut self, v: Arc<S>) -> Self {
        self.events = Some(v.clone());
        self.messages = Some(v);
        self
    }
    /// Emits every stored event on `bus` (after it is stored), so the embedder can watch
    /// turns in process.
    pub fn event_bus(mut self, bus: Arc<dyn EventBus>) -> Self {
        self.bus = Some(bus);
        self
    }
    /// The session file store (overrides the platform's file-system factory).
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
    /// The provider store: the model catalogue; [`Self::default_model`] (or the llmsim
    /// default) is written to it with [`RuntimeProviderStore::set_default_model`].
    pub fn provider_store<S: RuntimeProviderStore + 'static>(mut self, v: Arc<S>) -> Self {
        self.models = Some(v.clone());
        self.providers = Some(v);
        self
    }
    /// The harness store.
    pub fn harness_store(mut self, v: Arc<dyn RuntimeHarnessStore>) -> Self {
        self.harnesses = Some(v);
        self
    }
    /// The agent store.
    pub fn agent_store(mut self, v: Arc<dyn RuntimeAgentStore>) -> Self {
        self.agents = Some(v);
        self
    }
    /// The session store.
    pub fn session_store(mut self, v: Arc<dyn RuntimeSessionStore>) -> Self {
        self.sessions = Some(v);
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
        let mut b = match self.backends {
            Some(b) => b,
            None => {
                let mut b = RuntimeBackends::in_memory();
                b.files = platform.session_file_system()?;
                b
            }
        };
        if let Some(v) = self.events {
            b.events = v;
        }
        let messages: Arc<dyn RuntimeMessageStore> = match self.messages {
            Some(m) => m,
            None => Arc::new(DerivedMessages(b.events.clone())),
        };
        if let Some(bus) = &self.bus {
            b.events = Arc::new(PublishingEventLog::new(b.events.clone(), bus.clone()));
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
        let default = self.default_model.or_else(|| {
            self.llm_sim.as_ref().map(|_| ModelWithProvider {
                model: "llmsim-model".into(),
                provider_type: LlmProviderType::LlmSim,
                api_key: None,
                base_url: None,
            })
        });
        match (self.providers, self.models) {
            (Some(p), _) => {
                if let Some(m) = default {
                    p.set_default_model(m).await?;
                }
                b.models = p;
            }
            (None, Some(v)) => b.models = v,
            (None, None) => {
                if let Some(m) = default {
                    b.models = Arc::new(StaticModelCatalog::with_default(m));
                }
            }
        }
        let in_memory = Arc::new(InMemorySessionStore::new());
        let engine = TurnEngine::new(platform, self.config.unwrap_or_default());
        let mut rt = InProcessRuntime {
            engine,
            backends: b,
            messages,
            harnesses: self.harnesses.unwrap_or_else(|| in_memory.clone()),
            agents: self.agents.unwrap_or_else(|| in_memory.clone()),
            sessions: self.sessions.unwrap_or(in_memory),
            bus: self.bus,
            running: Mutex::new(HashMap::new()),
            default_session: None,
        };
        if let Some(single) = self.single {
            let (h, a, s) = single.build();
            let id = rt.create_session(h, a, s).await?;
            rt.default_session = Some(id);
        }
        Ok(rt)
    }
}

/// The message queries over a plain [`EventLog`] (the trait's defaults).
struct DerivedMessages(Arc<dyn EventLog>);

#[async_trait]
impl EventLog for DerivedMessages {
    async fn append(&self, session_id: &str, draft: EventDraft) -> Result<Event, StoreError> {
        self.0.append(session_id, draft).await
    }
    async fn list(&self, session_id: &str) -> Result<Vec<Event>, StoreError> {
        self.0.list(session_id).await
    }
    async fn list_after(&self, session_id: &str, after: i64) -> Result<Vec<Event>, StoreError> {
        self.0.list_after(session_id, after).await
    }
}

impl RuntimeMessageStore for DerivedMessages {}

/// Runs sessions in this process over replaceable stores.
pub struct InProcessRuntime {
    engine: TurnEngine,
    backends: RuntimeBackends,
    messages: Arc<dyn RuntimeMessageStore>,
    harnesses: Arc<dyn RuntimeHarnessStore>,
    agents: Arc<dyn RuntimeAgentStore>,
    sessions: Arc<dyn RuntimeSessionStore>,
    bus: Option<Arc<dyn EventBus>>,
    running: Mutex<HashMap<String, CancellationToken>>,
    default_session: Option<String>,
}

#[async_trait]
impl RuntimeHostAdapter for InProcessRuntime {
    fn engine(&self) -> &TurnEngine {
        &self.engine
    }
    fn backends(&self) -> &RuntimeBackends {
        &self.backends
    }
    fn harness_store(&self) -> Arc<dyn RuntimeHarnessStore> {
        self.harnesses.clone()
    }
    fn agent_store(&self) -> Arc<dyn RuntimeAgentStore> {
        self.agents.clone()
    }
    fn session_store(&self) -> Arc<dyn RuntimeSessionStore> {
        self.sessions.clone()
    }
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

    /// The turn stores.
    pub fn backends(&self) -> &RuntimeBackends {
        &self.backends
    }

    /// The event bus set with [`InProcessRuntimeBuilder::event_bus`].
    pub fn event_bus(&self) -> Option<Arc<dyn EventBus>> {
        self.bus.clone()
    }

    /// The lifecycle helper over this runtime.
    pub fn lifecycle(&self) -> RuntimeSessionLifecycle<'_, Self> {
        RuntimeSessionLifecycle::new(self)
    }

    /// Stores a session (with its harness and agent), emits `session.started` and seeds its
    /// files — unless the log already has `session.started` for this id.
    pub async fn create_session(
        &self,
        harness: Harness,
        agent: Option<Agent>,
        session: Session,
    ) -> Result<String, RuntimeError> {
        self.lifecycle()
            .create_session(harness, agent, session)
            .await
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
        let ctx = self.load_turn_context(sid).await?;
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
        let lifecycle = self.lifecycle();
        let (msg, turn_id) = lifecycle.accept_input(sid, input, controls).await?;
        let mut req = ctx.request(turn_id, msg.id);
        req.cancel = token;
        if let Some(b) = ctx.dependency_blocker() {
            return lifecycle.fail_turn(&req, b.message(), b.error_code()).await;
        }
        self.sessions
            .set_session_status(sid, SessionStatus::Active)
            .await?;
        let result = self.engine.run_turn(&req, &self.backends).await?;
        lifecycle.turn_finished(&req, &result).await?;
        Ok(result)
    }

    /// Resumes every unfinished turn of a session (after a restart), in order.
    pub async fn resume_unfinished_turns(
        &self,
        session_id: impl AsRef<str>,
    ) -> Result<Vec<TurnResult>, RuntimeError> {
        let sid = session_id.as_ref();
        let ctx = self.load_turn_context(sid).await?;
        let mut out = Vec::new();
        for (turn_id, input_id) in self.engine.unfinished_turns(sid, &self.backends).await? {
            let req = ctx.request(turn_id, input_id);
            let r = self.engine.run_turn(&req, &self.backends).await?;
            self.lifecycle().turn_finished(&req, &r).await?;
            out.push(r);
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

    fn default_sid(&self) -> Result<String, RuntimeError> {
        self.default_session
            .clone()
            .ok_or_else(|| RuntimeError::Invalid("no default session (use single_session)".into()))
    }

    /// Events of the default session.
    pub async fn events(&self) -> Result<Vec<Event>, RuntimeError> {
        self.session_events(self.default_sid()?).await
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
        self.session_messages(self.default_sid()?).await
    }

    /// Messages of a session (from the message store).
    pub async fn session_messages(
        &self,
        session_id: impl AsRef<str>,
    ) -> Result<Vec<Message>, RuntimeError> {
        Ok(self.messages.load_messages(session_id.as_ref()).await?)
    }

    /// The session as stored (status, title, …).
    pub async fn session(&self, session_id: impl AsRef<str>) -> Result<Session, RuntimeError> {
        let sid = session_id.as_ref();
        self.sessions
            .get_session(sid)
            .await?
            .ok_or_else(|| RuntimeError::NotFound(format!("session {sid}")))
    }

    /// The system prompt and tools the next turn of the session would use, including the
    /// parts capabilities read from the session's files (e.g. `AGENTS.md`).
    pub async fn load_context(
        &self,
        session_id: impl AsRef<str>,
    ) -> Result<AssembledTurnContext, RuntimeError> {
        let ctx: RuntimeHostTurnContext = self.load_turn_context(session_id.as_ref()).await?;
        self.engine
            .load_session_context(
                &ctx.session,
                ctx.agent.as_ref(),
                &ctx.harness,
                &ctx.parent_harnesses,
                &self.backends,
            )
            .await
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
