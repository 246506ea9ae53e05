//! Sessions (S1–S6), messages (MS1–MS2), events (E1) and the dev-only llmsim script route.

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use everruns_core::event_types;
use everruns_core::ids::{self, IdKind};
use everruns_core::{
    CancelStatus, CancelTurnResponse, ContentPart, CreateMessageRequest, CreateSessionRequest,
    ErrorResponse, ListResponse, LlmSimScript, Message, MessageRole, Page, Session,
    UpdateSessionRequest,
};

use super::validate;
use crate::error::{ApiError, ApiResult};
use crate::store::now;
use crate::util::{check_id, check_len, origin, page_urls, ApiJson, Qs};
use crate::worker::CancelOutcome;
use crate::App;

/// Largest text of one message.
pub const MAX_MESSAGE_BYTES: usize = 1024 * 1024;

pub(crate) use crate::service::sessions::{load, not_found};

fn with_url(app: &App, headers: &HeaderMap, mut s: Session) -> Session {
    crate::links::session(app, headers, &mut s);
    s
}

/// S1: create a session.
#[utoipa::path(post, path = "/api/v1/sessions", tag = "sessions",
    request_body = CreateSessionRequest,
    responses((status = 201, body = Session), (status = 400, body = ErrorResponse),
              (status = 404, description = "Agent, harness or model not found", body = ErrorResponse)))]
pub async fn create_session(
    State(app): State<App>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    // An empty body means "all defaults".
    let req: CreateSessionRequest = if body.iter().all(|b| b.is_ascii_whitespace()) {
        CreateSessionRequest::default()
    } else {
        super::json_body(&headers, &body)?
    };
    let stored = crate::service::sessions::create(&app, req, &super::change(&headers)?).await?;
    Ok((StatusCode::CREATED, Json(with_url(&app, &headers, stored))).into_response())
}

/// S2: list sessions (paginated).
#[utoipa::path(get, path = "/api/v1/sessions", tag = "sessions",
    params(everruns_core::ListSessionsParams),
    responses((status = 200, body = Page<Session>), (status = 400, body = ErrorResponse)))]
pub async fn list_sessions(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Json<Page<Session>>> {
    let q = Qs::parse(uri.query());
    let (offset, limit) = q.page()?;
    if let Some(a) = q.get("agent_id") {
        check_id(IdKind::Agent, a)?;
    }
    let (items, total) = app
        .store
        .list_sessions(q.get("agent_id"), q.get("search"), offset, limit)
        .await?;
    let base = format!("{}/api/v1/sessions", origin(&app.config, &headers));
    let (next_url, prev_url) = page_urls(&base, &q, offset, limit, total);
    Ok(Json(Page {
        data: items
            .into_iter()
            .map(|s| with_url(&app, &headers, s))
            .collect(),
        total,
        offset,
        limit,
        next_url,
        prev_url,
    }))
}

/// S3: one session.
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}", tag = "sessions",
    params(("session_id" = String, Path, description = "`session_…` id")),
    responses((status = 200, body = Session), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn get_session(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Session>> {
    let mut s = load(&app, &id).await?;
    crate::interaction::attach_pending(&app, &mut s).await?;
    Ok(Json(with_url(&app, &headers, s)))
}

/// S4: update title, locale or tags.
#[utoipa::path(patch, path = "/api/v1/sessions/{session_id}", tag = "sessions",
    params(("session_id" = String, Path, description = "`session_…` id")),
    request_body = UpdateSessionRequest,
    responses((status = 200, body = Session), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn update_session(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<UpdateSessionRequest>,
) -> ApiResult<Json<Session>> {
    let mut s = load(&app, &id).await?;
    if let Some(t) = req.title {
        check_len("title", &t, validate::MAX_NAME_BYTES)?;
        s.title = Some(t);
    }
    if let Some(l) = req.locale {
        check_len("locale", &l, 64)?;
        s.locale = Some(l);
    }
    if let Some(tags) = req.tags {
        validate::lists(&tags, &[], &[], &[])?;
        s.tags = tags;
    }
    s.updated_at = now();
    app.store.update_session_doc(&s).await?;
    let stored = app
        .store
        .get_session(&id)
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(with_url(&app, &headers, stored)))
}

/// S5: delete a session with its events and files.
#[utoipa::path(delete, path = "/api/v1/sessions/{session_id}", tag = "sessions",
    params(("session_id" = String, Path, description = "`session_…` id")),
    responses((status = 204, description = "Deleted"), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn delete_session(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    load(&app, &id).await?;
    if app.worker.running_turn(&id).is_some() {
        let _ = app.worker.cancel(&id).await;
    }
    app.store.delete_session(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// S6: cancel the running turn (body may be empty, `{}` or `null`).
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/cancel", tag = "sessions",
    params(("session_id" = String, Path, description = "`session_…` id")),
    responses((status = 200, body = CancelTurnResponse),
              (status = 400, description = "`not_active`: no turn is running", body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn cancel(
    State(app): State<App>,
    Path(id): Path<String>,
    body: Bytes,
) -> ApiResult<Json<CancelTurnResponse>> {
    load(&app, &id).await?;
    let trimmed = std::str::from_utf8(&body).unwrap_or("x").trim();
    if !(trimmed.is_empty() || trimmed == "null" || trimmed == "{}") {
        match serde_json::from_str::<serde_json::Value>(trimmed) {
            Ok(serde_json::Value::Object(_)) => {}
            _ => {
                return Err(ApiError::bad_request(
                    "invalid_json",
                    "The cancel body must be empty, `{}` or `null`.",
                ))
            }
        }
    }
    match app.worker.cancel(&id).await? {
        CancelOutcome::Cancelled(turn_id) => Ok(Json(CancelTurnResponse {
            status: CancelStatus::Cancelled,
            message: "The turn was cancelled.".into(),
            turn_id: Some(turn_id),
        })),
        CancelOutcome::NotActive => Err(ApiError::bad_request(
            "not_active",
            format!("Session {id} has no running turn to cancel."),
        )),
    }
}

/// MS1: send a user message (stores `input.message` and queues a turn; returns at once).
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/messages", tag = "messages",
    params(("session_id" = String, Path, description = "`session_…` id")),
    request_body = CreateMessageRequest,
    responses((status = 201, body = Message), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn create_message(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<CreateMessageRequest>,
) -> ApiResult<Response> {
    load(&app, &id).await?;
    if req.message.role != MessageRole::User {
        return Err(ApiError::invalid(format!(
            "Only `user` messages can be sent, got role {:?}.",
            req.message.role.as_str()
        )));
    }
    if req.message.content.is_empty() {
        return Err(ApiError::invalid(
            "A message needs at least one content part.",
        ));
    }
    let mut size = 0usize;
    for p in &req.message.content {
        match p {
            ContentPart::Text { text } => size += text.len(),
            ContentPart::Image { base64, url, .. } => {
                if base64.is_none() && url.is_none() {
                    return Err(ApiError::invalid("An image part needs `base64` or `url`."));
                }
                size += base64.as_ref().map_or(0, |b| b.len());
            }
            ContentPart::ImageFile { .. } => {}
            other => {
                let kind = other
                    .to_value()
                    .get("type")
                    .and_then(|t| t.as_str().map(str::to_string))
                    .unwrap_or_else(|| "unknown".into());
                return Err(ApiError::invalid(format!(
                    "User messages may only contain text, image and image_file parts, got {kind:?}."
                )));
            }
        }
    }
    if size > app.config.max_body_bytes.min(MAX_MESSAGE_BYTES * 8) {
        return Err(ApiError::too_large("The message content is too large."));
    }
    if let Some(m) = req.controls.as_ref().and_then(|c| c.model_id.as_ref()) {
        validate::model_exists(&app, m).await?;
    }
    validate::lists(&req.tags, &[], &[], &[])?;
    let message = Message {
        id: ids::new_id(IdKind::Message),
        role: MessageRole::User,
        content: req.message.content,
        created_at: now(),
        session_id: Some(id.clone()),
        sequence: None,
        controls: req.controls,
        metadata: req.metadata,
        tags: req.tags.clone(),
    };
    let (stored, _turn) = app.store.enqueue_message(&id, message, req.tags).await?;
    app.worker.wake();
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

/// MS2: the session's messages (derived from its events).
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/messages", tag = "messages",
    params(("session_id" = String, Path, description = "`session_…` id")),
    responses((status = 200, body = ListResponse<Message>), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn list_messages(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Json<ListResponse<Message>>> {
    load(&app, &id).await?;
    let events = app.store.all_events(&id).await?;
    Ok(Json(ListResponse::new(
        everruns_runtime::messages_from_events(&events),
    )))
}

/// Validates `types`/`exclude` filters: known types only, at most 25 each.
pub(crate) fn filters(q: &Qs) -> ApiResult<(Vec<String>, Vec<String>)> {
    let mut out = Vec::new();
    for key in ["types", "exclude"] {
        let vals = q.all(key);
        if vals.len() > event_types::MAX_FILTER_VALUES {
            return Err(ApiError::bad_request(
                "too_many_filters",
                format!(
                    "Too many `{key}` values: {} given, at most {} allowed.",
                    vals.len(),
                    event_types::MAX_FILTER_VALUES
                ),
            ));
        }
        for v in &vals {
            if !event_types::is_known(v) {
                return Err(ApiError::bad_request(
                    "unknown_event_type",
                    format!(
                        "Unknown event type {v:?} in `{key}` (use repeated keys, one type each)."
                    ),
                ));
            }
        }
        out.push(vals);
    }
    let exclude = out.pop().unwrap_or_default();
    let types = out.pop().unwrap_or_default();
    Ok((types, exclude))
}

/// Resolves a `since_id` cursor to its sequence (docs/decisions.md#15).
pub(crate) async fn cursor(app: &App, session_id: &str, since_id: &str) -> ApiResult<i64> {
    check_id(IdKind::Event, since_id)?;
    app.store
        .event_sequence(session_id, since_id)
        .await?
        .ok_or_else(|| {
            ApiError::bad_request(
                "unknown_cursor",
                format!("Event {since_id} is not part of session {session_id}; it cannot be used as a cursor."),
            )
        })
}

/// Dev only: set the session's llmsim script (404 unless the server runs with `--dev`).
#[utoipa::path(put, path = "/api/v1/sessions/{session_id}/llmsim", tag = "dev",
    params(("session_id" = String, Path, description = "`session_…` id")),
    request_body = LlmSimScript,
    description = "Development mode only (`--dev`): sets the deterministic LLM simulator's \
                   script for this session and resets its position. Answers 404 when the \
                   server does not run in dev mode.",
    responses((status = 200, body = LlmSimScript), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn put_llmsim(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(script): ApiJson<LlmSimScript>,
) -> ApiResult<Json<LlmSimScript>> {
    if !app.config.dev {
        return Err(ApiError::not_found(
            "not_found",
            "This route exists only in dev mode (start the server with --dev).",
        ));
    }
    load(&app, &id).await?;
    if script.steps.len() > 10_000 {
        return Err(ApiError::bad_request(
            "limit_exceeded",
            "Input exceeds allowed limits: at most 10000 script steps.",
        ));
    }
    validate::llmsim_script(&script)?;
    app.store.set_llmsim_script(&id, Some(&script)).await?;
    Ok(Json(script))
}
