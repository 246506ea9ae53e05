//! WAL checkpoints off the commit path.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses its threshold, so every
//! few hundred appends one commit also copies the WAL into the database and `fsync`s both —
//! milliseconds added to the delivery of the event being committed. The writer connection
//! turns automatic checkpoints off and this task runs a `PASSIVE` checkpoint (which never
//! blocks writers or readers) on its own connection at a fixed interval instead.

use std::time::Duration;

use sqlx::SqlitePool;

/// How often the WAL is checkpointed.
pub(super) const CHECKPOINT_INTERVAL: Duration = Duration::from_secs(1);

/// A background checkpoint task; stopped when dropped (with the last `Store` clone).
pub(super) struct Checkpointer(tokio::task::JoinHandle<()>);

impl Checkpointer {
    /// Starts checkpointing through `pool` (a non-read-only connection to the database).
    pub(super) fn start(pool: SqlitePool) -> Self {
        Self(tokio::spawn(async move {
            let mut tick = tokio::time::interval(CHECKPOINT_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
                    .execute(&pool)
                    .await
                {
                    tracing::warn!(error = %e, "WAL checkpoint failed");
                }
            }
        }))
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.0.abort();
    }
}
