//! Operations on an agent's history: save a version, set the default, roll back, fork a
//! version into a new agent, copy an agent.

use everruns_core::ids::{self, IdKind};
use everruns_core::slug;
use everruns_core::{
    Agent, AgentVersion, AgentVersionChangeKind, CreateAgentVersionRequest,
    ForkAgentVersionRequest, ResourceStatus, RollbackAgentVersionRequest,
};

use super::versions::{self, VersionNote};
use super::{agents, Change};
use crate::error::{ApiError, ApiResult};
use crate::routes::validate;
use crate::store::now;
use crate::App;

/// Longest version summary, in bytes.
pub const MAX_SUMMARY_BYTES: usize = 4096;

fn check_summary(s: &Option<String>) -> ApiResult<()> {
    match s {
        Some(s) if s.len() > MAX_SUMMARY_BYTES => Err(ApiError::invalid(format!(
            "summary is {} bytes; at most {MAX_SUMMARY_BYTES} are allowed.",
            s.len()
        ))),
        _ => Ok(()),
    }
}

/// Saves the agent's current configuration as a version (always a new one).
pub async fn create_version(
    app: &App,
    key: &str,
    req: CreateAgentVersionRequest,
    change: &Change,
) -> ApiResult<AgentVersion> {
    check_summary(&req.summary)?;
    let kind = req.change_kind.unwrap_or(AgentVersionChangeKind::Manual);
    match kind {
        AgentVersionChangeKind::Manual
        | AgentVersionChangeKind::Patch
        | AgentVersionChangeKind::Minor
        | AgentVersionChangeKind::Major => {}
        other => {
            return Err(ApiError::invalid(format!(
                "change_kind {:?} cannot be given: expected manual, patch, minor or major.",
                other.as_str()
            )))
        }
    }
    let _guard = app.store.lock_agent_writes().await;
    let mut agent = agents::find(app, key).await?;
    let note = VersionNote {
        kind,
        summary: req.summary,
        source_version_id: None,
        change,
        force: true,
    };
    let mut v = versions::record(app, &mut agent, note)
        .await?
        .ok_or_else(|| ApiError::internal("no version was recorded"))?;
    v.is_published = Some(true);
    Ok(v)
}

/// Makes `version_id` the agent's default: its configuration becomes the agent's (the one
/// new sessions run).
pub async fn set_default(
    app: &App,
    key: &str,
    version_id: &str,
    _change: &Change,
) -> ApiResult<Agent> {
    let _guard = app.store.lock_agent_writes().await;
    let agent = agents::find(app, key).await?;
    let v = versions::load(app, &agent.id, version_id).await?;
    let mut a = versions::apply(&agent, &v)?;
    a.default_version_id = Some(v.id.clone());
    app.store.put_agent(&a).await?;
    Ok(a)
}

/// Restores the agent from `version_id`; with `save_version` (default) the restored
/// configuration is recorded as a new `rollback` version.
pub async fn rollback(
    app: &App,
    key: &str,
    version_id: &str,
    req: RollbackAgentVersionRequest,
    change: &Change,
) -> ApiResult<Agent> {
    check_summary(&req.summary)?;
    let _guard = app.store.lock_agent_writes().await;
    let agent = agents::find(app, key).await?;
    let v = versions::load(app, &agent.id, version_id).await?;
    let mut a = versions::apply(&agent, &v)?;
    if req.save_version.unwrap_or(true) {
        let note = VersionNote {
            kind: AgentVersionChangeKind::Rollback,
            summary: req.summary,
            source_version_id: Some(v.id.clone()),
            change,
            force: true,
        };
        versions::record(app, &mut a, note).await?;
    } else {
        a.default_version_id = Some(v.id.clone());
        app.store.put_agent(&a).await?;
    }
    Ok(a)
}

async fn create_from(
    app: &App,
    source: &Agent,
    version: Option<&AgentVersion>,
    name: String,
    display_name: Option<String>,
    description: Option<String>,
    change: &Change,
) -> ApiResult<Agent> {
    if app.store.get_agent(&name).await?.is_some() {
        return Err(ApiError::conflict(
            "name_conflict",
            format!("Another agent is already named {name:?}."),
        ));
    }
    let base = match version {
        Some(v) => versions::apply(source, v)?,
        None => source.clone(),
    };
    let t = now();
    let mut a = Agent {
        id: ids::new_id(IdKind::Agent),
        name,
        display_name: display_name.or(base.display_name.clone()),
        description: description.or(base.description.clone()),
        status: ResourceStatus::Active,
        created_at: t,
        updated_at: t,
        archived_at: None,
        usage: None,
        session_count: None,
        self_url: None,
        default_version_id: None,
        forked_from_agent_id: Some(source.id.clone()),
        forked_from_version_id: version
            .map(|v| v.id.clone())
            .or(source.default_version_id.clone()),
        ..base
    };
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
    app.store.put_agent(&a).await?;
    let note = VersionNote {
        kind: AgentVersionChangeKind::Fork,
        summary: None,
        source_version_id: a.forked_from_version_id.clone(),
        change,
        force: true,
    };
    versions::record(app, &mut a, note).await?;
    Ok(a)
}

/// A new agent from a version of another (its configuration, a new name).
pub async fn fork(
    app: &App,
    key: &str,
    version_id: &str,
    req: ForkAgentVersionRequest,
    change: &Change,
) -> ApiResult<Agent> {
    let (name, display) = slug::resolve_name(req.name.trim(), req.display_name.as_deref())
        .map_err(|e| ApiError::bad_request("invalid_name", e.to_string()))?;
    let _guard = app.store.lock_agent_writes().await;
    let source = agents::find(app, key).await?;
    let v = versions::load(app, &source.id, version_id).await?;
    create_from(
        app,
        &source,
        Some(&v),
        name,
        display,
        req.description,
        change,
    )
    .await
}

/// A copy of an agent under the first free name `NAME-copy`, `NAME-copy-2`, …
pub async fn copy(app: &App, key: &str, change: &Change) -> ApiResult<Agent> {
    let _guard = app.store.lock_agent_writes().await;
    let source = agents::find(app, key).await?;
    let stem: String = source.name.chars().take(50).collect();
    let stem = stem.trim_end_matches('-');
    let mut name = format!("{stem}-copy");
    let mut n = 2;
    while app.store.get_agent(&name).await?.is_some() {
        name = format!("{stem}-copy-{n}");
        n += 1;
    }
    let display = source.display_name.as_ref().map(|d| format!("{d} (copy)"));
    create_from(app, &source, None, name, display, None, change).await
}
