//! Budget enforcement around every LLM call (a driver wrapper, so the turn engine is
//! unchanged):
//!
//! - **Before a call** (a reasoning step), the budgets that apply to the session (its own and
//!   its agent's) are read. When one is `paused` or `exhausted` (balance at or under zero), the
//!   step **pauses**: `budget.paused` is appended once, and the call waits until no budget
//!   blocks (a top-up, a raised limit, `POST /v1/sessions/{id}/resume` for paused budgets), then
//!   `budget.resumed` is appended and the call goes on. A step still blocked after the wait
//!   limit fails with a `budget_exhausted` error (the turn fails).
//! - **After a call**, its token usage is charged to every applying budget: `tokens` budgets by
//!   token count, `usd` budgets by [`everruns_runtime::pricing`]. A charge that takes the
//!   balance under the soft limit appends `budget.warning`; one that reaches zero appends
//!   `budget.exhausted` (the current step finishes; the next one pauses). Each call is charged
//!   once per budget (its call key is the ledger's `ref_id`).

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use everruns_core::{BudgetEventData, EventContext, TokenUsage};
use everruns_runtime::llm::{LlmCallContext, LlmStream};
use everruns_runtime::{
    DriverRegistry, LlmDriver, LlmError, LlmErrorKind, LlmRequest, LlmStreamEvent,
};
use futures::StreamExt;

use crate::store::budgets::{BudgetRow, MICROS};
use crate::store::{NewEvent, Store};

/// How often a paused step looks at its budgets again.
const POLL: Duration = Duration::from_millis(200);

/// Wraps every driver of `registry` with budget enforcement; a paused step waits at most
/// `max_wait`.
pub fn metered(registry: DriverRegistry, store: Store, max_wait: Duration) -> DriverRegistry {
    let mut out = DriverRegistry::empty();
    for name in registry.provider_types() {
        let t = everruns_core::LlmProviderType::from(name.as_str());
        if let Some(inner) = registry.get(&t) {
            out.register(
                t,
                Metered {
                    inner,
                    store: store.clone(),
                    max_wait,
                },
            );
        }
    }
    out
}

#[derive(Clone)]
struct Metered {
    inner: Arc<dyn LlmDriver>,
    store: Store,
    max_wait: Duration,
}

fn event_data(b: &BudgetRow, message: String) -> serde_json::Value {
    serde_json::to_value(BudgetEventData {
        budget_id: b.id.clone(),
        balance: b.balance() as f64 / MICROS,
        limit: b.limit as f64 / MICROS,
        currency: b.currency.clone(),
        soft_limit: b.soft_limit.map(|s| s as f64 / MICROS),
        message: Some(message),
    })
    .unwrap_or_default()
}

fn context(ctx: &LlmCallContext) -> EventContext {
    let turn = ctx
        .call_key
        .split(':')
        .next()
        .filter(|t| t.starts_with("turn_"));
    EventContext {
        turn_id: turn.map(str::to_string),
        trace_id: turn.map(str::to_string),
        ..Default::default()
    }
}

/// The budget that stops a session's next step, if any.
pub fn blocking(budgets: &[BudgetRow]) -> Option<&BudgetRow> {
    budgets
        .iter()
        .find(|b| b.status == "paused" || b.status == "exhausted" || b.balance() <= 0)
}

fn store_err(e: impl std::fmt::Display) -> LlmError {
    LlmError::new(LlmErrorKind::Other, format!("budget check failed: {e}"))
}

impl Metered {
    async fn applying(&self, session_id: &str) -> Result<Vec<BudgetRow>, LlmError> {
        let agent = self
            .store
            .get_session(session_id)
            .await
            .map_err(store_err)?
            .and_then(|s| s.agent_id);
        self.store
            .session_budgets(session_id, agent.as_deref())
            .await
            .map_err(store_err)
    }

    async fn emit(&self, ctx: &LlmCallContext, event_type: &str, data: serde_json::Value) {
        let ev = NewEvent::new(event_type, data, context(ctx));
        if let Err(e) = self.store.append_events(&ctx.session_id, vec![ev]).await {
            tracing::warn!(session_id = %ctx.session_id, error = %e, event_type, "budget event not stored");
        }
    }

    /// Waits while a budget blocks the session (see the module docs).
    async fn wait_for_budget(&self, ctx: &LlmCallContext) -> Result<(), LlmError> {
        let started = Instant::now();
        let mut paused: Option<String> = None;
        loop {
            let budgets = self.applying(&ctx.session_id).await?;
            let Some(b) = blocking(&budgets) else {
                if let Some(id) = paused {
                    let b = budgets.iter().find(|b| b.id == id);
                    let data = match b {
                        Some(b) => {
                            event_data(b, "budget available again; the step continues".into())
                        }
                        None => {
                            serde_json::json!({"budget_id": id, "message": "budget removed; the step continues"})
                        }
                    };
                    self.emit(ctx, everruns_core::BUDGET_RESUMED, data).await;
                }
                return Ok(());
            };
            if paused.is_none() {
                let why = if b.status == "paused" {
                    "budget paused"
                } else {
                    "budget exhausted"
                };
                tracing::info!(session_id = %ctx.session_id, budget_id = %b.id, "step paused: {why}");
                self.emit(
                    ctx,
                    everruns_core::BUDGET_PAUSED,
                    event_data(
                        b,
                        format!("{why}: the next step waits for a top-up or resume"),
                    ),
                )
                .await;
                paused = Some(b.id.clone());
            }
            if started.elapsed() >= self.max_wait {
                return Err(LlmError::new(
                    LlmErrorKind::Other,
                    format!(
                        "budget_exhausted: budget {} ({}) blocked the step for {}s",
                        b.id,
                        b.currency,
                        self.max_wait.as_secs()
                    ),
                ));
            }
            tokio::time::sleep(POLL).await;
        }
    }

    async fn charge(&self, ctx: &LlmCallContext, model: &str, usage: &TokenUsage) {
        let budgets = match self.applying(&ctx.session_id).await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(session_id = %ctx.session_id, error = %e, "usage not charged");
                return;
            }
        };
        let tokens = everruns_runtime::pricing::total_tokens(usage);
        for b in budgets {
            let amount = match b.currency.as_str() {
                "tokens" => tokens as i64 * MICROS as i64,
                "usd" => match everruns_runtime::pricing::cost_micro_usd(model, usage) {
                    Some(c) => c,
                    None => {
                        tracing::warn!(%model, "no price for this model: usd budgets are not charged");
                        continue;
                    }
                },
                _ => continue,
            };
            let desc = format!(
                "{model}: {} input + {} output tokens",
                usage.input_tokens, usage.output_tokens
            );
            match self
                .store
                .charge_budget(&b.id, amount, &ctx.session_id, &ctx.call_key, &desc)
                .await
            {
                Ok(Some(c)) => {
                    if c.warned {
                        self.emit(
                            ctx,
                            everruns_core::BUDGET_WARNING,
                            event_data(&c.budget, "balance under the soft limit".into()),
                        )
                        .await;
                    }
                    if c.exhausted {
                        self.emit(
                            ctx,
                            everruns_core::BUDGET_EXHAUSTED,
                            event_data(
                                &c.budget,
                                "budget exhausted: the next step pauses until a top-up".into(),
                            ),
                        )
                        .await;
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    tracing::warn!(budget_id = %b.id, error = %e, "usage not charged")
                }
            }
        }
    }
}

#[async_trait]
impl LlmDriver for Metered {
    async fn stream(
        &self,
        request: LlmRequest,
        ctx: &LlmCallContext,
    ) -> Result<LlmStream, LlmError> {
        self.wait_for_budget(ctx).await?;
        let model = request.model.model.clone();
        let inner = self.inner.stream(request, ctx).await?;
        let this = self.clone();
        let ctx = ctx.clone();
        Ok(Box::pin(inner.then(move |item| {
            let this = this.clone();
            let ctx = ctx.clone();
            let model = model.clone();
            async move {
                if let Ok(LlmStreamEvent::Usage(u)) = &item {
                    this.charge(&ctx, &model, u).await;
                }
                item
            }
        })))
    }
}
