//! Memories (`/v1/memories`, upstream's routes and shapes): CRUD, delete = archive, and file
//! operations under `/v1/memories/{id}/fs…`. An agent lists memories in `memory_ids`; its
//! sessions see their files read-only at `/memories/{name}/…` (`runtime::fs::mounts`).
//!
//! Source types: `manual` only (files written through this API). `git` and `github` sources
//! and `POST …/sync` are refused with 400 `unsupported_source` (docs/workspaces.md).

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use everruns_core::ids::IdKind;
use everruns_core::{
    CreateMemoryFileRequest, CreateMemoryRequest, ErrorResponse, FileEncoding, FileInfo,
    GrepRequest, ListResponse, Memory, MemoryFile, MemoryFileInfo, MemoryGrepResult, SessionFile,
    StatRequest, UpdateMemoryFileRequest, UpdateMemoryRequest,
};
use everruns_runtime::fs::{content_hash, decode_content};
use everruns_runtime::{FileWrite, WriteMode};

use super::fs::{content_disposition, fs_error, norm};
use super::validate::MAX_DESCRIPTION_BYTES;
use crate::error::{ApiError, ApiResult};
use crate::util::{check_id, check_len, ApiJson, Qs};
use crate::App;

/// Longest memory name (bytes).
const MAX_MEMORY_NAME_BYTES: usize = 256;

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("memory_not_found", format!("Memory {id} not found."))
}

async fn load(app: &App, id: &str) -> ApiResult<Memory> {
    check_id(IdKind::Memory, id)?;
    app.store.get_memory(id).await?.ok_or_else(|| not_found(id))
}

async fn load_for_write(app: &App, id: &str) -> ApiResult<Memory> {
    let m = load(app, id).await?;
    if m.status != "active" {
        return Err(ApiError::conflict(
            "memory_archived",
            format!("Memory {id} is archived; its files cannot be changed."),
        ));
    }
    Ok(m)
}

/// Checks an agent's `memory_ids`: each a well-formed id of an existing memory, no repeats.
pub(crate) async fn check_memory_ids(app: &App, ids: &[String]) -> ApiResult<()> {
    if ids.len() > 32 {
        return Err(ApiError::invalid(format!(
            "`memory_ids` has {} entries; the maximum is 32.",
            ids.len()
        )));
    }
    for (i, id) in ids.iter().enumerate() {
        check_id(IdKind::Memory, id)?;
        if ids[..i].contains(id) {
            return Err(ApiError::invalid(format!("`memory_ids` lists {id} twice.")));
        }
        if app.store.get_memory(id).await?.is_none() {
            return Err(not_found(id));
        }
    }
    Ok(())
}

fn check_name(name: &str) -> ApiResult<()> {
    if name.trim().is_empty() {
        return Err(ApiError::invalid("`name` must not be empty."));
    }
    check_len("name", name, MAX_MEMORY_NAME_BYTES)
}

/// Only `manual` sources are stored here.
fn check_source(source: Option<&serde_json::Value>) -> ApiResult<()> {
    let Some(s) = source.filter(|s| !s.is_null()) else {
        return Ok(());
    };
    let provider = s
        .get("provider")
        .and_then(|p| p.as_str())
        .or_else(|| s.get("repository").map(|_| "github"))
        .or_else(|| s.get("url").map(|_| "git"));
    match provider {
        Some("manual") => Ok(()),
        Some(p) => Err(ApiError::bad_request(
            "unsupported_source",
            format!(
                "Memory source {p:?} is not supported by this server: only \"manual\" memories \
                 (files written through the memories API) are."
            ),
        )),
        None => Err(ApiError::invalid(
            "`source` must be {\"provider\": \"manual\"} (the only source this server supports).",
        )),
    }
}

fn info_of(i: FileInfo) -> MemoryFileInfo {
    MemoryFileInfo {
        path: i.path,
        is_directory: i.is_directory,
        size_bytes: i.size_bytes,
        content_hash: None,
        created_at: i.created_at,
        updated_at: i.updated_at,
    }
}

fn file_of(f: SessionFile) -> ApiResult<MemoryFile> {
    let content = f.content.unwrap_or_default();
    let bytes = decode_content(&content, f.encoding.as_ref()).map_err(fs_error)?;
    Ok(MemoryFile {
        path: f.path,
        encoding: f
            .encoding
            .map(|e| e.as_str().to_string())
            .unwrap_or_else(|| "text".into()),
        size_bytes: f.size_bytes,
        content_hash: Some(content_hash(&bytes)),
        content,
        created_at: f.created_at,
        updated_at: f.updated_at,
    })
}

// ------------------------------------------------------------------------------------ CRUD

/// List memories (`search`, `include_archived`).
#[utoipa::path(get, path = "/api/v1/memories", tag = "memories",
    params(("search" = Option<String>, Query, description = "Substring of name or description"),
           ("include_archived" = Option<bool>, Query, description = "Include archived memories")),
    responses((status = 200, body = ListResponse<Memory>), (status = 400, body = ErrorResponse)))]
pub async fn list_memories(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<ListResponse<Memory>>> {
    let q = Qs::parse(uri.query());
    let include_archived = q.bool("include_archived")?.unwrap_or(false);
    let data = app
        .store
        .list_memories(q.get("search"), include_archived)
        .await?;
    Ok(Json(ListResponse::new(data)))
}

/// Create a memory (source `manual`).
#[utoipa::path(post, path = "/api/v1/memories", tag = "memories",
    request_body = CreateMemoryRequest,
    responses((status = 201, body = Memory), (status = 400, body = ErrorResponse)))]
pub async fn create_memory(
    State(app): State<App>,
    ApiJson(req): ApiJson<CreateMemoryRequest>,
) -> ApiResult<Response> {
    check_name(&req.name)?;
    if let Some(d) = &req.description {
        check_len("description", d, MAX_DESCRIPTION_BYTES)?;
    }
    check_source(req.source.as_ref())?;
    let m = app
        .store
        .create_memory(req.name.trim(), req.description.as_deref())
        .await?;
    Ok((StatusCode::CREATED, Json(m)).into_response())
}

/// Get a memory.
#[utoipa::path(get, path = "/api/v1/memories/{memory_id}", tag = "memories",
    params(("memory_id" = String, Path, description = "`mem_…` id")),
    responses((status = 200, body = Memory), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn get_memory(State(app): State<App>, Path(id): Path<String>) -> ApiResult<Json<Memory>> {
    Ok(Json(load(&app, &id).await?))
}

/// Update a memory's name or description.
#[utoipa::path(patch, path = "/api/v1/memories/{memory_id}", tag = "memories",
    params(("memory_id" = String, Path, description = "`mem_…` id")),
    request_body = UpdateMemoryRequest,
    responses((status = 200, body = Memory), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn update_memory(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateMemoryRequest>,
) -> ApiResult<Json<Memory>> {
    load(&app, &id).await?;
    if let Some(n) = &req.name {
        check_name(n)?;
    }
    if let Some(d) = &req.description {
        check_len("description", d, MAX_DESCRIPTION_BYTES)?;
    }
    check_source(req.source.as_ref())?;
    let m = app
        .store
        .update_memory(
            &id,
            req.name.as_deref().map(str::trim),
            req.description.as_deref(),
        )
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(m))
}

/// Archive a memory (no longer mounted into sessions; its files stay readable here).
#[utoipa::path(delete, path = "/api/v1/memories/{memory_id}", tag = "memories",
    params(("memory_id" = String, Path, description = "`mem_…` id")),
    responses((status = 204, description = "Archived"), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn delete_memory(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    load(&app, &id).await?;
    app.store.archive_memory(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sync a memory from its remote source: refused (only `manual` memories exist here).
#[utoipa::path(post, path = "/api/v1/memories/{memory_id}/sync", tag = "memories",
    params(("memory_id" = String, Path, description = "`mem_…` id")),
    responses((status = 400, description = "Sync is not supported", body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn sync_memory(State(app): State<App>, Path(id): Path<String>) -> ApiResult<Response> {
    let m = load(&app, &id).await?;
    Err(ApiError::bad_request(
        "unsupported_source",
        format!(
            "Memory {} has source {:?}; this server does not sync memories from remote sources \
             (only manual memories are supported).",
            m.id, m.source_type
        ),
    ))
}

// ----------------------------------------------------------------------------------- files

async fn list_dir(app: &App, id: &str, path: &str, q: &Qs) -> ApiResult<Response> {
    let recursive = q.bool("recursive")?.unwrap_or(false);
    let data = app
        .owner_files
        .list(id, path, recursive)
        .await
        .map_err(fs_error)?;
    Ok(Json(ListResponse::new(data.into_iter().map(info_of).collect())).into_response())
}

/// List the memory's root directory.
#[utoipa::path(get, path = "/api/v1/memories/{memory_id}/fs", tag = "memories",
    params(("memory_id" = String, Path, description = "`mem_…` id"),
           ("recursive" = Option<bool>, Query, description = "All descendants")),
    responses((status = 200, body = ListResponse<MemoryFileInfo>), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn list_root(
    State(app): State<App>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Response> {
    load(&app, &id).await?;
    list_dir(&app, &id, "/", &Qs::parse(uri.query())).await
}

/// Read a file (MemoryFile) or list a directory (`{data:[MemoryFileInfo]}`).
#[utoipa::path(get, path = "/api/v1/memories/{memory_id}/fs/{path}", tag = "memories",
    params(("memory_id" = String, Path, description = "`mem_…` id"),
           ("path" = String, Path, description = "File path"),
           ("recursive" = Option<bool>, Query, description = "For directories: all descendants")),
    responses((status = 200, body = MemoryFile), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn get_path(
    State(app): State<App>,
    Path((id, raw)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Response> {
    load(&app, &id).await?;
    let path = norm(&raw, false)?;
    let q = Qs::parse(uri.query());
    let st = app.owner_files.stat(&id, &path).await.map_err(fs_error)?;
    if st.is_directory {
        return list_dir(&app, &id, &path, &q).await;
    }
    let f = app.owner_files.read(&id, &path).await.map_err(fs_error)?;
    Ok(Json(file_of(f)?).into_response())
}

/// Create a file (or, with `is_directory`, a directory); parents are created.
#[utoipa::path(post, path = "/api/v1/memories/{memory_id}/fs/{path}", tag = "memories",
    params(("memory_id" = String, Path, description = "`mem_…` id"),
           ("path" = String, Path, description = "File path")),
    request_body = CreateMemoryFileRequest,
    responses((status = 201, body = MemoryFileInfo), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn create_path(
    State(app): State<App>,
    Path((id, raw)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Response> {
    load_for_write(&app, &id).await?;
    let path = norm(&raw, true)?;
    if path == "/" {
        return Err(ApiError::bad_request(
            "invalid_path",
            "Name a path to create (not the root).",
        ));
    }
    let req: CreateMemoryFileRequest = if body.iter().all(|b| b.is_ascii_whitespace()) {
        CreateMemoryFileRequest::default()
    } else {
        super::json_body(&headers, &body)?
    };
    let fs = &app.owner_files;
    let info = if req.is_directory == Some(true) {
        fs.create_directory(&id, &path).await.map_err(fs_error)?
    } else {
        let bytes = decode_content(req.content.as_deref().unwrap_or(""), req.encoding.as_ref())
            .map_err(fs_error)?;
        let w = FileWrite::upsert(bytes).with_mode(WriteMode::CreateNew);
        fs.write(&id, &path, w).await.map_err(fs_error)?.file
    };
    Ok((StatusCode::CREATED, Json(info_of(info))).into_response())
}

/// Replace a file's content.
#[utoipa::path(put, path = "/api/v1/memories/{memory_id}/fs/{path}", tag = "memories",
    params(("memory_id" = String, Path, description = "`mem_…` id"),
           ("path" = String, Path, description = "File path")),
    request_body = UpdateMemoryFileRequest,
    responses((status = 200, body = MemoryFile), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn update_path(
    State(app): State<App>,
    Path((id, raw)): Path<(String, String)>,
    ApiJson(req): ApiJson<UpdateMemoryFileRequest>,
) -> ApiResult<Json<MemoryFile>> {
    load_for_write(&app, &id).await?;
    let path = norm(&raw, true)?;
    let Some(content) = req.content.as_deref() else {
        return Err(ApiError::invalid("Nothing to update: send `content`."));
    };
    let fs = &app.owner_files;
    let st = fs.stat(&id, &path).await.map_err(fs_error)?;
    if st.is_directory {
        return Err(ApiError::bad_request(
            "is_a_directory",
            format!("{path} is a directory; only files can be updated."),
        ));
    }
    let bytes = decode_content(content, req.encoding.as_ref()).map_err(fs_error)?;
    let w = FileWrite::upsert(bytes).with_mode(WriteMode::UpdateExisting);
    fs.write(&id, &path, w).await.map_err(fs_error)?;
    Ok(Json(file_of(fs.read(&id, &path).await.map_err(fs_error)?)?))
}

/// Delete a file or directory (a non-empty directory needs `recursive=true`).
#[utoipa::path(delete, path = "/api/v1/memories/{memory_id}/fs/{path}", tag = "memories",
    params(("memory_id" = String, Path, description = "`mem_…` id"),
           ("path" = String, Path, description = "File path"),
           ("recursive" = Option<bool>, Query, description = "Delete a non-empty directory")),
    responses((status = 204, description = "Deleted"), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn delete_path(
    State(app): State<App>,
    Path((id, raw)): Path<(String, String)>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<StatusCode> {
    load_for_write(&app, &id).await?;
    let path = norm(&raw, false)?;
    if path == "/" {
        return Err(ApiError::bad_request(
            "invalid_path",
            "The root cannot be deleted.",
        ));
    }
    let recursive = Qs::parse(uri.query()).bool("recursive")?.unwrap_or(false);
    app.owner_files
        .delete(&id, &path, recursive)
        .await
        .map_err(fs_error)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Files whose content matches a regular expression.
#[utoipa::path(post, path = "/api/v1/memories/{memory_id}/fs/_/grep", tag = "memories",
    params(("memory_id" = String, Path, description = "`mem_…` id")),
    request_body = GrepRequest,
    responses((status = 200, body = ListResponse<MemoryGrepResult>), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn grep_files(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<GrepRequest>,
) -> ApiResult<Json<ListResponse<MemoryGrepResult>>> {
    load(&app, &id).await?;
    if req.pattern.is_empty() || req.pattern.len() > 4096 {
        return Err(ApiError::bad_request(
            "invalid_pattern",
            "`pattern` must be 1 to 4096 bytes.",
        ));
    }
    let fs = &app.owner_files;
    let hits = fs
        .grep(&id, &req.pattern, req.path_pattern.as_deref())
        .await
        .map_err(fs_error)?;
    let mut data = Vec::with_capacity(hits.len());
    for h in hits {
        let st = fs.stat(&id, &h.path).await.map_err(fs_error)?;
        data.push(MemoryGrepResult {
            path: h.path,
            size_bytes: st.size_bytes,
        });
    }
    Ok(Json(ListResponse::new(data)))
}

/// Metadata of one path.
#[utoipa::path(post, path = "/api/v1/memories/{memory_id}/fs/_/stat", tag = "memories",
    params(("memory_id" = String, Path, description = "`mem_…` id")),
    request_body = StatRequest,
    responses((status = 200, body = MemoryFileInfo), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn stat_file(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<StatRequest>,
) -> ApiResult<Json<MemoryFileInfo>> {
    load(&app, &id).await?;
    let path = norm(&req.path, false)?;
    let st = app.owner_files.stat(&id, &path).await.map_err(fs_error)?;
    Ok(Json(MemoryFileInfo {
        path: st.path,
        is_directory: st.is_directory,
        size_bytes: st.size_bytes,
        content_hash: None,
        created_at: st.created_at,
        updated_at: st.updated_at,
    }))
}

/// Raw bytes of a file.
#[utoipa::path(get, path = "/api/v1/memories/{memory_id}/fs/_/download/{path}", tag = "memories",
    params(("memory_id" = String, Path, description = "`mem_…` id"),
           ("path" = String, Path, description = "File path")),
    responses((status = 200, description = "Raw bytes", body = Vec<u8>, content_type = "application/octet-stream"),
              (status = 400, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn download_path(
    State(app): State<App>,
    Path((id, raw)): Path<(String, String)>,
) -> ApiResult<Response> {
    load(&app, &id).await?;
    let path = norm(&raw, false)?;
    let f = app.owner_files.read(&id, &path).await.map_err(fs_error)?;
    if f.is_directory {
        return Err(ApiError::bad_request(
            "is_a_directory",
            format!("{path} is a directory; only files can be downloaded."),
        ));
    }
    let enc = f.encoding.clone().unwrap_or(FileEncoding::Text);
    let bytes = decode_content(f.content.as_deref().unwrap_or(""), Some(&enc)).map_err(fs_error)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, content_disposition(&f.name)),
        ],
        bytes,
    )
        .into_response())
}

/// `POST …/fs` without a path.
pub async fn create_root() -> ApiError {
    ApiError::bad_request("invalid_path", "Name a path to create: POST …/fs/{path}.")
}

/// OpenAPI paths of the memory routes (merged into the document by `openapi::spec_json`).
#[derive(utoipa::OpenApi)]
#[openapi(
    paths(list_memories, create_memory, get_memory, update_memory, delete_memory, sync_memory,
          list_root, get_path, create_path, update_path, delete_path, grep_files, stat_file,
          download_path),
    tags((name = "memories", description = "Memories: files mounted read-only into agents' sessions"))
)]
pub struct MemoriesDoc;
