//! Spending budgets, provider connections and session secrets (upstream 0.3 names and
//! shapes): `/v1/budgets…`, `/v1/user/connections…`, `/v1/sessions/{id}/budgets`,
//! `…/budget-check`, `…/resume` and `…/storage/secrets`.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Event emitted when a budget's balance falls under its soft limit (the turn goes on).
pub const BUDGET_WARNING: &str = "budget.warning";
/// Event emitted when a session's next step waits because a budget is paused or exhausted.
pub const BUDGET_PAUSED: &str = "budget.paused";
/// Event emitted when a budget's balance reaches zero.
pub const BUDGET_EXHAUSTED: &str = "budget.exhausted";
/// Event emitted when a paused step continues (budget topped up or resumed).
pub const BUDGET_RESUMED: &str = "budget.resumed";

/// A provider connection: a per-user API key, stored encrypted and never returned.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Connection {
    /// Provider name (`openai`, `anthropic`).
    pub provider: String,
    /// Always `api_key` here.
    #[serde(default)]
    pub connection_type: String,
    /// The last four characters of the key, masked (`…abcd`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_hint: Option<String>,
    /// When the key was first set.
    pub created_at: DateTime<Utc>,
    /// When the key was last replaced.
    pub updated_at: DateTime<Utc>,
    /// Same as `updated_at` (upstream's name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub connected_at: Option<DateTime<Utc>>,
}

/// Body of `POST /v1/user/connections/{provider}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApiKeyConnectionRequest {
    /// The provider's API key.
    pub api_key: String,
}

/// Body of `PUT /v1/sessions/{id}/storage/secrets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BatchSetSecretsRequest {
    /// Secret names to values; existing names are overwritten.
    pub secrets: BTreeMap<String, String>,
}

/// Answer of `PUT /v1/sessions/{id}/storage/secrets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchSetSecretsResponse {
    /// Number of secrets stored.
    pub count: u64,
}

/// A spending cap for a subject (`session`, `agent`, …) in a currency (`usd`, `tokens`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Budget {
    /// `bdgt_…`.
    pub id: String,
    /// The organization.
    #[serde(default)]
    pub organization_id: String,
    /// `session`, `agent`, `user`, `organization`, `app` or `app_channel`.
    pub subject_type: String,
    /// The subject's id.
    pub subject_id: String,
    /// `usd` or `tokens`.
    pub currency: String,
    /// Hard limit.
    pub limit: f64,
    /// Remaining: limit minus consumption plus top-ups.
    pub balance: f64,
    /// Threshold under which the balance warns (`budget.warning`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_limit: Option<f64>,
    /// `active`, `paused`, `exhausted` or `disabled`.
    pub status: String,
    /// Recurring period (stored, not enforced by this server).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub period: Option<Value>,
    /// When the current period started.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_started_at: Option<DateTime<Utc>>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<Value>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// Body of `POST /v1/budgets`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateBudgetRequest {
    /// `session` or `agent` (enforced); others are stored.
    pub subject_type: String,
    /// The subject's id.
    pub subject_id: String,
    /// `usd` or `tokens`.
    pub currency: String,
    /// Hard limit (> 0).
    pub limit: f64,
    /// Warning threshold (0 ≤ soft_limit ≤ limit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_limit: Option<f64>,
    /// Recurring period (stored as given).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub period: Option<Value>,
    /// Free-form metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<Value>,
}

/// Body of `PATCH /v1/budgets/{id}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateBudgetRequest {
    /// New hard limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<f64>,
    /// New soft limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_limit: Option<f64>,
    /// New status (`active`, `paused`, `disabled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// New metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Object>))]
    pub metadata: Option<Value>,
}

/// Body of `POST /v1/budgets/{id}/top-up`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TopUpRequest {
    /// Amount credited back to the balance (> 0).
    pub amount: f64,
    /// Shown in the ledger.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// An immutable ledger entry: consumption (positive) or credit (negative).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LedgerEntry {
    /// `ledg_…`.
    pub id: String,
    /// The budget.
    pub budget_id: String,
    /// Positive = debit, negative = credit.
    pub amount: f64,
    /// `llm_tokens` or `manual`.
    pub meter_source: String,
    /// What was consumed or why.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Reference id (e.g. the turn).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_id: Option<String>,
    /// `llm_generation` or `manual`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ref_type: Option<String>,
    /// The session that consumed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_id: Option<String>,
    /// When.
    pub created_at: DateTime<Utc>,
}

/// The most restrictive answer over the budgets that apply.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetCheckResult {
    /// `continue`, `warn`, `pause` or `stop`.
    pub action: String,
    /// The budget that decided.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub budget_id: Option<String>,
    /// Its balance.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance: Option<f64>,
    /// Its currency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Stable code (`budget_exhausted`, `budget_paused`, `budget_low`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// Human-readable, when `action` is not `continue`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// Answer of `POST /v1/sessions/{id}/resume`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResumeSessionResponse {
    /// Paused budgets set back to active.
    pub resumed_budgets: u64,
    /// The session.
    pub session_id: String,
}

/// Data of the `budget.*` events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BudgetEventData {
    /// The budget.
    pub budget_id: String,
    /// Its balance when the event was emitted.
    pub balance: f64,
    /// Its limit.
    pub limit: f64,
    /// Its currency.
    pub currency: String,
    /// Its soft limit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub soft_limit: Option<f64>,
    /// Human-readable.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}
