//! Turn-queue updates for turns that wait for their caller (client-side tool results,
//! approvals, answers). No schema change: a waiting turn keeps its `running` row, without a
//! lease, and `retry_at` holds the end of its wait, so no worker claims it before then (to
//! fail it with `tool_results_timeout`) unless an answer wakes it earlier.

use chrono::{DateTime, Utc};

use super::{ts, Store, StoreResult};

impl Store {
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
