//! Session filesystem (F1–F10), served under `/v1/sessions/{session_id}/fs…` and, for the
//! same store, `/v1/workspaces/{workspace_id}/fs…` (docs/decisions.md#2). A leading `/workspace`
//! segment is an alias of the root (docs/decisions.md#3); read-only files refuse writes and deletes
//! with 403 (docs/decisions.md#11).

use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use everruns_core::{
    CreateFileRequest, DeleteFileResponse, ErrorResponse, FileInfo, FileStat, GrepRequest,
    GrepResult, ListResponse, MoveFileRequest, SessionFile, StatRequest, UpdateFileRequest,
};
use std::sync::Arc;

use everruns_runtime::{FileWrite, FsError, SessionFileSystem, WriteMode};

use crate::error::{ApiError, ApiResult};
use crate::util::{ApiJson, Qs};
use crate::App;

pub(crate) fn fs_error(e: FsError) -> ApiError {
    let msg = {
        let s = e.to_string();
        let mut c = s.chars();
        match c.next() {
            Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
            None => s,
        }
    };
    match e {
        FsError::NotFound(_) => ApiError::not_found("file_not_found", msg),
        FsError::AlreadyExists(_) => ApiError::conflict("file_exists", msg),
        FsError::ReadOnly(_) => ApiError::forbidden("readonly", msg),
        FsError::Denied(_) => ApiError::forbidden("denied", msg),
        FsError::Conflict(_) => ApiError::conflict("conflict", msg),
        FsError::QuotaExceeded(_) => ApiError::too_large(msg),
        FsError::Backend(m) => ApiError::internal(m),
        other => ApiError::bad_request(other.code(), msg),
    }
}

/// Longest path (bytes, normalised) a write accepts.
pub const MAX_PATH_BYTES: usize = 1024;
/// Most segments a written path may have (each parent directory is stored as an entry).
pub const MAX_PATH_DEPTH: usize = 32;

/// Normalises a path from the URL or a body; when `writing`, rejects reserved `_` segments
/// and control characters (a name must fit in a header such as `Content-Disposition`).
pub(crate) fn norm(raw: &str, writing: bool) -> ApiResult<String> {
    let p = everruns_core::normalize_path(raw)
        .map_err(|e| ApiError::bad_request("invalid_path", e.to_string()))?;
    if writing {
        if p.len() > MAX_PATH_BYTES {
            return Err(ApiError::bad_request(
                "invalid_path",
                format!(
                    "The path is {} bytes; the maximum is {MAX_PATH_BYTES}.",
                    p.len()
                ),
            ));
        }
        let depth = p.split('/').filter(|s| !s.is_empty()).count();
        if depth > MAX_PATH_DEPTH {
            return Err(ApiError::bad_request(
                "invalid_path",
                format!("The path has {depth} segments; the maximum is {MAX_PATH_DEPTH}."),
            ));
        }
        if let Some(c) = p.chars().find(|c| c.is_control()) {
            return Err(ApiError::bad_request(
                "invalid_path",
                format!(
                    "Path {raw:?} contains the control character U+{:04X}; names may not contain control characters.",
                    c as u32
                ),
            ));
        }
    }
    if writing && p.split('/').any(|s| s.starts_with('_')) {
        return Err(ApiError::bad_request(
            "reserved_path",
            format!("Path {raw:?} has a segment starting with `_`; those names are reserved."),
        ));
    }
    Ok(p)
}

/// The file store and owner key a route's files live under.
type Owner = (Arc<dyn SessionFileSystem>, String);

async fn session_of(app: &App, session_id: &str, _write: bool) -> ApiResult<Owner> {
    super::sessions::load(app, session_id).await?;
    Ok((app.files.clone(), session_id.to_string()))
}

/// A workspace's files: a first-class workspace's, or a session's default workspace (the
/// session id re-kinded, docs/decisions.md#2). Writes to an archived workspace are refused.
async fn workspace_owner(app: &App, workspace_id: &str, write: bool) -> ApiResult<Owner> {
    let w = super::workspaces::load(app, workspace_id).await?;
    if write && w.workspace.status != "active" {
        return Err(ApiError::conflict(
            "workspace_archived",
            format!(
                "Workspace {workspace_id} is archived; restore it (PATCH status \"active\") before changing its files."
            ),
        ));
    }
    Ok((app.owner_files.clone(), w.file_key))
}

// ------------------------------------------------------------------------------- operations

async fn op_list(fs: &dyn SessionFileSystem, sid: &str, path: &str, q: &Qs) -> ApiResult<Response> {
    let recursive = q.bool("recursive")?.unwrap_or(false);
    let data = fs.list(sid, path, recursive).await.map_err(fs_error)?;
    Ok(Json(ListResponse::<FileInfo>::new(data)).into_response())
}

async fn op_get(fs: &dyn SessionFileSystem, sid: &str, raw: &str, q: &Qs) -> ApiResult<Response> {
    let path = norm(raw, false)?;
    if path == "/" {
        return op_list(fs, sid, "/", q).await;
    }
    let st = fs.stat(sid, &path).await.map_err(fs_error)?;
    if st.is_directory {
        return op_list(fs, sid, &path, q).await;
    }
    let f = fs.read(sid, &path).await.map_err(fs_error)?;
    Ok(Json(f).into_response())
}

async fn op_create(
    fs: &dyn SessionFileSystem,
    sid: &str,
    raw: &str,
    headers: &HeaderMap,
    body: &Bytes,
) -> ApiResult<Response> {
    let path = norm(raw, true)?;
    if path == "/" {
        return Err(ApiError::bad_request(
            "invalid_path",
            "Name a path to create (not the root).",
        ));
    }
    let req: CreateFileRequest = if body.iter().all(|b| b.is_ascii_whitespace()) {
        CreateFileRequest::default()
    } else {
        super::json_body(headers, body)?
    };
    if req.is_directory == Some(true) {
        fs.create_directory(sid, &path).await.map_err(fs_error)?;
    } else {
        let content = everruns_runtime::fs::decode_content(
            req.content.as_deref().unwrap_or(""),
            req.encoding.as_ref(),
        )
        .map_err(fs_error)?;
        let w = FileWrite {
            content: Some(content),
            is_readonly: req.is_readonly,
            mode: WriteMode::CreateNew,
        };
        fs.write(sid, &path, w).await.map_err(fs_error)?;
    }
    let f = fs.read(sid, &path).await.map_err(fs_error)?;
    Ok((StatusCode::CREATED, Json(f)).into_response())
}

async fn op_update(
    fs: &dyn SessionFileSystem,
    sid: &str,
    raw: &str,
    req: UpdateFileRequest,
) -> ApiResult<Json<SessionFile>> {
    let path = norm(raw, true)?;
    if path == "/" {
        return Err(ApiError::bad_request(
            "is_a_directory",
            "The root is a directory.",
        ));
    }
    if req.content.is_none() && req.is_readonly.is_none() {
        return Err(ApiError::invalid(
            "Nothing to update: send `content` and/or `is_readonly`.",
        ));
    }
    let st = fs.stat(sid, &path).await.map_err(fs_error)?;
    if st.is_directory {
        return Err(ApiError::bad_request(
            "is_a_directory",
            format!("{path} is a directory; only files can be updated."),
        ));
    }
    let content = match &req.content {
        Some(c) => {
            Some(everruns_runtime::fs::decode_content(c, req.encoding.as_ref()).map_err(fs_error)?)
        }
        None => None,
    };
    if st.is_readonly && (content.is_some() || req.is_readonly != Some(false)) {
        return Err(ApiError::forbidden(
            "readonly",
            format!("{path} is read-only."),
        ));
    }
    let w = FileWrite {
        content,
        is_readonly: req.is_readonly,
        mode: WriteMode::UpdateExisting,
    };
    fs.write(sid, &path, w).await.map_err(fs_error)?;
    Ok(Json(fs.read(sid, &path).await.map_err(fs_error)?))
}

async fn op_delete(
    fs: &dyn SessionFileSystem,
    sid: &str,
    raw: &str,
    q: &Qs,
) -> ApiResult<Json<DeleteFileResponse>> {
    let path = norm(raw, false)?;
    if path == "/" {
        return Err(ApiError::bad_request(
            "invalid_path",
            "The root cannot be deleted.",
        ));
    }
    let recursive = q.bool("recursive")?.unwrap_or(false);
    fs.delete(sid, &path, recursive).await.map_err(fs_error)?;
    Ok(Json(DeleteFileResponse { deleted: true }))
}

async fn op_move(
    fs: &dyn SessionFileSystem,
    sid: &str,
    req: MoveFileRequest,
    copy: bool,
) -> ApiResult<Response> {
    let src = norm(&req.src_path, false)?;
    let dst = norm(&req.dst_path, true)?;
    if src == "/" || dst == "/" {
        return Err(ApiError::bad_request(
            "invalid_path",
            "The root cannot be moved or copied.",
        ));
    }
    if copy {
        fs.copy_file(sid, &src, &dst).await.map_err(fs_error)?;
    } else {
        fs.move_path(sid, &src, &dst).await.map_err(fs_error)?;
    }
    let f = fs.read(sid, &dst).await.map_err(fs_error)?;
    let status = if copy {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(f)).into_response())
}

async fn op_grep(
    fs: &dyn SessionFileSystem,
    sid: &str,
    req: GrepRequest,
) -> ApiResult<Json<ListResponse<GrepResult>>> {
    if req.pattern.is_empty() {
        return Err(ApiError::bad_request(
            "invalid_pattern",
            "`pattern` must not be empty.",
        ));
    }
    if req.pattern.len() > 4096 {
        return Err(ApiError::bad_request(
            "limit_exceeded",
            "`pattern` is longer than 4096 bytes.",
        ));
    }
    let data = fs
        .grep(sid, &req.pattern, req.path_pattern.as_deref())
        .await
        .map_err(fs_error)?;
    Ok(Json(ListResponse::new(data)))
}

async fn op_stat(
    fs: &dyn SessionFileSystem,
    sid: &str,
    req: StatRequest,
) -> ApiResult<Json<FileStat>> {
    let path = norm(&req.path, false)?;
    Ok(Json(fs.stat(sid, &path).await.map_err(fs_error)?))
}

async fn op_download(fs: &dyn SessionFileSystem, sid: &str, raw: &str) -> ApiResult<Response> {
    let path = norm(raw, false)?;
    let f = fs.read(sid, &path).await.map_err(fs_error)?;
    if f.is_directory {
        return Err(ApiError::bad_request(
            "is_a_directory",
            format!("{path} is a directory; only files can be downloaded."),
        ));
    }
    let bytes = everruns_runtime::fs::decode_content(
        f.content.as_deref().unwrap_or(""),
        f.encoding.as_ref(),
    )
    .map_err(fs_error)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/octet-stream".to_string()),
            (header::CONTENT_DISPOSITION, content_disposition(&f.name)),
        ],
        bytes,
    )
        .into_response())
}

/// `attachment` with an ASCII `filename` fallback and the exact name as RFC 5987
/// `filename*=UTF-8''…` (RFC 6266 §4.3); any name, even one with control characters stored
/// before they were refused, yields a valid header value.
pub(crate) fn content_disposition(name: &str) -> String {
    let fallback: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' && c != '%' => c,
            _ => '_',
        })
        .collect();
    let mut encoded = String::with_capacity(name.len() * 3);
    for b in name.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

// ---------------------------------------------------------------------------------- handlers

macro_rules! fs_handlers {
    ($prefix:literal, $owner:literal, $owner_desc:literal, $resolve:ident,
     $list_root:ident, $get_path:ident, $create_path:ident, $update_path:ident,
     $delete_path:ident, $move_file:ident, $copy_file:ident, $grep_files:ident,
     $stat_file:ident, $download_path:ident, $tag:literal) => {
        /// List the root directory.
        #[utoipa::path(get, path = concat!($prefix, "/fs"), tag = $tag,
            params(($owner = String, Path, description = $owner_desc),
                   ("recursive" = Option<bool>, Query, description = "All descendants")),
            responses((status = 200, body = ListResponse<FileInfo>), (status = 400, body = ErrorResponse),
                      (status = 404, body = ErrorResponse)))]
        pub async fn $list_root(State(app): State<App>, Path(owner): Path<String>,
            OriginalUri(uri): OriginalUri) -> ApiResult<Response> {
            let (fs, sid) = $resolve(&app, &owner, false).await?;
            op_list(fs.as_ref(), &sid, "/", &Qs::parse(uri.query())).await
        }

        /// Read a file (SessionFile) or list a directory (`{data:[FileInfo]}`).
        #[utoipa::path(get, path = concat!($prefix, "/fs/{path}"), tag = $tag,
            params(($owner = String, Path, description = $owner_desc),
                   ("path" = String, Path, description = "File path; `/workspace/…` is an alias of `/…`"),
                   ("recursive" = Option<bool>, Query, description = "For directories: all descendants")),
            responses((status = 200, description = "A file, or a directory listing", body = SessionFile),
                      (status = 400, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
        pub async fn $get_path(State(app): State<App>, Path((owner, path)): Path<(String, String)>,
            OriginalUri(uri): OriginalUri) -> ApiResult<Response> {
            let (fs, sid) = $resolve(&app, &owner, false).await?;
            op_get(fs.as_ref(), &sid, &path, &Qs::parse(uri.query())).await
        }

        /// Create a file (or, with `is_directory`, a directory); parents are created.
        #[utoipa::path(post, path = concat!($prefix, "/fs/{path}"), tag = $tag,
            params(($owner = String, Path, description = $owner_desc),
                   ("path" = String, Path, description = "File path")),
            request_body = CreateFileRequest,
            responses((status = 201, body = SessionFile), (status = 400, body = ErrorResponse),
                      (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
        pub async fn $create_path(State(app): State<App>, Path((owner, path)): Path<(String, String)>,
            headers: HeaderMap, body: Bytes) -> ApiResult<Response> {
            let (fs, sid) = $resolve(&app, &owner, true).await?;
            op_create(fs.as_ref(), &sid, &path, &headers, &body).await
        }

        /// Update a file's content or read-only flag.
        #[utoipa::path(put, path = concat!($prefix, "/fs/{path}"), tag = $tag,
            params(($owner = String, Path, description = $owner_desc),
                   ("path" = String, Path, description = "File path")),
            request_body = UpdateFileRequest,
            responses((status = 200, body = SessionFile), (status = 400, body = ErrorResponse),
                      (status = 403, description = "Read-only file", body = ErrorResponse),
                      (status = 404, body = ErrorResponse)))]
        pub async fn $update_path(State(app): State<App>, Path((owner, path)): Path<(String, String)>,
            ApiJson(req): ApiJson<UpdateFileRequest>) -> ApiResult<Json<SessionFile>> {
            let (fs, sid) = $resolve(&app, &owner, true).await?;
            op_update(fs.as_ref(), &sid, &path, req).await
        }

        /// Delete a file or (with `recursive`) a directory.
        #[utoipa::path(delete, path = concat!($prefix, "/fs/{path}"), tag = $tag,
            params(($owner = String, Path, description = $owner_desc),
                   ("path" = String, Path, description = "File path"),
                   ("recursive" = Option<bool>, Query, description = "Delete a non-empty directory")),
            responses((status = 200, body = DeleteFileResponse), (status = 400, body = ErrorResponse),
                      (status = 403, description = "Read-only file", body = ErrorResponse),
                      (status = 404, body = ErrorResponse)))]
        pub async fn $delete_path(State(app): State<App>, Path((owner, path)): Path<(String, String)>,
            OriginalUri(uri): OriginalUri) -> ApiResult<Json<DeleteFileResponse>> {
            let (fs, sid) = $resolve(&app, &owner, true).await?;
            op_delete(fs.as_ref(), &sid, &path, &Qs::parse(uri.query())).await
        }

        /// Move a file or directory (the destination must not exist).
        #[utoipa::path(post, path = concat!($prefix, "/fs/_/move"), tag = $tag,
            params(($owner = String, Path, description = $owner_desc)),
            request_body = MoveFileRequest,
            responses((status = 200, body = SessionFile), (status = 400, body = ErrorResponse),
                      (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
        pub async fn $move_file(State(app): State<App>, Path(owner): Path<String>,
            ApiJson(req): ApiJson<MoveFileRequest>) -> ApiResult<Response> {
            let (fs, sid) = $resolve(&app, &owner, true).await?;
            op_move(fs.as_ref(), &sid, req, false).await
        }

        /// Copy a file (the destination must not exist).
        #[utoipa::path(post, path = concat!($prefix, "/fs/_/copy"), tag = $tag,
            params(($owner = String, Path, description = $owner_desc)),
            request_body = MoveFileRequest,
            responses((status = 201, body = SessionFile), (status = 400, body = ErrorResponse),
                      (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
        pub async fn $copy_file(State(app): State<App>, Path(owner): Path<String>,
            ApiJson(req): ApiJson<MoveFileRequest>) -> ApiResult<Response> {
            let (fs, sid) = $resolve(&app, &owner, true).await?;
            op_move(fs.as_ref(), &sid, req, true).await
        }

        /// Regex search over text files.
        #[utoipa::path(post, path = concat!($prefix, "/fs/_/grep"), tag = $tag,
            params(($owner = String, Path, description = $owner_desc)),
            request_body = GrepRequest,
            responses((status = 200, body = ListResponse<GrepResult>), (status = 400, body = ErrorResponse),
                      (status = 404, body = ErrorResponse)))]
        pub async fn $grep_files(State(app): State<App>, Path(owner): Path<String>,
            ApiJson(req): ApiJson<GrepRequest>) -> ApiResult<Json<ListResponse<GrepResult>>> {
            let (fs, sid) = $resolve(&app, &owner, false).await?;
            op_grep(fs.as_ref(), &sid, req).await
        }

        /// Metadata of one path.
        #[utoipa::path(post, path = concat!($prefix, "/fs/_/stat"), tag = $tag,
            params(($owner = String, Path, description = $owner_desc)),
            request_body = StatRequest,
            responses((status = 200, body = FileStat), (status = 400, body = ErrorResponse),
                      (status = 404, body = ErrorResponse)))]
        pub async fn $stat_file(State(app): State<App>, Path(owner): Path<String>,
            ApiJson(req): ApiJson<StatRequest>) -> ApiResult<Json<FileStat>> {
            let (fs, sid) = $resolve(&app, &owner, false).await?;
            op_stat(fs.as_ref(), &sid, req).await
        }

        /// Raw bytes of a file.
        #[utoipa::path(get, path = concat!($prefix, "/fs/_/download/{path}"), tag = $tag,
            params(($owner = String, Path, description = $owner_desc),
                   ("path" = String, Path, description = "File path")),
            responses((status = 200, description = "Raw bytes", body = Vec<u8>, content_type = "application/octet-stream"),
                      (status = 400, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
        pub async fn $download_path(State(app): State<App>, Path((owner, path)): Path<(String, String)>)
            -> ApiResult<Response> {
            let (fs, sid) = $resolve(&app, &owner, false).await?;
            op_download(fs.as_ref(), &sid, &path).await
        }
    };
}

fs_handlers!(
    "/api/v1/sessions/{session_id}",
    "session_id",
    "`session_…` id",
    session_of,
    list_root,
    get_path,
    create_path,
    update_path,
    delete_path,
    move_file,
    copy_file,
    grep_files,
    stat_file,
    download_path,
    "files"
);

fs_handlers!(
    "/api/v1/workspaces/{workspace_id}",
    "workspace_id",
    "`wsp_…` id (a workspace, or a session's default workspace)",
    workspace_owner,
    ws_list_root,
    ws_get_path,
    ws_create_path,
    ws_update_path,
    ws_delete_path,
    ws_move_file,
    ws_copy_file,
    ws_grep_files,
    ws_stat_file,
    ws_download_path,
    "workspaces"
);

/// `POST …/fs` without a path.
pub async fn create_root() -> ApiError {
    ApiError::bad_request("invalid_path", "Name a path to create: POST …/fs/{path}.")
}
