//! Turns that wait for their caller: client-side tool results, tool approvals and `ask_user`
//! answers.
//!
//! The act step asks for what it cannot do itself with one `tool.call_requested` event
//! (`data.tool_calls`: client-side calls, synthetic `approve_tool_call` calls
//! `tool_approval_{id}` for gated tools, `ask_user` calls) and stops; the turn then waits
//! ([`crate::RuntimeTurnPlan::WaitForInput`]). Everything about the wait is read back from the
//! event log, so it survives any restart. A host answers with the functions here: they
//! validate a submission against the waiting turn's log ([`waiting_turn`]) and return the
//! events to append (`tool.completed` per answered call, then `session.activated` once
//! nothing is pending); appending them and resuming the turn is the host's job.

use std::collections::{HashMap, HashSet};

use chrono::Utc;
use everruns_core::{
    ClientToolResult, ContentPart, Event, EventContext, EventPayload, PendingInput,
    PendingQuestions, PendingToolApproval, Question, QuestionAnswer, QuestionAnswerStatus,
    QuestionAnswersRequest, SessionActivatedData, SubmitToolApprovalsRequest,
    SubmitToolResultsRequest, ToolApprovalResolution, ToolCall, ToolCompletedData, ToolStatus,
    APPROVAL_CALL_PREFIX, APPROVE_TOOL_CALL, ASK_USER,
};

use super::state::{plan_next_host_turn, RuntimeTurnPlan, RuntimeTurnState, TurnPhase};
use super::{RuntimeBackends, RuntimeError, TurnEnd, TurnEngine, TurnLog, TurnRequest};
use crate::config::ResolvedCapability;
use crate::store::EventDraft;

/// Id of the capability whose config names the tools that need approval.
pub const TOOL_APPROVAL_CAPABILITY: &str = "tool_approval";
/// `error_code` of the `turn.failed` that ends a wait past its limit.
pub const TOOL_RESULTS_TIMEOUT: &str = "tool_results_timeout";

/// Which tools need a person's approval before they run (config of the `tool_approval`
/// capability: `{"tools": ["write_file", …]}` or `{"tools": ["*"]}`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ApprovalRule {
    /// No approvals.
    #[default]
    None,
    /// Every tool.
    All,
    /// These tools.
    Named(HashSet<String>),
}

impl ApprovalRule {
    pub(crate) fn from_capabilities(resolved: &[ResolvedCapability]) -> Self {
        let mut names = HashSet::new();
        let mut found = false;
        for r in resolved {
            if r.capability.id() != TOOL_APPROVAL_CAPABILITY {
                continue;
            }
            found = true;
            let tools = r
                .config
                .as_ref()
                .and_then(|c| c.get("tools"))
                .and_then(|t| t.as_array());
            match tools {
                None => return ApprovalRule::All,
                Some(list) => {
                    for t in list.iter().filter_map(|t| t.as_str()) {
                        if t == "*" {
                            return ApprovalRule::All;
                        }
                        names.insert(t.to_string());
                    }
                }
            }
        }
        if !found {
            ApprovalRule::None
        } else {
            ApprovalRule::Named(names)
        }
    }

    /// Whether a call of `tool` waits for approval.
    pub fn requires(&self, tool: &str) -> bool {
        match self {
            ApprovalRule::None => false,
            ApprovalRule::All => tool != ASK_USER,
            ApprovalRule::Named(n) => n.contains(tool),
        }
    }
}

/// The synthetic call a gated tool call waits on.
pub(crate) fn approval_call(call: &ToolCall) -> ToolCall {
    ToolCall {
        id: format!("{APPROVAL_CALL_PREFIX}{}", call.id),
        name: APPROVE_TOOL_CALL.to_string(),
        arguments: serde_json::json!({
            "tool": call.name,
            "tool_call_id": call.id,
            "arguments": call.arguments,
        }),
    }
}

/// A turn of a session that waits for its caller, read from the log.
#[derive(Debug, Clone, PartialEq)]
pub struct WaitingTurn {
    /// The turn.
    pub turn_id: String,
    /// Its input message.
    pub input_message_id: String,
    /// Every call the turn asked its caller for in the current act.
    pub requested: Vec<ToolCall>,
    /// The subset still unanswered.
    pub pending: Vec<ToolCall>,
    /// When the wait ends.
    pub expires_at: Option<chrono::DateTime<Utc>>,
}

impl WaitingTurn {
    /// The pending calls sorted into what the caller sees on the session.
    pub fn pending_input(&self) -> PendingInput {
        let mut out = PendingInput {
            expires_at: self.expires_at,
            ..Default::default()
        };
        for c in &self.pending {
            if c.name == APPROVE_TOOL_CALL && c.id.starts_with(APPROVAL_CALL_PREFIX) {
                out.approvals.push(PendingToolApproval {
                    tool_call_id: c.id.clone(),
                    tool: arg_str(&c.arguments, "tool"),
                    original_tool_call_id: arg_str(&c.arguments, "tool_call_id"),
                    arguments: c
                        .arguments
                        .get("arguments")
                        .cloned()
                        .unwrap_or_else(|| serde_json::json!({})),
                });
            } else if c.name == ASK_USER {
                out.questions.push(PendingQuestions {
                    tool_call_id: c.id.clone(),
                    questions: questions_of(&c.arguments),
                });
            } else {
                out.tool_calls.push(c.clone());
            }
        }
        out
    }

    fn context(&self) -> EventContext {
        EventContext {
            turn_id: Some(self.turn_id.clone()),
            input_message_id: Some(self.input_message_id.clone()),
            exec_id: None,
            trace_id: Some(self.turn_id.clone()),
        }
    }

    fn answered(&self, id: &str) -> bool {
        self.requested.iter().any(|c| c.id == id) && !self.pending.iter().any(|c| c.id == id)
    }

    /// `session.activated` when the answered ids leave nothing pending.
    fn finish(&self, drafts: &mut Vec<EventDraft>, answered: &HashSet<String>) -> bool {
        let done = self.pending.iter().all(|c| answered.contains(&c.id));
        if done {
            drafts.push(EventDraft::new(
                SessionActivatedData {
                    turn_id: self.turn_id.clone(),
                    input_message_id: self.input_message_id.clone(),
                },
                self.context(),
            ));
        }
        done
    }
}

fn arg_str(v: &serde_json::Value, key: &str) -> String {
    v.get(key)
        .and_then(|s| s.as_str())
        .unwrap_or_default()
        .to_string()
}

fn questions_of(arguments: &serde_json::Value) -> Vec<Question> {
    arguments
        .get("questions")
        .cloned()
        .and_then(|q| serde_json::from_value(q).ok())
        .unwrap_or_default()
}

/// The session's turn that waits for its caller, if any (its latest unfinished turn whose
/// next step is [`RuntimeTurnPlan::WaitForInput`]).
pub fn waiting_turn(events: &[Event]) -> Option<WaitingTurn> {
    let (turn_id, input_message_id) = events.iter().rev().find_map(|e| match e.payload() {
        EventPayload::TurnStarted(d) => Some((d.turn_id, d.input_message_id)),
        _ => None,
    })?;
    let state = RuntimeTurnState::from_events(&turn_id, events);
    let RuntimeTurnPlan::WaitForInput {
        pending,
        expires_at,
    } = plan_next_host_turn(&state, u32::MAX)
    else {
        return None;
    };
    let requested = match &state.phase {
        TurnPhase::Acting { requested, .. } => requested.clone(),
        _ => Vec::new(),
    };
    Some(WaitingTurn {
        turn_id,
        input_message_id,
        requested,
        pending,
        expires_at,
    })
}

/// Why a submission was refused. Nothing was stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InteractionError {
    /// The session waits for nothing of this kind (HTTP 409).
    #[error("{0}")]
    NotWaiting(String),
    /// The call was answered already (HTTP 409).
    #[error("{0}")]
    AlreadyAnswered(String),
    /// The submission does not fit what was asked (HTTP 400).
    #[error("{0}")]
    Invalid(String),
}

/// What a valid submission stores.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// Events to append, in order, in one transaction.
    pub events: Vec<EventDraft>,
    /// True when nothing is pending after them (the turn can resume).
    pub resumes: bool,
}

fn completed(
    w: &WaitingTurn,
    call: &ToolCall,
    result: Option<serde_json::Value>,
    error: Option<String>,
) -> EventDraft {
    let ok = error.is_none();
    EventDraft::new(
        ToolCompletedData {
            tool_call_id: call.id.clone(),
            tool_name: call.name.clone(),
            success: ok,
            status: if ok {
                ToolStatus::Success
            } else {
                ToolStatus::Error
            },
            result: if ok {
                let v = result.unwrap_or(serde_json::Value::Null);
                Some(vec![ContentPart::text(
                    serde_json::to_string(&v).unwrap_or_else(|_| "null".into()),
                )])
            } else {
                None
            },
            error,
            duration_ms: None,
            capability_id: None,
        },
        w.context(),
    )
}

/// Checks that ids are unique and answer something of `kind` in the waiting turn.
fn check_ids<'a>(
    w: &WaitingTurn,
    ids: impl Iterator<Item = &'a str>,
    pending_kind: &[&ToolCall],
    what: &str,
) -> Result<(), InteractionError> {
    let mut seen = HashSet::new();
    for id in ids {
        if id.is_empty() {
            return Err(InteractionError::Invalid("tool_call_id is required".into()));
        }
        if !seen.insert(id) {
            return Err(InteractionError::Invalid(format!(
                "tool call {id} appears more than once"
            )));
        }
        if pending_kind.iter().any(|c| c.id == id) {
            continue;
        }
        if w.answered(id) {
            return Err(InteractionError::AlreadyAnswered(format!(
                "tool call {id} was already answered"
            )));
        }
        return Err(InteractionError::Invalid(format!(
            "unknown tool call id {id}: the session waits for {what} of {}",
            pending_kind
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    Ok(())
}

/// Validates `POST …/tool-results` against the waiting turn: every pending client-side call
/// answered once, no unknown or already answered id.
pub fn resolve_tool_results(
    waiting: Option<&WaitingTurn>,
    req: &SubmitToolResultsRequest,
) -> Result<Resolution, InteractionError> {
    let not_waiting =
        || InteractionError::NotWaiting("Session is not waiting for tool results".to_string());
    let w = waiting.ok_or_else(not_waiting)?;
    let input = w.pending_input();
    let pending: Vec<&ToolCall> = w
        .pending
        .iter()
        .filter(|c| input.tool_calls.iter().any(|p| p.id == c.id))
        .collect();
    if pending.is_empty() {
        return Err(not_waiting());
    }
    if req.tool_results.is_empty() {
        return Err(InteractionError::Invalid(
            "tool_results is empty: send one result per pending tool call".into(),
        ));
    }
    check_ids(
        w,
        req.tool_results.iter().map(|r| r.tool_call_id.as_str()),
        &pending,
        "results",
    )?;
    let by_id: HashMap<&str, &ClientToolResult> = req
        .tool_results
        .iter()
        .map(|r| (r.tool_call_id.as_str(), r))
        .collect();
    let missing: Vec<&str> = pending
        .iter()
        .map(|c| c.id.as_str())
        .filter(|id| !by_id.contains_key(id))
        .collect();
    if !missing.is_empty() {
        return Err(InteractionError::Invalid(format!(
            "missing results for tool calls: {} (the model asked for {} and every one needs a result or an error)",
            missing.join(", "),
            pending.len()
        )));
    }
    let mut events = Vec::new();
    let mut answered = HashSet::new();
    for call in &pending {
        let r = by_id[call.id.as_str()];
        if r.result.is_some() && r.error.is_some() {
            return Err(InteractionError::Invalid(format!(
                "tool call {}: give either result or error, not both",
                call.id
            )));
        }
        events.push(completed(w, call, r.result.clone(), r.error.clone()));
        answered.insert(call.id.clone());
    }
    let resumes = w.finish(&mut events, &answered);
    Ok(Resolution { events, resumes })
}

/// Validates `POST …/tool-approvals`: decisions for pending approval calls; pending ones left
/// out are not approved. A rejected call gets its error result at once (the model sees it).
pub fn resolve_tool_approvals(
    waiting: Option<&WaitingTurn>,
    req: &SubmitToolApprovalsRequest,
) -> Result<(Resolution, Vec<ToolApprovalResolution>), InteractionError> {
    let not_waiting =
        || InteractionError::NotWaiting("Session is not waiting for tool approvals".to_string());
    let w = waiting.ok_or_else(not_waiting)?;
    let pending: Vec<&ToolCall> = w
        .pending
        .iter()
        .filter(|c| c.name == APPROVE_TOOL_CALL && c.id.starts_with(APPROVAL_CALL_PREFIX))
        .collect();
    if pending.is_empty() {
        return Err(not_waiting());
    }
    if req.decisions.is_empty() {
        return Err(InteractionError::Invalid(
            "decisions is empty: decide at least one pending approval".into(),
        ));
    }
    check_ids(
        w,
        req.decisions.iter().map(|d| d.tool_call_id.as_str()),
        &pending,
        "approvals",
    )?;
    if let Some(d) = req
        .decisions
        .iter()
        .find(|d| matches!(d.decision, everruns_core::ToolApprovalDecision::Other(_)))
    {
        return Err(InteractionError::Invalid(format!(
            "unknown decision {:?}: use allow, allow_always, reject or reject_always",
            d.decision.as_str()
        )));
    }
    let mut events = Vec::new();
    let mut answered = HashSet::new();
    let mut resolved = Vec::new();
    for call in &pending {
        let decision = req.decisions.iter().find(|d| d.tool_call_id == call.id);
        let approved = decision.is_some_and(|d| d.decision.allows());
        let outcome = decision
            .map(|d| d.decision.as_str().to_string())
            .unwrap_or_else(|| "not_approved".into());
        let tool = arg_str(&call.arguments, "tool");
        let original = arg_str(&call.arguments, "tool_call_id");
        events.push(completed(
            w,
            call,
            Some(serde_json::json!({
                "approved": approved,
                "outcome": outcome,
                "tool": tool,
                "tool_call_id": original,
            })),
            None,
        ));
        answered.insert(call.id.clone());
        if !approved {
            let gated = ToolCall {
                id: original.clone(),
                name: tool.clone(),
                arguments: serde_json::json!({}),
            };
            events.push(completed(
                w,
                &gated,
                None,
                Some(format!(
                    "The user did not approve this call of '{tool}' ({outcome}); it was not run."
                )),
            ));
        }
        resolved.push(ToolApprovalResolution {
            tool_call_id: call.id.clone(),
            tool,
            outcome,
        });
    }
    let resumes = w.finish(&mut events, &answered);
    Ok((Resolution { events, resumes }, resolved))
}

/// Validates `POST …/question-answers` against the pending `ask_user` question set: every
/// question answered once, selections among the options asked, one selection for
/// single-select questions. Returns the answers in question order.
pub fn resolve_question_answers(
    waiting: Option<&WaitingTurn>,
    req: &QuestionAnswersRequest,
) -> Result<(Resolution, String, Vec<QuestionAnswer>), InteractionError> {
    let not_waiting =
        || InteractionError::NotWaiting("Session is not waiting for question answers".to_string());
    let w = waiting.ok_or_else(not_waiting)?;
    let pending: Vec<&ToolCall> = w.pending.iter().filter(|c| c.name == ASK_USER).collect();
    if pending.is_empty() {
        if let Some(id) = &req.tool_call_id {
            if w.answered(id) {
                return Err(InteractionError::AlreadyAnswered(format!(
                    "question set {id} was already answered"
                )));
            }
        }
        return Err(not_waiting());
    }
    let call = match &req.tool_call_id {
        Some(id) => {
            check_ids(w, std::iter::once(id.as_str()), &pending, "answers")?;
            pending
                .iter()
                .find(|c| &c.id == id)
                .copied()
                .expect("checked")
        }
        None if pending.len() == 1 => pending[0],
        None => {
            return Err(InteractionError::Invalid(
                "several question sets are pending: name one with tool_call_id".into(),
            ))
        }
    };
    let questions = questions_of(&call.arguments);
    let answers = match req.status {
        QuestionAnswerStatus::Answered => validate_answers(&questions, &req.answers)?,
        QuestionAnswerStatus::Declined => Vec::new(),
        QuestionAnswerStatus::Other(ref s) => {
            return Err(InteractionError::Invalid(format!(
                "unknown status {s:?}: use answered or declined"
            )))
        }
    };
    let mut events = vec![completed(
        w,
        call,
        Some(serde_json::json!({
            "status": req.status.as_str(),
            "answered_by": "user",
            "answers": answers,
        })),
        None,
    )];
    let answered = HashSet::from([call.id.clone()]);
    let resumes = w.finish(&mut events, &answered);
    Ok((Resolution { events, resumes }, call.id.clone(), answers))
}

fn validate_answers(
    questions: &[Question],
    submitted: &[QuestionAnswer],
) -> Result<Vec<QuestionAnswer>, InteractionError> {
    let bad = |m: String| Err(InteractionError::Invalid(m));
    for a in submitted {
        if !questions.iter().any(|q| q.id == a.id) {
            return bad(format!("no question with id {:?} was asked", a.id));
        }
    }
    let mut out = Vec::with_capacity(questions.len());
    for q in questions {
        let matching: Vec<&QuestionAnswer> = submitted.iter().filter(|a| a.id == q.id).collect();
        if matching.len() > 1 {
            return bad(format!("question {:?} was answered more than once", q.id));
        }
        let Some(a) = matching.first() else {
            return bad(format!("question {:?} was not answered", q.id));
        };
        for label in &a.selected {
            if !q.options.iter().any(|o| &o.label == label) {
                return bad(format!(
                    "question {:?} has no option {label:?} (options: {})",
                    q.id,
                    q.options
                        .iter()
                        .map(|o| o.label.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
        if !q.multi_select && a.selected.len() > 1 {
            return bad(format!(
                "question {:?} is single-select and got {} selections",
                q.id,
                a.selected.len()
            ));
        }
        let other = a
            .other_text
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_string);
        if other.is_some() && !q.options.is_empty() && !q.allow_other {
            return bad(format!("question {:?} does not accept free text", q.id));
        }
        if a.selected.is_empty() && other.is_none() {
            return bad(format!(
                "question {:?} has no selection and no free text",
                q.id
            ));
        }
        out.push(QuestionAnswer {
            id: q.id.clone(),
            selected: a.selected.clone(),
            other_text: other,
        });
    }
    Ok(out)
}

impl TurnEngine {
    /// Ends a wait past its limit: the unanswered calls get `timeout` results, then
    /// `turn.failed` (`error_code: tool_results_timeout`) and `session.idled`.
    pub(crate) async fn expire_wait(
        &self,
        request: &TurnRequest,
        backends: &RuntimeBackends,
        pending: Vec<ToolCall>,
        log: &mut TurnLog,
    ) -> Result<(), RuntimeError> {
        let ctx = self.context(request, None);
        let limit = self.config.tool_results_timeout.as_secs();
        for c in &pending {
            self.emit(
                request,
                backends,
                &ctx,
                ToolCompletedData {
                    tool_call_id: c.id.clone(),
                    tool_name: c.name.clone(),
                    success: false,
                    status: ToolStatus::Timeout,
                    result: None,
                    error: Some(format!(
                        "No answer arrived for this call within the wait limit ({limit} s)."
                    )),
                    duration_ms: None,
                    capability_id: None,
                },
            )
            .await?;
        }
        let names: Vec<&str> = pending.iter().map(|c| c.id.as_str()).collect();
        self.complete(
            request,
            backends,
            TurnEnd::Failed {
                error: format!(
                    "The turn waited {limit} s for tool results ({}) and timed out.",
                    names.join(", ")
                ),
                error_code: TOOL_RESULTS_TIMEOUT.into(),
            },
            log,
        )
        .await
    }
}

/// The turn that took in the user message `input_message_id` by steering (`turn.steered`),
/// if any. A host does not run the message's own queued turn then: its text was answered by
/// the turn that was running when it arrived.
pub fn steered_into(events: &[Event], input_message_id: &str) -> Option<String> {
    events.iter().find_map(|e| {
        if e.event_type != everruns_core::event_types::TURN_STEERED {
            return None;
        }
        let taken = e.data["input_message_ids"]
            .as_array()?
            .iter()
            .any(|id| id.as_str() == Some(input_message_id));
        if taken {
            e.turn_id().map(str::to_string)
        } else {
            None
        }
    })
}
