//! Session pins and the JSONL export of a session's events.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use everruns_core::ErrorResponse;

use crate::error::ApiResult;
use crate::service::sessions::load;
use crate::store::EventQuery;
use crate::App;

/// Events read from the store per page of an export: the handler holds at most one page.
pub const EXPORT_PAGE_EVENTS: u32 = 500;

/// Pin a session (idempotent).
#[utoipa::path(put, path = "/api/v1/sessions/{session_id}/pin", tag = "sessions",
    params(("session_id" = String, Path, description = "`session_…` id")),
    responses((status = 204, description = "Pinned"), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn pin(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    load(&app, &id).await?;
    super::change(&headers)?; // a malformed reason is refused like anywhere else
    app.store.set_session_pinned(&id, true).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Unpin a session (idempotent).
#[utoipa::path(delete, path = "/api/v1/sessions/{session_id}/pin", tag = "sessions",
    params(("session_id" = String, Path, description = "`session_…` id")),
    responses((status = 204, description = "Unpinned"), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn unpin(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    load(&app, &id).await?;
    super::change(&headers)?; // a malformed reason is refused like anywhere else
    app.store.set_session_pinned(&id, false).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Every event of the session as JSON Lines (one envelope per line, in sequence order),
/// streamed from the store one page at a time: memory stays constant whatever the size.
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/export", tag = "sessions",
    params(("session_id" = String, Path, description = "`session_…` id")),
    responses((status = 200, description = "JSON Lines: one event envelope per line",
               body = String, content_type = "application/x-ndjson"),
              (status = 400, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn export(State(app): State<App>, Path(id): Path<String>) -> ApiResult<Response> {
    load(&app, &id).await?;
    let filename = format!("attachment; filename=\"{id}.jsonl\"");
    let store = app.store.clone();
    // State: the last sequence sent, or None once the log is exhausted.
    let pages = futures::stream::unfold(Some(0i64), move |after| {
        let store = store.clone();
        let id = id.clone();
        async move {
            let after = after?;
            let q = EventQuery {
                after_sequence: Some(after),
                first: Some(EXPORT_PAGE_EVENTS),
                ..Default::default()
            };
            match store.query_event_rows(&id, &q).await {
                Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
                Ok(rows) if rows.is_empty() => None,
                Ok(rows) => {
                    let last = rows.last().map(|r| r.sequence);
                    let more = rows.len() == EXPORT_PAGE_EVENTS as usize;
                    let mut buf =
                        Vec::with_capacity(rows.iter().map(|r| r.envelope.len() + 1).sum());
                    for r in rows {
                        buf.extend_from_slice(r.envelope.as_bytes());
                        buf.push(b'\n');
                    }
                    Some((Ok(Bytes::from(buf)), last.filter(|_| more)))
                }
            }
        }
    });
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-ndjson".to_string()),
            (header::CONTENT_DISPOSITION, filename),
        ],
        Body::from_stream(pages),
    )
        .into_response())
}

/// The routes of this module, merged into `/api/v1`.
pub fn routes() -> axum::Router<App> {
    use axum::routing::{get, put};
    axum::Router::new()
        .route("/sessions/{session_id}/pin", put(pin).delete(unpin))
        .route("/sessions/{session_id}/export", get(export))
}

/// The OpenAPI paths of these routes.
#[derive(utoipa::OpenApi)]
#[openapi(paths(pin, unpin, export))]
pub struct SessionOpsDoc;
