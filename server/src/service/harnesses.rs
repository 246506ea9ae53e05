//! Harness writes: create, partial update, archive. Built-in harnesses are read-only.

use everruns_core::ids::{self, IdKind};
use everruns_core::slug;
use everruns_core::{CreateHarnessRequest, Harness, ResourceStatus, UpdateHarnessRequest};

use super::Change;
use crate::error::{ApiError, ApiResult};
use crate::routes::validate;
use crate::store::now;
use crate::util::{check_id, check_len};
use crate::App;

/// Deepest parent chain a harness may have.
const MAX_DEPTH: usize = 16;

fn not_found(key: &str) -> ApiError {
    ApiError::not_found("harness_not_found", format!("Harness {key} not found."))
}

/// A harness by id or name (validated), 404 when unknown.
pub async fn find(app: &App, key: &str) -> ApiResult<Harness> {
    if key.starts_with("harness_") {
        check_id(IdKind::Harness, key)?;
    } else if !slug::is_valid_slug(key) && key != "default" {
        return Err(ApiError::bad_request(
            "invalid_id",
            format!("Invalid harness id or name {key:?}."),
        ));
    }
    app.store
        .get_harness(key)
        .await?
        .ok_or_else(|| not_found(key))
}

fn check_name(name: &str) -> ApiResult<()> {
    if !slug::is_valid_slug(name) {
        return Err(ApiError::bad_request(
            "invalid_name",
            format!("Invalid harness name {name:?}: use lowercase letters, digits and single dashes (at most 64)."),
        ));
    }
    Ok(())
}

/// Checks `parent` exists and is not `id` or one of its descendants (no cycles).
async fn check_parent(app: &App, id: &str, parent: &str) -> ApiResult<()> {
    check_id(IdKind::Harness, parent)?;
    let mut cur = Some(parent.to_string());
    let mut depth = 0;
    while let Some(p) = cur.take() {
        if p == id {
            return Err(ApiError::invalid(format!(
                "parent_harness_id {parent} would make a cycle through {id}."
            )));
        }
        depth += 1;
        if depth > MAX_DEPTH {
            return Err(ApiError::invalid(format!(
                "The harness chain is deeper than {MAX_DEPTH}."
            )));
        }
        let h = app
            .store
            .get_harness(&p)
            .await?
            .ok_or_else(|| not_found(&p))?;
        cur = h.parent_harness_id;
    }
    Ok(())
}

async fn check_fields(app: &App, h: &Harness) -> ApiResult<()> {
    check_name(&h.name)?;
    if let Some(d) = &h.display_name {
        check_len("display_name", d, validate::MAX_NAME_BYTES)?;
    }
    if let Some(d) = &h.description {
        check_len("description", d, validate::MAX_PROMPT_BYTES)?;
    }
    if let Some(p) = &h.system_prompt {
        check_len("system_prompt", p, validate::MAX_PROMPT_BYTES)?;
    }
    validate::lists(&h.tags, &h.capabilities, &[], &h.initial_files)?;
    if let Some(m) = &h.default_model_id {
        validate::model_exists(app, m).await?;
    }
    if let Some(p) = &h.parent_harness_id {
        check_parent(app, &h.id, p).await?;
    }
    if let Some(other) = app.store.get_harness(&h.name).await? {
        if other.id != h.id {
            return Err(ApiError::conflict(
                "name_conflict",
                format!(
                    "Another harness ({}) is already named {:?}.",
                    other.id, h.name
                ),
            ));
        }
    }
    Ok(())
}

/// Creates a harness.
pub async fn create(app: &App, req: CreateHarnessRequest, _change: &Change) -> ApiResult<Harness> {
    let t = now();
    let h = Harness {
        id: ids::new_id(IdKind::Harness),
        name: req.name.trim().to_string(),
        display_name: req.display_name,
        description: req.description,
        system_prompt: req.system_prompt,
        capabilities: req.capabilities,
        default_model_id: req.default_model_id,
        initial_files: req.initial_files,
        tags: req.tags,
        is_built_in: false,
        parent_harness_id: req.parent_harness_id,
        parallel_tool_calls: None,
        network_access: req.network_access,
        status: ResourceStatus::Active,
        created_at: t,
        updated_at: t,
        session_count: None,
        app_count: None,
        self_url: None,
        view_url: None,
        ui_link: None,
    };
    let _guard = app.store.lock_agent_writes().await;
    check_fields(app, &h).await?;
    app.store.upsert_harness(&h).await?;
    Ok(h)
}

fn refuse_built_in(h: &Harness) -> ApiResult<()> {
    if h.is_built_in {
        return Err(ApiError::forbidden(
            "built_in_harness",
            format!("Harness {} is built in and cannot be changed; create your own (it may name this one as parent_harness_id).", h.name),
        ));
    }
    Ok(())
}

/// Applies a partial update.
pub async fn update(
    app: &App,
    key: &str,
    req: UpdateHarnessRequest,
    _change: &Change,
) -> ApiResult<Harness> {
    let _guard = app.store.lock_agent_writes().await;
    let mut h = find(app, key).await?;
    refuse_built_in(&h)?;
    if let Some(v) = req.name {
        h.name = v.trim().to_string();
    }
    if let Some(v) = req.system_prompt {
        h.system_prompt = Some(v);
    }
    if let Some(v) = req.display_name {
        h.display_name = Some(v);
    }
    if let Some(v) = req.description {
        h.description = Some(v);
    }
    if let Some(v) = req.default_model_id {
        h.default_model_id = Some(v);
    }
    if let Some(v) = req.capabilities {
        h.capabilities = v;
    }
    if let Some(v) = req.initial_files {
        h.initial_files = v;
    }
    if let Some(v) = req.network_access {
        h.network_access = Some(v);
    }
    if let Some(v) = req.parent_harness_id {
        h.parent_harness_id = Some(v);
    }
    if let Some(v) = req.tags {
        h.tags = v;
    }
    if let Some(s) = req.status {
        if let ResourceStatus::Other(o) = &s {
            return Err(ApiError::invalid(format!(
                "Unknown status {o:?}: expected active, archived or deleted."
            )));
        }
        h.status = s;
    }
    check_fields(app, &h).await?;
    h.updated_at = now();
    app.store.upsert_harness(&h).await?;
    Ok(h)
}

/// Archives a harness (it stays readable by id; lists hide it).
pub async fn archive(app: &App, key: &str, _change: &Change) -> ApiResult<()> {
    let _guard = app.store.lock_agent_writes().await;
    let mut h = find(app, key).await?;
    refuse_built_in(&h)?;
    h.status = ResourceStatus::Archived;
    h.updated_at = now();
    app.store.upsert_harness(&h).await?;
    Ok(())
}
