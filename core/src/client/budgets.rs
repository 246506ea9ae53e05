//! `client.budgets()`, `client.connections()` and the session's budget and secret calls
//! (upstream 0.3 names and routes).

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::Value;

use super::{Error, Everruns, Result, SessionsClient};
use crate::ids::{self, IdKind};
use crate::types::{
    ApiKeyConnectionRequest, BatchSetSecretsRequest, BatchSetSecretsResponse, Budget,
    BudgetCheckResult, Connection, CreateBudgetRequest, LedgerEntry, ListResponse,
    ResumeSessionResponse, TopUpRequest, UpdateBudgetRequest,
};

fn budget_id(id: &str) -> Result<()> {
    if id.trim().is_empty() {
        return Err(Error::validation("the budget id must not be empty"));
    }
    Ok(())
}

fn finite(field: &str, v: f64) -> Result<()> {
    if !v.is_finite() {
        return Err(Error::validation(format!(
            "{field} must be a finite number"
        )));
    }
    Ok(())
}

/// Spending budgets (`/v1/budgets`).
#[derive(Debug, Clone)]
pub struct BudgetsClient {
    client: Everruns,
}

impl BudgetsClient {
    pub(crate) fn new(client: Everruns) -> Self {
        Self { client }
    }

    /// Creates a budget on a subject (`session`, `agent`, …) in `usd` or `tokens`.
    pub async fn create(&self, req: CreateBudgetRequest) -> Result<Budget> {
        finite("limit", req.limit)?;
        let c = &self.client;
        c.send_json(Method::POST, c.url(&["budgets"]), &req, false)
            .await
    }

    /// Budgets, optionally of one subject type and/or id.
    pub async fn list(
        &self,
        subject_type: Option<&str>,
        subject_id: Option<&str>,
    ) -> Result<Vec<Budget>> {
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(t) = subject_type {
            q.push(("subject_type", t.to_string()));
        }
        if let Some(i) = subject_id {
            q.push(("subject_id", i.to_string()));
        }
        let c = &self.client;
        c.get_json(c.url_with_query(&["budgets"], &q)).await
    }

    /// A budget by id.
    pub async fn get(&self, id: &str) -> Result<Budget> {
        budget_id(id)?;
        let c = &self.client;
        c.get_json(c.url(&["budgets", id])).await
    }

    /// Changes a budget's limit, soft limit, status or metadata.
    pub async fn update(&self, id: &str, req: UpdateBudgetRequest) -> Result<Budget> {
        budget_id(id)?;
        let c = &self.client;
        c.send_json(Method::PATCH, c.url(&["budgets", id]), &req, true)
            .await
    }

    /// Deletes a budget (soft delete).
    pub async fn delete(&self, id: &str) -> Result<()> {
        budget_id(id)?;
        let c = &self.client;
        c.delete_empty(c.url(&["budgets", id])).await
    }

    /// Credits `amount` (> 0) back to the balance.
    pub async fn top_up(
        &self,
        id: &str,
        amount: f64,
        description: Option<String>,
    ) -> Result<Budget> {
        budget_id(id)?;
        finite("amount", amount)?;
        if amount <= 0.0 {
            return Err(Error::validation("amount must be greater than 0"));
        }
        let c = &self.client;
        c.send_json(
            Method::POST,
            c.url(&["budgets", id, "top-up"]),
            &TopUpRequest {
                amount,
                description,
            },
            false,
        )
        .await
    }

    /// Ledger entries, oldest first.
    pub async fn ledger(
        &self,
        id: &str,
        limit: Option<u32>,
        offset: Option<u64>,
    ) -> Result<Vec<LedgerEntry>> {
        budget_id(id)?;
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(l) = limit {
            q.push(("limit", l.to_string()));
        }
        if let Some(o) = offset {
            q.push(("offset", o.to_string()));
        }
        let c = &self.client;
        c.get_json(c.url_with_query(&["budgets", id, "ledger"], &q))
            .await
    }

    /// What the budget says about the next step.
    pub async fn check(&self, id: &str) -> Result<BudgetCheckResult> {
        budget_id(id)?;
        let c = &self.client;
        c.get_json(c.url(&["budgets", id, "check"])).await
    }
}

/// Provider connections (`/v1/user/connections`).
#[derive(Debug, Clone)]
pub struct ConnectionsClient {
    client: Everruns,
}

impl ConnectionsClient {
    pub(crate) fn new(client: Everruns) -> Self {
        Self { client }
    }

    /// Sets (or replaces) the API key of a provider (`openai`, `anthropic`). The key is sent
    /// once and never returned.
    pub async fn set(&self, provider: &str, api_key: &str) -> Result<Connection> {
        if provider.trim().is_empty() {
            return Err(Error::validation("provider must not be empty"));
        }
        if api_key.trim().is_empty() {
            return Err(Error::validation("api_key must not be empty"));
        }
        let c = &self.client;
        c.send_json(
            Method::POST,
            c.url(&["user", "connections", provider]),
            &ApiKeyConnectionRequest {
                api_key: api_key.to_string(),
            },
            true,
        )
        .await
    }

    /// Every connection (no keys).
    pub async fn list(&self) -> Result<Vec<Connection>> {
        let c = &self.client;
        let l: ListResponse<Connection> = c.get_json(c.url(&["user", "connections"])).await?;
        Ok(l.data)
    }

    /// Removes a provider's connection.
    pub async fn remove(&self, provider: &str) -> Result<()> {
        if provider.trim().is_empty() {
            return Err(Error::validation("provider must not be empty"));
        }
        let c = &self.client;
        c.delete_empty(c.url(&["user", "connections", provider]))
            .await
    }
}

impl SessionsClient {
    /// The budgets that apply to a session (its own and its agent's).
    pub async fn budgets(&self, session_id: &str) -> Result<Vec<Budget>> {
        ids::validate(IdKind::Session, session_id)?;
        let c = self.client();
        c.get_json(c.url(&["sessions", session_id, "budgets"]))
            .await
    }

    /// The most restrictive answer over the session's budgets.
    pub async fn budget_check(&self, session_id: &str) -> Result<BudgetCheckResult> {
        ids::validate(IdKind::Session, session_id)?;
        let c = self.client();
        c.get_json(c.url(&["sessions", session_id, "budget-check"]))
            .await
    }

    /// Sets the session's paused budgets back to active; a step paused on them continues.
    pub async fn resume(&self, session_id: &str) -> Result<ResumeSessionResponse> {
        ids::validate(IdKind::Session, session_id)?;
        let c = self.client();
        c.send_json(
            Method::POST,
            c.url(&["sessions", session_id, "resume"]),
            &Value::Object(Default::default()),
            true,
        )
        .await
    }

    /// Stores secrets of a session, encrypted; only the session's tools read them.
    pub async fn set_secrets(
        &self,
        session_id: &str,
        secrets: BTreeMap<String, String>,
    ) -> Result<BatchSetSecretsResponse> {
        ids::validate(IdKind::Session, session_id)?;
        if secrets.keys().any(|k| k.is_empty()) {
            return Err(Error::validation("secret names must not be empty"));
        }
        let c = self.client();
        c.send_json(
            Method::PUT,
            c.url(&["sessions", session_id, "storage", "secrets"]),
            &BatchSetSecretsRequest { secrets },
            true,
        )
        .await
    }
}
