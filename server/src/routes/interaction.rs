//! Routes that answer a waiting turn (upstream 0.3 shapes): client-side tool results, tool
//! approvals and `ask_user` answers. The logic is in [`crate::interaction`].

use axum::extract::{Path, State};
use axum::Json;
use everruns_core::{
    ErrorResponse, QuestionAnswersRequest, QuestionAnswersResponse, SubmitToolApprovalsRequest,
    SubmitToolApprovalsResponse, SubmitToolResultsRequest, SubmitToolResultsResponse,
};

use super::sessions::load;
use crate::error::ApiResult;
use crate::interaction;
use crate::util::ApiJson;
use crate::App;

/// Results of the client-side tool calls a turn waits for (`tool.call_requested`); the turn
/// resumes when every pending call has one.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/tool-results", tag = "sessions",
    params(("session_id" = String, Path, description = "`session_…` id")),
    request_body = SubmitToolResultsRequest,
    responses((status = 200, body = SubmitToolResultsResponse),
              (status = 400, description = "unknown call id, duplicate, or a partial set (names the missing calls)", body = ErrorResponse),
              (status = 404, body = ErrorResponse),
              (status = 409, description = "`not_waiting` (\"Session is not waiting for tool results\") or `already_answered`", body = ErrorResponse)))]
pub async fn submit_tool_results(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SubmitToolResultsRequest>,
) -> ApiResult<Json<SubmitToolResultsResponse>> {
    load(&app, &id).await?;
    Ok(Json(
        interaction::submit_tool_results(&app, &id, &req).await?,
    ))
}

/// Decisions on tool calls waiting for approval (`pending_approvals` of the session).
/// Pending approvals left out are not approved; a rejected call's result is an error the
/// model sees.
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/tool-approvals", tag = "sessions",
    params(("session_id" = String, Path, description = "`session_…` id")),
    request_body = SubmitToolApprovalsRequest,
    responses((status = 200, body = SubmitToolApprovalsResponse),
              (status = 400, body = ErrorResponse), (status = 404, body = ErrorResponse),
              (status = 409, description = "`not_waiting` or `already_answered`", body = ErrorResponse)))]
pub async fn submit_tool_approvals(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<SubmitToolApprovalsRequest>,
) -> ApiResult<Json<SubmitToolApprovalsResponse>> {
    load(&app, &id).await?;
    Ok(Json(
        interaction::submit_tool_approvals(&app, &id, &req).await?,
    ))
}

/// Answers to the `ask_user` question set the turn waits for (`pending_questions`).
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/question-answers", tag = "sessions",
    params(("session_id" = String, Path, description = "`session_…` id")),
    request_body = QuestionAnswersRequest,
    responses((status = 200, body = QuestionAnswersResponse),
              (status = 400, body = ErrorResponse), (status = 404, body = ErrorResponse),
              (status = 409, description = "`not_waiting` or `already_answered`", body = ErrorResponse)))]
pub async fn answer_questions(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<QuestionAnswersRequest>,
) -> ApiResult<Json<QuestionAnswersResponse>> {
    load(&app, &id).await?;
    Ok(Json(interaction::answer_questions(&app, &id, &req).await?))
}
