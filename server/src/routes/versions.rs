//! Agent versions (list, get, save, set default, diff, fork, rollback), `copy` and `stats`.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use everruns_core::{
    Agent, AgentVersion, AgentVersionDiffResponse, CreateAgentVersionRequest, ErrorResponse,
    ForkAgentVersionRequest, ResourceStats, RollbackAgentVersionRequest,
    SetDefaultAgentVersionRequest,
};

use super::agents::respond;
use super::change;
use crate::error::ApiResult;
use crate::service::{agent_history, agents, versions};
use crate::util::ApiJson;
use crate::App;

const AGENT: &str = "`agent_…` id or slug name";
const VERSION: &str = "`agentver_…` id";

/// List an agent's versions, newest first.
#[utoipa::path(get, path = "/api/v1/agents/{agent_id}/versions", tag = "agents",
    params(("agent_id" = String, Path, description = AGENT)),
    responses((status = 200, body = Vec<AgentVersion>), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn list_versions(
    State(app): State<App>,
    Path(key): Path<String>,
) -> ApiResult<Json<Vec<AgentVersion>>> {
    let mut agent = agents::find(&app, &key).await?;
    versions::default_version(&app, &mut agent).await?;
    let mut list = app.store.list_agent_versions(&agent.id).await?;
    versions::mark_default(&agent, &mut list);
    Ok(Json(list))
}

/// Save the agent's current configuration as a new version.
#[utoipa::path(post, path = "/api/v1/agents/{agent_id}/versions", tag = "agents",
    params(("agent_id" = String, Path, description = AGENT),
           ("Everruns-Change-Reason" = Option<String>, Header, description = "Why (percent-encoded UTF-8), stored with the version")),
    request_body = CreateAgentVersionRequest,
    responses((status = 201, body = AgentVersion), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn create_version(
    State(app): State<App>,
    Path(key): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let req: CreateAgentVersionRequest = if body.iter().all(u8::is_ascii_whitespace) {
        CreateAgentVersionRequest::default()
    } else {
        super::json_body(&headers, &body)?
    };
    let v = agent_history::create_version(&app, &key, req, &change(&headers)?).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// One version of an agent.
#[utoipa::path(get, path = "/api/v1/agents/{agent_id}/versions/{version_id}", tag = "agents",
    params(("agent_id" = String, Path, description = AGENT),
           ("version_id" = String, Path, description = VERSION)),
    responses((status = 200, body = AgentVersion), (status = 400, body = ErrorResponse),
              (status = 404, description = "Unknown agent, or no such version of this agent", body = ErrorResponse)))]
pub async fn get_version(
    State(app): State<App>,
    Path((key, version_id)): Path<(String, String)>,
) -> ApiResult<Json<AgentVersion>> {
    let agent = agents::find(&app, &key).await?;
    let mut v = versions::load(&app, &agent.id, &version_id).await?;
    versions::mark_default(&agent, std::slice::from_mut(&mut v));
    Ok(Json(v))
}

/// Make a version the agent's default: its configuration becomes the agent's, and new
/// sessions record and run it.
#[utoipa::path(post, path = "/api/v1/agents/{agent_id}/versions/default", tag = "agents",
    params(("agent_id" = String, Path, description = AGENT)),
    request_body = SetDefaultAgentVersionRequest,
    responses((status = 200, body = Agent), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn set_default_version(
    State(app): State<App>,
    Path(key): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<SetDefaultAgentVersionRequest>,
) -> ApiResult<Response> {
    let a = agent_history::set_default(&app, &key, &req.version_id, &change(&headers)?).await?;
    respond(&app, &headers, a, false).await
}

/// The fields that differ between two versions of one agent.
#[utoipa::path(get, path = "/api/v1/agents/{agent_id}/versions/{from_version_id}/diff/{to_version_id}", tag = "agents",
    params(("agent_id" = String, Path, description = AGENT),
           ("from_version_id" = String, Path, description = VERSION),
           ("to_version_id" = String, Path, description = VERSION)),
    responses((status = 200, body = AgentVersionDiffResponse), (status = 400, body = ErrorResponse),
              (status = 404, description = "A version is unknown or another agent's", body = ErrorResponse)))]
pub async fn diff_versions(
    State(app): State<App>,
    Path((key, from, to)): Path<(String, String, String)>,
) -> ApiResult<Json<AgentVersionDiffResponse>> {
    let agent = agents::find(&app, &key).await?;
    let a = versions::load(&app, &agent.id, &from).await?;
    let b = versions::load(&app, &agent.id, &to).await?;
    Ok(Json(versions::diff(&a, &b)))
}

/// A new agent from a version (its configuration under a new name).
#[utoipa::path(post, path = "/api/v1/agents/{agent_id}/versions/{version_id}/fork", tag = "agents",
    params(("agent_id" = String, Path, description = AGENT),
           ("version_id" = String, Path, description = VERSION)),
    request_body = ForkAgentVersionRequest,
    responses((status = 201, body = Agent), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn fork_version(
    State(app): State<App>,
    Path((key, version_id)): Path<(String, String)>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<ForkAgentVersionRequest>,
) -> ApiResult<Response> {
    let a = agent_history::fork(&app, &key, &version_id, req, &change(&headers)?).await?;
    respond(&app, &headers, a, true).await
}

/// Restore the agent from a version (recorded as a new `rollback` version unless
/// `save_version` is false).
#[utoipa::path(post, path = "/api/v1/agents/{agent_id}/versions/{version_id}/rollback", tag = "agents",
    params(("agent_id" = String, Path, description = AGENT),
           ("version_id" = String, Path, description = VERSION)),
    request_body = RollbackAgentVersionRequest,
    responses((status = 200, body = Agent), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn rollback_version(
    State(app): State<App>,
    Path((key, version_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> ApiResult<Response> {
    let req: RollbackAgentVersionRequest = if body.iter().all(u8::is_ascii_whitespace) {
        RollbackAgentVersionRequest::default()
    } else {
        super::json_body(&headers, &body)?
    };
    let a = agent_history::rollback(&app, &key, &version_id, req, &change(&headers)?).await?;
    respond(&app, &headers, a, false).await
}

/// Copy an agent (same configuration, name `NAME-copy`).
#[utoipa::path(post, path = "/api/v1/agents/{agent_id}/copy", tag = "agents",
    params(("agent_id" = String, Path, description = AGENT)),
    responses((status = 201, body = Agent), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn copy_agent(
    State(app): State<App>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    let a = agent_history::copy(&app, &key, &change(&headers)?).await?;
    respond(&app, &headers, a, true).await
}

/// Aggregates over the agent's sessions and turns.
#[utoipa::path(get, path = "/api/v1/agents/{agent_id}/stats", tag = "agents",
    params(("agent_id" = String, Path, description = AGENT)),
    responses((status = 200, body = ResourceStats), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn agent_stats(
    State(app): State<App>,
    Path(key): Path<String>,
) -> ApiResult<Json<ResourceStats>> {
    let agent = agents::find(&app, &key).await?;
    Ok(Json(app.store.agent_stats(&agent.id).await?))
}

/// The version routes, merged into `/api/v1`.
pub fn routes() -> axum::Router<App> {
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/agents/{agent}/versions",
            get(list_versions).post(create_version),
        )
        .route(
            "/agents/{agent}/versions/default",
            post(set_default_version),
        )
        .route("/agents/{agent}/versions/{version}", get(get_version))
        .route(
            "/agents/{agent}/versions/{from}/diff/{to}",
            get(diff_versions),
        )
        .route(
            "/agents/{agent}/versions/{version}/fork",
            post(fork_version),
        )
        .route(
            "/agents/{agent}/versions/{version}/rollback",
            post(rollback_version),
        )
        .route("/agents/{agent}/copy", post(copy_agent))
        .route("/agents/{agent}/stats", get(agent_stats))
}

/// The OpenAPI paths of these routes (merged into the document).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(
        list_versions,
        create_version,
        get_version,
        set_default_version,
        diff_versions,
        fork_version,
        rollback_version,
        copy_agent,
        agent_stats
    ),
    components(schemas(
        everruns_core::ConfigFieldChange,
        everruns_core::AgentVersionChangeKind
    ))
)]
pub struct VersionsDoc;
