//! The turn engine: the host-facing API that runs (and resumes) turns over the store traits.
//!
//! A turn is a sequence of steps (start → reason → act → reason … → complete). Every step
//! reads the turn's progress back from the event log ([`RuntimeTurnState::from_events`]),
//! asks the pure planner ([`plan_next_host_turn`]) what comes next, and appends that step's
//! events. Within one call of [`TurnEngine::run_turn`] the log is read once in full and then
//! only the events appended since the previous step ([`EventLog::list_after`]), folded into
//! the turn state and the message history, so a step costs what changed, not the log size. Because the log is the only state, calling [`TurnEngine::run_turn`] again for a
//! turn that was interrupted (host crash, store error) resumes it: finished steps are not
//! repeated, and exactly one terminal event is emitted.

mod act;
pub mod generation;
pub mod interaction;
mod reason;
mod state;

pub use state::{
    plan_next_host_turn, CancelProgress, RuntimeActPlan, RuntimeActivity, RuntimeTurnPlan,
    RuntimeTurnState, TerminalInfo, TurnEnd, TurnOutcome, TurnPhase, CANCEL_AGENT_MESSAGE,
    CANCEL_USER_MESSAGE,
};

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{SubsecRound, Utc};
use everruns_core::ids::{new_id, IdKind};
use everruns_core::{
    Agent, CapabilityInfo, ContentPart, Controls, Event, EventContext, EventPayload, Harness,
    InputMessage, InputMessageData, Message, MessageRole, OutputMessageCompletedData, Session,
    SessionActivatedData, SessionIdledData, TokenUsage, ToolCompletedData, ToolStatus,
    TurnCancelledData, TurnCompletedData, TurnFailedData, TurnStartedData,
};
use tokio_util::sync::CancellationToken;

use crate::capabilities::{CapabilityRegistry, Tool};
use crate::config::{merge_layers, resolve_capabilities, MergedConfig};
use crate::fs::{
    FsError, InMemorySessionFileStore, InMemorySessionFileSystemFactory, SessionFileSystem,
    SessionFileSystemFactory,
};
use crate::llm::{DriverRegistry, ToolSpec};
use crate::messages::messages_from_events;
use crate::runtime_config::RuntimeConfig;
use crate::store::{
    EventDraft, EventLog, InMemoryEventLog, InMemoryLlmSimStore, InMemorySessionStorageStore,
    LlmSimStore, ModelCatalog, SessionStorage, StaticModelCatalog, StoreError,
};

/// Capabilities, LLM drivers and (optionally) the session file-system factory available to a
/// runtime.
#[derive(Clone, Default)]
pub struct PlatformDefinition {
    /// Capability registry.
    pub capabilities: CapabilityRegistry,
    /// Driver registry.
    pub drivers: DriverRegistry,
    /// Where session files live (default: [`InMemorySessionFileSystemFactory`]). The
    /// in-process runtime builds its file store from it, so every built-in capability reads
    /// and writes there.
    pub file_system_factory: Option<Arc<dyn SessionFileSystemFactory>>,
}

impl PlatformDefinition {
    /// A platform from its two registries (in-memory session files).
    pub fn new(capabilities: CapabilityRegistry, drivers: DriverRegistry) -> Self {
        Self {
            capabilities,
            drivers,
            file_system_factory: None,
        }
    }

    /// Sets the session file-system factory, e.g.
    /// [`crate::RealDiskSessionFileSystemFactory::new`]`("./workspace")`.
    pub fn with_session_file_system_factory(
        mut self,
        factory: impl SessionFileSystemFactory + 'static,
    ) -> Self {
        self.file_system_factory = Some(Arc::new(factory));
        self
    }

    /// A session file store from the configured factory (in memory when none is set).
    pub fn session_file_system(&self) -> Result<Arc<dyn SessionFileSystem>, FsError> {
        match &self.file_system_factory {
            Some(f) => f.create(),
            None => InMemorySessionFileSystemFactory::new().create(),
        }
    }

    /// Every built-in capability and driver.
    pub fn builtin() -> Self {
        Self::new(CapabilityRegistry::with_builtins(), DriverRegistry::new())
    }
}

/// The stores a turn reads and writes. Clone is cheap (`Arc`s).
#[derive(Clone)]
pub struct RuntimeBackends {
    /// The event log.
    pub events: Arc<dyn EventLog>,
    /// Session files.
    pub files: Arc<dyn SessionFileSystem>,
    /// Session kv and secrets.
    pub storage: Arc<dyn SessionStorage>,
    /// llmsim scripts and positions.
    pub llmsim: Arc<dyn LlmSimStore>,
    /// Model id → provider.
    pub models: Arc<dyn ModelCatalog>,
}

impl RuntimeBackends {
    /// Fresh in-memory stores and an empty model catalogue.
    pub fn in_memory() -> Self {
        Self {
            events: Arc::new(InMemoryEventLog::new()),
            files: Arc::new(InMemorySessionFileStore::new()),
            storage: Arc::new(InMemorySessionStorageStore::new()),
            llmsim: Arc::new(InMemoryLlmSimStore::new()),
            models: Arc::new(StaticModelCatalog::new()),
        }
    }
}

/// Errors of the engine itself (not of the turn: a failed LLM call is a `turn.failed`, a
/// failed tool is a tool result). A store error leaves the turn resumable: call
/// [`TurnEngine::run_turn`] again later.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RuntimeError {
    /// A host store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The file store failed outside a tool (e.g. seeding).
    #[error("file store: {0}")]
    Files(#[from] FsError),
    /// Something the turn needs does not exist (input message, session).
    #[error("not found: {0}")]
    NotFound(String),
    /// Bad configuration or request.
    #[error("invalid request: {0}")]
    Invalid(String),
}

/// Everything needed to run one turn.
#[derive(Clone)]
pub struct TurnRequest {
    /// The session (its prompt, capabilities, files, model override, limits).
    pub session: Session,
    /// The session's agent, if any.
    pub agent: Option<Agent>,
    /// The session's harness.
    pub harness: Harness,
    /// Ancestors of `harness` (root first), for harness inheritance; usually empty.
    pub parent_harnesses: Vec<Harness>,
    /// The turn id (`turn_…`), minted by the host and kept across resumes.
    pub turn_id: String,
    /// The `input.message` that started the turn (must be in the event log).
    pub input_message_id: String,
    /// A `model_…` id that beats every other model setting.
    pub model_override: Option<String>,
    /// Cancels the turn (see [`TurnEngine::run_turn`]).
    pub cancel: CancellationToken,
}

impl TurnRequest {
    /// A request with a fresh cancellation token and no agent, parents or override.
    pub fn new(
        session: Session,
        harness: Harness,
        turn_id: impl Into<String>,
        input_message_id: impl Into<String>,
    ) -> Self {
        Self {
            session,
            agent: None,
            harness,
            parent_harnesses: Vec::new(),
            turn_id: turn_id.into(),
            input_message_id: input_message_id.into(),
            model_override: None,
            cancel: CancellationToken::new(),
        }
    }

    /// Sets the agent.
    pub fn with_agent(mut self, agent: Option<Agent>) -> Self {
        self.agent = agent;
        self
    }

    fn harness_chain(&self) -> Vec<&Harness> {
        self.parent_harnesses
            .iter()
            .chain(std::iter::once(&self.harness))
            .collect()
    }
}

/// One turn's view of the session log, read incrementally: the first [`TurnLog::refresh`]
/// reads the whole log, later ones only the events appended since
/// ([`EventLog::list_after`]), folded into the turn state, the session's messages and the
/// turn's input message. So a step boundary costs what was appended since the last one, not
/// the whole log.
pub(crate) struct TurnLog {
    input_message_id: String,
    last_sequence: i64,
    fold: state::TurnStateFold,
    messages: crate::messages::MessageFold,
    input: Option<Message>,
    /// The list the session's last `llm.generation` sent (its marks).
    last_generation: Option<generation::SentList>,
}

impl TurnLog {
    pub(crate) fn new(request: &TurnRequest) -> Self {
        Self {
            input_message_id: request.input_message_id.clone(),
            last_sequence: 0,
            fold: state::TurnStateFold::new(&request.turn_id),
            messages: crate::messages::MessageFold::default(),
            input: None,
            last_generation: None,
        }
    }

    /// Applies the events appended since the last refresh.
    pub(crate) async fn refresh(
        &mut self,
        events: &dyn EventLog,
        session_id: &str,
    ) -> Result<(), StoreError> {
        let new = if self.last_sequence == 0 {
            events.list(session_id).await?
        } else {
            events.list_after(session_id, self.last_sequence).await?
        };
        if new.iter().any(|e| e.sequence.is_none()) {
            // A log without sequences cannot be read incrementally: fold all of it again.
            let all = if self.last_sequence == 0 {
                new
            } else {
                events.list(session_id).await?
            };
            let turn_id = self.fold.state().turn_id;
            self.last_sequence = 0;
            self.fold = state::TurnStateFold::new(&turn_id);
            self.messages = crate::messages::MessageFold::default();
            self.input = None;
            self.last_generation = None;
            for e in &all {
                self.apply(e);
            }
            return Ok(());
        }
        for e in &new {
            if let Some(seq) = e.sequence {
                if seq <= self.last_sequence {
                    continue;
                }
                self.last_sequence = seq;
            }
            self.apply(e);
        }
        Ok(())
    }

    fn apply(&mut self, e: &Event) {
        if self.input.is_none() && e.event_type == everruns_core::event_types::INPUT_MESSAGE {
            self.input = find_input_message(std::slice::from_ref(e), &self.input_message_id);
        }
        if e.event_type == everruns_core::event_types::LLM_GENERATION {
            self.last_generation = generation::SentList::of(e);
        }
        self.fold.apply(e);
        self.messages.push(e);
    }

    pub(crate) fn last_generation(&self) -> Option<&generation::SentList> {
        self.last_generation.as_ref()
    }

    pub(crate) fn state(&self) -> RuntimeTurnState {
        self.fold.state()
    }

    pub(crate) fn fold(&self) -> &state::TurnStateFold {
        &self.fold
    }

    pub(crate) fn input(&self) -> Option<&Message> {
        self.input.as_ref()
    }

    pub(crate) fn messages(&mut self) -> &[Message] {
        self.messages.messages()
    }
}

/// What a turn produced (seed 003 fields first).
#[derive(Debug, Clone, PartialEq)]
pub struct TurnResult {
    /// Text of the last agent message.
    pub response: String,
    /// Reason steps run.
    pub iterations: u32,
    /// Tool calls requested by the model.
    pub tool_calls_count: u32,
    /// True for `turn.completed`.
    pub success: bool,
    /// Error text (failed or cancelled turns).
    pub error: Option<String>,
    /// The turn.
    pub turn_id: String,
    /// How it ended.
    pub outcome: TurnOutcome,
    /// Stable error code (`llm_error`, `max_iterations`, `cancelled`, …).
    pub error_code: Option<String>,
    /// Provider calls made.
    pub llm_call_count: u32,
    /// Tokens used.
    pub usage: TokenUsage,
    /// For [`TurnOutcome::Waiting`]: when the wait ends (the host resumes the turn then, or
    /// as soon as the caller answers).
    pub wait_expires_at: Option<chrono::DateTime<Utc>>,
}

/// What one host activity did ([`crate::execute_input_activity`] and friends).
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeActivityResult {
    /// The step that ran; `None` when the turn was not at this activity's step (e.g. a task
    /// redelivered after it already ran): nothing was stored, and the host should not
    /// schedule `next` again (it was scheduled when the step first ran).
    pub executed: Option<RuntimeTurnPlan>,
    /// The turn's state after the activity, read from the log.
    pub state: RuntimeTurnState,
    /// The next step, from [`plan_next_host_turn`]; [`RuntimeTurnPlan::activity`] names the
    /// activity that runs it.
    pub next: RuntimeTurnPlan,
}

/// The system prompt and tools a reason step sends, plus the merged settings.
#[derive(Debug, Clone, PartialEq)]
pub struct AssembledTurnContext {
    /// Capability prompt parts (`<capability id="…">`) then the merged prompt.
    pub system_prompt: String,
    /// Tools offered to the model.
    pub tools: Vec<ToolSpec>,
    /// Resolved capability ids (dependencies first).
    pub capabilities: Vec<String>,
    /// Referenced ids that no registered capability has (ignored by turns).
    pub unknown_capabilities: Vec<String>,
    /// Iteration limit in force.
    pub max_iterations: u32,
    /// Whether tool calls of a batch may run concurrently.
    pub parallel_tool_calls: bool,
    /// The merged layers.
    pub merged: MergedConfig,
}

/// A tool bound to its capability for one turn.
#[derive(Clone)]
pub(crate) struct BoundTool {
    pub tool: Arc<dyn Tool>,
    pub capability_id: String,
    pub config: Option<serde_json::Value>,
}

pub(crate) struct Assembled {
    pub ctx: AssembledTurnContext,
    pub tools: HashMap<String, BoundTool>,
    /// Client-side tools offered to the model (the caller runs them).
    pub client_tools: HashMap<String, everruns_core::ToolDefinition>,
    /// Which tools need a person's approval before they run.
    pub approval: interaction::ApprovalRule,
}

/// Runs turns. Cheap to clone; share one per process.
#[derive(Clone)]
pub struct TurnEngine {
    platform: Arc<PlatformDefinition>,
    config: Arc<RuntimeConfig>,
}

impl TurnEngine {
    /// An engine over a platform and settings.
    pub fn new(platform: PlatformDefinition, config: RuntimeConfig) -> Self {
        Self {
            platform: Arc::new(platform),
            config: Arc::new(config),
        }
    }

    /// The platform.
    pub fn platform(&self) -> &PlatformDefinition {
        &self.platform
    }

    /// The settings.
    pub fn config(&self) -> &RuntimeConfig {
        &self.config
    }

    /// Metadata of every registered capability (`GET /v1/capabilities`).
    pub fn capability_infos(&self) -> Vec<CapabilityInfo> {
        self.platform.capabilities.infos()
    }

    /// The turn context with static capability prompts only (no store access).
    pub(crate) fn assemble(
        &self,
        harness_chain: &[&Harness],
        agent: Option<&Agent>,
        session: &Session,
    ) -> Assembled {
        let reg = &self.platform.capabilities;
        let merged = merge_layers(harness_chain, agent, session, reg);
        let (resolved, unknown) = resolve_capabilities(&merged.capabilities, reg);
        let prompts = resolved
            .iter()
            .map(|r| r.capability.system_prompt())
            .collect();
        self.build_assembled(merged, resolved, unknown, prompts)
    }

    /// The turn context with each capability's session prompt
    /// ([`crate::Capability::session_system_prompt`]), which may read the session's files.
    pub(crate) async fn assemble_for_session(
        &self,
        harness_chain: &[&Harness],
        agent: Option<&Agent>,
        session: &Session,
        backends: &RuntimeBackends,
    ) -> Assembled {
        let reg = &self.platform.capabilities;
        let merged = merge_layers(harness_chain, agent, session, reg);
        let (resolved, unknown) = resolve_capabilities(&merged.capabilities, reg);
        let mut prompts = Vec::with_capacity(resolved.len());
        for r in &resolved {
            let ctx = crate::capabilities::SystemPromptContext {
                session_id: session.id.clone(),
                file_store: backends.files.clone(),
                capability_config: r.config.clone(),
            };
            prompts.push(r.capability.session_system_prompt(&ctx).await);
        }
        self.build_assembled(merged, resolved, unknown, prompts)
    }

    fn build_assembled(
        &self,
        merged: MergedConfig,
        resolved: Vec<crate::config::ResolvedCapability>,
        unknown: Vec<String>,
        prompts: Vec<Option<String>>,
    ) -> Assembled {
        let mut parts: Vec<String> = Vec::new();
        let mut tools: HashMap<String, BoundTool> = HashMap::new();
        let mut specs: Vec<ToolSpec> = Vec::new();
        for (r, prompt) in resolved.iter().zip(prompts) {
            let cap = &r.capability;
            if let Some(p) = prompt.map(|p| p.trim().to_string()) {
                if !p.is_empty() {
                    parts.push(format!(
                        "<capability id=\"{}\">\n{p}\n</capability>",
                        cap.id()
                    ));
                }
            }
            for t in cap.tools() {
                let name = t.name().to_string();
                if tools.contains_key(&name) {
                    continue;
                }
                specs.push(ToolSpec {
                    name: name.clone(),
                    description: t.description().to_string(),
                    parameters: t.parameters(),
                });
                tools.insert(
                    name,
                    BoundTool {
                        tool: t,
                        capability_id: cap.id().to_string(),
                        config: r.config.clone(),
                    },
                );
            }
        }
        let mut client_tools = HashMap::new();
        for t in &merged.tools {
            if t.kind != "client_side" || tools.contains_key(&t.name) {
                continue;
            }
            if client_tools.contains_key(&t.name) {
                continue;
            }
            specs.push(ToolSpec {
                name: t.name.clone(),
                description: t.description.clone(),
                parameters: t.parameters.clone(),
            });
            client_tools.insert(t.name.clone(), t.clone());
        }
        let approval = interaction::ApprovalRule::from_capabilities(&resolved);
        if !merged.system_prompt.is_empty() {
            parts.push(merged.system_prompt.clone());
        }
        Assembled {
            client_tools,
            approval,
            ctx: AssembledTurnContext {
                system_prompt: parts.join("\n\n"),
                tools: specs,
                capabilities: resolved
                    .iter()
                    .map(|r| r.capability.id().to_string())
                    .collect(),
                unknown_capabilities: unknown,
                max_iterations: merged
                    .max_iterations
                    .filter(|m| *m > 0)
                    .unwrap_or(self.config.default_max_iterations),
                parallel_tool_calls: merged.parallel_tool_calls.unwrap_or(true),
                merged,
            },
            tools,
        }
    }

    /// The system prompt and tools a turn of this session would use (no side effects).
    pub fn load_context(
        &self,
        session: &Session,
        agent: Option<&Agent>,
        harness: &Harness,
        parent_harnesses: &[Harness],
    ) -> AssembledTurnContext {
        let chain: Vec<&Harness> = parent_harnesses
            .iter()
            .chain(std::iter::once(harness))
            .collect();
        self.assemble(&chain, agent, session).ctx
    }

    /// [`TurnEngine::load_context`] plus what capabilities read from the session's files
    /// (instruction files, skills): exactly the prompt and tools the next reason step sends.
    pub async fn load_session_context(
        &self,
        session: &Session,
        agent: Option<&Agent>,
        harness: &Harness,
        parent_harnesses: &[Harness],
        backends: &RuntimeBackends,
    ) -> Result<AssembledTurnContext, RuntimeError> {
        let chain: Vec<&Harness> = parent_harnesses
            .iter()
            .chain(std::iter::once(harness))
            .collect();
        Ok(self
            .assemble_for_session(&chain, agent, session, backends)
            .await
            .ctx)
    }

    /// Seeds a new session's files: the merged initial files (later layers win), then the
    /// mounts of its capabilities. Call once when the session is created.
    pub async fn initialize_session(
        &self,
        session: &Session,
        agent: Option<&Agent>,
        harness: &Harness,
        parent_harnesses: &[Harness],
        backends: &RuntimeBackends,
    ) -> Result<AssembledTurnContext, RuntimeError> {
        let chain: Vec<&Harness> = parent_harnesses
            .iter()
            .chain(std::iter::once(harness))
            .collect();
        let a = self.assemble(&chain, agent, session);
        for f in &a.ctx.merged.initial_files {
            backends.files.seed_initial_file(&session.id, f).await?;
        }
        for id in &a.ctx.capabilities {
            if let Some(cap) = self.platform.capabilities.get(id) {
                for m in cap.mounts() {
                    for f in &m.files {
                        backends.files.seed_initial_file(&session.id, f).await?;
                    }
                }
            }
        }
        Ok(a.ctx)
    }

    /// The state of a turn, read from the log.
    pub async fn turn_state(
        &self,
        session_id: &str,
        turn_id: &str,
        backends: &RuntimeBackends,
    ) -> Result<RuntimeTurnState, RuntimeError> {
        let events = backends.events.list(session_id).await?;
        Ok(RuntimeTurnState::from_events(turn_id, &events))
    }

    /// Runs a turn to its end, or resumes it from its stored events.
    ///
    /// * Returns when the turn has its terminal event and `session.idled`.
    /// * Cancelling `request.cancel` aborts the running step at once (the LLM stream or the
    ///   tools are dropped, not awaited) and performs the cancel sequence: `turn.cancelled`,
    ///   `input.message` "User requested to cancel the work.", `tool.completed` status
    ///   `cancelled` for each running tool, agent `output.message.completed` "Work was
    ///   cancelled by user.", `session.idled`.
    /// * `Err` only for store failures (or a missing input message); nothing is lost, and
    ///   calling again with the same request resumes.
    pub async fn run_turn(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
    ) -> Result<TurnResult, RuntimeError> {
        let mut log = TurnLog::new(request);
        loop {
            let (plan, state) = self.next_plan(request, backends, &mut log).await?;
            if let RuntimeTurnPlan::Done(outcome) = plan {
                return Ok(result_of(&state, outcome));
            }
            if let RuntimeTurnPlan::WaitForInput { expires_at, .. } = &plan {
                let expired = expires_at.is_some_and(|t| t <= Utc::now());
                if !expired && !request.cancel.is_cancelled() {
                    return Ok(result_of(&state, TurnOutcome::Waiting));
                }
                if !expired {
                    self.begin_cancel(request, backends, None, &mut log).await?;
                    continue;
                }
            }
            let cancellable = matches!(
                plan,
                RuntimeTurnPlan::StartTurn
                    | RuntimeTurnPlan::ScheduleReason { .. }
                    | RuntimeTurnPlan::ScheduleAct(_)
                    | RuntimeTurnPlan::FinalizeReason { .. }
            );
            if !cancellable {
                self.execute(request, backends, plan, &mut log).await?;
                continue;
            }
            if request.cancel.is_cancelled() {
                self.begin_cancel(request, backends, None, &mut log).await?;
                continue;
            }
            let cancelled = tokio::select! {
                biased;
                _ = request.cancel.cancelled() => true,
                r = self.execute(request, backends, plan, &mut log) => { r?; false }
            };
            if cancelled {
                self.begin_cancel(request, backends, None, &mut log).await?;
            }
        }
    }

    /// Runs exactly one step of a turn (for hosts that put each step on their own queue) and
    /// returns the plan that was executed; [`RuntimeTurnPlan::Done`] means nothing was left.
    pub async fn step(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
    ) -> Result<RuntimeTurnPlan, RuntimeError> {
        let mut log = TurnLog::new(request);
        let (plan, _) = self.next_plan(request, backends, &mut log).await?;
        if !matches!(plan, RuntimeTurnPlan::Done(_)) {
            self.execute(request, backends, plan.clone(), &mut log)
                .await?;
        }
        Ok(plan)
    }

    /// Reads the turn's log and returns the next step ([`plan_next_host_turn`]) with the state
    /// it was planned from. A host that lost its queue (restart) calls this to know which
    /// activity of a turn to schedule next.
    pub async fn plan_turn(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
    ) -> Result<(RuntimeTurnPlan, RuntimeTurnState), RuntimeError> {
        let mut log = TurnLog::new(request);
        self.next_plan(request, backends, &mut log).await
    }

    /// The iteration limit in force for a request (merged layers, else the engine default).
    pub fn max_iterations(&self, request: &TurnRequest) -> u32 {
        self.assemble(
            &request.harness_chain(),
            request.agent.as_ref(),
            &request.session,
        )
        .ctx
        .max_iterations
    }

    /// Runs the turn's next step if `accept` admits it (one host activity), honouring
    /// `request.cancel` like [`TurnEngine::run_turn`]; a step `accept` refuses is not run
    /// (`executed: None`), so a redelivered, already-finished activity is a no-op.
    pub(crate) async fn run_phase(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        accept: impl Fn(&RuntimeTurnPlan) -> bool,
    ) -> Result<RuntimeActivityResult, RuntimeError> {
        let mut log = TurnLog::new(request);
        let (plan, state) = self.next_plan(request, backends, &mut log).await?;
        if !accept(&plan) {
            return Ok(RuntimeActivityResult {
                executed: None,
                state,
                next: plan,
            });
        }
        // A turn waiting for its caller is cancellable too (its act activity is a no-op
        // until the caller answers or the wait limit passes).
        let cancellable = matches!(
            plan,
            RuntimeTurnPlan::StartTurn
                | RuntimeTurnPlan::ScheduleReason { .. }
                | RuntimeTurnPlan::ScheduleAct(_)
                | RuntimeTurnPlan::FinalizeReason { .. }
                | RuntimeTurnPlan::WaitForInput { .. }
        );
        if cancellable && request.cancel.is_cancelled() {
            self.begin_cancel(request, backends, None, &mut log).await?;
        } else if cancellable {
            let cancelled = tokio::select! {
                biased;
                _ = request.cancel.cancelled() => true,
                r = self.execute(request, backends, plan.clone(), &mut log) => { r?; false }
            };
            if cancelled {
                self.begin_cancel(request, backends, None, &mut log).await?;
            }
        } else {
            self.execute(request, backends, plan.clone(), &mut log)
                .await?;
        }
        let (next, state) = self.next_plan(request, backends, &mut log).await?;
        Ok(RuntimeActivityResult {
            executed: Some(plan),
            state,
            next,
        })
    }

    /// Cancels a turn that is not running in this process (queued, or left behind by a
    /// crash): stores the whole cancel sequence unless the turn already ended. For a turn
    /// running here, cancel its [`TurnRequest::cancel`] token instead. Returns the final
    /// result; `outcome` tells whether the cancel took effect.
    pub async fn cancel_turn(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        reason: Option<String>,
    ) -> Result<TurnResult, RuntimeError> {
        let mut log = TurnLog::new(request);
        self.begin_cancel(request, backends, reason, &mut log)
            .await?;
        loop {
            let (plan, state) = self.next_plan(request, backends, &mut log).await?;
            match plan {
                RuntimeTurnPlan::Done(o) => return Ok(result_of(&state, o)),
                p @ (RuntimeTurnPlan::FinishCancel | RuntimeTurnPlan::Complete(_)) => {
                    self.execute(request, backends, p, &mut log).await?
                }
                other => {
                    return Err(RuntimeError::Invalid(format!(
                        "turn {} is not cancellable in its state ({other:?})",
                        request.turn_id
                    )))
                }
            }
        }
    }

    /// Ends a turn the host gives up on (e.g. a step failed with a store error too many
    /// times): stores `turn.failed {error, error_code}` and `session.idled` unless the turn
    /// already has a terminal event (then only a missing `session.idled` is added). Exactly one
    /// terminal event either way.
    pub async fn fail_turn(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        error: impl Into<String>,
        error_code: impl Into<String>,
    ) -> Result<TurnResult, RuntimeError> {
        let mut log = TurnLog::new(request);
        log.refresh(backends.events.as_ref(), &request.session.id)
            .await?;
        let state = log.state();
        if state.terminal.is_none() {
            self.complete(
                request,
                backends,
                TurnEnd::Failed {
                    error: error.into(),
                    error_code: error_code.into(),
                },
                &mut log,
            )
            .await?;
        } else if !state.idled {
            self.complete(request, backends, TurnEnd::IdleOnly, &mut log)
                .await?;
        }
        let (plan, state) = self.next_plan(request, backends, &mut log).await?;
        match plan {
            RuntimeTurnPlan::Done(o) => Ok(result_of(&state, o)),
            // a cancelled turn with its sequence unfinished: finish it
            _ => self.cancel_turn(request, backends, None).await,
        }
    }

    async fn next_plan(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        log: &mut TurnLog,
    ) -> Result<(RuntimeTurnPlan, RuntimeTurnState), RuntimeError> {
        log.refresh(backends.events.as_ref(), &request.session.id)
            .await?;
        let state = log.state();
        let max = self
            .assemble(
                &request.harness_chain(),
                request.agent.as_ref(),
                &request.session,
            )
            .ctx
            .max_iterations;
        Ok((plan_next_host_turn(&state, max), state))
    }

    /// Stores `turn.cancelled` and the cancel user message unless the turn already ended.
    async fn begin_cancel(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        reason: Option<String>,
        log: &mut TurnLog,
    ) -> Result<(), RuntimeError> {
        log.refresh(backends.events.as_ref(), &request.session.id)
            .await?;
        let state = log.state();
        if state.terminal.is_some() {
            return Ok(());
        }
        let ctx = self.context(request, None);
        backends
            .events
            .append(
                &request.session.id,
                EventDraft::new(
                    TurnCancelledData {
                        turn_id: request.turn_id.clone(),
                        reason: Some(reason.unwrap_or_else(|| "user_requested".into())),
                        usage: Some(state.usage.clone()),
                    },
                    ctx,
                ),
            )
            .await?;
        Ok(())
    }

    pub(crate) fn context(&self, request: &TurnRequest, exec_id: Option<String>) -> EventContext {
        EventContext {
            turn_id: Some(request.turn_id.clone()),
            input_message_id: Some(request.input_message_id.clone()),
            exec_id,
            trace_id: Some(request.turn_id.clone()),
        }
    }

    pub(crate) async fn emit(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        ctx: &EventContext,
        payload: impl Into<EventPayload>,
    ) -> Result<Event, RuntimeError> {
        Ok(backends
            .events
            .append(&request.session.id, EventDraft::new(payload, ctx.clone()))
            .await?)
    }

    async fn execute(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        plan: RuntimeTurnPlan,
        log: &mut TurnLog,
    ) -> Result<(), RuntimeError> {
        match plan {
            RuntimeTurnPlan::StartTurn => self.start_turn(request, backends, log).await,
            RuntimeTurnPlan::ScheduleReason { iteration, recover } => {
                self.reason_step(request, backends, iteration, recover, log)
                    .await
            }
            RuntimeTurnPlan::ScheduleAct(act) => self.act_step(request, backends, act, log).await,
            RuntimeTurnPlan::FinalizeReason { .. } => {
                self.finalize_reason(request, backends, log).await
            }
            RuntimeTurnPlan::Complete(end) => self.complete(request, backends, end, log).await,
            RuntimeTurnPlan::FinishCancel => self.finish_cancel(request, backends, log).await,
            RuntimeTurnPlan::WaitForInput {
                pending,
                expires_at,
            } => {
                if expires_at.is_some_and(|t| t <= Utc::now()) {
                    self.expire_wait(request, backends, pending, log).await
                } else {
                    Ok(())
                }
            }
            RuntimeTurnPlan::Done(_) => Ok(()),
        }
    }

    async fn start_turn(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        log: &mut TurnLog,
    ) -> Result<(), RuntimeError> {
        log.refresh(backends.events.as_ref(), &request.session.id)
            .await?;
        let input = log.input().cloned().ok_or_else(|| {
            RuntimeError::NotFound(format!(
                "input message {} is not in session {}'s events (append it with append_input_message first)",
                request.input_message_id, request.session.id
            ))
        })?;
        let state = log.state();
        let ctx = self.context(request, None);
        if state.phase == TurnPhase::NotStarted {
            self.emit(
                request,
                backends,
                &ctx,
                TurnStartedData {
                    turn_id: request.turn_id.clone(),
                    input_message_id: request.input_message_id.clone(),
                    input_content: Some(input.text()).filter(|t| !t.is_empty()),
                },
            )
            .await?;
        }
        if !state.activated {
            self.emit(
                request,
                backends,
                &ctx,
                SessionActivatedData {
                    turn_id: request.turn_id.clone(),
                    input_message_id: request.input_message_id.clone(),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Stores the missing `reason.completed` of a step whose agent message is already stored.
    async fn finalize_reason(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        log: &mut TurnLog,
    ) -> Result<(), RuntimeError> {
        log.refresh(backends.events.as_ref(), &request.session.id)
            .await?;
        let state = log.state();
        let TurnPhase::ReasonRecorded {
            tool_calls,
            error_code,
            error,
            ..
        } = state.phase
        else {
            return Ok(());
        };
        let ctx = self.context(request, Some(new_id(IdKind::Exec)));
        self.emit(
            request,
            backends,
            &ctx,
            EventPayload::Unknown {
                event_type: "reason.recovered".into(),
                data: serde_json::json!({
                    "turn_id": request.turn_id,
                    "mode": "finalize",
                    "accumulated_len": state.last_response.len(),
                }),
            },
        )
        .await?;
        let success = error_code.is_none();
        self.emit(
            request,
            backends,
            &ctx,
            everruns_core::ReasonCompletedData {
                success,
                has_tool_calls: success && !tool_calls.is_empty(),
                tool_call_count: if success { tool_calls.len() as u32 } else { 0 },
                text_preview: Some(preview(&state.last_response)),
                error: if success {
                    None
                } else {
                    Some(error.unwrap_or_else(|| "LLM call failed".into()))
                },
                duration_ms: None,
                usage: None,
            },
        )
        .await?;
        Ok(())
    }

    async fn complete(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        end: TurnEnd,
        log: &mut TurnLog,
    ) -> Result<(), RuntimeError> {
        log.refresh(backends.events.as_ref(), &request.session.id)
            .await?;
        let state = log.state();
        let ctx = self.context(request, None);
        let started = log.fold().started_at;
        let duration_ms = started.map(|t| (Utc::now() - t).num_milliseconds().max(0) as u64);
        match end {
            TurnEnd::Completed => {
                self.emit(
                    request,
                    backends,
                    &ctx,
                    TurnCompletedData {
                        turn_id: request.turn_id.clone(),
                        iterations: state.iterations,
                        duration_ms,
                        usage: Some(state.usage.clone()),
                        final_message_id: state.last_message_id.clone(),
                        final_answer_preview: Some(preview(&state.last_response)),
                        llm_call_count: Some(state.llm_call_count),
                        tool_call_count: Some(state.tool_calls_count),
                    },
                )
                .await?;
            }
            TurnEnd::Failed { error, error_code } => {
                self.emit(
                    request,
                    backends,
                    &ctx,
                    TurnFailedData {
                        turn_id: request.turn_id.clone(),
                        error,
                        error_code: Some(error_code),
                    },
                )
                .await?;
            }
            TurnEnd::IdleOnly => {}
        }
        self.emit(
            request,
            backends,
            &ctx,
            SessionIdledData {
                turn_id: request.turn_id.clone(),
                iterations: Some(state.iterations),
                usage: Some(state.usage.clone()),
            },
        )
        .await?;
        Ok(())
    }

    async fn finish_cancel(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        log: &mut TurnLog,
    ) -> Result<(), RuntimeError> {
        log.refresh(backends.events.as_ref(), &request.session.id)
            .await?;
        let state = log.state();
        let Some(progress) = state.cancel.clone() else {
            return Ok(());
        };
        let ctx = self.context(request, None);
        if !progress.user_message_stored {
            let now = Utc::now().trunc_subsecs(3);
            self.emit(
                request,
                backends,
                &ctx,
                InputMessageData {
                    message: Message {
                        id: new_id(IdKind::Message),
                        role: MessageRole::User,
                        content: vec![ContentPart::text(CANCEL_USER_MESSAGE)],
                        created_at: now,
                        session_id: Some(request.session.id.clone()),
                        sequence: None,
                        controls: None,
                        metadata: None,
                        tags: Vec::new(),
                    },
                },
            )
            .await?;
        }
        for (id, name) in &state.running_tool_calls {
            self.emit(
                request,
                backends,
                &ctx,
                ToolCompletedData {
                    tool_call_id: id.clone(),
                    tool_name: name.clone(),
                    success: false,
                    status: ToolStatus::Cancelled,
                    result: None,
                    error: Some("The tool call was cancelled by the user.".into()),
                    duration_ms: None,
                    capability_id: None,
                },
            )
            .await?;
        }
        if !progress.agent_message_stored {
            let now = Utc::now().trunc_subsecs(3);
            self.emit(
                request,
                backends,
                &ctx,
                OutputMessageCompletedData {
                    message: Message {
                        id: new_id(IdKind::Message),
                        role: MessageRole::Agent,
                        content: vec![ContentPart::text(CANCEL_AGENT_MESSAGE)],
                        created_at: now,
                        session_id: Some(request.session.id.clone()),
                        sequence: None,
                        controls: None,
                        metadata: None,
                        tags: Vec::new(),
                    },
                    metadata: None,
                    usage: None,
                    error_code: Some("cancelled".into()),
                },
            )
            .await?;
        }
        if !state.idled {
            self.emit(
                request,
                backends,
                &ctx,
                SessionIdledData {
                    turn_id: request.turn_id.clone(),
                    iterations: Some(state.iterations),
                    usage: Some(state.usage.clone()),
                },
            )
            .await?;
        }
        Ok(())
    }

    /// Finds turns of a session that started (or were accepted) but have no terminal event or
    /// no `session.idled`: `(turn_id, input_message_id)` in log order. Hosts call this after a
    /// restart and resume each with [`TurnEngine::run_turn`].
    pub async fn unfinished_turns(
        &self,
        session_id: &str,
        backends: &RuntimeBackends,
    ) -> Result<Vec<(String, String)>, RuntimeError> {
        let events = backends.events.list(session_id).await?;
        let mut seen: Vec<(String, String)> = Vec::new();
        for e in &events {
            if let EventPayload::TurnStarted(d) = e.payload() {
                if !seen.iter().any(|(t, _)| *t == d.turn_id) {
                    seen.push((d.turn_id, d.input_message_id));
                }
            }
        }
        Ok(seen
            .into_iter()
            .filter(|(t, _)| {
                let s = RuntimeTurnState::from_events(t, &events);
                !matches!(plan_next_host_turn(&s, u32::MAX), RuntimeTurnPlan::Done(_))
            })
            .collect())
    }
}

fn preview(s: &str) -> String {
    s.chars().take(200).collect()
}

fn result_of(state: &RuntimeTurnState, outcome: TurnOutcome) -> TurnResult {
    let (error, error_code) = match &state.terminal {
        Some(t) if outcome != TurnOutcome::Completed => (t.error.clone(), t.error_code.clone()),
        _ => (None, None),
    };
    TurnResult {
        response: state.last_response.clone(),
        iterations: state.iterations,
        tool_calls_count: state.tool_calls_count,
        success: outcome == TurnOutcome::Completed,
        error,
        turn_id: state.turn_id.clone(),
        outcome,
        error_code,
        llm_call_count: state.llm_call_count,
        usage: state.usage.clone(),
        wait_expires_at: if outcome == TurnOutcome::Waiting {
            state.wait_expires_at
        } else {
            None
        },
    }
}

/// The user message with this id, from the session's `input.message` events.
pub fn find_input_message(events: &[Event], message_id: &str) -> Option<Message> {
    events.iter().find_map(|e| match e.payload() {
        EventPayload::InputMessage(d) if d.message.id == message_id => Some(d.message),
        _ => None,
    })
}

/// Host helper: stores a user message as an `input.message` event (what `POST …/messages`
/// does) and returns it with its id and sequence. Only `text` and image parts are accepted.
pub async fn append_input_message(
    events: &dyn EventLog,
    session_id: &str,
    input: InputMessage,
    controls: Option<Controls>,
    metadata: Option<serde_json::Value>,
    tags: Vec<String>,
) -> Result<Message, RuntimeError> {
    if input.content.is_empty() {
        return Err(RuntimeError::Invalid(
            "a message needs at least one content part".into(),
        ));
    }
    if let Some(bad) = input.content.iter().find(|p| {
        !matches!(
            p,
            ContentPart::Text { .. } | ContentPart::Image { .. } | ContentPart::ImageFile { .. }
        )
    }) {
        return Err(RuntimeError::Invalid(format!(
            "user messages may only contain text and image parts, got {}",
            bad.to_value()
                .get("type")
                .and_then(|t| t.as_str())
                .unwrap_or("an unknown part")
        )));
    }
    let message = Message {
        id: new_id(IdKind::Message),
        role: MessageRole::User,
        content: input.content,
        created_at: Utc::now().trunc_subsecs(3),
        session_id: Some(session_id.to_string()),
        sequence: None,
        controls,
        metadata,
        tags: tags.clone(),
    };
    let mut draft = EventDraft::new(
        InputMessageData {
            message: message.clone(),
        },
        EventContext {
            input_message_id: Some(message.id.clone()),
            ..Default::default()
        },
    );
    draft.tags = tags;
    let e = events.append(session_id, draft).await?;
    let mut m = message;
    m.sequence = e.sequence;
    Ok(m)
}

/// The messages of a session (derived from its events).
pub async fn session_messages(
    events: &dyn EventLog,
    session_id: &str,
) -> Result<Vec<Message>, RuntimeError> {
    Ok(messages_from_events(&events.list(session_id).await?))
}
