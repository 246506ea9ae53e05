//! API keys (hashes only).

use sqlx::Row;

use super::{now, ts, Store, StoreResult};

impl Store {
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
}
