//! Agents (A1–A8).

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use everruns_core::{Agent, CreateAgentRequest, ErrorResponse, Page, UpdateAgentRequest};

use super::change;
use crate::agent_md;
use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::util::{origin, page_urls, ApiJson, Qs};
use crate::App;

/// Largest import body (3 MiB).
pub const MAX_IMPORT_BYTES: usize = service::agents::MAX_IMPORT_BYTES;

pub(crate) use service::agents::{find, not_found};

fn with_urls(app: &App, headers: &HeaderMap, mut a: Agent, count: Option<u64>) -> Agent {
    crate::links::agent(app, headers, &mut a);
    if count.is_some() {
        a.session_count = count;
    }
    a
}

pub(crate) async fn respond(
    app: &App,
    headers: &HeaderMap,
    agent: Agent,
    created: bool,
) -> ApiResult<Response> {
    let count = app.store.agent_session_count(&agent.id).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(with_urls(app, headers, agent, Some(count)))).into_response())
}

/// A1: create an agent (or update the agent with the same id or name).
#[utoipa::path(post, path = "/api/v1/agents", tag = "agents",
    request_body = CreateAgentRequest,
    responses((status = 201, description = "Created", body = Agent),
              (status = 200, description = "Updated (same id or name)", body = Agent),
              (status = 400, body = ErrorResponse), (status = 404, body = ErrorResponse),
              (status = 409, body = ErrorResponse)))]
pub async fn create_agent(
    State(app): State<App>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateAgentRequest>,
) -> ApiResult<Response> {
    let (a, created) = service::agents::upsert(&app, req, None, &change(&headers)?).await?;
    respond(&app, &headers, a, created).await
}

/// A2: create or replace an agent by id or name.
#[utoipa::path(put, path = "/api/v1/agents/{agent_id_or_name}", tag = "agents",
    params(("agent_id_or_name" = String, Path, description = "`agent_…` id or slug name")),
    request_body = CreateAgentRequest,
    responses((status = 201, description = "Created", body = Agent),
              (status = 200, description = "Updated", body = Agent),
              (status = 400, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn put_agent(
    State(app): State<App>,
    Path(key): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<CreateAgentRequest>,
) -> ApiResult<Response> {
    let (a, created) = service::agents::upsert(&app, req, Some(&key), &change(&headers)?).await?;
    respond(&app, &headers, a, created).await
}

/// A3: list agents (paginated).
#[utoipa::path(get, path = "/api/v1/agents", tag = "agents",
    params(everruns_core::ListAgentsParams),
    responses((status = 200, body = Page<Agent>), (status = 400, body = ErrorResponse)))]
pub async fn list_agents(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Json<Page<Agent>>> {
    let q = Qs::parse(uri.query());
    let (offset, limit) = q.page()?;
    let include_archived = q.bool("include_archived")?.unwrap_or(false);
    let (items, total) = app
        .store
        .list_agents(q.get("search"), include_archived, offset, limit)
        .await?;
    let mut data = Vec::with_capacity(items.len());
    for a in items {
        let c = app.store.agent_session_count(&a.id).await?;
        data.push(with_urls(&app, &headers, a, Some(c)));
    }
    let base = format!("{}/api/v1/agents", origin(&app.config, &headers));
    let (next_url, prev_url) = page_urls(&base, &q, offset, limit, total);
    Ok(Json(Page {
        data,
        total,
        offset,
        limit,
        next_url,
        prev_url,
    }))
}

/// A4: one agent by id or name.
#[utoipa::path(get, path = "/api/v1/agents/{agent_id_or_name}", tag = "agents",
    params(("agent_id_or_name" = String, Path, description = "`agent_…` id or slug name")),
    responses((status = 200, body = Agent), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn get_agent(
    State(app): State<App>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Agent>> {
    let a = find(&app, &key).await?;
    let c = app.store.agent_session_count(&a.id).await?;
    Ok(Json(with_urls(&app, &headers, a, Some(c))))
}

/// A5: partial update.
#[utoipa::path(patch, path = "/api/v1/agents/{agent_id}", tag = "agents",
    params(("agent_id" = String, Path, description = "`agent_…` id or slug name")),
    request_body = UpdateAgentRequest,
    responses((status = 200, body = Agent), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn update_agent(
    State(app): State<App>,
    Path(key): Path<String>,
    headers: HeaderMap,
    ApiJson(req): ApiJson<UpdateAgentRequest>,
) -> ApiResult<Response> {
    let a = service::agents::update(&app, &key, req, &change(&headers)?).await?;
    respond(&app, &headers, a, false).await
}

/// A6: archive an agent.
#[utoipa::path(delete, path = "/api/v1/agents/{agent_id}", tag = "agents",
    params(("agent_id" = String, Path, description = "`agent_…` id or slug name")),
    responses((status = 204, description = "Archived"), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn delete_agent(
    State(app): State<App>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> ApiResult<StatusCode> {
    service::agents::archive(&app, &key, &change(&headers)?).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A7: import an agent file (Markdown with YAML front matter, YAML, JSON or plain text).
#[utoipa::path(post, path = "/api/v1/agents/import", tag = "agents",
    request_body(content = String, content_type = "text/plain",
        description = "Agent file: Markdown with YAML front matter, YAML, JSON or plain text"),
    responses((status = 201, description = "Created", body = Agent),
              (status = 200, description = "Updated (the file's id exists)", body = Agent),
              (status = 400, body = ErrorResponse), (status = 413, body = ErrorResponse)))]
pub async fn import_agent(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    let q = Qs::parse(uri.query());
    if let Some(example) = q.get("from-example") {
        return Err(ApiError::not_found(
            "example_not_found",
            format!("No built-in example named {example:?}."),
        ));
    }
    let (a, created) = service::agents::import(&app, body.to_vec(), &change(&headers)?).await?;
    respond(&app, &headers, a, created).await
}

/// A8: export an agent as Markdown.
#[utoipa::path(get, path = "/api/v1/agents/{agent_id}/export", tag = "agents",
    params(("agent_id" = String, Path, description = "`agent_…` id or slug name")),
    responses((status = 200, description = "Markdown with YAML front matter", body = String,
               content_type = "text/markdown"),
              (status = 400, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn export_agent(State(app): State<App>, Path(key): Path<String>) -> ApiResult<Response> {
    let a = find(&app, &key).await?;
    let md = agent_md::export(&a);
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "text/markdown; charset=utf-8".to_string(),
            ),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{}.md\"", a.name),
            ),
        ],
        md,
    )
        .into_response())
}
