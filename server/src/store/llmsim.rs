//! Dev-only llmsim scripts and the positions LLM calls claim (shared by every process).

use async_trait::async_trait;
use everruns_core::LlmSimScript;
use everruns_runtime::LlmSimStore;
use sqlx::Row;

use super::{now, rt_err, ts, RtStoreError, Store, StoreResult};

impl Store {
    /// Sets (or clears) a session's llmsim script and resets its position.
    pub async fn set_llmsim_script(
        &self,
        session_id: &str,
        script: Option<&everruns_core::LlmSimScript>,
    ) -> StoreResult<()> {
        let doc = script.map(serde_json::to_string).transpose()?;
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO llmsim_scripts (session_id, script, next_position, updated_at)
             VALUES ($1, $2, 0, $3)
             ON CONFLICT (session_id) DO UPDATE SET script = excluded.script, next_position = 0,
                 updated_at = excluded.updated_at",
        )
        .bind(session_id)
        .bind(doc)
        .bind(ts(now()))
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM llmsim_claims WHERE session_id = $1")
            .bind(session_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}

#[async_trait]
impl LlmSimStore for Store {
    async fn script(&self, session_id: &str) -> Result<Option<LlmSimScript>, RtStoreError> {
        let row = sqlx::query("SELECT script FROM llmsim_scripts WHERE session_id = $1")
            .bind(session_id)
            .fetch_optional(self.write_pool())
            .await
            .map_err(rt_err)?;
        match row.and_then(|r| r.get::<Option<String>, _>(0)) {
            Some(s) => Ok(Some(serde_json::from_str(&s).map_err(rt_err)?)),
            None => Ok(None),
        }
    }

    async fn set_script(
        &self,
        session_id: &str,
        script: Option<LlmSimScript>,
    ) -> Result<(), RtStoreError> {
        self.set_llmsim_script(session_id, script.as_ref())
            .await
            .map_err(rt_err)
    }

    async fn claim_step(&self, session_id: &str, call_key: &str) -> Result<u64, RtStoreError> {
        let mut tx = self.write_pool().begin().await.map_err(rt_err)?;
        // Write first so the transaction holds the write lock from its first statement.
        sqlx::query(
            "INSERT INTO llmsim_scripts (session_id, script, next_position, updated_at)
             VALUES ($1, NULL, 0, $2) ON CONFLICT (session_id) DO NOTHING",
        )
        .bind(session_id)
        .bind(ts(now()))
        .execute(&mut *tx)
        .await
        .map_err(rt_err)?;
        // Lock the script row (PostgreSQL: until the commit) before looking for a claim, so a
        // concurrent claim of the same call in another process waits and then finds it.
        sqlx::query(
            "UPDATE llmsim_scripts SET next_position = next_position WHERE session_id = $1",
        )
        .bind(session_id)
        .execute(&mut *tx)
        .await
        .map_err(rt_err)?;
        let existing = sqlx::query(
            "SELECT position FROM llmsim_claims WHERE session_id = $1 AND call_key = $2",
        )
        .bind(session_id)
        .bind(call_key)
        .fetch_optional(&mut *tx)
        .await
        .map_err(rt_err)?;
        if let Some(r) = existing {
            tx.commit().await.map_err(rt_err)?;
            return Ok(r.get::<i64, _>(0) as u64);
        }
        let row = sqlx::query(
            "UPDATE llmsim_scripts SET next_position = next_position + 1 WHERE session_id = $1
             RETURNING next_position",
        )
        .bind(session_id)
        .fetch_one(&mut *tx)
        .await
        .map_err(rt_err)?;
        let pos = row.get::<i64, _>(0) - 1;
        sqlx::query(
            "INSERT INTO llmsim_claims (session_id, call_key, position) VALUES ($1, $2, $3)",
        )
        .bind(session_id)
        .bind(call_key)
        .bind(pos)
        .execute(&mut *tx)
        .await
        .map_err(rt_err)?;
        tx.commit().await.map_err(rt_err)?;
        Ok(pos as u64)
    }

    async fn position(&self, session_id: &str) -> Result<u64, RtStoreError> {
        let row = sqlx::query("SELECT next_position FROM llmsim_scripts WHERE session_id = $1")
            .bind(session_id)
            .fetch_optional(self.write_pool())
            .await
            .map_err(rt_err)?;
        Ok(row.map(|r| r.get::<i64, _>(0) as u64).unwrap_or(0))
    }
}
