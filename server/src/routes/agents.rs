//! Agents (A1–A8).

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use everruns_core::ids::{self, IdKind};
use everruns_core::slug;
use everruns_core::{
    Agent, CreateAgentRequest, ErrorResponse, Page, ResourceStatus, UpdateAgentRequest,
};

use super::validate;
use crate::agent_md;
use crate::error::{ApiError, ApiResult};
use crate::store::now;
use crate::util::{check_id, origin, page_urls, ApiJson, Qs};
use crate::App;

/// Largest import body (3 MiB).
pub const MAX_IMPORT_BYTES: usize = 3 * 1024 * 1024;

pub(crate) fn not_found(key: &str) -> ApiError {
    ApiError::not_found("agent_not_found", format!("Agent {key} not found."))
}

fn with_urls(app: &App, headers: &HeaderMap, mut a: Agent, count: Option<u64>) -> Agent {
    crate::links::agent(app, headers, &mut a);
    if count.is_some() {
        a.session_count = count;
    }
    a
}

/// Looks an agent up by id (validated when it looks like one) or by name.
pub(crate) async fn find(app: &App, key: &str) -> ApiResult<Agent> {
    if key.starts_with("agent_") {
        check_id(IdKind::Agent, key)?;
    } else if !slug::is_valid_slug(key) {
        return Err(ApiError::bad_request(
            "invalid_id",
            format!("Invalid agent id or name {key:?}: expected `agent_` + 32 lowercase hex digits or a slug."),
        ));
    }
    app.store
        .get_agent(key)
        .await?
        .ok_or_else(|| not_found(key))
}

/// Validates a create request and upserts. `path_key` is the id or name of `PUT`.
pub(crate) async fn upsert(
    app: &App,
    mut req: CreateAgentRequest,
    path_key: Option<&str>,
) -> ApiResult<(Agent, bool)> {
    let (name, display) = slug::resolve_name(req.name.trim(), req.display_name.as_deref())
        .map_err(|e| ApiError::bad_request("invalid_name", capital(&e.to_string())))?;
    req.name = name;
    req.display_name = display;
    validate::agent_fields(
        &req.name,
        req.display_name.as_deref(),
        req.description.as_deref(),
        &req.system_prompt,
        &req.tags,
        &req.capabilities,
        &req.tools,
        &req.initial_files,
        req.max_iterations,
    )?;
    if let Some(id) = &req.id {
        check_id(IdKind::Agent, id)?;
    }
    super::memories::check_memory_ids(app, &req.memory_ids).await?;
    let harness_id =
        validate::resolve_harness(app, req.harness_id.as_deref(), req.harness_name.as_deref())
            .await?;
    if let Some(m) = &req.default_model_id {
        validate::model_exists(app, m).await?;
    }
    // Which agent is updated: PUT path (id or name) → body id → body name. Lookups and the
    // write happen under the agent write lock, so concurrent callers see each other's result.
    let _guard = app.store.lock_agent_writes().await;
    let mut existing: Option<Agent> = None;
    let mut forced_id = req.id.clone();
    if let Some(key) = path_key {
        if key.starts_with("agent_") {
            check_id(IdKind::Agent, key)?;
            if let Some(id) = &req.id {
                if id != key {
                    return Err(ApiError::invalid(format!(
                        "The body id {id} does not match the path id {key}."
                    )));
                }
            }
            existing = app.store.get_agent(key).await?;
            forced_id = Some(key.to_string());
        } else {
            if !slug::is_valid_slug(key) {
                return Err(ApiError::bad_request(
                    "invalid_id",
                    format!("Invalid agent id or name {key:?}."),
                ));
            }
            existing = app.store.get_agent(key).await?;
            if let (Some(e), Some(id)) = (&existing, &req.id) {
                if *id != e.id {
                    return Err(ApiError::invalid(format!(
                        "The body id {id} does not match agent {key} ({}).",
                        e.id
                    )));
                }
            }
        }
    }
    if existing.is_none() {
        if let Some(id) = &req.id {
            existing = app.store.get_agent(id).await?;
        }
    }
    if existing.is_none() && forced_id.is_none() {
        existing = app.store.get_agent(&req.name).await?;
    }
    // The id written: the existing agent's, else the path's or the body's.
    let id = existing
        .as_ref()
        .map(|e| e.id.clone())
        .or(forced_id)
        .unwrap_or_else(|| ids::new_id(IdKind::Agent));
    // The name must not belong to another agent.
    if let Some(other) = app.store.get_agent(&req.name).await? {
        if other.id != id {
            return Err(ApiError::conflict(
                "name_conflict",
                format!(
                    "Another agent ({}) is already named {:?}.",
                    other.id, req.name
                ),
            ));
        }
    }
    let t = now();
    let created = existing.is_none();
    let agent = Agent {
        id,
        name: req.name,
        display_name: req.display_name,
        description: req.description,
        system_prompt: req.system_prompt,
        harness_id,
        default_model_id: req.default_model_id,
        status: ResourceStatus::Active,
        tags: req.tags,
        capabilities: req.capabilities,
        tools: req.tools,
        initial_files: req.initial_files,
        max_iterations: req.max_iterations,
        parallel_tool_calls: req.parallel_tool_calls,
        network_access: req.network_access,
        memory_ids: req.memory_ids,
        created_at: existing.as_ref().map(|e| e.created_at).unwrap_or(t),
        updated_at: t,
        archived_at: None,
        usage: existing.as_ref().and_then(|e| e.usage.clone()),
        session_count: None,
        self_url: None,
        view_url: None,
        ui_link: None,
        app_count: None,
    };
    app.store.put_agent(&agent).await?;
    Ok((agent, created))
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

async fn respond(
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
    let (a, created) = upsert(&app, req, None).await?;
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
    let (a, created) = upsert(&app, req, Some(&key)).await?;
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
    let guard = app.store.lock_agent_writes().await;
    let mut a = find(&app, &key).await?;
    if let Some(n) = &req.name {
        let (name, display) = slug::resolve_name(n.trim(), req.display_name.as_deref())
            .map_err(|e| ApiError::bad_request("invalid_name", capital(&e.to_string())))?;
        if let Some(other) = app.store.get_agent(&name).await? {
            if other.id != a.id {
                return Err(ApiError::conflict(
                    "name_conflict",
                    format!("Another agent ({}) is already named {name:?}.", other.id),
                ));
            }
        }
        a.name = name;
        if display.is_some() {
            a.display_name = display;
        }
    } else if let Some(d) = req.display_name {
        a.display_name = Some(d);
    }
    if let Some(v) = req.description {
        a.description = Some(v);
    }
    if let Some(v) = req.system_prompt {
        a.system_prompt = v;
    }
    if let Some(v) = req.default_model_id {
        validate::model_exists(&app, &v).await?;
        a.default_model_id = Some(v);
    }
    if let Some(v) = req.tags {
        a.tags = v;
    }
    if let Some(v) = req.capabilities {
        a.capabilities = v;
    }
    if let Some(v) = req.tools {
        a.tools = v;
    }
    if let Some(v) = req.initial_files {
        a.initial_files = v;
    }
    if let Some(v) = req.memory_ids {
        super::memories::check_memory_ids(&app, &v).await?;
        a.memory_ids = v;
    }
    if let Some(v) = req.max_iterations {
        a.max_iterations = Some(v);
    }
    if let Some(v) = req.parallel_tool_calls {
        a.parallel_tool_calls = Some(v);
    }
    if let Some(v) = req.network_access {
        a.network_access = if v.allowed.is_empty() && v.blocked.is_empty() {
            None
        } else {
            Some(v)
        };
    }
    let t = now();
    if let Some(s) = req.status {
        match s {
            ResourceStatus::Active => a.archived_at = None,
            ResourceStatus::Archived | ResourceStatus::Deleted => {
                a.archived_at = a.archived_at.or(Some(t))
            }
            ResourceStatus::Other(o) => {
                return Err(ApiError::invalid(format!(
                    "Unknown status {o:?}: expected active, archived or deleted."
                )))
            }
        }
        a.status = s;
    }
    validate::agent_fields(
        &a.name,
        a.display_name.as_deref(),
        a.description.as_deref(),
        &a.system_prompt,
        &a.tags,
        &a.capabilities,
        &a.tools,
        &a.initial_files,
        a.max_iterations,
    )?;
    a.updated_at = t;
    app.store.put_agent(&a).await?;
    drop(guard);
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
) -> ApiResult<StatusCode> {
    let _guard = app.store.lock_agent_writes().await;
    let mut a = find(&app, &key).await?;
    let t = now();
    a.status = ResourceStatus::Archived;
    a.archived_at = Some(t);
    a.updated_at = t;
    app.store.put_agent(&a).await?;
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
    if body.len() > MAX_IMPORT_BYTES {
        return Err(ApiError::too_large(format!(
            "The agent file is {} bytes; the maximum is {MAX_IMPORT_BYTES}.",
            body.len()
        )));
    }
    if std::str::from_utf8(&body).is_err() {
        return Err(ApiError::invalid("The agent file is not valid UTF-8 text."));
    }
    // Parsing is CPU work (YAML): keep it off the async worker threads.
    let parsed = tokio::task::spawn_blocking(move || {
        agent_md::parse(std::str::from_utf8(&body).unwrap_or_default())
    })
    .await
    .map_err(|e| ApiError::internal(format!("agent file parser failed: {e}")))?;
    let req = parsed.map_err(|m| ApiError::bad_request("invalid_agent_file", m))?;
    let (a, created) = upsert(&app, req, None).await?;
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
