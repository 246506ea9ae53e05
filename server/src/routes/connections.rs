//! Provider connections (`/v1/user/connections…`, upstream 0.3 names) and session secrets
//! (`/v1/sessions/{id}/storage/secrets`). Keys and secret values are sealed with the server's
//! key ([`crate::crypto`]) before they reach the store, and no answer or log line carries them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use everruns_core::{
    ApiKeyConnectionRequest, BatchSetSecretsRequest, BatchSetSecretsResponse, Connection,
    ErrorResponse, ListResponse,
};
use everruns_runtime::capabilities::storage::{MAX_KEY_LEN, RESERVED_SECRET_PREFIX};
use everruns_runtime::{SessionStorage, StorageNamespace};
use utoipa::OpenApi;

use super::sessions::load;
use crate::crypto::{key_hint, CONNECTION_SCOPE};
use crate::error::{ApiError, ApiResult};
use crate::store::connections::ConnectionRow;
use crate::util::ApiJson;
use crate::App;

/// Providers a connection can be set for: the LLM providers whose turns use it.
pub const CONNECTION_PROVIDERS: &[&str] = &["openai", "anthropic"];
/// Longest API key accepted.
pub const MAX_API_KEY_BYTES: usize = 4096;
/// Most secrets in one `set_secrets` call.
pub const MAX_SECRETS_PER_CALL: usize = 100;
/// Longest secret value.
pub const MAX_SECRET_VALUE_BYTES: usize = 64 * 1024;

/// The OpenAPI part of these routes.
#[derive(OpenApi)]
#[openapi(
    paths(set_connection, list_connections, remove_connection, set_secrets),
    components(schemas(Connection, ApiKeyConnectionRequest, BatchSetSecretsRequest,
                       BatchSetSecretsResponse)),
    tags((name = "connections", description = "Per-provider API keys, encrypted at rest"))
)]
pub struct ConnectionsDoc;

/// The routes (merged into `/api/v1`).
pub fn routes() -> Router<App> {
    Router::new()
        .route("/user/connections", get(list_connections))
        .route(
            "/user/connections/{provider}",
            post(set_connection).delete(remove_connection),
        )
        .route(
            "/sessions/{session_id}/storage/secrets",
            axum::routing::put(set_secrets),
        )
}

fn wire(c: ConnectionRow) -> Connection {
    Connection {
        provider: c.provider,
        connection_type: "api_key".into(),
        key_hint: Some(c.key_hint),
        created_at: c.created_at,
        updated_at: c.updated_at,
        connected_at: Some(c.updated_at),
    }
}

fn check_provider(provider: &str) -> ApiResult<()> {
    if CONNECTION_PROVIDERS.contains(&provider) {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "unknown_provider",
            format!(
                "Unknown provider {provider:?}: connections can be set for {}.",
                CONNECTION_PROVIDERS.join(", ")
            ),
        ))
    }
}

/// Sets (or replaces) the API key of a provider. Turns on that provider's models use it
/// before the server's flags and environment. The key is never returned.
#[utoipa::path(post, path = "/api/v1/user/connections/{provider}", tag = "connections",
    params(("provider" = String, Path, description = "`openai` or `anthropic`")),
    request_body = ApiKeyConnectionRequest,
    responses((status = 200, body = Connection),
              (status = 400, description = "unknown provider, empty or oversized key", body = ErrorResponse),
              (status = 503, description = "`secret_key_missing`: no server key to encrypt with", body = ErrorResponse)))]
pub async fn set_connection(
    State(app): State<App>,
    Path(provider): Path<String>,
    ApiJson(req): ApiJson<ApiKeyConnectionRequest>,
) -> ApiResult<Json<Connection>> {
    check_provider(&provider)?;
    let key = req.api_key.trim();
    if key.is_empty() {
        return Err(ApiError::invalid("`api_key` must not be empty."));
    }
    if key.len() > MAX_API_KEY_BYTES || key.chars().any(char::is_control) {
        return Err(ApiError::invalid(format!(
            "`api_key` must be at most {MAX_API_KEY_BYTES} bytes without control characters."
        )));
    }
    let sealed = app.sealer.seal(CONNECTION_SCOPE, &provider, key)?;
    let row = app
        .store
        .set_connection(&provider, &sealed, &key_hint(key))
        .await?;
    tracing::info!(%provider, "connection set");
    Ok(Json(wire(row)))
}

/// Every connection (provider, times and a masked hint; never the key).
#[utoipa::path(get, path = "/api/v1/user/connections", tag = "connections",
    responses((status = 200, body = ListResponse<Connection>)))]
pub async fn list_connections(State(app): State<App>) -> ApiResult<Json<ListResponse<Connection>>> {
    let data = app
        .store
        .list_connections()
        .await?
        .into_iter()
        .map(wire)
        .collect();
    Ok(Json(ListResponse::new(data)))
}

/// Removes a provider's connection: its turns fall back to the server's key.
#[utoipa::path(delete, path = "/api/v1/user/connections/{provider}", tag = "connections",
    params(("provider" = String, Path, description = "`openai` or `anthropic`")),
    responses((status = 204), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn remove_connection(
    State(app): State<App>,
    Path(provider): Path<String>,
) -> ApiResult<StatusCode> {
    check_provider(&provider)?;
    if !app.store.remove_connection(&provider).await? {
        return Err(ApiError::not_found(
            "connection_not_found",
            format!("No connection is set for {provider:?}."),
        ));
    }
    tracing::info!(%provider, "connection removed");
    Ok(StatusCode::NO_CONTENT)
}

/// Stores secrets of a session, encrypted. Only the session's tools read them (the
/// `secret_store` tool of the `session_storage` capability); no answer or event carries them.
#[utoipa::path(put, path = "/api/v1/sessions/{session_id}/storage/secrets", tag = "sessions",
    params(("session_id" = String, Path, description = "`session_…` id")),
    request_body = BatchSetSecretsRequest,
    responses((status = 200, body = BatchSetSecretsResponse),
              (status = 400, description = "empty, reserved or oversized names or values", body = ErrorResponse),
              (status = 404, body = ErrorResponse),
              (status = 503, description = "`secret_key_missing`", body = ErrorResponse)))]
pub async fn set_secrets(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<BatchSetSecretsRequest>,
) -> ApiResult<Json<BatchSetSecretsResponse>> {
    load(&app, &id).await?;
    if req.secrets.len() > MAX_SECRETS_PER_CALL {
        return Err(ApiError::invalid(format!(
            "At most {MAX_SECRETS_PER_CALL} secrets per call."
        )));
    }
    let mut sealed = Vec::with_capacity(req.secrets.len());
    for (name, value) in &req.secrets {
        if name.is_empty() || name.len() > MAX_KEY_LEN || name.chars().any(char::is_control) {
            return Err(ApiError::invalid(format!(
                "Secret names must be 1 to {MAX_KEY_LEN} bytes without control characters: {name:?}."
            )));
        }
        if name.starts_with(RESERVED_SECRET_PREFIX) {
            return Err(ApiError::invalid(format!(
                "Secret names starting with {RESERVED_SECRET_PREFIX:?} are reserved: {name:?}."
            )));
        }
        if value.len() > MAX_SECRET_VALUE_BYTES {
            return Err(ApiError::invalid(format!(
                "Secret {name:?} is over {MAX_SECRET_VALUE_BYTES} bytes."
            )));
        }
        sealed.push((name.clone(), app.sealer.seal(&id, name, value)?));
    }
    for (name, value) in sealed {
        app.store
            .set(&id, StorageNamespace::Secret, &name, value)
            .await
            .map_err(ApiError::internal)?;
    }
    Ok(Json(BatchSetSecretsResponse {
        count: req.secrets.len() as u64,
    }))
}
