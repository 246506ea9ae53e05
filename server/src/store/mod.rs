//! The durable store, one implementation over two databases: SQLite (the embedded default,
//! WAL mode) and PostgreSQL (several processes on one database), both through `sqlx`'s `Any`
//! driver. The few places where their SQL differs live in [`db::Backend`]; migrations are
//! `server/migrations` (SQLite) and `server/migrations_pg` (PostgreSQL). The pattern for
//! adding queries is in `docs/store.md`.
//!
//! On SQLite, writes go through one pooled connection (`write`), so transactions are
//! serialised in this process, and reads use a separate read-only pool; on PostgreSQL both are
//! one pool. The per-session event `sequence` is taken from `sessions.last_sequence` inside
//! the appending transaction (`UPDATE … RETURNING`, which locks the session's row on
//! PostgreSQL until the commit).
//!
//! One file per entity, each an `impl Store { … }` block: [`catalog`] (harnesses, providers,
//! models, seeding), [`agents`], [`sessions`], [`events`], [`turns`] (the leased turn queue),
//! [`keys`], [`llmsim`], [`files`], [`storage`] (kv/secrets) and [`runtime`] (the runtime's
//! host-seam traits).

pub mod agents;
pub mod budgets;
pub mod catalog;
mod channels;
pub mod connections;
pub mod db;
pub mod event_list;
pub mod events;
pub mod files;
pub mod frames;
pub mod group;
mod interaction;
pub mod keys;
pub mod llmsim;
pub mod memories;
mod resource_counts;
pub use channels::{AgentKeyRow, IdempotencyState, SessionOwner};
mod rows;
pub mod runtime;
pub mod sessions;
pub mod storage;
pub mod turns;
pub mod versions;
pub mod workspaces;

use std::sync::Arc;

use chrono::{DateTime, SubsecRound, Utc};
use everruns_core::ids::{new_id, IdKind};
use sqlx::{AnyPool, Row};

use crate::hub::Hub;

pub use catalog::{
    seeded, PredefinedModel, PredefinedProvider, PREDEFINED_MODELS, PREDEFINED_PROVIDERS,
};
pub use db::Backend;
pub use event_list::EventListQuery;
pub use events::{EventQuery, EventRow, NewEvent};
pub use files::ENTRY_OVERHEAD_BYTES;
pub use frames::{FrameBatch, FramedEvent};
pub use interaction::AnswerLock;
pub use rows::*;
pub use workspaces::WorkspaceRow;

/// A transaction on either backend.
pub(crate) type Tx<'a> = sqlx::Transaction<'a, sqlx::Any>;

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

pub(crate) type RtStoreError = everruns_runtime::StoreError;

pub(crate) fn rt_err(e: impl std::fmt::Display) -> RtStoreError {
    RtStoreError::new(e.to_string())
}

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

/// The store.
#[derive(Clone)]
pub struct Store {
    write: AnyPool,
    read: AnyPool,
    backend: Backend,
    hub: Arc<Hub>,
    org_id: Arc<String>,
    agent_writes: Arc<tokio::sync::Mutex<()>>,
    /// The group committer of event appends (`group.rs`), spawned on first use.
    group: Arc<std::sync::OnceLock<group::GroupCommit>>,
}

impl Store {
    /// Opens (creating if needed) the database at `url` (`sqlite://PATH` or
    /// `postgres://USER@HOST:PORT/DB`) and migrates it.
    pub async fn open(url: &str) -> StoreResult<Self> {
        let (backend, write, read) = db::connect(url).await?;
        let org_id = Self::ensure_org(&write).await?;
        Ok(Self {
            write,
            read,
            backend,
            hub: Arc::new(Hub::new()),
            org_id: Arc::new(org_id),
            agent_writes: Arc::new(tokio::sync::Mutex::new(())),
            group: Arc::default(),
        })
    }

    async fn ensure_org(pool: &AnyPool) -> StoreResult<String> {
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

    /// Which database this store runs on.
    pub fn backend(&self) -> Backend {
        self.backend
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

    pub(crate) fn write_pool(&self) -> &AnyPool {
        &self.write
    }

    pub(crate) fn read_pool(&self) -> &AnyPool {
        &self.read
    }
}
