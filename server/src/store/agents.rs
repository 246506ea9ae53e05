//! Agents.

use everruns_core::Agent;
use sqlx::Row;

use super::{ts, Store, StoreResult};

impl Store {
    /// Serialises agent writes: an upsert reads (by id and by name) and then writes, and two
    /// callers with the same name must not both decide to create. Hold the guard from the
    /// first lookup to the write.
    pub async fn lock_agent_writes(&self) -> tokio::sync::OwnedMutexGuard<()> {
        self.agent_writes.clone().lock_owned().await
    }

    /// An agent by id or by name.
    pub async fn get_agent(&self, id_or_name: &str) -> StoreResult<Option<Agent>> {
        let row = sqlx::query("SELECT doc FROM agents WHERE id = $1 OR name = $1")
            .bind(id_or_name)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| serde_json::from_str(&r.get::<String, _>(0)).map_err(Into::into))
            .transpose()
    }

    /// Inserts or replaces an agent document.
    pub async fn put_agent(&self, agent: &Agent) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO agents (id, name, status, doc, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (id) DO UPDATE SET name = excluded.name, status = excluded.status,
                 doc = excluded.doc, updated_at = excluded.updated_at",
        )
        .bind(&agent.id)
        .bind(&agent.name)
        .bind(agent.status.as_str())
        .bind(serde_json::to_string(agent)?)
        .bind(ts(agent.created_at))
        .bind(ts(agent.updated_at))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// A page of agents and the total count.
    pub async fn list_agents(
        &self,
        search: Option<&str>,
        include_archived: bool,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<Agent>, u64)> {
        let rows = sqlx::query("SELECT doc, status FROM agents ORDER BY created_at DESC, id DESC")
            .fetch_all(&self.read)
            .await?;
        let needle = search.map(|s| s.to_lowercase());
        let mut all = Vec::new();
        for r in rows {
            let status: String = r.get(1);
            if status == "deleted" || (!include_archived && status == "archived") {
                continue;
            }
            let a: Agent = serde_json::from_str(&r.get::<String, _>(0))?;
            if let Some(n) = &needle {
                let hay = format!(
                    "{}\n{}\n{}",
                    a.name,
                    a.display_name.as_deref().unwrap_or(""),
                    a.description.as_deref().unwrap_or("")
                )
                .to_lowercase();
                if !hay.contains(n.as_str()) {
                    continue;
                }
            }
            all.push(a);
        }
        let total = all.len() as u64;
        let page = all
            .into_iter()
            .skip(offset as usize)
            .take(limit as usize)
            .collect();
        Ok((page, total))
    }

    /// Number of sessions of an agent.
    pub async fn agent_session_count(&self, agent_id: &str) -> StoreResult<u64> {
        let row = sqlx::query("SELECT COUNT(*) FROM sessions WHERE agent_id = $1")
            .bind(agent_id)
            .fetch_one(&self.read)
            .await?;
        Ok(row.get::<i64, _>(0) as u64)
    }
}
