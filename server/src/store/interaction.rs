//! Turn-queue updates for turns that wait for their caller (client-side tool results,
//! approvals, answers). No schema change: a waiting turn keeps its `running` row, without a
//! lease, and `retry_at` holds the end of its wait, so no worker claims it before then (to
//! fail it with `tool_results_timeout`) unless an answer wakes it earlier.
//!
//! Answers to one waiting turn are serialised by [`Store::answer_lock`], across processes on
//! PostgreSQL, so two concurrent answers cannot both pass validation.

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Utc};
use sqlx::{Any, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::{ts, Backend, Store, StoreResult};

/// Held while an answer to a waiting turn is validated and appended; dropping it releases
/// the lock (on PostgreSQL its transaction rolls back, which ends the advisory lock).
pub struct AnswerLock {
    _db: Option<Transaction<'static, Any>>,
    _local: OwnedMutexGuard<()>,
}

fn local_lock() -> Arc<Mutex<()>> {
    static LOCK: OnceLock<Arc<Mutex<()>>> = OnceLock::new();
    LOCK.get_or_init(|| Arc::new(Mutex::new(()))).clone()
}

impl Store {
    /// Takes the lock under which an answer to `session_id`'s waiting turn is validated and
    /// appended: an in-process mutex (SQLite has one process) and, on PostgreSQL, a
    /// transaction-scoped advisory lock keyed by the session, which every API process of the
    /// deployment honours.
    pub async fn answer_lock(&self, session_id: &str) -> StoreResult<AnswerLock> {
        let local = local_lock().lock_owned().await;
        let db = match self.backend {
            Backend::Sqlite => None,
            Backend::Postgres => {
                let mut tx = self.write.begin().await?;
                // The function returns `void`, which the Any driver cannot decode: select a
                // constant from it instead.
                sqlx::query("SELECT 1 FROM pg_advisory_xact_lock(hashtextextended($1, 1416))")
                    .bind(session_id)
                    .execute(&mut *tx)
                    .await?;
                Some(tx)
            }
        };
        Ok(AnswerLock {
            _db: db,
            _local: local,
        })
    }

    /// Parks a turn until `until` (its wait limit): the dispatcher skips it until then.
    pub async fn park_turn(&self, turn_id: &str, until: DateTime<Utc>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE turns SET retry_at = $2 WHERE id = $1 AND status IN ('queued', 'running')",
        )
        .bind(turn_id)
        .bind(ts(until))
        .execute(self.write_pool())
        .await?;
        Ok(())
    }

    /// Makes a parked turn runnable now (its caller answered).
    pub async fn wake_turn(&self, turn_id: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE turns SET retry_at = NULL WHERE id = $1 AND status IN ('queued', 'running')",
        )
        .bind(turn_id)
        .execute(self.write_pool())
        .await?;
        // Any worker process may run it.
        self.notify_channel(crate::hub::TURNS_CHANNEL, turn_id)
            .await
    }
}
