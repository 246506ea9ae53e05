//! Harnesses (H1–H2 and writes), models (M1–M2) and capabilities (C1–C2).

use axum::extract::{OriginalUri, Path, State};
use axum::http::HeaderMap;
use axum::Json;
use everruns_core::ids::IdKind;
use everruns_core::{
    CapabilityInfo, ErrorResponse, Harness, ListResponse, Model, ModelSource, Page,
};

use crate::error::{ApiError, ApiResult};
use crate::service;
use crate::util::{check_id, origin, page_urls, Qs};
use crate::App;

/// H1: list harnesses.
#[utoipa::path(get, path = "/api/v1/harnesses", tag = "harnesses",
    params(everruns_core::ListHarnessesParams),
    responses((status = 200, body = ListResponse<Harness>), (status = 400, body = ErrorResponse)))]
pub async fn list_harnesses(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Json<ListResponse<Harness>>> {
    let q = Qs::parse(uri.query());
    let include_archived = q.bool("include_archived")?.unwrap_or(false);
    let needle = q.get("search").map(str::to_lowercase);
    let mut data: Vec<Harness> = app
        .store
        .list_harnesses(include_archived)
        .await?
        .into_iter()
        .filter(|h| {
            needle.as_ref().is_none_or(|n| {
                format!(
                    "{}\n{}\n{}",
                    h.name,
                    h.display_name.as_deref().unwrap_or(""),
                    h.description.as_deref().unwrap_or("")
                )
                .to_lowercase()
                .contains(n.as_str())
            })
        })
        .collect();
    for h in &mut data {
        crate::links::harness(&app, &headers, h).await?;
    }
    Ok(Json(ListResponse::new(data)))
}

/// H2: one harness by id or name (`default` = the default harness).
#[utoipa::path(get, path = "/api/v1/harnesses/{harness_id_or_name}", tag = "harnesses",
    params(("harness_id_or_name" = String, Path, description = "`harness_…` id, slug name or `default`")),
    responses((status = 200, body = Harness), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn get_harness(
    State(app): State<App>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Harness>> {
    if key.starts_with("harness_") {
        check_id(IdKind::Harness, &key)?;
    } else if !everruns_core::slug::is_valid_slug(&key) {
        return Err(ApiError::bad_request(
            "invalid_id",
            format!("Invalid harness id or name {key:?}."),
        ));
    }
    let mut h = app.store.get_harness(&key).await?.ok_or_else(|| {
        ApiError::not_found("harness_not_found", format!("Harness {key} not found."))
    })?;
    crate::links::harness(&app, &headers, &mut h).await?;
    Ok(Json(h))
}

/// Create a harness.
#[utoipa::path(post, path = "/api/v1/harnesses", tag = "harnesses",
    request_body = everruns_core::CreateHarnessRequest,
    responses((status = 201, body = Harness), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn create_harness(
    State(app): State<App>,
    headers: HeaderMap,
    crate::util::ApiJson(req): crate::util::ApiJson<everruns_core::CreateHarnessRequest>,
) -> ApiResult<(axum::http::StatusCode, Json<Harness>)> {
    let mut h = service::harnesses::create(&app, req, &super::change(&headers)?).await?;
    crate::links::harness(&app, &headers, &mut h).await?;
    Ok((axum::http::StatusCode::CREATED, Json(h)))
}

/// Update a harness (only the given fields; built-in harnesses are read-only).
#[utoipa::path(patch, path = "/api/v1/harnesses/{harness_id}", tag = "harnesses",
    params(("harness_id" = String, Path, description = "`harness_…` id or slug name")),
    request_body = everruns_core::UpdateHarnessRequest,
    responses((status = 200, body = Harness), (status = 400, body = ErrorResponse),
              (status = 403, description = "Built-in harness", body = ErrorResponse),
              (status = 404, body = ErrorResponse), (status = 409, body = ErrorResponse)))]
pub async fn update_harness(
    State(app): State<App>,
    Path(key): Path<String>,
    headers: HeaderMap,
    crate::util::ApiJson(req): crate::util::ApiJson<everruns_core::UpdateHarnessRequest>,
) -> ApiResult<Json<Harness>> {
    let mut h = service::harnesses::update(&app, &key, req, &super::change(&headers)?).await?;
    crate::links::harness(&app, &headers, &mut h).await?;
    Ok(Json(h))
}

/// Archive a harness (built-in harnesses are read-only).
#[utoipa::path(delete, path = "/api/v1/harnesses/{harness_id}", tag = "harnesses",
    params(("harness_id" = String, Path, description = "`harness_…` id or slug name")),
    responses((status = 204, description = "Archived"), (status = 400, body = ErrorResponse),
              (status = 403, description = "Built-in harness", body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn delete_harness(
    State(app): State<App>,
    Path(key): Path<String>,
    headers: HeaderMap,
) -> ApiResult<axum::http::StatusCode> {
    service::harnesses::archive(&app, &key, &super::change(&headers)?).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// M1: list models.
#[utoipa::path(get, path = "/api/v1/models", tag = "models",
    params(everruns_core::ListModelsParams),
    responses((status = 200, body = ListResponse<Model>), (status = 400, body = ErrorResponse)))]
pub async fn list_models(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Json<ListResponse<Model>>> {
    let q = Qs::parse(uri.query());
    let source = match q.get("source") {
        None => None,
        Some(s) => match ModelSource::from(s) {
            ModelSource::Other(o) => {
                return Err(ApiError::bad_request(
                    "invalid_query",
                    format!(
                        "Unknown model source {o:?}: expected manual, discovered or predefined."
                    ),
                ))
            }
            known => Some(known),
        },
    };
    let favorites_only = q.bool("favorites_only")?.unwrap_or(false);
    q.bool("include_stale")?;
    let data = app
        .store
        .list_models()
        .await?
        .into_iter()
        .filter(|m| source.as_ref().is_none_or(|s| &m.source == s))
        .filter(|m| !favorites_only || m.is_favorite)
        .map(|mut m| {
            crate::links::model(&app, &headers, &mut m);
            m
        })
        .collect();
    Ok(Json(ListResponse::new(data)))
}

/// M2: one model.
#[utoipa::path(get, path = "/api/v1/models/{model_id}", tag = "models",
    params(("model_id" = String, Path, description = "`model_…` id")),
    responses((status = 200, body = Model), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn get_model(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<Model>> {
    check_id(IdKind::Model, &id)?;
    app.store
        .get_model(&id)
        .await?
        .map(|mut m| {
            crate::links::model(&app, &headers, &mut m);
            Json(m)
        })
        .ok_or_else(|| ApiError::not_found("model_not_found", format!("Model {id} not found.")))
}

/// C1: list capabilities (paginated).
#[utoipa::path(get, path = "/api/v1/capabilities", tag = "capabilities",
    params(everruns_core::ListCapabilitiesParams),
    responses((status = 200, body = Page<CapabilityInfo>), (status = 400, body = ErrorResponse)))]
pub async fn list_capabilities(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
) -> ApiResult<Json<Page<CapabilityInfo>>> {
    let q = Qs::parse(uri.query());
    let (offset, limit) = q.page()?;
    let needle = q.get("search").map(str::to_lowercase);
    let all: Vec<CapabilityInfo> = app
        .engine
        .capability_infos()
        .into_iter()
        .filter(|c| {
            needle.as_ref().is_none_or(|n| {
                format!("{}\n{}\n{}", c.id, c.name, c.description)
                    .to_lowercase()
                    .contains(n.as_str())
            })
        })
        .collect();
    let total = all.len() as u64;
    let data = all
        .into_iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|mut c| {
            crate::links::capability(&app, &headers, &mut c);
            c
        })
        .collect();
    let base = format!("{}/api/v1/capabilities", origin(&app.config, &headers));
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

/// C2: one capability (ids and aliases).
#[utoipa::path(get, path = "/api/v1/capabilities/{capability_id}", tag = "capabilities",
    params(("capability_id" = String, Path, description = "Capability id or alias")),
    responses((status = 200, body = CapabilityInfo), (status = 404, body = ErrorResponse)))]
pub async fn get_capability(
    State(app): State<App>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<CapabilityInfo>> {
    app.engine
        .platform()
        .capabilities
        .get(&id)
        .map(|c| {
            let mut info = c.info();
            crate::links::capability(&app, &headers, &mut info);
            Json(info)
        })
        .ok_or_else(|| {
            ApiError::not_found(
                "capability_not_found",
                format!("Capability {id:?} not found."),
            )
        })
}
