//! Answering a waiting turn: the service functions behind `POST /v1/sessions/{id}/tool-results`,
//! `…/tool-approvals`, `…/question-answers` and the `pending_*` fields of a session. Route
//! handlers (management and channel routes alike) call these; each validates the submission
//! against the waiting turn read from the event log (`everruns_runtime::waiting_turn`),
//! appends the answer events in one transaction and wakes the turn.
//!
//! Submissions for one session are serialised by the store's answer lock (across processes on
//! PostgreSQL), so two concurrent answers cannot both pass validation.

use everruns_core::{
    QuestionAnswersRequest, QuestionAnswersResponse, Session, SubmitToolApprovalsRequest,
    SubmitToolApprovalsResponse, SubmitToolResultsRequest, SubmitToolResultsResponse,
};
use everruns_runtime::{InteractionError, Resolution, WaitingTurn};

use crate::error::{ApiError, ApiResult};
use crate::store::{EventQuery, NewEvent};
use crate::App;

/// The session's turn that waits for its caller, if any. Only an unfinished turn can wait,
/// and only its own events say for what: a session without one costs one indexed lookup, and
/// one with one reads from that turn's input message on, never the whole log.
pub async fn waiting_turn(app: &App, session_id: &str) -> ApiResult<Option<WaitingTurn>> {
    let Some(turn) = app.store.current_turn(session_id).await? else {
        return Ok(None);
    };
    let events = app
        .store
        .query_events(
            session_id,
            &EventQuery {
                after_sequence: Some(turn.input_sequence - 1),
                ..EventQuery::default()
            },
        )
        .await?;
    Ok(everruns_runtime::waiting_turn(&events))
}

/// Fills `pending_tool_calls`, `pending_approvals` and `pending_questions` of a session.
pub async fn attach_pending(app: &App, session: &mut Session) -> ApiResult<()> {
    if let Some(w) = waiting_turn(app, &session.id).await? {
        let p = w.pending_input();
        session.pending_tool_calls = p.tool_calls;
        session.pending_approvals = p.approvals;
        session.pending_questions = p.questions;
    }
    Ok(())
}

fn api_error(e: InteractionError) -> ApiError {
    match e {
        InteractionError::NotWaiting(m) => ApiError::conflict("not_waiting", m),
        InteractionError::AlreadyAnswered(m) => ApiError::conflict("already_answered", m),
        InteractionError::Invalid(m) => ApiError::bad_request("invalid_request", m),
    }
}

/// Appends a resolution's events and, when nothing is pending any more, wakes the turn.
/// Returns the session status after it.
async fn apply(app: &App, session_id: &str, w: &WaitingTurn, r: Resolution) -> ApiResult<String> {
    let events = r
        .events
        .into_iter()
        .map(|d| {
            let (event_type, data) = d.payload.to_wire();
            NewEvent {
                id: None,
                event_type,
                data,
                context: d.context,
                metadata: d.metadata,
                tags: d.tags,
            }
        })
        .collect();
    app.store.append_events(session_id, events).await?;
    if r.resumes {
        app.store.wake_turn(&w.turn_id).await?;
        app.worker.wake();
    }
    let status = app
        .store
        .get_session(session_id)
        .await?
        .map(|s| s.status.as_str().to_string())
        .unwrap_or_default();
    Ok(status)
}

/// `POST …/tool-results`: stores the client-side tool results and resumes the turn.
pub async fn submit_tool_results(
    app: &App,
    session_id: &str,
    req: &SubmitToolResultsRequest,
) -> ApiResult<SubmitToolResultsResponse> {
    let _g = app.store.answer_lock(session_id).await?;
    let w = waiting_turn(app, session_id).await?;
    let r = everruns_runtime::resolve_tool_results(w.as_ref(), req).map_err(api_error)?;
    let w = w.expect("a resolution needs a waiting turn");
    let accepted = req.tool_results.len() as u32;
    let status = apply(app, session_id, &w, r).await?;
    Ok(SubmitToolResultsResponse { accepted, status })
}

/// `POST …/tool-approvals`: records the decisions (a rejected call gets an error result the
/// model sees) and resumes the turn.
pub async fn submit_tool_approvals(
    app: &App,
    session_id: &str,
    req: &SubmitToolApprovalsRequest,
) -> ApiResult<SubmitToolApprovalsResponse> {
    let _g = app.store.answer_lock(session_id).await?;
    let w = waiting_turn(app, session_id).await?;
    let (r, resolved) =
        everruns_runtime::resolve_tool_approvals(w.as_ref(), req).map_err(api_error)?;
    let w = w.expect("a resolution needs a waiting turn");
    let status = apply(app, session_id, &w, r).await?;
    Ok(SubmitToolApprovalsResponse { resolved, status })
}

/// `POST …/question-answers`: answers the pending `ask_user` question set and resumes the
/// turn.
pub async fn answer_questions(
    app: &App,
    session_id: &str,
    req: &QuestionAnswersRequest,
) -> ApiResult<QuestionAnswersResponse> {
    let _g = app.store.answer_lock(session_id).await?;
    let w = waiting_turn(app, session_id).await?;
    let (r, tool_call_id, answers) =
        everruns_runtime::resolve_question_answers(w.as_ref(), req).map_err(api_error)?;
    let w = w.expect("a resolution needs a waiting turn");
    let session_status = apply(app, session_id, &w, r).await?;
    Ok(QuestionAnswersResponse {
        tool_call_id,
        status: req.status.clone(),
        answers,
        session_status,
    })
}
