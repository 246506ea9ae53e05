//! Session key/value and secret storage (the runtime's `SessionStorage`).

use async_trait::async_trait;
use everruns_runtime::{SessionStorage, StorageNamespace};
use sqlx::Row;

use super::{now, rt_err, ts, RtStoreError, Store};

fn ns_str(ns: StorageNamespace) -> &'static str {
    match ns {
        StorageNamespace::Kv => "kv",
        StorageNamespace::Secret => "secret",
    }
}

#[async_trait]
impl SessionStorage for Store {
    async fn get(
        &self,
        session_id: &str,
        ns: StorageNamespace,
        key: &str,
    ) -> Result<Option<String>, RtStoreError> {
        let row = sqlx::query(
            "SELECT value FROM kv_entries WHERE session_id = $1 AND namespace = $2 AND key = $3",
        )
        .bind(session_id)
        .bind(ns_str(ns))
        .bind(key)
        .fetch_optional(self.read_pool())
        .await
        .map_err(rt_err)?;
        Ok(row.map(|r| r.get(0)))
    }

    async fn set(
        &self,
        session_id: &str,
        ns: StorageNamespace,
        key: &str,
        value: String,
    ) -> Result<(), RtStoreError> {
        sqlx::query(
            "INSERT INTO kv_entries (session_id, namespace, key, value, updated_at)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (session_id, namespace, key) DO UPDATE SET value = excluded.value,
                 updated_at = excluded.updated_at",
        )
        .bind(session_id)
        .bind(ns_str(ns))
        .bind(key)
        .bind(value)
        .bind(ts(now()))
        .execute(self.write_pool())
        .await
        .map_err(rt_err)?;
        Ok(())
    }

    async fn delete(
        &self,
        session_id: &str,
        ns: StorageNamespace,
        key: &str,
    ) -> Result<bool, RtStoreError> {
        let n = sqlx::query(
            "DELETE FROM kv_entries WHERE session_id = $1 AND namespace = $2 AND key = $3",
        )
        .bind(session_id)
        .bind(ns_str(ns))
        .bind(key)
        .execute(self.write_pool())
        .await
        .map_err(rt_err)?
        .rows_affected();
        Ok(n > 0)
    }

    async fn list(
        &self,
        session_id: &str,
        ns: StorageNamespace,
    ) -> Result<Vec<String>, RtStoreError> {
        let rows = sqlx::query(
            "SELECT key FROM kv_entries WHERE session_id = $1 AND namespace = $2 ORDER BY key",
        )
        .bind(session_id)
        .bind(ns_str(ns))
        .fetch_all(self.read_pool())
        .await
        .map_err(rt_err)?;
        Ok(rows.iter().map(|r| r.get(0)).collect())
    }
}
