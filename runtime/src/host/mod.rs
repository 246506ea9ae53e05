//! The host seam in the seed's terms: the stores an embedder implements, the adapter a
//! server-backed or durable host provides, the turn context loaded in one call, the phase
//! functions (one per activity) and the lifecycle helper.
//!
//! A durable host runs a turn as a chain of queued tasks:
//!
//! 1. `POST …/messages`: [`RuntimeSessionLifecycle::accept_input`] stores the `input.message`;
//!    the host enqueues an `input` task for a new turn id.
//! 2. A worker claims a task, loads the turn context ([`RuntimeHostAdapter::load_turn_context`],
//!    one batched call), builds the [`TurnRequest`] and runs the task's activity:
//!    [`execute_input_activity`], [`execute_reason_activity`], [`execute_act_activity`] or
//!    [`RuntimeSessionLifecycle::finish_turn`].
//! 3. The activity returns [`RuntimeActivityResult::next`], decided by
//!    [`plan_next_host_turn`](crate::plan_next_host_turn); the host enqueues
//!    `next.activity()` (in the same transaction as completing the task, ideally) until it is
//!    `None`.
//!
//! Every activity reads the turn's progress from the event log, so a task that runs twice
//! stores nothing the second time (`executed: None`), and a host that lost its queue finds the
//! next step with [`TurnEngine::plan_turn`] (or [`TurnEngine::unfinished_turns`] per session).

mod bus;
mod stores;

pub use bus::{CollectingEventBus, EventBus, NoopEventBus, PublishingEventLog};
pub use stores::{
    InMemorySessionStore, RuntimeAgentStore, RuntimeHarnessStore, RuntimeMessageStore,
    RuntimeProviderStore, RuntimeSessionStore,
};

use std::sync::Arc;

use async_trait::async_trait;
use everruns_core::ids::{new_id, IdKind};
use everruns_core::{
    Agent, Controls, EventContext, EventPayload, Harness, InputMessage, Message, ResourceStatus,
    Session, SessionStartedData, SessionStatus,
};

use crate::engine::{
    append_input_message, RuntimeActivityResult, RuntimeBackends, RuntimeError, RuntimeTurnPlan,
    TurnEngine, TurnRequest, TurnResult,
};
use crate::store::{EventDraft, StoreError};

/// Public adapter contract for server-backed or durable runtime hosts: the engine, the stores
/// a turn runs over, and the configuration stores. The phase functions take any adapter.
#[async_trait]
pub trait RuntimeHostAdapter: Send + Sync {
    /// The engine (platform and settings).
    fn engine(&self) -> &TurnEngine;
    /// Event log, files, kv/secrets, llmsim positions, models.
    fn backends(&self) -> &RuntimeBackends;
    /// Harnesses.
    fn harness_store(&self) -> Arc<dyn RuntimeHarnessStore>;
    /// Agents.
    fn agent_store(&self) -> Arc<dyn RuntimeAgentStore>;
    /// Sessions.
    fn session_store(&self) -> Arc<dyn RuntimeSessionStore>;

    /// The session, its harness chain and its agent in one call. The default asks the three
    /// stores; a database host overrides it with one query (or one RPC).
    async fn load_turn_context(
        &self,
        session_id: &str,
    ) -> Result<RuntimeHostTurnContext, RuntimeError> {
        RuntimeHostTurnContext::load(
            self.session_store().as_ref(),
            self.harness_store().as_ref(),
            self.agent_store().as_ref(),
            session_id,
        )
        .await
    }
}

/// Turn context loaded in one batched call for runtime host execution.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeHostTurnContext {
    /// The session.
    pub session: Session,
    /// The session's harness. A harness missing from the store appears as a `deleted`
    /// placeholder with its id, so [`RuntimeHostTurnContext::dependency_blocker`] stops the
    /// turn with a clear error instead of the load failing forever.
    pub harness: Harness,
    /// The harness's ancestors, root first.
    pub parent_harnesses: Vec<Harness>,
    /// The session's agent (a missing one: a `deleted` placeholder, as for the harness).
    pub agent: Option<Agent>,
}

impl RuntimeHostTurnContext {
    /// Loads from the three stores (what [`RuntimeHostAdapter::load_turn_context`] does by
    /// default). `NotFound` when the session does not exist.
    pub async fn load(
        sessions: &dyn RuntimeSessionStore,
        harnesses: &dyn RuntimeHarnessStore,
        agents: &dyn RuntimeAgentStore,
        session_id: &str,
    ) -> Result<Self, RuntimeError> {
        let session = sessions
            .get_session(session_id)
            .await?
            .ok_or_else(|| RuntimeError::NotFound(format!("session {session_id}")))?;
        let mut chain = harnesses.get_harness_chain(&session.harness_id).await?;
        let harness = match chain.pop() {
            Some(h) => h,
            None => {
                let mut h = crate::HarnessBuilder::new("missing", "")
                    .id(&session.harness_id)
                    .build();
                h.status = ResourceStatus::Deleted;
                h
            }
        };
        let agent = match &session.agent_id {
            None => None,
            Some(id) => Some(match agents.get_agent(id).await? {
                Some(a) => a,
                None => {
                    let mut a = crate::AgentBuilder::new("missing", "").id(id).build();
                    a.status = ResourceStatus::Deleted;
                    a
                }
            }),
        };
        Ok(Self {
            session,
            harness,
            parent_harnesses: chain,
            agent,
        })
    }

    /// The request of one turn of this session.
    pub fn request(
        &self,
        turn_id: impl Into<String>,
        input_message_id: impl Into<String>,
    ) -> TurnRequest {
        let mut r = TurnRequest::new(
            self.session.clone(),
            self.harness.clone(),
            turn_id,
            input_message_id,
        )
        .with_agent(self.agent.clone());
        r.parent_harnesses = self.parent_harnesses.clone();
        r
    }

    /// Why a turn of this session may not run (an archived or deleted harness or agent).
    pub fn dependency_blocker(&self) -> Option<DependencyBlocker> {
        blocker_of(
            self.parent_harnesses
                .iter()
                .chain(std::iter::once(&self.harness)),
            self.agent.as_ref(),
        )
    }
}

/// Why a turn cannot run: a dependency of the session is gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DependencyBlocker {
    /// The harness (or one of its ancestors) is archived.
    HarnessArchived,
    /// The harness (or one of its ancestors) is deleted or missing.
    HarnessDeleted,
    /// The agent is archived.
    AgentArchived,
    /// The agent is deleted or missing.
    AgentDeleted,
}

impl DependencyBlocker {
    /// User-facing text (the `turn.failed` error).
    pub fn message(self) -> &'static str {
        match self {
            DependencyBlocker::HarnessArchived => {
                "The turn did not run because the session's harness is archived."
            }
            DependencyBlocker::HarnessDeleted => {
                "The turn did not run because the session's harness was deleted."
            }
            DependencyBlocker::AgentArchived => {
                "The turn did not run because the session's agent is archived."
            }
            DependencyBlocker::AgentDeleted => {
                "The turn did not run because the session's agent was deleted."
            }
        }
    }

    /// `turn.failed.error_code`: `dependency_unavailable`.
    pub fn error_code(self) -> &'static str {
        "dependency_unavailable"
    }
}

fn blocker_of<'a>(
    chain: impl Iterator<Item = &'a Harness>,
    agent: Option<&Agent>,
) -> Option<DependencyBlocker> {
    for h in chain {
        match h.status {
            ResourceStatus::Archived => return Some(DependencyBlocker::HarnessArchived),
            ResourceStatus::Deleted => return Some(DependencyBlocker::HarnessDeleted),
            _ => {}
        }
    }
    match agent.map(|a| &a.status) {
        Some(ResourceStatus::Archived) => Some(DependencyBlocker::AgentArchived),
        Some(ResourceStatus::Deleted) => Some(DependencyBlocker::AgentDeleted),
        _ => None,
    }
}

/// Checks whether a turn may run: the harness chain (every ancestor too) and the agent must
/// exist and be active. `Some(blocker)` means the turn should end with `turn.failed`
/// (`error_code: dependency_unavailable`), which [`execute_input_activity`] does.
pub async fn detect_dependency_blocker(
    harnesses: &dyn RuntimeHarnessStore,
    agents: &dyn RuntimeAgentStore,
    harness_id: &str,
    agent_id: Option<&str>,
) -> Result<Option<DependencyBlocker>, StoreError> {
    let chain = harnesses.get_harness_chain(harness_id).await?;
    if chain.is_empty() {
        return Ok(Some(DependencyBlocker::HarnessDeleted));
    }
    let agent = match agent_id {
        Some(id) => match agents.get_agent(id).await? {
            Some(a) => Some(a),
            None => return Ok(Some(DependencyBlocker::AgentDeleted)),
        },
        None => None,
    };
    Ok(blocker_of(chain.iter(), agent.as_ref()))
}

/// The input activity: checks dependencies ([`detect_dependency_blocker`]; a blocked turn ends
/// with `turn.failed` `dependency_unavailable` and `session.idled`), then stores `turn.started`
/// and `session.activated` and marks the session `active`.
pub async fn execute_input_activity<A: RuntimeHostAdapter + ?Sized>(
    adapter: &A,
    request: &TurnRequest,
) -> Result<RuntimeActivityResult, RuntimeError> {
    let engine = adapter.engine();
    let backends = adapter.backends();
    let (plan, _) = engine.plan_turn(request, backends).await?;
    if plan == RuntimeTurnPlan::StartTurn {
        let blocker = detect_dependency_blocker(
            adapter.harness_store().as_ref(),
            adapter.agent_store().as_ref(),
            &request.harness.id,
            request.agent.as_ref().map(|a| a.id.as_str()),
        )
        .await?;
        if let Some(b) = blocker {
            engine
                .fail_turn(request, backends, b.message(), b.error_code())
                .await?;
            adapter
                .session_store()
                .set_session_status(&request.session.id, SessionStatus::Idle)
                .await?;
            let (next, state) = engine.plan_turn(request, backends).await?;
            return Ok(RuntimeActivityResult {
                executed: Some(RuntimeTurnPlan::Complete(crate::TurnEnd::Failed {
                    error: b.message().into(),
                    error_code: b.error_code().into(),
                })),
                state,
                next,
            });
        }
    }
    let r = engine
        .run_phase(request, backends, |p| *p == RuntimeTurnPlan::StartTurn)
        .await?;
    if r.executed.is_some() {
        adapter
            .session_store()
            .set_session_status(&request.session.id, SessionStatus::Active)
            .await?;
    }
    Ok(r)
}

/// The reason activity: one LLM call with the assembled prompt and tools, streamed into
/// `output.message.*` events (or the finalisation of a call whose message is already
/// stored).
pub async fn execute_reason_activity<A: RuntimeHostAdapter + ?Sized>(
    adapter: &A,
    request: &TurnRequest,
) -> Result<RuntimeActivityResult, RuntimeError> {
    adapter
        .engine()
        .run_phase(request, adapter.backends(), |p| {
            matches!(
                p,
                RuntimeTurnPlan::ScheduleReason { .. } | RuntimeTurnPlan::FinalizeReason { .. }
            )
        })
        .await
}

/// The act activity: runs the batch of tool calls the last reason step asked for (a resumed
/// batch skips completed calls and reports interrupted ones as errors instead of re-running
/// them). A batch that waits for its caller ([`RuntimeTurnPlan::WaitForInput`]: client-side
/// tool results, approvals, answers) is also this activity: it ends the wait once the limit
/// passed, honours a cancel, and otherwise does nothing (the host parks the turn until the
/// caller answers).
pub async fn execute_act_activity<A: RuntimeHostAdapter + ?Sized>(
    adapter: &A,
    request: &TurnRequest,
) -> Result<RuntimeActivityResult, RuntimeError> {
    adapter
        .engine()
        .run_phase(request, adapter.backends(), |p| {
            matches!(
                p,
                RuntimeTurnPlan::ScheduleAct(_) | RuntimeTurnPlan::WaitForInput { .. }
            )
        })
        .await
}

/// Shared lifecycle helper for runtime-backed hosts: creating sessions, accepting input, and
/// the effects at a turn's end (terminal event, cancel sequence, `session.idled`, session
/// status).
pub struct RuntimeSessionLifecycle<'a, A: RuntimeHostAdapter + ?Sized> {
    adapter: &'a A,
}

impl<'a, A: RuntimeHostAdapter + ?Sized> RuntimeSessionLifecycle<'a, A> {
    /// A helper over a host's adapter.
    pub fn new(adapter: &'a A) -> Self {
        Self { adapter }
    }

    /// Stores the harness, agent and session, seeds the session's files (merged starter files,
    /// capability mounts) and emits `session.started` — unless the log already has
    /// `session.started` (a session created earlier over the same stores is only re-read).
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
        let backends = self.adapter.backends();
        let existing = backends.events.list(&id).await?;
        if existing
            .iter()
            .any(|e| matches!(e.payload(), EventPayload::SessionStarted(_)))
        {
            // Created by an earlier host over the same log: files and `session.started` are
            // there; store the configuration only if this host's stores lack it.
            if self
                .adapter
                .session_store()
                .get_session(&id)
                .await?
                .is_none()
            {
                self.store_config(harness, agent, session).await?;
            }
            return Ok(id);
        }
        let chain = match &harness.parent_harness_id {
            Some(parent) => {
                self.adapter
                    .harness_store()
                    .get_harness_chain(parent)
                    .await?
            }
            None => Vec::new(),
        };
        self.adapter
            .engine()
            .initialize_session(&session, agent.as_ref(), &harness, &chain, backends)
            .await?;
        self.store_config(harness.clone(), agent.clone(), session.clone())
            .await?;
        backends
            .events
            .append(
                &id,
                EventDraft::new(
                    SessionStartedData {
                        harness_id: harness.id.clone(),
                        agent_id: agent.as_ref().map(|a| a.id.clone()),
                        model_id: session.model_id.clone(),
                        agent_version_id: None,
                        change_reason: None,
                    },
                    EventContext::default(),
                ),
            )
            .await?;
        Ok(id)
    }

    async fn store_config(
        &self,
        harness: Harness,
        agent: Option<Agent>,
        session: Session,
    ) -> Result<(), StoreError> {
        self.adapter.harness_store().put_harness(harness).await?;
        if let Some(a) = agent {
            self.adapter.agent_store().put_agent(a).await?;
        }
        self.adapter.session_store().put_session(session).await
    }

    /// Stores a user message (`input.message`) and returns it with a fresh turn id for the
    /// turn it starts.
    pub async fn accept_input(
        &self,
        session_id: &str,
        input: InputMessage,
        controls: Option<Controls>,
    ) -> Result<(Message, String), RuntimeError> {
        if self
            .adapter
            .session_store()
            .get_session(session_id)
            .await?
            .is_none()
        {
            return Err(RuntimeError::NotFound(format!("session {session_id}")));
        }
        let m = append_input_message(
            self.adapter.backends().events.as_ref(),
            session_id,
            input,
            controls,
            None,
            Vec::new(),
        )
        .await?;
        Ok((m, new_id(IdKind::Turn)))
    }

    /// The finish activity: stores the terminal event (or the rest of the cancel sequence) and
    /// `session.idled` when the plan says so, then marks the session `idle`.
    pub async fn finish_turn(
        &self,
        request: &TurnRequest,
    ) -> Result<RuntimeActivityResult, RuntimeError> {
        let r = self
            .adapter
            .engine()
            .run_phase(request, self.adapter.backends(), |p| {
                matches!(
                    p,
                    RuntimeTurnPlan::Complete(_) | RuntimeTurnPlan::FinishCancel
                )
            })
            .await?;
        self.mark_idle_if_done(request, &r).await?;
        Ok(r)
    }

    /// Records the outcome of a turn run to its end in one call ([`TurnEngine::run_turn`]):
    /// marks the session `idle`.
    pub async fn turn_finished(
        &self,
        request: &TurnRequest,
        _result: &TurnResult,
    ) -> Result<(), RuntimeError> {
        self.adapter
            .session_store()
            .set_session_status(&request.session.id, SessionStatus::Idle)
            .await?;
        Ok(())
    }

    /// Ends a turn the host gives up on with `turn.failed` (once) and marks the session idle.
    pub async fn fail_turn(
        &self,
        request: &TurnRequest,
        error: &str,
        error_code: &str,
    ) -> Result<TurnResult, RuntimeError> {
        let r = self
            .adapter
            .engine()
            .fail_turn(request, self.adapter.backends(), error, error_code)
            .await?;
        self.turn_finished(request, &r).await?;
        Ok(r)
    }

    async fn mark_idle_if_done(
        &self,
        request: &TurnRequest,
        r: &RuntimeActivityResult,
    ) -> Result<(), StoreError> {
        if matches!(r.next, RuntimeTurnPlan::Done(_)) {
            self.adapter
                .session_store()
                .set_session_status(&request.session.id, SessionStatus::Idle)
                .await?;
        }
        Ok(())
    }
}
