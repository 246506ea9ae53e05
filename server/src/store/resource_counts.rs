//! Relationship counts shown on resources (`links.rs`).

use sqlx::Row;

use super::{Store, StoreResult};

impl Store {
    /// Sessions running on a harness.
    pub async fn harness_session_count(&self, harness_id: &str) -> StoreResult<u64> {
        let row = sqlx::query("SELECT COUNT(*) FROM sessions WHERE harness_id = $1")
            .bind(harness_id)
            .fetch_one(&self.read)
            .await?;
        Ok(row.get::<i64, _>(0) as u64)
    }
}
