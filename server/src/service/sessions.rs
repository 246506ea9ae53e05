//! Session rules: creating a session from an agent (by id or name), a harness and overrides,
//! with its starter files and, in dev mode, the agent's default llmsim script.

use everruns_core::ids::{self, IdKind};
use everruns_core::{CreateSessionRequest, Session, SessionStatus};

use super::Change;
use crate::error::{ApiError, ApiResult};
use crate::routes::validate;
use crate::store::now;
use crate::util::{check_id, check_len};
use crate::App;

/// The 404 of an unknown session.
pub fn not_found(id: &str) -> ApiError {
    ApiError::not_found("session_not_found", format!("Session {id} not found."))
}

/// Validates a session id and loads the session (404 when unknown).
pub async fn load(app: &App, id: &str) -> ApiResult<Session> {
    check_id(IdKind::Session, id)?;
    app.store
        .get_session(id)
        .await?
        .ok_or_else(|| not_found(id))
}

/// Validates a create request, stores the session and initialises it (starter files,
/// llmsim defaults). Returns the stored session.
pub async fn create(app: &App, req: CreateSessionRequest, change: &Change) -> ApiResult<Session> {
    let mut agent = match (&req.agent_id, &req.agent_name) {
        (Some(_), Some(_)) => {
            return Err(ApiError::invalid(
                "Give either agent_id or agent_name, not both.",
            ))
        }
        (Some(id), None) => {
            check_id(IdKind::Agent, id)?;
            Some(
                app.store
                    .get_agent(id)
                    .await?
                    .ok_or_else(|| super::agents::not_found(id))?,
            )
        }
        (None, Some(name)) => Some(
            app.store
                .get_agent(name)
                .await?
                .ok_or_else(|| super::agents::not_found(name))?,
        ),
        (None, None) => None,
    };
    let harness_id = if req.harness_id.is_some() || req.harness_name.is_some() {
        validate::resolve_harness(app, req.harness_id.as_deref(), req.harness_name.as_deref())
            .await?
    } else if let Some(a) = agent.as_ref().filter(|a| !a.harness_id.is_empty()) {
        a.harness_id.clone()
    } else {
        validate::resolve_harness(app, None, None).await?
    };
    let harness = app.store.get_harness(&harness_id).await?.ok_or_else(|| {
        ApiError::not_found(
            "harness_not_found",
            format!("Harness {harness_id} not found."),
        )
    })?;
    if let Some(m) = &req.model_id {
        validate::model_exists(app, m).await?;
    }
    if let Some(t) = &req.title {
        check_len("title", t, validate::MAX_NAME_BYTES)?;
    }
    if let Some(p) = &req.system_prompt {
        check_len("system_prompt", p, validate::MAX_PROMPT_BYTES)?;
    }
    if let Some(m) = req.max_iterations {
        if m == 0 || m > validate::MAX_ITERATIONS {
            return Err(ApiError::invalid(format!(
                "max_iterations must be between 1 and {}, got {m}.",
                validate::MAX_ITERATIONS
            )));
        }
    }
    validate::lists(&req.tags, &req.capabilities, &req.tools, &req.initial_files)?;
    crate::routes::workspaces::check_for_session(app, req.workspace_id.as_deref()).await?;
    let agent_version_id = match agent.as_mut() {
        Some(a) => Some(super::versions::default_version(app, a).await?),
        None => None,
    };
    let id = ids::new_id(IdKind::Session);
    let t = now();
    let session = Session {
        workspace_id: Some(req.workspace_id.clone().unwrap_or_else(|| {
            ids::rekind(&id, IdKind::Session, IdKind::Workspace).expect("valid id")
        })),
        id,
        organization_id: app.store.org_id().to_string(),
        harness_id,
        agent_id: agent.as_ref().map(|a| a.id.clone()),
        title: req.title,
        locale: req.locale,
        model_id: req.model_id,
        system_prompt: req.system_prompt,
        status: SessionStatus::Started,
        tags: req.tags,
        capabilities: req.capabilities,
        tools: req.tools,
        initial_files: req.initial_files,
        max_iterations: req.max_iterations,
        parallel_tool_calls: req.parallel_tool_calls,
        network_access: req.network_access,
        usage: None,
        preview: None,
        output_preview: None,
        created_at: t,
        updated_at: t,
        started_at: None,
        self_url: None,
        view_url: None,
        ui_link: None,
        pending_tool_calls: Vec::new(),
        pending_approvals: Vec::new(),
        pending_questions: Vec::new(),
        agent_version_id,
        is_pinned: false,
    };
    app.store
        .create_session_noted(&session, change.reason.as_deref())
        .await?;
    app.store
        .bind_session_workspace(&session.id, req.workspace_id.as_deref())
        .await?;
    if let Err(e) = app
        .engine
        .initialize_session(&session, agent.as_ref(), &harness, &[], &app.backends)
        .await
    {
        let _ = app.store.delete_session(&session.id).await;
        return Err(ApiError::bad_request(
            "invalid_initial_files",
            format!("The session's starter files could not be created: {e}"),
        ));
    }
    if let Some(script) = agent
        .as_ref()
        .and_then(|a| app.llmsim_defaults.get(&a.name))
    {
        app.store
            .set_llmsim_script(&session.id, Some(script))
            .await?;
    }
    Ok(app.store.get_session(&session.id).await?.unwrap_or(session))
}
