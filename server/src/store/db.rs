//! Connecting to either database, its migrations, and the few SQL fragments that differ.

use std::path::Path;
use std::time::Duration;

use sqlx::any::{AnyArguments, AnyPoolOptions};
use sqlx::query::Query;
use sqlx::{Any, AnyPool, Executor};

use super::{StoreError, StoreResult};

/// The database a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite (embedded, one process).
    Sqlite,
    /// PostgreSQL (any number of API and worker processes).
    Postgres,
}

impl Backend {
    /// The backend a database URL names; a clear error for anything else.
    pub fn from_url(url: &str) -> StoreResult<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Other(format!(
                "unsupported database URL {url:?}: expected sqlite://PATH or postgres://USER@HOST:PORT/DB"
            )))
        }
    }

    /// `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }

    /// An SQL expression for the length in bytes (UTF-8) of the text expression `expr`.
    pub(crate) fn byte_length(self, expr: &str) -> String {
        match self {
            Backend::Sqlite => format!("LENGTH(CAST({expr} AS BLOB))"),
            Backend::Postgres => format!("OCTET_LENGTH({expr})"),
        }
    }
}

fn with_param(url: &str, param: &str) -> String {
    if url.contains('?') {
        format!("{url}&{param}")
    } else {
        format!("{url}?{param}")
    }
}

/// Opens the pools (write, read) and runs the backend's migrations.
pub(crate) async fn connect(url: &str) -> StoreResult<(Backend, AnyPool, AnyPool)> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(url)?;
    match backend {
        Backend::Sqlite => {
            let path = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
                .unwrap_or(url);
            let file = path.split('?').next().unwrap_or(path);
            if let Some(parent) = Path::new(file).parent() {
                if !parent.as_os_str().is_empty() {
                    std::fs::create_dir_all(parent)
                        .map_err(|e| StoreError::Other(format!("cannot create {parent:?}: {e}")))?;
                }
            }
            let base = format!("sqlite://{path}");
            let write = AnyPoolOptions::new()
                .max_connections(1)
                .min_connections(1)
                .acquire_timeout(Duration::from_secs(60))
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute(
                            "PRAGMA busy_timeout = 15000; PRAGMA journal_mode = WAL;
                             PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;",
                        )
                        .await?;
                        Ok(())
                    })
                })
                .connect(&with_param(&base, "mode=rwc"))
                .await?;
            sqlx::migrate!("./migrations").run(&write).await?;
            let read = AnyPoolOptions::new()
                .max_connections(8)
                .acquire_timeout(Duration::from_secs(60))
                .after_connect(|conn, _| {
                    Box::pin(async move {
                        conn.execute("PRAGMA busy_timeout = 15000;").await?;
                        Ok(())
                    })
                })
                .connect(&with_param(&base, "mode=ro"))
                .await?;
            Ok((backend, write, read))
        }
        Backend::Postgres => {
            // One direct connection first: an unreachable server, a wrong password or a
            // missing database fails now with the driver's own message, instead of the pool's
            // "timed out" a minute later.
            let probe = tokio::time::timeout(
                Duration::from_secs(15),
                <sqlx::AnyConnection as sqlx::Connection>::connect(url),
            )
            .await
            .map_err(|_| {
                StoreError::Other(format!(
                    "cannot connect to PostgreSQL at {}: no answer within 15 s",
                    redact_url(url)
                ))
            })?
            .map_err(|e| {
                StoreError::Other(format!(
                    "cannot connect to PostgreSQL at {}: {e}",
                    redact_url(url)
                ))
            })?;
            sqlx::Connection::close(probe).await?;
            let pool = AnyPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(60))
                .connect(url)
                .await?;
            sqlx::migrate!("./migrations_pg").run(&pool).await?;
            Ok((backend, pool.clone(), pool))
        }
    }
}

/// `url` without its password (for messages).
fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        _ => url.to_string(),
    }
}

enum Arg {
    Text(String),
    Int(i64),
    NullText,
}

/// A query built piece by piece with numbered placeholders (`$1`, `$2`, …), which both
/// databases accept (sqlx's `QueryBuilder<Any>` writes `?`, which PostgreSQL refuses).
pub(crate) struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    /// Starts with a fragment.
    pub(crate) fn new(text: &str) -> Self {
        Self {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    /// Appends SQL text.
    pub(crate) fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to text.
    pub(crate) fn bind_text(&mut self, v: impl Into<String>) -> &mut Self {
        self.args.push(Arg::Text(v.into()));
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    /// Appends a placeholder bound to an integer.
    pub(crate) fn bind_int(&mut self, v: i64) -> &mut Self {
        self.args.push(Arg::Int(v));
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    /// Appends a placeholder bound to text or SQL `NULL`.
    pub(crate) fn bind_opt_text(&mut self, v: Option<String>) -> &mut Self {
        self.args.push(v.map_or(Arg::NullText, Arg::Text));
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    /// Appends `(…, …)` with one text placeholder per item.
    pub(crate) fn bind_list(&mut self, items: &[String]) -> &mut Self {
        self.text.push('(');
        for (i, v) in items.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.bind_text(v.clone());
        }
        self.text.push(')');
        self
    }

    /// The query, ready to run.
    pub(crate) fn query(&self) -> Query<'_, Any, AnyArguments<'_>> {
        let mut q = sqlx::query(&self.text);
        for a in &self.args {
            q = match a {
                Arg::Text(s) => q.bind(s.as_str()),
                Arg::Int(i) => q.bind(*i),
                Arg::NullText => q.bind(None::<String>),
            };
        }
        q
    }
}
