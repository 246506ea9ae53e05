//! The durable turn queue: one row per user message that starts a turn, claimed by workers
//! with a lease.
//!
//! A worker claims the oldest unfinished turn of a session whose lease is free or expired
//! ([`Store::claim_next_turn`]; `FOR UPDATE SKIP LOCKED` on PostgreSQL, so concurrent workers
//! never wait on or take the same row), runs one activity of it, and releases it with the
//! next activity's name ([`Store::complete_phase`]). While an activity runs, the worker renews
//! the lease ([`Store::renew_lease`]); a worker that dies stops renewing, and another worker
//! takes the turn over when `lease_until` has passed, resuming it from the event log.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::events::notify_in_tx;
use super::rows::{turn_from_row, TurnRow};
use super::{now, ts, Backend, Store, StoreResult};
use crate::hub::{CANCEL_CHANNEL, TURNS_CHANNEL};

const TURN_COLUMNS: &str = "id, session_id, input_message_id, input_sequence, status, attempts, \
     retry_at, phase, cancel_requested, lease_owner";

fn lease_end(lease: Duration) -> String {
    ts(now() + chrono::Duration::from_std(lease).unwrap_or_else(|_| chrono::Duration::seconds(30)))
}

impl Store {
    /// Turns not finished yet (queued or running), oldest first per session.
    pub async fn pending_turns(&self) -> StoreResult<Vec<TurnRow>> {
        let sql = format!(
            "SELECT {TURN_COLUMNS} FROM turns WHERE status IN ('queued', 'running')
             ORDER BY session_id, input_sequence"
        );
        let rows = sqlx::query(&sql).fetch_all(&self.read).await?;
        Ok(rows.iter().map(turn_from_row).collect())
    }

    /// The oldest unfinished turn of a session.
    pub async fn current_turn(&self, session_id: &str) -> StoreResult<Option<TurnRow>> {
        let sql = format!(
            "SELECT {TURN_COLUMNS} FROM turns
             WHERE session_id = $1 AND status IN ('queued', 'running')
             ORDER BY input_sequence LIMIT 1"
        );
        let row = sqlx::query(&sql)
            .bind(session_id)
            .fetch_optional(&self.write)
            .await?;
        Ok(row.as_ref().map(turn_from_row))
    }

    /// Claims the next runnable turn for `owner` with a lease of `lease`: the oldest
    /// unfinished turn of its session, not leased (or its lease expired), not waiting for a
    /// retry. Taking over an expired lease counts as an attempt. `None` when nothing is
    /// runnable.
    pub async fn claim_next_turn(
        &self,
        owner: &str,
        lease: Duration,
    ) -> StoreResult<Option<TurnRow>> {
        let skip_locked = match self.backend {
            Backend::Postgres => " FOR UPDATE SKIP LOCKED",
            Backend::Sqlite => "",
        };
        let t = ts(now());
        let sql = format!(
            "UPDATE turns SET status = 'running', lease_owner = $1, lease_until = $2,
                 started_at = COALESCE(started_at, $3), retry_at = NULL,
                 attempts = attempts + CASE WHEN lease_owner IS NULL THEN 0 ELSE 1 END
             WHERE id = (
                 SELECT t.id FROM turns t
                 WHERE t.status IN ('queued', 'running')
                   AND (t.lease_until IS NULL OR t.lease_until < $3)
                   AND (t.retry_at IS NULL OR t.retry_at <= $3)
                   AND NOT EXISTS (
                       SELECT 1 FROM turns o
                       WHERE o.session_id = t.session_id AND o.status IN ('queued', 'running')
                         AND o.input_sequence < t.input_sequence)
                 ORDER BY t.created_at, t.id
                 LIMIT 1{skip_locked})
               AND (lease_until IS NULL OR lease_until < $3)
             RETURNING {TURN_COLUMNS}"
        );
        let row = sqlx::query(&sql)
            .bind(owner)
            .bind(lease_end(lease))
            .bind(&t)
            .fetch_optional(&self.write)
            .await?;
        Ok(row.as_ref().map(turn_from_row))
    }

    /// Extends `owner`'s lease of a turn. `None` when the lease was lost (expired and taken
    /// over, or the turn ended); otherwise whether a cancel was requested.
    pub async fn renew_lease(
        &self,
        turn_id: &str,
        owner: &str,
        lease: Duration,
    ) -> StoreResult<Option<bool>> {
        let row = sqlx::query(
            "UPDATE turns SET lease_until = $3
             WHERE id = $1 AND lease_owner = $2 AND status = 'running'
             RETURNING cancel_requested",
        )
        .bind(turn_id)
        .bind(owner)
        .bind(lease_end(lease))
        .fetch_optional(&self.write)
        .await?;
        Ok(row.map(|r| r.get::<i64, _>(0) != 0))
    }

    /// Releases `owner`'s lease after an activity: records the next activity, or, with
    /// `final_status`, ends the turn. False when the lease was no longer `owner`'s.
    pub async fn complete_phase(
        &self,
        turn_id: &str,
        owner: &str,
        next_phase: Option<&str>,
        final_status: Option<&str>,
    ) -> StoreResult<bool> {
        let t = ts(now());
        let n = sqlx::query(
            "UPDATE turns SET phase = $3, lease_owner = NULL, lease_until = NULL,
                 status = COALESCE($4, status),
                 finished_at = CASE WHEN $4 IS NULL THEN finished_at ELSE $5 END
             WHERE id = $1 AND lease_owner = $2",
        )
        .bind(turn_id)
        .bind(owner)
        .bind(next_phase)
        .bind(final_status)
        .bind(&t)
        .execute(&self.write)
        .await?
        .rows_affected();
        if n == 1 && final_status.is_none() {
            // The next phase may run on any worker: wake them.
            self.notify_channel(TURNS_CHANNEL, turn_id).await?;
        }
        Ok(n == 1)
    }

    /// PostgreSQL: `NOTIFY channel, 'payload'` (see [`crate::hub`]); SQLite: nothing.
    pub(crate) async fn notify_channel(&self, channel: &str, payload: &str) -> StoreResult<()> {
        let mut tx = self.write.begin().await?;
        notify_in_tx(&mut tx, self.backend, channel, payload).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Drops every lease of `owner` (a worker stopping gracefully), or every lease when
    /// `owner` is `None` (a SQLite worker starting: no other process runs turns on that file).
    pub async fn release_leases(&self, owner: Option<&str>) -> StoreResult<u64> {
        let n = sqlx::query(
            "UPDATE turns SET lease_owner = NULL, lease_until = NULL
             WHERE lease_owner IS NOT NULL AND ($1 IS NULL OR lease_owner = $1)",
        )
        .bind(owner)
        .execute(&self.write)
        .await?
        .rows_affected();
        if n > 0 {
            self.notify_channel(TURNS_CHANNEL, "released").await?;
        }
        Ok(n)
    }

    /// Flags a turn for cancellation (seen by the worker holding it, in any process).
    pub async fn request_cancel(&self, turn_id: &str) -> StoreResult<bool> {
        let n = sqlx::query(
            "UPDATE turns SET cancel_requested = 1 WHERE id = $1 AND status IN ('queued', 'running')",
        )
        .bind(turn_id)
        .execute(&self.write)
        .await?
        .rows_affected();
        if n == 1 {
            self.notify_channel(CANCEL_CHANNEL, turn_id).await?;
        }
        Ok(n == 1)
    }

    /// Claims a turn for running (`queued`/`running` → `running`, attempts + 1) without a
    /// lease. False when it is no longer claimable.
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
        sqlx::query(
            "UPDATE turns SET status = $2, finished_at = $3, lease_owner = NULL,
                 lease_until = NULL WHERE id = $1",
        )
        .bind(turn_id)
        .bind(status)
        .bind(ts(now()))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Puts a turn back for a later retry after a failure (counts an attempt, releases the
    /// lease).
    pub async fn retry_turn_later(
        &self,
        turn_id: &str,
        at: DateTime<Utc>,
        error: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE turns SET retry_at = $2, last_error = $3, attempts = attempts + 1,
                 lease_owner = NULL, lease_until = NULL WHERE id = $1",
        )
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
            "UPDATE turns SET status = 'cancelled', finished_at = $2
             WHERE id = $1 AND status = 'queued' AND lease_owner IS NULL",
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
        let sql = format!("SELECT {TURN_COLUMNS} FROM turns WHERE id = $1");
        let row = sqlx::query(&sql)
            .bind(turn_id)
            .fetch_optional(&self.write)
            .await?;
        Ok(row.as_ref().map(turn_from_row))
    }
}
