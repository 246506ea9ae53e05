//! The durable store: SQLite through `sqlx` (WAL mode), migrations in `server/migrations`.
//!
//! Writes go through one pooled connection (`write`), so transactions are serialised in this
//! process; the per-session event `sequence` is taken from `sessions.last_sequence` inside the
//! appending transaction (`UPDATE … RETURNING`), which is also how a PostgreSQL backend would
//! lock the row. Reads use a separate pool.

mod backends;
mod channels;
pub use backends::ENTRY_OVERHEAD_BYTES;
pub use channels::{AgentKeyRow, IdempotencyState, SessionOwner};
mod rows;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};
use everruns_core::ids::{new_id, IdKind};
use everruns_core::{
    Agent, Event, EventContext, Harness, Message, Model, ResourceStatus, Session, SessionStatus,
};
use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool, Transaction};

use crate::hub::Hub;

pub use rows::*;

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Database error.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// Migration error.
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// Bad stored JSON.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// Something that must exist does not.
    #[error("not found: {0}")]
    NotFound(String),
    /// Other.
    #[error("{0}")]
    Other(String),
}

/// Result alias.
pub type StoreResult<T> = Result<T, StoreError>;

/// Current time at millisecond precision.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(3)
}

/// RFC 3339 text with milliseconds (`2026-01-01T00:00:00.000Z`): sortable as text.
pub fn ts(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Parses stored time text.
pub fn parse_ts(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|_| Utc::now())
}

/// Fixed ids of the rows the server seeds (stable across restarts).
pub mod seeded {
    /// The built-in `generic` harness.
    pub const GENERIC_HARNESS_ID: &str = "harness_00000000000070008000000000000001";
    /// The `llmsim` provider.
    pub const LLMSIM_PROVIDER_ID: &str = "provider_00000000000070008000000000000001";
    /// The `llmsim-model` model.
    pub const LLMSIM_MODEL_ID: &str = "model_00000000000070008000000000000001";
    /// The predefined OpenAI provider (key and endpoint from the server's configuration).
    pub const OPENAI_PROVIDER_ID: &str = "provider_00000000000070008000000000000002";
    /// The predefined Anthropic provider (key and endpoint from the server's configuration).
    pub const ANTHROPIC_PROVIDER_ID: &str = "provider_00000000000070008000000000000003";
}

/// A provider the server seeds.
#[derive(Debug, Clone, Copy)]
pub struct PredefinedProvider {
    /// `provider_…` id (fixed).
    pub id: &'static str,
    /// Display name.
    pub name: &'static str,
    /// Driver (`llmsim`, `openai`, `anthropic`).
    pub provider_type: &'static str,
}

/// A model the server seeds (`source: predefined`).
#[derive(Debug, Clone, Copy)]
pub struct PredefinedModel {
    /// `model_…` id (fixed).
    pub id: &'static str,
    /// Its provider's id.
    pub provider_id: &'static str,
    /// Provider-side name sent to the API.
    pub model_id: &'static str,
    /// Display name.
    pub display_name: &'static str,
    /// Features (`text`, `tools`, `vision`, `thinking`).
    pub capabilities: &'static [&'static str],
}

/// The predefined providers.
pub const PREDEFINED_PROVIDERS: &[PredefinedProvider] = &[
    PredefinedProvider {
        id: seeded::LLMSIM_PROVIDER_ID,
        name: "LLM Simulator",
        provider_type: "llmsim",
    },
    PredefinedProvider {
        id: seeded::OPENAI_PROVIDER_ID,
        name: "OpenAI",
        provider_type: "openai",
    },
    PredefinedProvider {
        id: seeded::ANTHROPIC_PROVIDER_ID,
        name: "Anthropic",
        provider_type: "anthropic",
    },
];

/// The predefined model catalogue (kept short; provider-side names are the providers' aliases).
pub const PREDEFINED_MODELS: &[PredefinedModel] = &[
    PredefinedModel {
        id: seeded::LLMSIM_MODEL_ID,
        provider_id: seeded::LLMSIM_PROVIDER_ID,
        model_id: "llmsim-model",
        display_name: "LLM Simulator",
        capabilities: &["text", "tools"],
    },
    PredefinedModel {
        id: "model_00000000000070008000000000000002",
        provider_id: seeded::OPENAI_PROVIDER_ID,
        model_id: "gpt-4.1-mini",
        display_name: "GPT-4.1 mini",
        capabilities: &["text", "tools", "vision"],
    },
    PredefinedModel {
        id: "model_00000000000070008000000000000003",
        provider_id: seeded::OPENAI_PROVIDER_ID,
        model_id: "gpt-4o-mini",
        display_name: "GPT-4o mini",
        capabilities: &["text", "tools", "vision"],
    },
    PredefinedModel {
        id: "model_00000000000070008000000000000004",
        provider_id: seeded::OPENAI_PROVIDER_ID,
        model_id: "gpt-5-mini",
        display_name: "GPT-5 mini",
        capabilities: &["text", "tools", "vision", "thinking"],
    },
    PredefinedModel {
        id: "model_00000000000070008000000000000005",
        provider_id: seeded::ANTHROPIC_PROVIDER_ID,
        model_id: "claude-sonnet-4-5",
        display_name: "Claude Sonnet 4.5",
        capabilities: &["text", "tools", "vision", "thinking"],
    },
    PredefinedModel {
        id: "model_00000000000070008000000000000006",
        provider_id: seeded::ANTHROPIC_PROVIDER_ID,
        model_id: "claude-haiku-4-5",
        display_name: "Claude Haiku 4.5",
        capabilities: &["text", "tools", "vision", "thinking"],
    },
];

/// A new event to append (the store assigns id unless given, sequence and ts).
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Preset id (idempotent append: an existing id is skipped).
    pub id: Option<String>,
    /// Event type.
    pub event_type: String,
    /// Payload.
    pub data: Value,
    /// Correlation ids.
    pub context: EventContext,
    /// Metadata.
    pub metadata: Option<Value>,
    /// Tags.
    pub tags: Vec<String>,
}

impl NewEvent {
    /// A new event from a type and payload.
    pub fn new(event_type: impl Into<String>, data: Value, context: EventContext) -> Self {
        Self {
            id: None,
            event_type: event_type.into(),
            data,
            context,
            metadata: None,
            tags: Vec::new(),
        }
    }
}

/// One stored event as raw JSON (what SSE sends).
#[derive(Debug, Clone)]
pub struct EventRow {
    /// Position in the session.
    pub sequence: i64,
    /// `event_…`.
    pub id: String,
    /// Type.
    pub event_type: String,
    /// The full envelope, single-line JSON.
    pub envelope: String,
}

/// Filters of an event query.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Only sequence > this.
    pub after_sequence: Option<i64>,
    /// Only sequence < this.
    pub before_sequence: Option<i64>,
    /// Only these types (empty = all).
    pub types: Vec<String>,
    /// Not these types.
    pub exclude: Vec<String>,
    /// Only this turn.
    pub turn_id: Option<String>,
    /// The last N (oldest first) instead of all.
    pub last: Option<u32>,
    /// At most this many from the start (for SSE batches).
    pub first: Option<u32>,
}

/// The store.
#[derive(Clone)]
pub struct Store {
    write: SqlitePool,
    read: SqlitePool,
    hub: Arc<Hub>,
    org_id: Arc<String>,
    agent_writes: Arc<tokio::sync::Mutex<()>>,
}

impl Store {
    /// Opens (creating if needed) the database at `url` (`sqlite://path`) and migrates it.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .ok_or_else(|| {
                StoreError::Other(format!(
                    "unsupported database URL {url:?}: expected sqlite://PATH"
                ))
            })?;
        let file = path.split('?').next().unwrap_or(path);
        if let Some(parent) = Path::new(file).parent() {
            if !parent.as_os_str().is_empty() {
                std::fs::create_dir_all(parent)
                    .map_err(|e| StoreError::Other(format!("cannot create {parent:?}: {e}")))?;
            }
        }
        let opts = SqliteConnectOptions::from_str(&format!("sqlite://{path}"))?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(15))
            .foreign_keys(true);
        let write = SqlitePoolOptions::new()
            .max_connections(1)
            .min_connections(1)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(opts.clone())
            .await?;
        sqlx::migrate!("./migrations").run(&write).await?;
        let read = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(60))
            .connect_with(opts.read_only(true))
            .await?;
        let org_id = Self::ensure_org(&write).await?;
        Ok(Self {
            write,
            read,
            hub: Arc::new(Hub::new()),
            org_id: Arc::new(org_id),
            agent_writes: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    async fn ensure_org(pool: &SqlitePool) -> StoreResult<String> {
        let id = new_id(IdKind::Org);
        sqlx::query(
            "INSERT INTO settings (key, value) VALUES ('org_id', $1) ON CONFLICT (key) DO NOTHING",
        )
        .bind(&id)
        .execute(pool)
        .await?;
        let row = sqlx::query("SELECT value FROM settings WHERE key = 'org_id'")
            .fetch_one(pool)
            .await?;
        Ok(row.get::<String, _>(0))
    }

    /// The wake-up hub of SSE subscribers.
    pub fn hub(&self) -> &Arc<Hub> {
        &self.hub
    }

    /// The single organization's id.
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// Closes the pools.
    pub async fn close(&self) {
        self.read.close().await;
        self.write.close().await;
    }

    /// Seeds the built-in `generic` harness and the predefined providers and models
    /// ([`PREDEFINED_PROVIDERS`], [`PREDEFINED_MODELS`]). Idempotent; the default model is set
    /// separately ([`Store::set_default_model`]).
    pub async fn seed(&self) -> StoreResult<()> {
        let t = ts(now());
        let generic = Harness {
            id: seeded::GENERIC_HARNESS_ID.into(),
            name: "generic".into(),
            display_name: Some("Generic".into()),
            description: Some(
                "Default harness: a session workspace of files, bash and key/value storage.".into(),
            ),
            system_prompt: Some("You are a helpful assistant.".into()),
            capabilities: vec![
                "session_file_system".into(),
                "virtual_bash".into(),
                "session_storage".into(),
            ],
            default_model_id: None,
            initial_files: vec![],
            tags: vec![],
            is_built_in: true,
            parent_harness_id: None,
            parallel_tool_calls: None,
            network_access: None,
            status: ResourceStatus::Active,
            created_at: parse_ts(&t),
            updated_at: parse_ts(&t),
        };
        sqlx::query(
            "INSERT INTO harnesses (id, name, status, is_built_in, doc, created_at, updated_at)
             VALUES ($1, 'generic', 'active', 1, $2, $3, $3) ON CONFLICT (id) DO NOTHING",
        )
        .bind(&generic.id)
        .bind(serde_json::to_string(&generic)?)
        .bind(&t)
        .execute(&self.write)
        .await?;
        let mut tx = self.write.begin().await?;
        for p in PREDEFINED_PROVIDERS {
            sqlx::query(
                "INSERT INTO providers (id, name, provider_type, settings, created_at, updated_at)
                 VALUES ($1, $2, $3, '{}', $4, $4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name,
                     provider_type = excluded.provider_type",
            )
            .bind(p.id)
            .bind(p.name)
            .bind(p.provider_type)
            .bind(&t)
            .execute(&mut *tx)
            .await?;
        }
        for m in PREDEFINED_MODELS {
            sqlx::query(
                "INSERT INTO models (id, provider_id, model_id, display_name, capabilities, enabled,
                                     is_default, is_favorite, source, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, 1, 0, 0, 'predefined', $6, $6)
                 ON CONFLICT (id) DO UPDATE SET provider_id = excluded.provider_id,
                     model_id = excluded.model_id, display_name = excluded.display_name,
                     capabilities = excluded.capabilities, source = excluded.source",
            )
            .bind(m.id)
            .bind(m.provider_id)
            .bind(m.model_id)
            .bind(m.display_name)
            .bind(serde_json::to_string(m.capabilities)?)
            .bind(&t)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    // ----------------------------------------------------------------------------- harnesses

    /// Every harness (archived ones only when asked), sorted by name.
    pub async fn list_harnesses(&self, include_archived: bool) -> StoreResult<Vec<Harness>> {
        let rows = sqlx::query("SELECT doc, status FROM harnesses ORDER BY name")
            .fetch_all(&self.read)
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let status: String = r.get(1);
            if status == "deleted" || (!include_archived && status == "archived") {
                continue;
            }
            out.push(serde_json::from_str(&r.get::<String, _>(0))?);
        }
        Ok(out)
    }

    /// A harness by id or name (`default` = `generic`).
    pub async fn get_harness(&self, id_or_name: &str) -> StoreResult<Option<Harness>> {
        let key = if id_or_name == "default" {
            "generic"
        } else {
            id_or_name
        };
        let row = sqlx::query("SELECT doc FROM harnesses WHERE id = $1 OR name = $1")
            .bind(key)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| serde_json::from_str(&r.get::<String, _>(0)).map_err(Into::into))
            .transpose()
    }

    // -------------------------------------------------------------------------------- models

    /// Every model with its provider.
    pub async fn list_models(&self) -> StoreResult<Vec<Model>> {
        let rows = sqlx::query(MODEL_SELECT).fetch_all(&self.read).await?;
        rows.iter().map(model_from_row).collect()
    }

    /// One model.
    pub async fn get_model(&self, id: &str) -> StoreResult<Option<Model>> {
        let sql = format!("{MODEL_SELECT} WHERE m.id = $1");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.as_ref().map(model_from_row).transpose()
    }

    /// The default model.
    pub async fn default_model(&self) -> StoreResult<Option<Model>> {
        let sql = format!("{MODEL_SELECT} WHERE m.is_default = 1");
        let row = sqlx::query(&sql).fetch_optional(&self.read).await?;
        row.as_ref().map(model_from_row).transpose()
    }

    /// Inserts or updates a `manual` model (its id is chosen by the caller).
    pub async fn upsert_manual_model(
        &self,
        id: &str,
        provider_id: &str,
        model_id: &str,
        capabilities: &[&str],
    ) -> StoreResult<()> {
        let t = ts(now());
        sqlx::query(
            "INSERT INTO models (id, provider_id, model_id, display_name, capabilities, enabled,
                                 is_default, is_favorite, source, created_at, updated_at)
             VALUES ($1, $2, $3, $3, $4, 1, 0, 0, 'manual', $5, $5)
             ON CONFLICT (id) DO UPDATE SET enabled = 1",
        )
        .bind(id)
        .bind(provider_id)
        .bind(model_id)
        .bind(serde_json::to_string(capabilities)?)
        .bind(&t)
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Makes `id` the only default model (`None`: no default).
    pub async fn set_default_model(&self, id: Option<&str>) -> StoreResult<()> {
        sqlx::query("UPDATE models SET is_default = CASE WHEN id = $1 THEN 1 ELSE 0 END")
            .bind(id)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Provider settings JSON (api_key, base_url) of a provider.
    pub async fn provider_settings(&self, provider_id: &str) -> StoreResult<Value> {
        let row = sqlx::query("SELECT settings FROM providers WHERE id = $1")
            .bind(provider_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row
            .and_then(|r| serde_json::from_str(&r.get::<String, _>(0)).ok())
            .unwrap_or(Value::Null))
    }

    // -------------------------------------------------------------------------------- agents

    /// Serialises agent writes: an upsert reads (by id and by name) and then writes, and two
    /// callers with the same name must not both decide to create. Hold the guard from the
    /// first lookup to the write.
    pub async fn lock_agent_writes(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.agent_writes.clone().lock_owned().await
    }

    /// An agent by id or by name.
    pub async fn get_agent(&self, id_or_name: &str) -> StoreResult<Option<Agent>> {
        let row = sqlx::query("SELECT doc FROM agents WHERE id = $1 OR name = $1")
            .bind(id_or_name)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| serde_json::from_str(&r.get::<String, _>(0)).map_err(Into::into))
            .transpose()
    }

    /// Inserts or replaces an agent document.
    pub async fn put_agent(&self, agent: &Agent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO agents (id, name, status, doc, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, status = excluded.status,
                 doc = excluded.doc, updated_at = excluded.updated_at",
        )
        .bind(&agent.id)
        .bind(&agent.name)
        .bind(agent.status.as_str())
        .bind(serde_json::to_string(agent)?)
        .bind(ts(agent.created_at))
        .bind(ts(agent.updated_at))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// A page of agents and the total count.
    pub async fn list_agents(
        &self,
        search: Option<&str>,
        include_archived: bool,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<Agent>, u64)> {
        let rows = sqlx::query("SELECT doc, status FROM agents ORDER BY created_at DESC, id DESC")
            .fetch_all(&self.read)
            .await?;
        let needle = search.map(|s| s.to_lowercase());
        let mut all = Vec::new();
        for r in rows {
            let status: String = r.get(1);
            if status == "deleted" || (!include_archived && status == "archived") {
                continue;
            }
            let a: Agent = serde_json::from_str(&r.get::<String, _>(0))?;
            if let Some(n) = &needle {
                let hay = format!(
                    "{}\n{}\n{}",
                    a.name,
                    a.display_name.as_deref().unwrap_or(""),
                    a.description.as_deref().unwrap_or("")
                )
                .to_lowercase();
                if !hay.contains(n.as_str()) {
                    continue;
                }
            }
            all.push(a);
        }
        let total = all.len() as u64;
        let page = all
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        Ok((page, total))
    }

    /// Number of sessions of an agent.
    pub async fn agent_session_count(&self, agent_id: &str) -> StoreResult<u64> {
        let row = sqlx::query("SELECT COUNT(*) FROM sessions WHERE agent_id = $1")
            .bind(agent_id)
            .fetch_one(&self.read)
            .await?;
        Ok(row.get::<i64, _>(0) as u64)
    }

    // ------------------------------------------------------------------------------ sessions

    /// Stores a new session and its `session.started` event.
    pub async fn create_session(&self, session: &Session) -> StoreResult<Event> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (id, agent_id, harness_id, status, title, doc, last_sequence,
                                   created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)",
        )
        .bind(&session.id)
        .bind(&session.agent_id)
        .bind(&session.harness_id)
        .bind(session.status.as_str())
        .bind(&session.title)
        .bind(serde_json::to_string(session)?)
        .bind(ts(session.created_at))
        .execute(&mut *tx)
        .await?;
        let data = serde_json::json!({
            "harness_id": session.harness_id,
            "agent_id": session.agent_id,
            "model_id": session.model_id,
        });
        let mut data = data;
        if let Some(m) = data.as_object_mut() {
            m.retain(|_, v| !v.is_null());
        }
        let events = append_in_tx(
            &mut tx,
            &session.id,
            vec![NewEvent::new(
                "session.started",
                data,
                EventContext::default(),
            )],
        )
        .await?;
        tx.commit().await?;
        self.notify(&session.id, &events);
        Ok(events.into_iter().next().expect("one event"))
    }

    /// A session (status and timestamps from their columns).
    pub async fn get_session(&self, id: &str) -> StoreResult<Option<Session>> {
        let row = sqlx::query("SELECT doc, status, updated_at FROM sessions WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| session_from_row(&r)).transpose()
    }

    /// Replaces a session's document (title, tags, …).
    pub async fn update_session_doc(&self, session: &Session) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET doc = $2, title = $3, updated_at = $4 WHERE id = $1")
            .bind(&session.id)
            .bind(serde_json::to_string(session)?)
            .bind(&session.title)
            .bind(ts(session.updated_at))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// A page of sessions and the total count.
    pub async fn list_sessions(
        &self,
        agent_id: Option<&str>,
        search: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<Session>, u64)> {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT doc, status, updated_at FROM sessions WHERE 1 = 1");
        if let Some(a) = agent_id {
            qb.push(" AND agent_id = ").push_bind(a.to_string());
        }
        if let Some(s) = search {
            qb.push(" AND LOWER(COALESCE(title, '')) LIKE ")
                .push_bind(format!("%{}%", s.to_lowercase()));
        }
        qb.push(" ORDER BY created_at DESC, id DESC");
        let rows = qb.build().fetch_all(&self.read).await?;
        let total = rows.len() as u64;
        let page = rows
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(session_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((page, total))
    }

    /// Deletes a session with its events, files, storage, turns and llmsim state.
    pub async fn delete_session(&self, id: &str) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let n = sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        for table in [
            "events",
            "files",
            "kv_entries",
            "turns",
            "llmsim_scripts",
            "llmsim_claims",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE session_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }

    // -------------------------------------------------------------------------------- events

    /// Appends events to a session in one transaction and wakes its subscribers.
    pub async fn append_events(
        &self,
        session_id: &str,
        events: Vec<NewEvent>,
    ) -> StoreResult<Vec<Event>> {
        let mut tx = self.write.begin().await?;
        let out = append_in_tx(&mut tx, session_id, events).await?;
        tx.commit().await?;
        self.notify(session_id, &out);
        Ok(out)
    }

    fn notify(&self, session_id: &str, events: &[Event]) {
        if let Some(seq) = events.iter().filter_map(|e| e.sequence).max() {
            self.hub.notify(session_id, seq);
        }
    }

    /// Stores a user message as `input.message` and queues its turn, in one transaction.
    /// Returns the stored message (with sequence) and the turn id.
    pub async fn enqueue_message(
        &self,
        session_id: &str,
        message: Message,
        tags: Vec<String>,
    ) -> StoreResult<(Message, String)> {
        let turn_id = new_id(IdKind::Turn);
        let mut ev = NewEvent::new(
            "input.message",
            serde_json::json!({ "message": message }),
            EventContext {
                input_message_id: Some(message.id.clone()),
                ..Default::default()
            },
        );
        ev.tags = tags;
        let mut tx = self.write.begin().await?;
        let stored = append_in_tx(&mut tx, session_id, vec![ev]).await?;
        let seq = stored[0].sequence.unwrap_or(0);
        sqlx::query(
            "INSERT INTO turns (id, session_id, input_message_id, input_sequence, status,
                                attempts, created_at)
             VALUES ($1, $2, $3, $4, 'queued', 0, $5)",
        )
        .bind(&turn_id)
        .bind(session_id)
        .bind(&message.id)
        .bind(seq)
        .bind(ts(now()))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        self.notify(session_id, &stored);
        let mut m = message;
        m.sequence = Some(seq);
        Ok((m, turn_id))
    }

    /// The sequence of an event of this session.
    pub async fn event_sequence(
        &self,
        session_id: &str,
        event_id: &str,
    ) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT sequence FROM events WHERE session_id = $1 AND id = $2")
            .bind(session_id)
            .bind(event_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(|r| r.get::<i64, _>(0)))
    }

    /// Raw rows matching `q`, oldest first.
    pub async fn query_event_rows(
        &self,
        session_id: &str,
        q: &EventQuery,
    ) -> StoreResult<Vec<EventRow>> {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT sequence, id, event_type, envelope FROM events WHERE session_id = ",
        );
        qb.push_bind(session_id.to_string());
        if let Some(a) = q.after_sequence {
            qb.push(" AND sequence > ").push_bind(a);
        }
        if let Some(b) = q.before_sequence {
            qb.push(" AND sequence < ").push_bind(b);
        }
        if let Some(t) = &q.turn_id {
            qb.push(" AND turn_id = ").push_bind(t.clone());
        }
        if !q.types.is_empty() {
            qb.push(" AND event_type IN (");
            let mut sep = qb.separated(", ");
            for t in &q.types {
                sep.push_bind(t.clone());
            }
            qb.push(")");
        }
        if !q.exclude.is_empty() {
            qb.push(" AND event_type NOT IN (");
            let mut sep = qb.separated(", ");
            for t in &q.exclude {
                sep.push_bind(t.clone());
            }
            qb.push(")");
        }
        if let Some(n) = q.last {
            qb.push(" ORDER BY sequence DESC LIMIT ")
                .push_bind(n as i64);
        } else {
            qb.push(" ORDER BY sequence ASC");
            if let Some(n) = q.first {
                qb.push(" LIMIT ").push_bind(n as i64);
            }
        }
        let rows = qb.build().fetch_all(&self.read).await?;
        let mut out: Vec<EventRow> = rows
            .into_iter()
            .map(|r| EventRow {
                sequence: r.get(0),
                id: r.get(1),
                event_type: r.get(2),
                envelope: r.get(3),
            })
            .collect();
        if q.last.is_some() {
            out.reverse();
        }
        Ok(out)
    }

    /// Events matching `q`, oldest first.
    pub async fn query_events(&self, session_id: &str, q: &EventQuery) -> StoreResult<Vec<Event>> {
        self.query_event_rows(session_id, q)
            .await?
            .into_iter()
            .map(|r| serde_json::from_str(&r.envelope).map_err(Into::into))
            .collect()
    }

    /// Count of non-delta events matching the type filters (for `X-Total-Count`).
    pub async fn count_non_delta_events(&self, session_id: &str) -> StoreResult<u64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM events WHERE session_id = $1 AND event_type NOT LIKE '%.delta'",
        )
        .bind(session_id)
        .fetch_one(&self.read)
        .await?;
        Ok(row.get::<i64, _>(0) as u64)
    }

    /// Every event of a session (the runtime's view).
    pub async fn all_events(&self, session_id: &str) -> StoreResult<Vec<Event>> {
        self.query_events(session_id, &EventQuery::default()).await
    }

    // --------------------------------------------------------------------------------- turns

    /// Turns not finished yet (queued or running), oldest first per session.
    pub async fn pending_turns(&self) -> StoreResult<Vec<TurnRow>> {
        let rows = sqlx::query(
            "SELECT id, session_id, input_message_id, input_sequence, status, attempts, retry_at
             FROM turns WHERE status IN ('queued', 'running')
             ORDER BY session_id, input_sequence",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(rows.iter().map(turn_from_row).collect())
    }

    /// Claims a turn for running (`queued`/`running` → `running`, attempts + 1). False when it
    /// is no longer claimable.
    pub async fn claim_turn(&self, turn_id: &str) -> StoreResult<bool> {
        let n = sqlx::query(
            "UPDATE turns SET status = 'running', attempts = attempts + 1,
                 started_at = COALESCE(started_at, $2), retry_at = NULL
             WHERE id = $1 AND status IN ('queued', 'running')",
        )
        .bind(turn_id)
        .bind(ts(now()))
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Marks a turn finished with a final status (`completed`, `failed`, `cancelled`).
    pub async fn finish_turn(&self, turn_id: &str, status: &str) -> StoreResult<()> {
        sqlx::query("UPDATE turns SET status = $2, finished_at = $3 WHERE id = $1")
            .bind(turn_id)
            .bind(status)
            .bind(ts(now()))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Puts a turn back for a later retry after a store failure.
    pub async fn retry_turn_later(
        &self,
        turn_id: &str,
        at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE turns SET retry_at = $2, last_error = $3 WHERE id = $1")
            .bind(turn_id)
            .bind(ts(at))
            .bind(error)
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// Cancels a queued turn that never started (`queued` → `cancelled`). False when it was
    /// already claimed or finished.
    pub async fn cancel_queued_turn(&self, turn_id: &str) -> StoreResult<bool> {
        let n = sqlx::query(
            "UPDATE turns SET status = 'cancelled', finished_at = $2 WHERE id = $1 AND status = 'queued'",
        )
        .bind(turn_id)
        .bind(ts(now()))
        .execute(&self.write)
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// A turn by id.
    pub async fn get_turn(&self, turn_id: &str) -> StoreResult<Option<TurnRow>> {
        let row = sqlx::query(
            "SELECT id, session_id, input_message_id, input_sequence, status, attempts, retry_at
             FROM turns WHERE id = $1",
        )
        .bind(turn_id)
        .fetch_optional(&self.read)
        .await?;
        Ok(row.as_ref().map(turn_from_row))
    }

    // ----------------------------------------------------------------------------- api keys

    /// Stores a new API key (hash only).
    pub async fn create_api_key(
        &self,
        id: &str,
        name: &str,
        prefix: &str,
        hash: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO api_keys (id, name, prefix, key_hash, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id)
        .bind(name)
        .bind(prefix)
        .bind(hash)
        .bind(ts(now()))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// True when an unrevoked key has this hash.
    pub async fn api_key_valid(&self, hash: &str) -> StoreResult<bool> {
        let row = sqlx::query("SELECT id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL")
            .bind(hash)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.is_some())
    }

    /// Sets `last_used_at` of the key with this hash to now.
    pub async fn touch_api_key(&self, hash: &str) -> StoreResult<()> {
        sqlx::query("UPDATE api_keys SET last_used_at = $2 WHERE key_hash = $1")
            .bind(hash)
            .bind(ts(now()))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// `last_used_at` of a key by id (`None` if never used or unknown).
    pub async fn api_key_last_used(&self, id: &str) -> StoreResult<Option<String>> {
        let row = sqlx::query("SELECT last_used_at FROM api_keys WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.and_then(|r| r.get::<Option<String>, _>(0)))
    }

    /// Every key: `(id, name, prefix, created_at, revoked_at)`.
    pub async fn list_api_keys(
        &self,
    ) -> StoreResult<Vec<(String, String, String, String, Option<String>)>> {
        let rows = sqlx::query(
            "SELECT id, name, prefix, created_at, revoked_at FROM api_keys ORDER BY created_at",
        )
        .fetch_all(&self.read)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect())
    }

    /// Revokes a key; false when unknown.
    pub async fn revoke_api_key(&self, id: &str) -> StoreResult<bool> {
        let n =
            sqlx::query("UPDATE api_keys SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL")
                .bind(id)
                .bind(ts(now()))
                .execute(&self.write)
                .await?
                .rows_affected();
        Ok(n == 1)
    }

    // -------------------------------------------------------------------------------- llmsim

    /// Sets (or clears) a session's llmsim script and resets its position.
    pub async fn set_llmsim_script(
        &self,
        session_id: &str,
        script: Option<&everruns_core::LlmSimScript>,
    ) -> StoreResult<()> {
        let doc = script.map(serde_json::to_string).transpose()?;
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO llmsim_scripts (session_id, script, next_position, updated_at)
             VALUES ($1, $2, 0, $3)
             ON CONFLICT (session_id) DO UPDATE SET script = excluded.script, next_position = 0,
                 updated_at = excluded.updated_at",
        )
        .bind(session_id)
        .bind(doc)
        .bind(ts(now()))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM llmsim_claims WHERE session_id = $1")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    pub(crate) fn write_pool(&self) -> &SqlitePool {
        &self.write
    }

    pub(crate) fn read_pool(&self) -> &SqlitePool {
        &self.read
    }
}

/// Appends events inside an open transaction: assigns sequences from
/// `sessions.last_sequence`, skips events whose preset id already exists, updates the
/// session's status from lifecycle events.
pub(crate) async fn append_in_tx(
    tx: &mut Transaction<'_, Sqlite>,
    session_id: &str,
    events: Vec<NewEvent>,
) -> StoreResult<Vec<Event>> {
    let mut fresh = Vec::with_capacity(events.len());
    for e in events {
        if let Some(id) = &e.id {
            let exists = sqlx::query("SELECT 1 FROM events WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?
                .is_some();
            if exists {
                continue;
            }
        }
        fresh.push(e);
    }
    if fresh.is_empty() {
        return Ok(Vec::new());
    }
    let n = fresh.len() as i64;
    let t = now();
    let status = fresh
        .iter()
        .rev()
        .find_map(|e| status_after(&e.event_type))
        .map(|s| s.as_str().to_string());
    let row = sqlx::query(
        "UPDATE sessions SET last_sequence = last_sequence + $2, updated_at = $3,
             status = COALESCE($4, status)
         WHERE id = $1 RETURNING last_sequence",
    )
    .bind(session_id)
    .bind(n)
    .bind(ts(t))
    .bind(status)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("session {session_id}")))?;
    let last: i64 = row.get(0);
    let mut seq = last - n;
    let mut out = Vec::with_capacity(fresh.len());
    for e in fresh {
        seq += 1;
        let turn_id = e.context.turn_id.clone().or_else(|| {
            e.data
                .get("turn_id")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        });
        let ev = Event {
            id: e.id.unwrap_or_else(|| new_id(IdKind::Event)),
            event_type: e.event_type,
            ts: t,
            session_id: session_id.to_string(),
            sequence: Some(seq),
            context: e.context,
            data: if e.data.is_object() {
                e.data
            } else {
                Value::Object(Default::default())
            },
            metadata: e.metadata,
            tags: e.tags,
        };
        let envelope = serde_json::to_string(&ev)?;
        sqlx::query(
            "INSERT INTO events (id, session_id, sequence, event_type, ts, turn_id, envelope)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&ev.id)
        .bind(session_id)
        .bind(seq)
        .bind(&ev.event_type)
        .bind(ts(t))
        .bind(turn_id)
        .bind(envelope)
        .execute(&mut **tx)
        .await?;
        out.push(ev);
    }
    Ok(out)
}

/// The session status an event type moves the session to (docs/decisions.md#12).
fn status_after(event_type: &str) -> Option<SessionStatus> {
    match event_type {
        "turn.started" | "session.activated" => Some(SessionStatus::Active),
        "tool.call_requested" => Some(SessionStatus::WaitingForToolResults),
        "session.idled" | "turn.completed" | "turn.failed" | "turn.cancelled" | "turn.sealed" => {
            Some(SessionStatus::Idle)
        }
        _ => None,
    }
}
