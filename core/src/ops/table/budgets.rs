//! `budgets`, `connections` and the session's `budgets`, `budget_check`, `resume` and
//! `set_secrets` (upstream 0.3 names).

use std::collections::BTreeMap;

use futures::FutureExt;

use crate::ops::spec::*;
use crate::types::{CreateBudgetRequest, UpdateBudgetRequest};

const SESSION_ID: Param = address("session_id", "The session's id (`session_…`).");
const BUDGET_ID: Param = address("budget_id", "The budget's id (`bdgt_…`).");
const PROVIDER: Param = address("provider", "The provider: `openai` or `anthropic`.");

pub(crate) const SESSIONS: &[Op] = &[
    Op {
        group: "sessions",
        name: "budgets",
        doc: "The budgets that apply to a session (its own and its agent's).",
        params: &[SESSION_ID],
        fields: None,
        ret: Ret::List("Budget"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                a.done()?;
                c.sessions().budgets(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "sessions",
        name: "budget_check",
        doc: "The most restrictive answer over the session's budgets: `continue`, `warn` or \
              `pause`.",
        params: &[SESSION_ID],
        fields: None,
        ret: Ret::Model("BudgetCheckResult"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                a.done()?;
                c.sessions().budget_check(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "sessions",
        name: "resume",
        doc: "Sets the session's paused budgets back to active; a step paused on them \
              continues (an exhausted budget needs a top-up).",
        params: &[SESSION_ID],
        fields: None,
        ret: Ret::Model("ResumeSessionResponse"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                a.done()?;
                c.sessions().resume(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "sessions",
        name: "set_secrets",
        doc: "Stores secrets of a session, encrypted: the session's tools read them (the bash \
              tool as environment variables); no answer or event carries them.",
        params: &[
            SESSION_ID,
            primary("secrets", Ty::Json, "Secret names to values."),
        ],
        fields: None,
        ret: Ret::Model("BatchSetSecretsResponse"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("session_id")?;
                let secrets: BTreeMap<String, String> = a.req("secrets")?;
                a.done()?;
                c.sessions().set_secrets(&id, secrets).await.map(output)
            }
            .boxed()
        }),
    },
];

pub(crate) const BUDGETS: &[Op] = &[
    Op {
        group: "budgets",
        name: "create",
        doc: "Creates a budget on a subject (`session`, `agent`, …) in `usd` or `tokens`.",
        params: &[
            primary(
                "subject_type",
                Ty::Str,
                "`session`, `agent`, `user`, `organization`, …",
            ),
            primary("subject_id", Ty::Str, "The subject's id."),
            primary("currency", Ty::Str, "`usd` or `tokens`."),
            primary("limit", Ty::Float, "Hard limit (> 0)."),
        ],
        fields: Some(Fields {
            schema: "CreateBudgetRequest",
            skip: &[],
        }),
        ret: Ret::Model("Budget"),
        idempotent: false,
        run: Run::Unary(|c, a| {
            async move {
                let req: CreateBudgetRequest = a.rest()?;
                c.budgets().create(req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "budgets",
        name: "list",
        doc: "Budgets, optionally of one subject type and/or id.",
        params: &[
            optional("subject_type", Ty::Str, None, "Only this subject type."),
            optional("subject_id", Ty::Str, None, "Only this subject id."),
        ],
        fields: None,
        ret: Ret::List("Budget"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let t: Option<String> = a.opt("subject_type")?;
                let i: Option<String> = a.opt("subject_id")?;
                a.done()?;
                c.budgets()
                    .list(t.as_deref(), i.as_deref())
                    .await
                    .map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "budgets",
        name: "get",
        doc: "A budget by id.",
        params: &[BUDGET_ID],
        fields: None,
        ret: Ret::Model("Budget"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("budget_id")?;
                a.done()?;
                c.budgets().get(&id).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "budgets",
        name: "update",
        doc: "Changes a budget's limit, soft limit, status (`active`, `paused`, `disabled`) or \
              metadata.",
        params: &[BUDGET_ID],
        fields: Some(Fields {
            schema: "UpdateBudgetRequest",
            skip: &[],
        }),
        ret: Ret::Model("Budget"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("budget_id")?;
                let req: UpdateBudgetRequest = a.rest()?;
                c.budgets().update(&id, req).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "budgets",
        name: "delete",
        doc: "Deletes a budget (soft delete: it stops applying; its ledger stays).",
        params: &[BUDGET_ID],
        fields: None,
        ret: Ret::Unit,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("budget_id")?;
                a.done()?;
                c.budgets().delete(&id).await.map(|()| Output::Unit)
            }
            .boxed()
        }),
    },
    Op {
        group: "budgets",
        name: "top_up",
        doc: "Credits an amount back to the balance; a step paused on the budget continues \
              once it is positive.",
        params: &[
            BUDGET_ID,
            primary("amount", Ty::Float, "Amount to add (> 0)."),
            optional("description", Ty::Str, None, "Shown in the ledger."),
        ],
        fields: None,
        ret: Ret::Model("Budget"),
        idempotent: false,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("budget_id")?;
                let amount: f64 = a.req("amount")?;
                let description: Option<String> = a.opt("description")?;
                a.done()?;
                c.budgets()
                    .top_up(&id, amount, description)
                    .await
                    .map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "budgets",
        name: "ledger",
        doc: "Ledger entries of a budget, oldest first (consumption positive, credits \
              negative).",
        params: &[
            BUDGET_ID,
            optional(
                "limit",
                Ty::Int,
                None,
                "At most this many (1–1000, default 100).",
            ),
            optional("offset", Ty::Int, None, "Skip this many."),
        ],
        fields: None,
        ret: Ret::List("LedgerEntry"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("budget_id")?;
                let limit: Option<u32> = a.opt("limit")?;
                let offset: Option<u64> = a.opt("offset")?;
                a.done()?;
                c.budgets().ledger(&id, limit, offset).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "budgets",
        name: "check",
        doc: "What a budget says about the next step: `continue`, `warn` or `pause`.",
        params: &[BUDGET_ID],
        fields: None,
        ret: Ret::Model("BudgetCheckResult"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let id = a.string("budget_id")?;
                a.done()?;
                c.budgets().check(&id).await.map(output)
            }
            .boxed()
        }),
    },
];

pub(crate) const CONNECTIONS: &[Op] = &[
    Op {
        group: "connections",
        name: "set",
        doc: "Sets (or replaces) a provider's API key, stored encrypted and never returned; \
              turns on that provider's models use it before the server's own key.",
        params: &[
            PROVIDER,
            primary("api_key", Ty::Str, "The provider's API key."),
        ],
        fields: None,
        ret: Ret::Model("Connection"),
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let provider = a.string("provider")?;
                let key = a.string("api_key")?;
                a.done()?;
                c.connections().set(&provider, &key).await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "connections",
        name: "list",
        doc: "Every connection: provider, times and a masked hint, never the key.",
        params: &[],
        fields: None,
        ret: Ret::List("Connection"),
        idempotent: true,
        run: Run::Unary(|c, a| {
            async move {
                a.done()?;
                c.connections().list().await.map(output)
            }
            .boxed()
        }),
    },
    Op {
        group: "connections",
        name: "remove",
        doc: "Removes a provider's connection: its turns fall back to the server's key.",
        params: &[PROVIDER],
        fields: None,
        ret: Ret::Unit,
        idempotent: true,
        run: Run::Unary(|c, mut a| {
            async move {
                let provider = a.string("provider")?;
                a.done()?;
                c.connections()
                    .remove(&provider)
                    .await
                    .map(|()| Output::Unit)
            }
            .boxed()
        }),
    },
];
