//! Workspaces as first-class objects (`/v1/workspaces`, upstream's routes and shapes): create
//! with a name and description, list, get, update, delete (= archive). Their files are served
//! by `routes::fs` under `/v1/workspaces/{id}/fs…`. A session created with `workspace_id`
//! works in that workspace, so several sessions share files; a session created without one
//! gets a default workspace whose id is its own re-kinded to `wsp_` (docs/workspaces.md).

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use everruns_core::ids::IdKind;
use everruns_core::{
    CreateWorkspaceRequest, ErrorResponse, ListResponse, UpdateWorkspaceRequest, Workspace,
};

use crate::error::{ApiError, ApiResult};
use crate::store::WorkspaceRow;
use crate::util::{check_id, check_len, ApiJson, Qs};
use crate::App;

use super::validate::{MAX_DESCRIPTION_BYTES, MAX_NAME_BYTES};

/// Longest workspace name (bytes).
const MAX_WORKSPACE_NAME_BYTES: usize = 256;

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("workspace_not_found", format!("Workspace {id} not found."))
}

/// A workspace by id (400 for a malformed id, 404 when unknown).
pub(crate) async fn load(app: &App, id: &str) -> ApiResult<WorkspaceRow> {
    check_id(IdKind::Workspace, id)?;
    app.store
        .get_workspace(id)
        .await?
        .ok_or_else(|| not_found(id))
}

/// Checks the `workspace_id` of a session-create request: it must name an existing, active
/// workspace.
pub(crate) async fn check_for_session(app: &App, workspace_id: Option<&str>) -> ApiResult<()> {
    let Some(id) = workspace_id else {
        return Ok(());
    };
    let w = load(app, id).await?;
    if w.workspace.status != "active" {
        return Err(ApiError::conflict(
            "workspace_archived",
            format!("Workspace {id} is archived; a session cannot be created on it."),
        ));
    }
    Ok(())
}

fn check_name(name: &str) -> ApiResult<()> {
    if name.trim().is_empty() {
        return Err(ApiError::invalid("`name` must not be empty."));
    }
    check_len("name", name, MAX_WORKSPACE_NAME_BYTES.min(MAX_NAME_BYTES))
}

fn check_status(status: &str) -> ApiResult<()> {
    match status {
        "active" | "archived" => Ok(()),
        other => Err(ApiError::invalid(format!(
            "`status` must be \"active\" or \"archived\", got {other:?}."
        ))),
    }
}

/// List workspaces (`search`, `include_archived`).
#[utoipa::path(get, path = "/api/v1/workspaces", tag = "workspaces",
    params(("search" = Option<String>, Query, description = "Substring of name or description"),
           ("include_archived" = Option<bool>, Query, description = "Include archived workspaces")),
    responses((status = 200, body = ListResponse<Workspace>), (status = 400, body = ErrorResponse)))]
pub async fn list_workspaces(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<ListResponse<Workspace>>> {
    let q = Qs::parse(uri.query());
    let include_archived = q.bool("include_archived")?.unwrap_or(false);
    let rows = app
        .store
        .list_workspaces(q.get("search"), include_archived)
        .await?;
    Ok(Json(ListResponse::new(
        rows.into_iter().map(|r| r.workspace).collect(),
    )))
}

/// Create a workspace.
#[utoipa::path(post, path = "/api/v1/workspaces", tag = "workspaces",
    request_body = CreateWorkspaceRequest,
    responses((status = 201, body = Workspace), (status = 400, body = ErrorResponse)))]
pub async fn create_workspace(
    State(app): State<App>,
    ApiJson(req): ApiJson<CreateWorkspaceRequest>,
) -> ApiResult<Response> {
    check_name(&req.name)?;
    if let Some(d) = &req.description {
        check_len("description", d, MAX_DESCRIPTION_BYTES)?;
    }
    let w = app
        .store
        .create_workspace(req.name.trim(), req.description.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(w.workspace)).into_response())
}

/// Get a workspace.
#[utoipa::path(get, path = "/api/v1/workspaces/{workspace_id}", tag = "workspaces",
    params(("workspace_id" = String, Path, description = "`wsp_…` id")),
    responses((status = 200, body = Workspace), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn get_workspace(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Json<Workspace>> {
    Ok(Json(load(&app, &id).await?.workspace))
}

/// Update a workspace's name, description or status (`archived` / `active`).
#[utoipa::path(patch, path = "/api/v1/workspaces/{workspace_id}", tag = "workspaces",
    params(("workspace_id" = String, Path, description = "`wsp_…` id")),
    request_body = UpdateWorkspaceRequest,
    responses((status = 200, body = Workspace), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn update_workspace(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateWorkspaceRequest>,
) -> ApiResult<Json<Workspace>> {
    load(&app, &id).await?;
    if let Some(n) = &req.name {
        check_name(n)?;
    }
    if let Some(d) = &req.description {
        check_len("description", d, MAX_DESCRIPTION_BYTES)?;
    }
    if let Some(s) = &req.status {
        check_status(s)?;
    }
    let w = app
        .store
        .update_workspace(
            &id,
            req.name.as_deref().map(str::trim),
            req.description.as_deref(),
            req.status.as_deref(),
        )
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(w.workspace))
}

/// Archive a workspace (its files stay readable; writes are refused until it is restored).
#[utoipa::path(delete, path = "/api/v1/workspaces/{workspace_id}", tag = "workspaces",
    params(("workspace_id" = String, Path, description = "`wsp_…` id")),
    responses((status = 204, description = "Archived"), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn delete_workspace(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    load(&app, &id).await?;
    app.store
        .update_workspace(&id, None, None, Some("archived"))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// OpenAPI paths of the workspace routes (merged into the document by `openapi::spec_json`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_workspaces, create_workspace, get_workspace, update_workspace, delete_workspace),
    tags((name = "workspaces", description = "Workspaces: sets of files sessions share, and their files"))
)]
pub struct WorkspacesDoc;
