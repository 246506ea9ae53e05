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

impl Store {
    /// Aggregates over an agent's sessions and turns (`GET /v1/agents/{id}/stats`). Reads
    /// the agent's session documents one page at a time.
    pub async fn agent_stats(&self, agent_id: &str) -> StoreResult<everruns_core::ResourceStats> {
        use everruns_core::SessionStatus;
        let mut st = everruns_core::ResourceStats::default();
        let mut offset = 0u64;
        let page = 500u64;
        loop {
            let (items, total) = self
                .list_sessions(Some(agent_id), None, offset, page)
                .await?;
            for s in &items {
                st.session_count += 1;
                match s.status {
                    SessionStatus::Active => st.active_session_count += 1,
                    SessionStatus::Idle => st.idle_session_count += 1,
                    SessionStatus::Started => st.started_session_count += 1,
                    SessionStatus::WaitingForToolResults => {
                        st.waiting_for_tool_results_session_count += 1
                    }
                    _ => {}
                }
                if let Some(u) = &s.usage {
                    st.total_input_tokens += u.input_tokens;
                    st.total_output_tokens += u.output_tokens;
                    st.total_cache_read_tokens += u.cache_read_tokens.unwrap_or(0);
                    st.total_cache_creation_tokens += u.cache_creation_tokens.unwrap_or(0);
                }
                let ms = (s.updated_at - s.created_at).num_milliseconds().max(0) as u64;
                st.total_session_duration_ms += ms;
                st.first_session_at = Some(
                    st.first_session_at
                        .map_or(s.created_at, |f| f.min(s.created_at)),
                );
                st.last_session_at = Some(
                    st.last_session_at
                        .map_or(s.created_at, |f| f.max(s.created_at)),
                );
            }
            offset += items.len() as u64;
            if items.is_empty() || offset >= total {
                break;
            }
        }
        st.avg_session_duration_ms = st.total_session_duration_ms.checked_div(st.session_count);
        let row = sqlx::query(
            "SELECT COUNT(*), MAX(t.created_at) FROM turns t JOIN sessions s ON s.id = t.session_id
             WHERE s.agent_id = $1",
        )
        .bind(agent_id)
        .fetch_one(&self.read)
        .await?;
        st.execution_count = row.get::<i64, _>(0) as u64;
        st.last_execution_at = row.get::<Option<String>, _>(1).map(|t| super::parse_ts(&t));
        Ok(st)
    }
}
