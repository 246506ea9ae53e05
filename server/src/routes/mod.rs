//! The route table.

pub mod agents;
pub mod budgets;
pub mod catalog;
pub mod channel_interaction;
pub mod channels;
pub mod connections;
pub mod events;
pub mod fs;
pub mod interaction;
pub mod memories;
pub mod reason;
pub mod session_ops;
pub mod sessions;
pub mod validate;
pub mod versions;
pub mod workspaces;

use axum::body::Bytes;
use axum::http::{header, HeaderMap, Uri};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;

use crate::error::ApiError;
use crate::App;

pub(crate) use reason::change;

/// Routes under `/api/v1` (authenticated).
pub fn v1_routes() -> Router<App> {
    use fs::*;
    Router::new()
        .route(
            "/agents",
            post(agents::create_agent).get(agents::list_agents),
        )
        .route("/agents/import", post(agents::import_agent))
        .route(
            "/agents/{agent}",
            get(agents::get_agent)
                .put(agents::put_agent)
                .patch(agents::update_agent)
                .delete(agents::delete_agent),
        )
        .route("/agents/{agent}/export", get(agents::export_agent))
        .merge(channels::management_routes())
        .merge(connections::routes())
        .merge(budgets::routes())
        .merge(versions::routes())
        .merge(session_ops::routes())
        .route(
            "/harnesses",
            get(catalog::list_harnesses).post(catalog::create_harness),
        )
        .route(
            "/harnesses/{harness}",
            get(catalog::get_harness)
                .patch(catalog::update_harness)
                .delete(catalog::delete_harness),
        )
        .route("/models", get(catalog::list_models))
        .route("/models/{model}", get(catalog::get_model))
        .route("/capabilities", get(catalog::list_capabilities))
        .route("/capabilities/{capability}", get(catalog::get_capability))
        .route(
            "/sessions",
            post(sessions::create_session).get(sessions::list_sessions),
        )
        .route(
            "/sessions/{session_id}",
            get(sessions::get_session)
                .patch(sessions::update_session)
                .delete(sessions::delete_session),
        )
        .route("/sessions/{session_id}/cancel", post(sessions::cancel))
        .route(
            "/sessions/{session_id}/tool-results",
            post(interaction::submit_tool_results),
        )
        .route(
            "/sessions/{session_id}/tool-approvals",
            post(interaction::submit_tool_approvals),
        )
        .route(
            "/sessions/{session_id}/question-answers",
            post(interaction::answer_questions),
        )
        .route(
            "/sessions/{session_id}/messages",
            post(sessions::create_message).get(sessions::list_messages),
        )
        .route("/sessions/{session_id}/events", get(events::list_events))
        .route("/sessions/{session_id}/sse", get(crate::sse::stream))
        .route("/sessions/{session_id}/llmsim", put(sessions::put_llmsim))
        .route(
            "/sessions/{session_id}/fs",
            get(list_root).post(create_root),
        )
        .route("/sessions/{session_id}/fs/_/move", post(move_file))
        .route("/sessions/{session_id}/fs/_/copy", post(copy_file))
        .route("/sessions/{session_id}/fs/_/grep", post(grep_files))
        .route("/sessions/{session_id}/fs/_/stat", post(stat_file))
        .route(
            "/sessions/{session_id}/fs/_/download/{*path}",
            get(download_path),
        )
        .route(
            "/sessions/{session_id}/fs/{*path}",
            get(get_path)
                .post(create_path)
                .put(update_path)
                .delete(delete_path),
        )
        .route(
            "/workspaces",
            get(workspaces::list_workspaces).post(workspaces::create_workspace),
        )
        .route(
            "/workspaces/{workspace_id}",
            get(workspaces::get_workspace)
                .patch(workspaces::update_workspace)
                .delete(workspaces::delete_workspace),
        )
        .route(
            "/workspaces/{workspace_id}/fs",
            get(ws_list_root).post(create_root),
        )
        .route("/workspaces/{workspace_id}/fs/_/move", post(ws_move_file))
        .route("/workspaces/{workspace_id}/fs/_/copy", post(ws_copy_file))
        .route("/workspaces/{workspace_id}/fs/_/grep", post(ws_grep_files))
        .route("/workspaces/{workspace_id}/fs/_/stat", post(ws_stat_file))
        .route(
            "/workspaces/{workspace_id}/fs/_/download/{*path}",
            get(ws_download_path),
        )
        .route(
            "/workspaces/{workspace_id}/fs/{*path}",
            get(ws_get_path)
                .post(ws_create_path)
                .put(ws_update_path)
                .delete(ws_delete_path),
        )
        .route(
            "/memories",
            get(memories::list_memories).post(memories::create_memory),
        )
        .route(
            "/memories/{memory_id}",
            get(memories::get_memory)
                .patch(memories::update_memory)
                .delete(memories::delete_memory),
        )
        .route("/memories/{memory_id}/sync", post(memories::sync_memory))
        .route(
            "/memories/{memory_id}/fs",
            get(memories::list_root).post(memories::create_root),
        )
        .route(
            "/memories/{memory_id}/fs/_/grep",
            post(memories::grep_files),
        )
        .route("/memories/{memory_id}/fs/_/stat", post(memories::stat_file))
        .route(
            "/memories/{memory_id}/fs/_/download/{*path}",
            get(memories::download_path),
        )
        .route(
            "/memories/{memory_id}/fs/{*path}",
            get(memories::get_path)
                .post(memories::create_path)
                .put(memories::update_path)
                .delete(memories::delete_path),
        )
}

/// Routes without authentication: health, OpenAPI document, HTML docs.
pub fn public_routes() -> Router<App> {
    Router::new()
        .route("/health", get(health))
        .route("/api/health", get(health))
        .route("/api/openapi.json", get(openapi_json))
        .route("/api/docs", get(docs))
}

async fn health() -> Json<serde_json::Value> {
    Json(serde_json::json!({"status": "ok"}))
}

async fn openapi_json() -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        crate::openapi::spec_json(),
    )
        .into_response()
}

/// The HTML API reference built from `openapi/openapi.json` (by `make openapi-docs`).
const DOCS_HTML: &str = include_str!("../../../openapi/index.html");

async fn docs() -> Html<&'static str> {
    Html(DOCS_HTML)
}

/// 404 for unknown routes (hybrid body).
pub async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found("not_found", format!("No route for {}.", uri.path()))
}

/// Decodes a JSON body read as bytes, with the same errors as [`crate::util::ApiJson`].
pub(crate) fn json_body<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, ApiError> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mime = ct
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !(mime == "application/json" || mime.ends_with("+json")) {
        return Err(ApiError::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "Expected a request body with `Content-Type: application/json`.",
        ));
    }
    let mut de = serde_json::Deserializer::from_slice(body);
    match serde_path_to_error_free(&mut de) {
        Ok(v) => Ok(v),
        Err(e) if e.is_syntax() || e.is_eof() => Err(ApiError::bad_request(
            "invalid_json",
            format!("Malformed JSON body: {e}"),
        )),
        Err(e) => Err(ApiError::bad_request(
            "invalid_input",
            format!("Invalid request body: {e}"),
        )),
    }
}

fn serde_path_to_error_free<'de, T: DeserializeOwned>(
    de: &mut serde_json::Deserializer<serde_json::de::SliceRead<'de>>,
) -> Result<T, serde_json::Error> {
    let v = T::deserialize(&mut *de)?;
    de.end()?;
    Ok(v)
}
