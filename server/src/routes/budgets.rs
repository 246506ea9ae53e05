//! Budgets (`/v1/budgets…`, upstream 0.3 names and shapes) and the session's view of them
//! (`/v1/sessions/{id}/budgets`, `…/budget-check`, `…/resume`). Enforcement is in
//! [`crate::metering`].

use axum::extract::{OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use everruns_core::{
    Budget, BudgetCheckResult, BudgetEventData, CreateBudgetRequest, ErrorResponse, LedgerEntry,
    ResumeSessionResponse, TopUpRequest, UpdateBudgetRequest,
};
use utoipa::OpenApi;

use super::sessions::load;
use crate::error::{ApiError, ApiResult};
use crate::store::budgets::{to_micros, BudgetChanges, BudgetRow, NewBudget};
use crate::util::{ApiJson, Qs};
use crate::App;

/// Currencies a budget can be kept in (what turns are metered in).
pub const CURRENCIES: &[&str] = &["usd", "tokens"];
/// Subject types (budgets on `session` and `agent` are enforced; others are stored only).
pub const SUBJECT_TYPES: &[&str] = &[
    "session",
    "agent",
    "user",
    "organization",
    "app",
    "app_channel",
];
/// Largest limit or top-up.
pub const MAX_AMOUNT: f64 = 1e12;

/// The OpenAPI part of these routes.
#[derive(OpenApi)]
#[openapi(
    paths(create_budget, list_budgets, get_budget, update_budget, delete_budget, top_up,
          ledger, check_budget, session_budgets, session_budget_check, resume_session),
    components(schemas(Budget, CreateBudgetRequest, UpdateBudgetRequest, TopUpRequest,
                       LedgerEntry, BudgetCheckResult, ResumeSessionResponse, BudgetEventData)),
    tags((name = "budgets", description = "Spending budgets, their ledger and enforcement"))
)]
pub struct BudgetsDoc;

/// The routes (merged into `/api/v1`).
pub fn routes() -> Router<App> {
    Router::new()
        .route("/budgets", post(create_budget).get(list_budgets))
        .route(
            "/budgets/{budget_id}",
            get(get_budget).patch(update_budget).delete(delete_budget),
        )
        .route("/budgets/{budget_id}/top-up", post(top_up))
        .route("/budgets/{budget_id}/ledger", get(ledger))
        .route("/budgets/{budget_id}/check", get(check_budget))
        .route("/sessions/{session_id}/budgets", get(session_budgets))
        .route(
            "/sessions/{session_id}/budget-check",
            get(session_budget_check),
        )
        .route("/sessions/{session_id}/resume", post(resume_session))
}

fn amount(field: &str, v: f64, allow_zero: bool) -> ApiResult<i64> {
    if !v.is_finite() || v < 0.0 || (!allow_zero && v == 0.0) || v > MAX_AMOUNT {
        return Err(ApiError::invalid(format!(
            "`{field}` must be a number {} {MAX_AMOUNT}, got {v}.",
            if allow_zero {
                "from 0 to"
            } else {
                "greater than 0 and at most"
            }
        )));
    }
    Ok(to_micros(v))
}

fn not_found(id: &str) -> ApiError {
    ApiError::not_found("budget_not_found", format!("No budget {id:?}."))
}

async fn load_budget(app: &App, id: &str) -> ApiResult<BudgetRow> {
    app.store.get_budget(id).await?.ok_or_else(|| not_found(id))
}

/// Creates a budget for a session or an agent (enforced), or another subject (stored).
#[utoipa::path(post, path = "/api/v1/budgets", tag = "budgets",
    request_body = CreateBudgetRequest,
    responses((status = 201, body = Budget),
              (status = 400, description = "`unsupported_currency`, a bad subject type or amount", body = ErrorResponse),
              (status = 404, description = "the session or agent does not exist", body = ErrorResponse)))]
pub async fn create_budget(
    State(app): State<App>,
    ApiJson(req): ApiJson<CreateBudgetRequest>,
) -> ApiResult<(StatusCode, Json<Budget>)> {
    if !CURRENCIES.contains(&req.currency.as_str()) {
        return Err(ApiError::bad_request(
            "unsupported_currency",
            format!(
                "Unsupported currency {:?}: expected one of {}.",
                req.currency,
                CURRENCIES.join(", ")
            ),
        ));
    }
    if !SUBJECT_TYPES.contains(&req.subject_type.as_str()) {
        return Err(ApiError::invalid(format!(
            "Unknown subject_type {:?}: expected one of {}.",
            req.subject_type,
            SUBJECT_TYPES.join(", ")
        )));
    }
    match req.subject_type.as_str() {
        "session" => {
            load(&app, &req.subject_id).await?;
        }
        "agent" => {
            let agent = app.store.get_agent(&req.subject_id).await?;
            if agent.as_ref().is_none_or(|a| a.id != req.subject_id) {
                return Err(ApiError::not_found(
                    "agent_not_found",
                    format!("No agent {:?} (give the agent_… id).", req.subject_id),
                ));
            }
        }
        _ if req.subject_id.trim().is_empty() => {
            return Err(ApiError::invalid("`subject_id` must not be empty."));
        }
        _ => {}
    }
    let limit = amount("limit", req.limit, false)?;
    let soft_limit = req
        .soft_limit
        .map(|s| amount("soft_limit", s, true))
        .transpose()?;
    if soft_limit.is_some_and(|s| s > limit) {
        return Err(ApiError::invalid("`soft_limit` must not exceed `limit`."));
    }
    let b = app
        .store
        .create_budget(NewBudget {
            subject_type: req.subject_type,
            subject_id: req.subject_id,
            currency: req.currency,
            limit,
            soft_limit,
            period: req.period,
            metadata: req.metadata,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(b.wire(app.store.org_id()))))
}

/// Budgets, optionally of one subject (`?subject_type=&subject_id=`); a plain array.
#[utoipa::path(get, path = "/api/v1/budgets", tag = "budgets",
    params(("subject_type" = Option<String>, Query), ("subject_id" = Option<String>, Query)),
    responses((status = 200, body = Vec<Budget>)))]
pub async fn list_budgets(
    State(app): State<App>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<Vec<Budget>>> {
    let q = Qs::parse(uri.query());
    let rows = app
        .store
        .list_budgets(q.get("subject_type"), q.get("subject_id"))
        .await?;
    Ok(Json(
        rows.iter().map(|b| b.wire(app.store.org_id())).collect(),
    ))
}

/// One budget.
#[utoipa::path(get, path = "/api/v1/budgets/{budget_id}", tag = "budgets",
    params(("budget_id" = String, Path)),
    responses((status = 200, body = Budget), (status = 404, body = ErrorResponse)))]
pub async fn get_budget(State(app): State<App>, Path(id): Path<String>) -> ApiResult<Json<Budget>> {
    Ok(Json(load_budget(&app, &id).await?.wire(app.store.org_id())))
}

/// Changes the limit, soft limit, status (`active`, `paused`, `disabled`) or metadata.
#[utoipa::path(patch, path = "/api/v1/budgets/{budget_id}", tag = "budgets",
    params(("budget_id" = String, Path)), request_body = UpdateBudgetRequest,
    responses((status = 200, body = Budget), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn update_budget(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<UpdateBudgetRequest>,
) -> ApiResult<Json<Budget>> {
    let current = load_budget(&app, &id).await?;
    if let Some(s) = &req.status {
        if !["active", "paused", "disabled"].contains(&s.as_str()) {
            return Err(ApiError::invalid(format!(
                "`status` must be active, paused or disabled, got {s:?}."
            )));
        }
    }
    let limit = req.limit.map(|l| amount("limit", l, false)).transpose()?;
    let soft_limit = req
        .soft_limit
        .map(|s| amount("soft_limit", s, true))
        .transpose()?;
    if soft_limit
        .or(current.soft_limit)
        .is_some_and(|s| s > limit.unwrap_or(current.limit))
    {
        return Err(ApiError::invalid("`soft_limit` must not exceed `limit`."));
    }
    let b = app
        .store
        .update_budget(
            &id,
            BudgetChanges {
                limit,
                soft_limit,
                status: req.status,
                metadata: req.metadata,
            },
        )
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(b.wire(app.store.org_id())))
}

/// Deletes a budget (soft delete: it stops applying; its ledger stays).
#[utoipa::path(delete, path = "/api/v1/budgets/{budget_id}", tag = "budgets",
    params(("budget_id" = String, Path)),
    responses((status = 204), (status = 404, body = ErrorResponse)))]
pub async fn delete_budget(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    if !app.store.delete_budget(&id).await? {
        return Err(not_found(&id));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Credits an amount back to the balance (a negative ledger entry). An exhausted budget with a
/// positive balance becomes active, and steps paused on it continue.
#[utoipa::path(post, path = "/api/v1/budgets/{budget_id}/top-up", tag = "budgets",
    params(("budget_id" = String, Path)), request_body = TopUpRequest,
    responses((status = 200, body = Budget),
              (status = 400, description = "amount not > 0", body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn top_up(
    State(app): State<App>,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<TopUpRequest>,
) -> ApiResult<Json<Budget>> {
    load_budget(&app, &id).await?;
    let micros = amount("amount", req.amount, false)?;
    let b = app
        .store
        .top_up_budget(&id, micros, req.description.as_deref())
        .await?
        .ok_or_else(|| not_found(&id))?;
    Ok(Json(b.wire(app.store.org_id())))
}

/// Ledger entries, oldest first (`?limit=` default 100, at most 1000; `?offset=`); a plain
/// array.
#[utoipa::path(get, path = "/api/v1/budgets/{budget_id}/ledger", tag = "budgets",
    params(("budget_id" = String, Path), ("limit" = Option<u32>, Query), ("offset" = Option<u64>, Query)),
    responses((status = 200, body = Vec<LedgerEntry>), (status = 400, body = ErrorResponse),
              (status = 404, body = ErrorResponse)))]
pub async fn ledger(
    State(app): State<App>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
) -> ApiResult<Json<Vec<LedgerEntry>>> {
    load_budget(&app, &id).await?;
    let q = Qs::parse(uri.query());
    let limit = q.u64("limit")?.unwrap_or(100);
    if limit == 0 || limit > 1000 {
        return Err(ApiError::invalid("`limit` must be from 1 to 1000."));
    }
    let offset = q.u64("offset")?.unwrap_or(0).min(i64::MAX as u64);
    Ok(Json(
        app.store
            .budget_ledger(&id, limit as i64, offset as i64)
            .await?,
    ))
}

/// What a set of budgets says about the next step: `pause` (paused or exhausted: the step
/// waits), `warn` (under the soft limit) or `continue`.
pub fn check(budgets: &[BudgetRow]) -> BudgetCheckResult {
    let pick = |b: &BudgetRow, action: &str, code: &str, msg: String| BudgetCheckResult {
        action: action.into(),
        budget_id: Some(b.id.clone()),
        balance: Some(b.balance() as f64 / crate::store::budgets::MICROS),
        currency: Some(b.currency.clone()),
        error_code: Some(code.into()),
        message: Some(msg),
    };
    if let Some(b) = crate::metering::blocking(budgets) {
        return if b.status == "paused" {
            pick(
                b,
                "pause",
                "budget_paused",
                format!("Budget {} is paused.", b.id),
            )
        } else {
            pick(
                b,
                "pause",
                "budget_exhausted",
                format!("Budget {} is exhausted: top it up to continue.", b.id),
            )
        };
    }
    if let Some(b) = budgets
        .iter()
        .find(|b| b.soft_limit.is_some_and(|s| b.balance() <= s))
    {
        return pick(
            b,
            "warn",
            "budget_low",
            format!("Budget {} is under its soft limit.", b.id),
        );
    }
    BudgetCheckResult {
        action: "continue".into(),
        budget_id: None,
        balance: None,
        currency: None,
        error_code: None,
        message: None,
    }
}

/// The status of one budget.
#[utoipa::path(get, path = "/api/v1/budgets/{budget_id}/check", tag = "budgets",
    params(("budget_id" = String, Path)),
    responses((status = 200, body = BudgetCheckResult), (status = 404, body = ErrorResponse)))]
pub async fn check_budget(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Json<BudgetCheckResult>> {
    let b = load_budget(&app, &id).await?;
    if b.status == "disabled" {
        return Ok(Json(check(&[])));
    }
    Ok(Json(check(&[b])))
}

/// The budgets that apply to a session (its own and its agent's); a plain array.
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/budgets", tag = "budgets",
    params(("session_id" = String, Path)),
    responses((status = 200, body = Vec<Budget>), (status = 404, body = ErrorResponse)))]
pub async fn session_budgets(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Json<Vec<Budget>>> {
    let s = load(&app, &id).await?;
    let rows = app
        .store
        .session_budgets(&id, s.agent_id.as_deref())
        .await?;
    Ok(Json(
        rows.iter().map(|b| b.wire(app.store.org_id())).collect(),
    ))
}

/// The most restrictive answer over the session's budgets.
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/budget-check", tag = "budgets",
    params(("session_id" = String, Path)),
    responses((status = 200, body = BudgetCheckResult), (status = 404, body = ErrorResponse)))]
pub async fn session_budget_check(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Json<BudgetCheckResult>> {
    let s = load(&app, &id).await?;
    let rows = app
        .store
        .session_budgets(&id, s.agent_id.as_deref())
        .await?;
    Ok(Json(check(&rows)))
}

/// Sets the session's paused budgets back to active: a step paused on them continues (an
/// exhausted budget needs a top-up first).
#[utoipa::path(post, path = "/api/v1/sessions/{session_id}/resume", tag = "budgets",
    params(("session_id" = String, Path)),
    responses((status = 200, body = ResumeSessionResponse), (status = 404, body = ErrorResponse)))]
pub async fn resume_session(
    State(app): State<App>,
    Path(id): Path<String>,
) -> ApiResult<Json<ResumeSessionResponse>> {
    let s = load(&app, &id).await?;
    let n = app
        .store
        .resume_session_budgets(&id, s.agent_id.as_deref())
        .await?;
    Ok(Json(ResumeSessionResponse {
        resumed_budgets: n,
        session_id: id,
    }))
}
