//! Agent rules: name resolution and validation, create-or-update (`POST`, `PUT`, import),
//! partial updates and archiving.

use everruns_core::ids::{self, IdKind};
use everruns_core::slug;
use everruns_core::{Agent, CreateAgentRequest, ResourceStatus, UpdateAgentRequest};

use everruns_core::AgentVersionChangeKind;

use super::versions::{self, VersionNote};
use super::Change;
use crate::agent_md;
use crate::error::{ApiError, ApiResult};
use crate::routes::validate;
use crate::store::now;
use crate::util::check_id;
use crate::App;

/// Largest agent file accepted by [`import`] (3 MiB).
pub const MAX_IMPORT_BYTES: usize = 3 * 1024 * 1024;

/// The 404 of an unknown agent.
pub fn not_found(key: &str) -> ApiError {
    ApiError::not_found("agent_not_found", format!("Agent {key} not found."))
}

/// Looks an agent up by id (validated when it looks like one) or by name.
pub async fn find(app: &App, key: &str) -> ApiResult<Agent> {
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

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

/// Validates a create request and creates or replaces the agent. `path_key` is the id or
/// name of `PUT`. Returns the agent and whether it was created.
pub async fn upsert(
    app: &App,
    req: CreateAgentRequest,
    path_key: Option<&str>,
    change: &Change,
) -> ApiResult<(Agent, bool)> {
    upsert_as(app, req, path_key, change, AgentVersionChangeKind::Auto).await
}

/// [`upsert`], recording a version of kind `kind` when the configuration changed.
pub async fn upsert_as(
    app: &App,
    mut req: CreateAgentRequest,
    path_key: Option<&str>,
    change: &Change,
    kind: AgentVersionChangeKind,
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
    crate::routes::memories::check_memory_ids(app, &req.memory_ids).await?;
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
    let mut agent = Agent {
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
        default_version_id: existing.as_ref().and_then(|e| e.default_version_id.clone()),
        forked_from_agent_id: existing
            .as_ref()
            .and_then(|e| e.forked_from_agent_id.clone()),
        forked_from_version_id: existing
            .as_ref()
            .and_then(|e| e.forked_from_version_id.clone()),
    };
    app.store.put_agent(&agent).await?;
    versions::record(app, &mut agent, VersionNote::auto(kind, change)).await?;
    Ok((agent, created))
}

/// Applies a partial update to the agent `key` (id or name).
pub async fn update(
    app: &App,
    key: &str,
    req: UpdateAgentRequest,
    change: &Change,
) -> ApiResult<Agent> {
    let _guard = app.store.lock_agent_writes().await;
    let mut a = find(app, key).await?;
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
        validate::model_exists(app, &v).await?;
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
        crate::routes::memories::check_memory_ids(app, &v).await?;
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
    versions::record(
        app,
        &mut a,
        VersionNote::auto(AgentVersionChangeKind::Auto, change),
    )
    .await?;
    Ok(a)
}

/// Archives the agent `key` (id or name).
pub async fn archive(app: &App, key: &str, change: &Change) -> ApiResult<Agent> {
    let _ = change;
    let _guard = app.store.lock_agent_writes().await;
    let mut a = find(app, key).await?;
    let t = now();
    a.status = ResourceStatus::Archived;
    a.archived_at = Some(t);
    a.updated_at = t;
    app.store.put_agent(&a).await?;
    Ok(a)
}

/// Parses an agent file (Markdown with YAML front matter, YAML, JSON or plain text) and
/// creates or updates the agent it describes.
pub async fn import(app: &App, body: Vec<u8>, change: &Change) -> ApiResult<(Agent, bool)> {
    if body.len() > MAX_IMPORT_BYTES {
        return Err(ApiError::too_large(format!(
            "The agent file is {} bytes; the maximum is {MAX_IMPORT_BYTES}.",
            body.len()
        )));
    }
    let text = String::from_utf8(body)
        .map_err(|_| ApiError::invalid("The agent file is not valid UTF-8 text."))?;
    // Parsing is CPU work (YAML): keep it off the async worker threads.
    let parsed = tokio::task::spawn_blocking(move || agent_md::parse(&text))
        .await
        .map_err(|e| ApiError::internal(format!("agent file parser failed: {e}")))?;
    let req = parsed.map_err(|m| ApiError::bad_request("invalid_agent_file", m))?;
    upsert_as(app, req, None, change, AgentVersionChangeKind::Import).await
}
