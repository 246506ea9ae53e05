//! Provider connections: one sealed API key per provider (see [`crate::crypto`]).

use sqlx::Row;

use super::{now, parse_ts, ts, Store, StoreResult};

/// A stored connection (the key stays sealed).
#[derive(Debug, Clone)]
pub struct ConnectionRow {
    /// Provider name.
    pub provider: String,
    /// base64 nonce ‖ ciphertext.
    pub sealed_key: String,
    /// Masked tail of the key.
    pub key_hint: String,
    /// First set.
    pub created_at: chrono::DateTime<chrono::Utc>,
    /// Last replaced.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

fn row(r: &sqlx::any::AnyRow) -> ConnectionRow {
    ConnectionRow {
        provider: r.get("provider"),
        sealed_key: r.get("sealed_key"),
        key_hint: r.get("key_hint"),
        created_at: parse_ts(&r.get::<String, _>("created_at")),
        updated_at: parse_ts(&r.get::<String, _>("updated_at")),
    }
}

impl Store {
    /// Sets (or replaces) the sealed key of a provider.
    pub async fn set_connection(
        &self,
        provider: &str,
        sealed_key: &str,
        key_hint: &str,
    ) -> StoreResult<ConnectionRow> {
        let t = ts(now());
        let r = sqlx::query(
            "INSERT INTO connections (provider, sealed_key, key_hint, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $4)
             ON CONFLICT (provider) DO UPDATE SET sealed_key = excluded.sealed_key,
                 key_hint = excluded.key_hint, updated_at = excluded.updated_at
             RETURNING provider, sealed_key, key_hint, created_at, updated_at",
        )
        .bind(provider)
        .bind(sealed_key)
        .bind(key_hint)
        .bind(&t)
        .fetch_one(self.write_pool())
        .await?;
        Ok(row(&r))
    }

    /// Every connection, by provider name.
    pub async fn list_connections(&self) -> StoreResult<Vec<ConnectionRow>> {
        let rows = sqlx::query(
            "SELECT provider, sealed_key, key_hint, created_at, updated_at FROM connections
             ORDER BY provider",
        )
        .fetch_all(self.read_pool())
        .await?;
        Ok(rows.iter().map(row).collect())
    }

    /// The connection of a provider.
    pub async fn get_connection(&self, provider: &str) -> StoreResult<Option<ConnectionRow>> {
        let r = sqlx::query(
            "SELECT provider, sealed_key, key_hint, created_at, updated_at FROM connections
             WHERE provider = $1",
        )
        .bind(provider)
        .fetch_optional(self.read_pool())
        .await?;
        Ok(r.as_ref().map(row))
    }

    /// Removes a provider's connection; false when there was none.
    pub async fn remove_connection(&self, provider: &str) -> StoreResult<bool> {
        let n = sqlx::query("DELETE FROM connections WHERE provider = $1")
            .bind(provider)
            .execute(self.write_pool())
            .await?
            .rows_affected();
        Ok(n > 0)
    }
}
