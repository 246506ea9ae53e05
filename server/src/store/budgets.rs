//! Spending budgets and their ledger. Amounts are integer millionths of the currency unit
//! ("micros"), so balances are exact on both databases; the wire shows them as numbers.

use everruns_core::{Budget, LedgerEntry};
use serde_json::Value;
use sqlx::Row;

use super::{now, parse_ts, ts, Store, StoreResult, Tx};

/// Millionths per unit.
pub const MICROS: f64 = 1_000_000.0;

/// Units → micros (rounded).
pub fn to_micros(v: f64) -> i64 {
    (v * MICROS).round() as i64
}

fn from_micros(v: i64) -> f64 {
    v as f64 / MICROS
}

/// A stored budget.
#[derive(Debug, Clone)]
pub struct BudgetRow {
    /// `bdgt_…`.
    pub id: String,
    /// Subject type.
    pub subject_type: String,
    /// Subject id.
    pub subject_id: String,
    /// `usd` or `tokens`.
    pub currency: String,
    /// Hard limit (micros).
    pub limit: i64,
    /// Consumption minus credits (micros).
    pub consumed: i64,
    /// Soft limit (micros).
    pub soft_limit: Option<i64>,
    /// `active`, `paused`, `exhausted` or `disabled`.
    pub status: String,
    /// A `budget.warning` was emitted since the balance last rose above the soft limit.
    pub warned: bool,
    period: Option<String>,
    metadata: Option<String>,
    created_at: String,
    updated_at: String,
}

impl BudgetRow {
    /// Remaining micros.
    pub fn balance(&self) -> i64 {
        self.limit - self.consumed
    }

    /// The wire shape.
    pub fn wire(&self, org: &str) -> Budget {
        let json = |s: &Option<String>| s.as_deref().and_then(|t| serde_json::from_str(t).ok());
        Budget {
            id: self.id.clone(),
            organization_id: org.to_string(),
            subject_type: self.subject_type.clone(),
            subject_id: self.subject_id.clone(),
            currency: self.currency.clone(),
            limit: from_micros(self.limit),
            balance: from_micros(self.balance()),
            soft_limit: self.soft_limit.map(from_micros),
            status: self.status.clone(),
            period: json(&self.period),
            period_started_at: self.period.as_ref().map(|_| parse_ts(&self.created_at)),
            metadata: json(&self.metadata),
            created_at: parse_ts(&self.created_at),
            updated_at: parse_ts(&self.updated_at),
        }
    }
}

const COLS: &str = "id, subject_type, subject_id, currency, limit_micros, consumed_micros, \
                    soft_limit_micros, status, warned, period, metadata, created_at, updated_at";

fn row(r: &sqlx::any::AnyRow) -> BudgetRow {
    BudgetRow {
        id: r.get("id"),
        subject_type: r.get("subject_type"),
        subject_id: r.get("subject_id"),
        currency: r.get("currency"),
        limit: r.get("limit_micros"),
        consumed: r.get("consumed_micros"),
        soft_limit: r.get("soft_limit_micros"),
        status: r.get("status"),
        warned: r.get::<i64, _>("warned") != 0,
        period: r.get("period"),
        metadata: r.get("metadata"),
        created_at: r.get("created_at"),
        updated_at: r.get("updated_at"),
    }
}

/// A new budget.
#[derive(Debug, Clone)]
pub struct NewBudget {
    /// Subject type.
    pub subject_type: String,
    /// Subject id.
    pub subject_id: String,
    /// Currency.
    pub currency: String,
    /// Limit (micros).
    pub limit: i64,
    /// Soft limit (micros).
    pub soft_limit: Option<i64>,
    /// Period JSON.
    pub period: Option<Value>,
    /// Metadata JSON.
    pub metadata: Option<Value>,
}

/// Changes to a budget.
#[derive(Debug, Clone, Default)]
pub struct BudgetChanges {
    /// New limit (micros).
    pub limit: Option<i64>,
    /// New soft limit (micros).
    pub soft_limit: Option<i64>,
    /// New status.
    pub status: Option<String>,
    /// New metadata.
    pub metadata: Option<Value>,
}

/// What a charge did to one budget.
#[derive(Debug, Clone)]
pub struct Charged {
    /// The budget after the charge.
    pub budget: BudgetRow,
    /// The balance fell under the soft limit with this charge.
    pub warned: bool,
    /// The balance reached zero with this charge.
    pub exhausted: bool,
}

fn ledger_id() -> String {
    format!("ledg_{}", uuid::Uuid::now_v7().simple())
}

/// The status a budget has after its numbers changed: `exhausted` at or under zero,
/// `active` again above it (`paused` and `disabled` are kept).
fn settle(status: &str, balance: i64) -> &str {
    match status {
        "active" | "exhausted" if balance <= 0 => "exhausted",
        "exhausted" => "active",
        s => s,
    }
}

async fn lock(tx: &mut Tx<'_>, id: &str) -> StoreResult<Option<BudgetRow>> {
    sqlx::query("UPDATE budgets SET id = id WHERE id = $1 AND deleted_at IS NULL")
        .bind(id)
        .execute(&mut **tx)
        .await?;
    let r = sqlx::query(&format!(
        "SELECT {COLS} FROM budgets WHERE id = $1 AND deleted_at IS NULL"
    ))
    .bind(id)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(r.as_ref().map(row))
}

async fn save(tx: &mut Tx<'_>, b: &BudgetRow) -> StoreResult<()> {
    sqlx::query(
        "UPDATE budgets SET limit_micros = $2, consumed_micros = $3, soft_limit_micros = $4,
             status = $5, warned = $6, metadata = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(&b.id)
    .bind(b.limit)
    .bind(b.consumed)
    .bind(b.soft_limit)
    .bind(&b.status)
    .bind(i64::from(b.warned))
    .bind(&b.metadata)
    .bind(&b.updated_at)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

#[allow(clippy::too_many_arguments)]
async fn add_ledger(
    tx: &mut Tx<'_>,
    budget_id: &str,
    amount: i64,
    meter_source: &str,
    description: Option<&str>,
    ref_id: Option<&str>,
    ref_type: Option<&str>,
    session_id: Option<&str>,
) -> StoreResult<bool> {
    let seq: i64 = sqlx::query(
        "SELECT CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM budget_ledger WHERE budget_id = $1",
    )
    .bind(budget_id)
    .fetch_one(&mut **tx)
    .await?
    .get(0);
    let n = sqlx::query(
        "INSERT INTO budget_ledger (id, budget_id, seq, amount_micros, meter_source, description,
             ref_id, ref_type, session_id, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT (budget_id, ref_id) DO NOTHING",
    )
    .bind(ledger_id())
    .bind(budget_id)
    .bind(seq + 1)
    .bind(amount)
    .bind(meter_source)
    .bind(description)
    .bind(ref_id)
    .bind(ref_type)
    .bind(session_id)
    .bind(ts(now()))
    .execute(&mut **tx)
    .await?
    .rows_affected();
    Ok(n > 0)
}

impl Store {
    /// Creates a budget (status `active`, or `exhausted` when the limit is zero).
    pub async fn create_budget(&self, b: NewBudget) -> StoreResult<BudgetRow> {
        let id = format!("bdgt_{}", uuid::Uuid::now_v7().simple());
        let t = ts(now());
        let status = if b.limit <= 0 { "exhausted" } else { "active" };
        let r = sqlx::query(&format!(
            "INSERT INTO budgets (id, subject_type, subject_id, currency, limit_micros,
                 consumed_micros, soft_limit_micros, status, warned, period, metadata,
                 created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, 0, $6, $7, 0, $8, $9, $10, $10) RETURNING {COLS}"
        ))
        .bind(&id)
        .bind(&b.subject_type)
        .bind(&b.subject_id)
        .bind(&b.currency)
        .bind(b.limit)
        .bind(b.soft_limit)
        .bind(status)
        .bind(b.period.map(|v| v.to_string()))
        .bind(b.metadata.map(|v| v.to_string()))
        .bind(&t)
        .fetch_one(self.write_pool())
        .await?;
        Ok(row(&r))
    }

    /// Budgets not deleted, optionally of one subject type and/or id, oldest first.
    pub async fn list_budgets(
        &self,
        subject_type: Option<&str>,
        subject_id: Option<&str>,
    ) -> StoreResult<Vec<BudgetRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM budgets WHERE deleted_at IS NULL
                 AND ($1 = '' OR subject_type = $1) AND ($2 = '' OR subject_id = $2)
             ORDER BY created_at, id"
        ))
        .bind(subject_type.unwrap_or(""))
        .bind(subject_id.unwrap_or(""))
        .fetch_all(self.read_pool())
        .await?;
        Ok(rows.iter().map(row).collect())
    }

    /// One budget (not deleted).
    pub async fn get_budget(&self, id: &str) -> StoreResult<Option<BudgetRow>> {
        let r = sqlx::query(&format!(
            "SELECT {COLS} FROM budgets WHERE id = $1 AND deleted_at IS NULL"
        ))
        .bind(id)
        .fetch_optional(self.read_pool())
        .await?;
        Ok(r.as_ref().map(row))
    }

    /// Applies changes; `None` when the budget does not exist.
    pub async fn update_budget(
        &self,
        id: &str,
        c: BudgetChanges,
    ) -> StoreResult<Option<BudgetRow>> {
        let mut tx = self.write_pool().begin().await?;
        let Some(mut b) = lock(&mut tx, id).await? else {
            return Ok(None);
        };
        if let Some(l) = c.limit {
            b.limit = l;
        }
        if let Some(s) = c.soft_limit {
            b.soft_limit = Some(s);
        }
        if let Some(m) = c.metadata {
            b.metadata = Some(m.to_string());
        }
        if let Some(s) = c.status {
            b.status = s;
        }
        b.status = settle(&b.status, b.balance()).to_string();
        if b.soft_limit.is_none_or(|s| b.balance() > s) {
            b.warned = false;
        }
        b.updated_at = ts(now());
        save(&mut tx, &b).await?;
        tx.commit().await?;
        Ok(Some(b))
    }

    /// Soft-deletes a budget; false when it did not exist.
    pub async fn delete_budget(&self, id: &str) -> StoreResult<bool> {
        let n = sqlx::query(
            "UPDATE budgets SET deleted_at = $2, updated_at = $2
             WHERE id = $1 AND deleted_at IS NULL",
        )
        .bind(id)
        .bind(ts(now()))
        .execute(self.write_pool())
        .await?
        .rows_affected();
        Ok(n > 0)
    }

    /// Credits `amount` micros back (a negative ledger entry); an exhausted budget with a
    /// positive balance becomes active again.
    pub async fn top_up_budget(
        &self,
        id: &str,
        amount: i64,
        description: Option<&str>,
    ) -> StoreResult<Option<BudgetRow>> {
        let mut tx = self.write_pool().begin().await?;
        let Some(mut b) = lock(&mut tx, id).await? else {
            return Ok(None);
        };
        b.consumed -= amount;
        b.status = settle(&b.status, b.balance()).to_string();
        if b.soft_limit.is_none_or(|s| b.balance() > s) {
            b.warned = false;
        }
        b.updated_at = ts(now());
        save(&mut tx, &b).await?;
        add_ledger(
            &mut tx,
            id,
            -amount,
            "manual",
            description.or(Some("top-up")),
            None,
            Some("manual"),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(Some(b))
    }

    /// Ledger entries of a budget, oldest first.
    pub async fn budget_ledger(
        &self,
        id: &str,
        limit: i64,
        offset: i64,
    ) -> StoreResult<Vec<LedgerEntry>> {
        let rows = sqlx::query(
            "SELECT id, budget_id, amount_micros, meter_source, description, ref_id, ref_type,
                 session_id, created_at FROM budget_ledger WHERE budget_id = $1
             ORDER BY seq LIMIT $2 OFFSET $3",
        )
        .bind(id)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.read_pool())
        .await?;
        Ok(rows
            .iter()
            .map(|r| LedgerEntry {
                id: r.get("id"),
                budget_id: r.get("budget_id"),
                amount: from_micros(r.get("amount_micros")),
                meter_source: r.get("meter_source"),
                description: r.get("description"),
                ref_id: r.get("ref_id"),
                ref_type: r.get("ref_type"),
                session_id: r.get("session_id"),
                created_at: parse_ts(&r.get::<String, _>("created_at")),
            })
            .collect())
    }

    /// The budgets that apply to a session: its own and its agent's (not deleted, not
    /// disabled).
    pub async fn session_budgets(
        &self,
        session_id: &str,
        agent_id: Option<&str>,
    ) -> StoreResult<Vec<BudgetRow>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLS} FROM budgets WHERE deleted_at IS NULL AND status <> 'disabled'
                 AND ((subject_type = 'session' AND subject_id = $1)
                      OR (subject_type = 'agent' AND subject_id = $2))
             ORDER BY created_at, id"
        ))
        .bind(session_id)
        .bind(agent_id.unwrap_or(""))
        .fetch_all(self.read_pool())
        .await?;
        Ok(rows.iter().map(row).collect())
    }

    /// Charges `amount` micros of one metered call (`ref_id`, charged once) to a budget.
    /// `None` when the budget is gone or the call was already charged.
    pub async fn charge_budget(
        &self,
        id: &str,
        amount: i64,
        session_id: &str,
        ref_id: &str,
        description: &str,
    ) -> StoreResult<Option<Charged>> {
        let mut tx = self.write_pool().begin().await?;
        let Some(mut b) = lock(&mut tx, id).await? else {
            return Ok(None);
        };
        let inserted = add_ledger(
            &mut tx,
            id,
            amount,
            "llm_tokens",
            Some(description),
            Some(ref_id),
            Some("llm_generation"),
            Some(session_id),
        )
        .await?;
        if !inserted {
            return Ok(None);
        }
        let was_exhausted = b.status == "exhausted";
        b.consumed += amount;
        b.status = settle(&b.status, b.balance()).to_string();
        let exhausted = !was_exhausted && b.status == "exhausted";
        let warned = !b.warned && b.soft_limit.is_some_and(|s| b.balance() <= s);
        if warned {
            b.warned = true;
        }
        b.updated_at = ts(now());
        save(&mut tx, &b).await?;
        tx.commit().await?;
        Ok(Some(Charged {
            budget: b,
            warned,
            exhausted,
        }))
    }

    /// Sets the session's paused budgets (its own and its agent's) back to `active` (or
    /// `exhausted` when nothing is left); returns how many were paused.
    pub async fn resume_session_budgets(
        &self,
        session_id: &str,
        agent_id: Option<&str>,
    ) -> StoreResult<u64> {
        let paused: Vec<String> = self
            .session_budgets(session_id, agent_id)
            .await?
            .into_iter()
            .filter(|b| b.status == "paused")
            .map(|b| b.id)
            .collect();
        let mut n = 0;
        for id in paused {
            let mut tx = self.write_pool().begin().await?;
            if let Some(mut b) = lock(&mut tx, &id).await? {
                if b.status == "paused" {
                    b.status = settle("active", b.balance()).to_string();
                    b.updated_at = ts(now());
                    save(&mut tx, &b).await?;
                    n += 1;
                }
            }
            tx.commit().await?;
        }
        Ok(n)
    }
}
