//! The Agent Execution API's answers to a waiting turn: `ask_user` question answers and tool
//! approvals through `/v1/channels/{channel_id}/sessions/{session_id}/…`, for the caller that
//! owns the session. The logic is the management routes' ([`crate::interaction`]).

use axum::extract::{Path, State};
use axum::http::HeaderMap;
use axum::routing::post;
use axum::{Json, Router};
use everruns_core::{
    ErrorResponse, QuestionAnswersRequest, QuestionAnswersResponse, SubmitToolApprovalsRequest,
    SubmitToolApprovalsResponse,
};
use serde_json::Value;

use crate::channels;
use crate::error::ApiResult;
use crate::interaction;
use crate::util::ApiJson;
use crate::App;

const CHANNEL_ID: &str = "`appchan_…` id of the agent's API channel";

/// The routes, merged into the execution routes.
pub fn routes() -> Router<App> {
    Router::new()
        .route(
            "/channels/{channel_id}/sessions/{session_id}/question-answers",
            post(answer_questions),
        )
        .route(
            "/channels/{channel_id}/sessions/{session_id}/tool-approvals",
            post(submit_tool_approvals),
        )
}

/// What a channel caller sees of a waiting turn's needs (upstream's `pending_questions` and
/// `pending_approvals` of a channel session).
pub struct Pending {
    /// `ask_user` question sets awaiting answers.
    pub questions: Vec<Value>,
    /// Tool calls awaiting approval.
    pub approvals: Vec<Value>,
}

/// The pending input of `session_id` (empty when no turn waits).
pub async fn pending(app: &App, session_id: &str) -> ApiResult<Pending> {
    let p = interaction::waiting_turn(app, session_id)
        .await?
        .map(|w| w.pending_input())
        .unwrap_or_default();
    fn values<T: serde::Serialize>(v: Vec<T>) -> Vec<Value> {
        v.into_iter()
            .filter_map(|x| serde_json::to_value(x).ok())
            .collect()
    }
    Ok(Pending {
        questions: values(p.questions),
        approvals: values(p.approvals),
    })
}

/// Answers to the `ask_user` question set the session's turn waits for.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/sessions/{session_id}/question-answers", tag = "agent-execution",
    params(("channel_id" = String, Path, description = CHANNEL_ID),
           ("session_id" = String, Path, description = "`session_…` id")),
    request_body = QuestionAnswersRequest,
    responses((status = 200, body = QuestionAnswersResponse),
              (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
              (status = 404, body = ErrorResponse),
              (status = 409, description = "`not_waiting` or `already_answered`", body = ErrorResponse)),
    security(("agent_key" = [])))]
pub async fn answer_questions(
    State(app): State<App>,
    Path((channel_id, session_id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<QuestionAnswersRequest>,
) -> ApiResult<Json<QuestionAnswersResponse>> {
    let caller = channels::authorize(&app, &channel_id, &headers).await?;
    channels::callers_session(&app, &caller, &session_id).await?;
    Ok(Json(
        interaction::answer_questions(&app, &session_id, &req).await?,
    ))
}

/// Decisions on the session's tool calls waiting for approval.
#[utoipa::path(post, path = "/api/v1/channels/{channel_id}/sessions/{session_id}/tool-approvals", tag = "agent-execution",
    params(("channel_id" = String, Path, description = CHANNEL_ID),
           ("session_id" = String, Path, description = "`session_…` id")),
    request_body = SubmitToolApprovalsRequest,
    responses((status = 200, body = SubmitToolApprovalsResponse),
              (status = 400, body = ErrorResponse), (status = 401, body = ErrorResponse),
              (status = 404, body = ErrorResponse),
              (status = 409, description = "`not_waiting` or `already_answered`", body = ErrorResponse)),
    security(("agent_key" = [])))]
pub async fn submit_tool_approvals(
    State(app): State<App>,
    Path((channel_id, session_id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SubmitToolApprovalsRequest>,
) -> ApiResult<Json<SubmitToolApprovalsResponse>> {
    let caller = channels::authorize(&app, &channel_id, &headers).await?;
    channels::callers_session(&app, &caller, &session_id).await?;
    Ok(Json(
        interaction::submit_tool_approvals(&app, &session_id, &req).await?,
    ))
}

/// The OpenAPI description of these routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(answer_questions, submit_tool_approvals))]
pub struct ChannelInteractionDoc;
