//! Turn state derived from stored events, and the pure planner [`plan_next_host_turn`].

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use everruns_core::{
    event_types, ContentPart, Event, EventPayload, LlmGenerationMetadata, TokenUsage, ToolCall,
};
use serde::Deserialize;

/// Literal text of the user message stored when a turn is cancelled (docs/decisions.md#7).
pub const CANCEL_USER_MESSAGE: &str = "User requested to cancel the work.";
/// Literal text of the agent message that ends a cancelled turn (docs/decisions.md#7).
pub const CANCEL_AGENT_MESSAGE: &str = "Work was cancelled by user.";

/// Reads `{"approved": bool}` from an approval call's result parts.
fn approval_flag(parts: &[ContentPart]) -> Option<bool> {
    let text: String = parts.iter().filter_map(ContentPart::as_text).collect();
    serde_json::from_str::<serde_json::Value>(&text)
        .ok()?
        .get("approved")?
        .as_bool()
}

/// How a turn ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TurnOutcome {
    /// `turn.completed`.
    Completed,
    /// `turn.failed`.
    Failed,
    /// `turn.cancelled`.
    Cancelled,
    /// `turn.sealed`.
    Sealed,
    /// Not ended: the turn waits for its caller ([`RuntimeTurnPlan::WaitForInput`]).
    Waiting,
}

/// Where a turn stands, as read from its events.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TurnPhase {
    /// No `turn.started` yet.
    NotStarted,
    /// `turn.started` (and `session.activated`), no reasoning yet.
    Started,
    /// `reason.started` without `reason.completed` (interrupted or running).
    Reasoning {
        /// 1-based iteration.
        iteration: u32,
    },
    /// `reason.completed`.
    Reasoned {
        /// Whether the LLM call succeeded.
        success: bool,
        /// Tool calls requested (empty: final answer).
        tool_calls: Vec<ToolCall>,
        /// Error text on failure.
        error: Option<String>,
        /// Error code from the agent error message (`llm_error`, `model_not_found`, …).
        error_code: Option<String>,
    },
    /// The agent message of a reason step is stored but `reason.completed` is not (the host
    /// stopped in between): the step is finalised from the stored message, not re-run.
    ReasonRecorded {
        /// 1-based iteration.
        iteration: u32,
        /// Tool calls of the stored message.
        tool_calls: Vec<ToolCall>,
        /// Error code of the stored message (a failed call).
        error_code: Option<String>,
        /// Error text of the stored message.
        error: Option<String>,
    },
    /// `act.started` without `act.completed`.
    Acting {
        /// The batch.
        tool_calls: Vec<ToolCall>,
        /// Calls with `tool.started`.
        started: Vec<String>,
        /// Calls with `tool.completed`.
        completed: Vec<String>,
        /// Calls the caller was asked to answer (`tool.call_requested`): client-side tools,
        /// approval requests, `ask_user` question sets.
        requested: Vec<ToolCall>,
    },
    /// `act.completed`.
    Acted,
}

/// A terminal event seen in the turn.
#[derive(Debug, Clone, PartialEq)]
pub struct TerminalInfo {
    /// Which one.
    pub outcome: TurnOutcome,
    /// `turn.failed.error`.
    pub error: Option<String>,
    /// `turn.failed.error_code`.
    pub error_code: Option<String>,
}

/// Progress of the cancel sequence (after `turn.cancelled`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CancelProgress {
    /// The `input.message` "User requested to cancel the work." is stored.
    pub user_message_stored: bool,
    /// The agent `output.message.completed` "Work was cancelled by user." is stored.
    pub agent_message_stored: bool,
}

/// Host-owned turn state, rebuilt from the turn's events ([`RuntimeTurnState::from_events`]).
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeTurnState {
    /// The turn.
    pub turn_id: String,
    /// Reason steps started.
    pub iterations: u32,
    /// Current phase.
    pub phase: TurnPhase,
    /// Tool calls requested by the model so far.
    pub tool_calls_count: u32,
    /// Provider calls made.
    pub llm_call_count: u32,
    /// Tokens used.
    pub usage: TokenUsage,
    /// Text of the last agent message.
    pub last_response: String,
    /// Id of the last agent message.
    pub last_message_id: Option<String>,
    /// The terminal event, once emitted.
    pub terminal: Option<TerminalInfo>,
    /// `session.idled` was emitted.
    pub idled: bool,
    /// Set once `turn.cancelled` is stored.
    pub cancel: Option<CancelProgress>,
    /// Tool calls started and not completed when the turn was cancelled.
    pub running_tool_calls: Vec<(String, String)>,
    /// `session.activated` is stored.
    pub activated: bool,
    /// Deadline of the last `tool.call_requested` of the current act.
    pub wait_expires_at: Option<DateTime<Utc>>,
}

impl RuntimeTurnState {
    /// Folds the events of `turn_id` (others are ignored) in sequence order.
    pub fn from_events(turn_id: &str, events: &[Event]) -> Self {
        let mut fold = TurnStateFold::new(turn_id);
        for e in events {
            fold.apply(e);
        }
        fold.state()
    }
}

/// [`RuntimeTurnState::from_events`] as an incremental fold: [`TurnStateFold::apply`] each
/// event of the session in sequence order (others turns' events are ignored), read the state
/// at any point with [`TurnStateFold::state`]. Also keeps what the steps need from the turn's
/// events (turn start time, first result of each tool call, last streamed length).
#[derive(Debug, Clone)]
pub(crate) struct TurnStateFold {
    s: RuntimeTurnState,
    pending_calls: Vec<ToolCall>,
    pending_code: Option<String>,
    /// Tool name by call id for the current batch (first seen wins).
    act_names: HashMap<String, String>,
    /// Every tool call id with a `tool.completed` in the turn.
    completed_ids: HashSet<String>,
    /// `ts` of the turn's first `turn.started`.
    pub started_at: Option<DateTime<Utc>>,
    /// The first `tool.completed` of each tool call id: its `success`.
    pub first_results: HashMap<String, bool>,
    /// `accumulated` length of the last `output.message.delta`, or 0 after a later
    /// `reason.started` (what an interrupted reason step had streamed).
    pub streamed_len: usize,
    /// Approval decisions of the turn: gated call id → approved.
    pub approvals: HashMap<String, bool>,
    /// The turn's own input message.
    own_input: Option<String>,
    /// User messages stored while the turn runs (after its `turn.started`), in log order.
    pub later_inputs: Vec<String>,
    /// Those the turn took in already (`turn.steered`).
    pub steered: HashSet<String>,
}

impl TurnStateFold {
    /// An empty fold of `turn_id`.
    pub fn new(turn_id: &str) -> Self {
        Self {
            s: RuntimeTurnState {
                turn_id: turn_id.to_string(),
                iterations: 0,
                phase: TurnPhase::NotStarted,
                tool_calls_count: 0,
                llm_call_count: 0,
                usage: TokenUsage::default(),
                last_response: String::new(),
                last_message_id: None,
                terminal: None,
                idled: false,
                cancel: None,
                running_tool_calls: Vec::new(),
                activated: false,
                wait_expires_at: None,
            },
            pending_calls: Vec::new(),
            pending_code: None,
            act_names: HashMap::new(),
            completed_ids: HashSet::new(),
            started_at: None,
            first_results: HashMap::new(),
            streamed_len: 0,
            approvals: HashMap::new(),
            own_input: None,
            later_inputs: Vec::new(),
            steered: HashSet::new(),
        }
    }

    /// User messages stored during the turn that it has not taken in yet.
    pub fn pending_steer(&self) -> Vec<String> {
        self.later_inputs
            .iter()
            .filter(|id| !self.steered.contains(*id))
            .cloned()
            .collect()
    }

    /// The turn state after the events applied so far.
    pub fn state(&self) -> RuntimeTurnState {
        let mut s = self.s.clone();
        // Tool calls that completed after turn.cancelled are no longer running.
        if s.cancel.is_some() {
            s.running_tool_calls
                .retain(|(id, _)| !self.completed_ids.contains(id));
        }
        s
    }

    /// Applies the next event of the session (ignored unless it belongs to the turn).
    pub fn apply(&mut self, e: &Event) {
        if e.event_type == event_types::INPUT_MESSAGE
            && self.started_at.is_some()
            && self.s.terminal.is_none()
            && self.s.cancel.is_none()
        {
            if let EventPayload::InputMessage(d) = e.payload() {
                if self.own_input.as_deref() != Some(d.message.id.as_str()) {
                    self.later_inputs.push(d.message.id);
                }
            }
        }
        if e.turn_id() != Some(self.s.turn_id.as_str()) {
            return;
        }
        if e.event_type == event_types::TURN_STARTED {
            self.started_at.get_or_insert(e.ts);
            if self.own_input.is_none() {
                self.own_input = e
                    .data
                    .get("input_message_id")
                    .and_then(|v| v.as_str())
                    .map(str::to_string);
            }
        }
        if e.event_type == event_types::TURN_STEERED {
            for id in e.data["input_message_ids"].as_array().into_iter().flatten() {
                if let Some(id) = id.as_str() {
                    self.steered.insert(id.to_string());
                }
            }
            return;
        }
        if e.event_type == event_types::LLM_GENERATION {
            // Only the call count and usage matter here: read `metadata` without copying the
            // (large) message list out of the event.
            #[derive(serde::Deserialize)]
            struct Generation {
                #[serde(default)]
                metadata: LlmGenerationMetadata,
            }
            if let Ok(g) = Generation::deserialize(&e.data) {
                self.s.llm_call_count += 1;
                if let Some(u) = &g.metadata.usage {
                    self.s.usage.add(u);
                }
            }
            return;
        }
        let s = &mut self.s;
        match e.payload() {
            EventPayload::TurnStarted(_) => s.phase = TurnPhase::Started,
            EventPayload::ReasonStarted(_) => {
                s.iterations += 1;
                self.pending_calls.clear();
                self.pending_code = None;
                self.streamed_len = 0;
                s.phase = TurnPhase::Reasoning {
                    iteration: s.iterations,
                };
            }
            EventPayload::OutputMessageDelta(d) => self.streamed_len = d.accumulated.len(),
            EventPayload::OutputMessageCompleted(d) => {
                if let Some(c) = s.cancel.as_mut() {
                    c.agent_message_stored = true;
                    return;
                }
                s.last_response = d.message.text();
                s.last_message_id = Some(d.message.id.clone());
                self.pending_code = d.error_code.clone();
                let stored_error = d
                    .message
                    .metadata
                    .as_ref()
                    .and_then(|m| m.get("error"))
                    .and_then(|e| e.as_str())
                    .map(str::to_string);
                self.pending_calls = d
                    .message
                    .content
                    .iter()
                    .filter_map(|p| match p {
                        ContentPart::ToolCall {
                            id,
                            name,
                            arguments,
                        } => Some(ToolCall {
                            id: id.clone(),
                            name: name.clone(),
                            arguments: arguments.clone(),
                        }),
                        _ => None,
                    })
                    .collect();
                if let TurnPhase::Reasoning { iteration } = s.phase {
                    s.phase = TurnPhase::ReasonRecorded {
                        iteration,
                        tool_calls: self.pending_calls.clone(),
                        error_code: self.pending_code.clone(),
                        error: stored_error,
                    };
                }
            }
            EventPayload::ReasonCompleted(d) => {
                let calls = if d.success {
                    std::mem::take(&mut self.pending_calls)
                } else {
                    Vec::new()
                };
                s.tool_calls_count += calls.len() as u32;
                s.phase = TurnPhase::Reasoned {
                    success: d.success,
                    tool_calls: calls,
                    error: d.error.clone(),
                    error_code: self.pending_code.take(),
                };
            }
            EventPayload::ActStarted(_) => {
                let calls = match &s.phase {
                    TurnPhase::Reasoned { tool_calls, .. } => tool_calls.clone(),
                    _ => Vec::new(),
                };
                self.act_names.clear();
                for c in &calls {
                    self.act_names
                        .entry(c.id.clone())
                        .or_insert_with(|| c.name.clone());
                }
                s.wait_expires_at = None;
                s.phase = TurnPhase::Acting {
                    tool_calls: calls,
                    started: Vec::new(),
                    completed: Vec::new(),
                    requested: Vec::new(),
                };
            }
            EventPayload::ToolStarted(d) => {
                if let TurnPhase::Acting { started, .. } = &mut s.phase {
                    started.push(d.tool_call.id.clone());
                }
                self.act_names
                    .entry(d.tool_call.id.clone())
                    .or_insert_with(|| d.tool_call.name.clone());
            }
            EventPayload::ToolCallRequested(d) => {
                if let TurnPhase::Acting { requested, .. } = &mut s.phase {
                    for c in d.tool_calls {
                        if !requested.iter().any(|r| r.id == c.id) {
                            requested.push(c);
                        }
                    }
                }
                s.wait_expires_at = d.expires_at;
            }
            EventPayload::ToolCompleted(d) => {
                if let TurnPhase::Acting { completed, .. } = &mut s.phase {
                    completed.push(d.tool_call_id.clone());
                }
                if d.tool_name == everruns_core::APPROVE_TOOL_CALL {
                    if let Some(original) = d
                        .tool_call_id
                        .strip_prefix(everruns_core::APPROVAL_CALL_PREFIX)
                    {
                        let approved = d.success
                            && d.result.as_deref().and_then(approval_flag).unwrap_or(false);
                        self.approvals.insert(original.to_string(), approved);
                    }
                }
                self.first_results
                    .entry(d.tool_call_id.clone())
                    .or_insert(d.success);
                self.completed_ids.insert(d.tool_call_id);
            }
            EventPayload::ActCompleted(_) => s.phase = TurnPhase::Acted,
            EventPayload::TurnCompleted(_) => {
                s.terminal = Some(TerminalInfo {
                    outcome: TurnOutcome::Completed,
                    error: None,
                    error_code: None,
                })
            }
            EventPayload::TurnFailed(d) => {
                s.terminal = Some(TerminalInfo {
                    outcome: TurnOutcome::Failed,
                    error: Some(d.error),
                    error_code: d.error_code,
                })
            }
            EventPayload::TurnCancelled(_) => {
                s.terminal = Some(TerminalInfo {
                    outcome: TurnOutcome::Cancelled,
                    error: Some("cancelled".into()),
                    error_code: Some("cancelled".into()),
                });
                s.cancel = Some(CancelProgress::default());
                if let TurnPhase::Acting {
                    started,
                    completed,
                    requested,
                    ..
                } = &s.phase
                {
                    let names = &self.act_names;
                    s.running_tool_calls = started
                        .iter()
                        .filter(|id| !completed.contains(id))
                        .map(|id| {
                            let name = names.get(id).cloned().unwrap_or_default();
                            (id.clone(), name)
                        })
                        .collect();
                    // Calls the caller never answered are closed too.
                    for c in requested {
                        if !completed.contains(&c.id)
                            && !s.running_tool_calls.iter().any(|(id, _)| *id == c.id)
                        {
                            s.running_tool_calls.push((c.id.clone(), c.name.clone()));
                        }
                    }
                }
            }
            EventPayload::InputMessage(_) => {
                if let Some(c) = s.cancel.as_mut() {
                    c.user_message_stored = true;
                }
            }
            EventPayload::SessionIdled(_) => s.idled = true,
            EventPayload::SessionActivated(_) => s.activated = true,
            EventPayload::Unknown { event_type, .. } if event_type == event_types::TURN_SEALED => {
                s.terminal = Some(TerminalInfo {
                    outcome: TurnOutcome::Sealed,
                    error: None,
                    error_code: None,
                })
            }
            _ => {}
        }
    }
}

/// How a turn ends when the planner says [`RuntimeTurnPlan::Complete`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TurnEnd {
    /// Emit `turn.completed`.
    Completed,
    /// Emit `turn.failed`.
    Failed {
        /// User-safe text.
        error: String,
        /// `llm_error`, `max_iterations`, `model_not_found`, …
        error_code: String,
    },
    /// The terminal event is stored already; only `session.idled` is missing.
    IdleOnly,
}

/// Tool calls the next act step runs.
#[derive(Debug, Clone, PartialEq)]
pub struct RuntimeActPlan {
    /// The whole batch, in the model's call order.
    pub tool_calls: Vec<ToolCall>,
    /// Ids already completed (a resumed act skips them).
    pub completed: Vec<String>,
    /// Ids started but never completed before a restart: they get an `interrupted` error
    /// result instead of running twice.
    pub interrupted: Vec<String>,
    /// True when `act.started` is already stored.
    pub resumed: bool,
}

/// The next step of a turn.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum RuntimeTurnPlan {
    /// Emit `turn.started` and `session.activated`.
    StartTurn,
    /// Run a reason step (LLM call). `recover`: the step was interrupted before; it is
    /// restarted (a `reason.recovered` event is emitted instead of a second `reason.started`).
    ScheduleReason {
        /// 1-based iteration.
        iteration: u32,
        /// Restarting an interrupted step.
        recover: bool,
    },
    /// Run the tool calls.
    ScheduleAct(RuntimeActPlan),
    /// Store the missing `reason.completed` of a step whose agent message is stored (a
    /// `reason.recovered {mode:"finalize"}` event precedes it).
    FinalizeReason {
        /// 1-based iteration.
        iteration: u32,
    },
    /// Emit the terminal event (unless stored) and `session.idled`.
    Complete(TurnEnd),
    /// Emit the remaining events of the cancel sequence.
    FinishCancel,
    /// The turn waits for its caller: client-side tool results, approvals or answers
    /// (`POST /v1/sessions/{id}/tool-results|tool-approvals|question-answers`). Nothing runs
    /// until they are stored; past `expires_at` the turn fails with
    /// `error_code: tool_results_timeout`.
    WaitForInput {
        /// Calls still unanswered.
        pending: Vec<ToolCall>,
        /// The wait limit.
        expires_at: Option<DateTime<Utc>>,
    },
    /// Nothing left to do: the turn ended with this outcome.
    Done(TurnOutcome),
}

/// The host activity that runs a [`RuntimeTurnPlan`] step, so a durable host can give each
/// its own queued task type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RuntimeActivity {
    /// [`crate::execute_input_activity`]: starts the turn.
    Input,
    /// [`crate::execute_reason_activity`]: one LLM call (or finalising one).
    Reason,
    /// [`crate::execute_act_activity`]: runs a batch of tool calls.
    Act,
    /// [`crate::RuntimeSessionLifecycle::finish_turn`]: terminal event, cancel sequence,
    /// `session.idled`, session status.
    Finish,
}

impl RuntimeActivity {
    /// A stable name for task rows (`input`, `reason`, `act`, `finish`).
    pub fn as_str(self) -> &'static str {
        match self {
            RuntimeActivity::Input => "input",
            RuntimeActivity::Reason => "reason",
            RuntimeActivity::Act => "act",
            RuntimeActivity::Finish => "finish",
        }
    }

    /// The activity named by [`RuntimeActivity::as_str`].
    pub fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "input" => RuntimeActivity::Input,
            "reason" => RuntimeActivity::Reason,
            "act" => RuntimeActivity::Act,
            "finish" => RuntimeActivity::Finish,
            _ => return None,
        })
    }
}

impl RuntimeTurnPlan {
    /// The activity that runs this step; `None` for [`RuntimeTurnPlan::Done`].
    pub fn activity(&self) -> Option<RuntimeActivity> {
        Some(match self {
            RuntimeTurnPlan::StartTurn => RuntimeActivity::Input,
            RuntimeTurnPlan::ScheduleReason { .. } | RuntimeTurnPlan::FinalizeReason { .. } => {
                RuntimeActivity::Reason
            }
            RuntimeTurnPlan::ScheduleAct(_) => RuntimeActivity::Act,
            RuntimeTurnPlan::Complete(_) | RuntimeTurnPlan::FinishCancel => RuntimeActivity::Finish,
            // Waiting: nothing to schedule until the caller answers (then `Act`, or `Finish`
            // when the wait limit passed).
            RuntimeTurnPlan::WaitForInput { .. } => RuntimeActivity::Act,
            RuntimeTurnPlan::Done(_) => return None,
        })
    }
}

/// The pure planner: the next step from the turn's state. `max_iterations` is the merged limit
/// (default 100): after the act of iteration `max_iterations` the turn fails with
/// `error_code: "max_iterations"` (docs/decisions.md#22).
///
/// A host can drive a turn step by step with it: derive the state with
/// [`RuntimeTurnState::from_events`], plan, run the step ([`crate::TurnEngine::step`]),
/// repeat until [`RuntimeTurnPlan::Done`].
pub fn plan_next_host_turn(state: &RuntimeTurnState, max_iterations: u32) -> RuntimeTurnPlan {
    if let Some(c) = &state.cancel {
        if !c.user_message_stored
            || !c.agent_message_stored
            || !state.running_tool_calls.is_empty()
            || !state.idled
        {
            return RuntimeTurnPlan::FinishCancel;
        }
        return RuntimeTurnPlan::Done(TurnOutcome::Cancelled);
    }
    if let Some(t) = &state.terminal {
        if !state.idled {
            return RuntimeTurnPlan::Complete(TurnEnd::IdleOnly);
        }
        return RuntimeTurnPlan::Done(t.outcome);
    }
    match &state.phase {
        TurnPhase::NotStarted => RuntimeTurnPlan::StartTurn,
        TurnPhase::Started if !state.activated => RuntimeTurnPlan::StartTurn,
        TurnPhase::ReasonRecorded { iteration, .. } => RuntimeTurnPlan::FinalizeReason {
            iteration: *iteration,
        },
        TurnPhase::Started => RuntimeTurnPlan::ScheduleReason {
            iteration: 1,
            recover: false,
        },
        TurnPhase::Reasoning { iteration } => RuntimeTurnPlan::ScheduleReason {
            iteration: *iteration,
            recover: true,
        },
        TurnPhase::Reasoned {
            success: false,
            error,
            error_code,
            ..
        } => RuntimeTurnPlan::Complete(TurnEnd::Failed {
            error: error
                .clone()
                .unwrap_or_else(|| "An error occurred while processing your request.".into()),
            error_code: error_code.clone().unwrap_or_else(|| "llm_error".into()),
        }),
        TurnPhase::Reasoned { tool_calls, .. } if tool_calls.is_empty() => {
            RuntimeTurnPlan::Complete(TurnEnd::Completed)
        }
        TurnPhase::Reasoned { tool_calls, .. } => RuntimeTurnPlan::ScheduleAct(RuntimeActPlan {
            tool_calls: tool_calls.clone(),
            completed: Vec::new(),
            interrupted: Vec::new(),
            resumed: false,
        }),
        TurnPhase::Acting {
            requested,
            completed,
            ..
        } if requested.iter().any(|c| !completed.contains(&c.id)) => {
            RuntimeTurnPlan::WaitForInput {
                pending: requested
                    .iter()
                    .filter(|c| !completed.contains(&c.id))
                    .cloned()
                    .collect(),
                expires_at: state.wait_expires_at,
            }
        }
        TurnPhase::Acting {
            tool_calls,
            started,
            completed,
            ..
        } => RuntimeTurnPlan::ScheduleAct(RuntimeActPlan {
            tool_calls: tool_calls.clone(),
            completed: completed.clone(),
            interrupted: started
                .iter()
                .filter(|id| !completed.contains(id))
                .cloned()
                .collect(),
            resumed: true,
        }),
        TurnPhase::Acted => {
            if state.iterations >= max_iterations {
                RuntimeTurnPlan::Complete(TurnEnd::Failed {
                    error: format!(
                        "The turn reached its limit of {max_iterations} iterations without a final answer."
                    ),
                    error_code: "max_iterations".into(),
                })
            } else {
                RuntimeTurnPlan::ScheduleReason {
                    iteration: state.iterations + 1,
                    recover: false,
                }
            }
        }
    }
}
