//! Memories (migration 0005): named sets of files, stored in `files` under the memory id and
//! mounted read-only into the sessions of agents that list them in `memory_ids`. Only the
//! `manual` source type (files written through the API) is stored.

use everruns_core::ids::{self, IdKind};
use everruns_core::Memory;
use sqlx::any::AnyRow;
use sqlx::Row;

use super::db::Sql;
use super::{now, parse_ts, ts, Store, StoreResult};

const COLS: &str =
    "id, name, description, source_type, status, created_at, updated_at, archived_at";

fn row_of(r: &AnyRow) -> Memory {
    Memory {
        id: r.get(0),
        name: r.get(1),
        description: r.get(2),
        source_type: r.get(3),
        source: serde_json::json!({ "provider": r.get::<String, _>(3) }),
        is_readonly: true,
        sync_status: "idle".into(),
        last_sync_error: None,
        last_synced_at: None,
        status: r.get(4),
        created_at: parse_ts(&r.get::<String, _>(5)),
        updated_at: parse_ts(&r.get::<String, _>(6)),
        archived_at: r.get::<Option<String>, _>(7).map(|s| parse_ts(&s)),
        deleted_at: None,
    }
}

impl Store {
    /// Creates a `manual` memory.
    pub async fn create_memory(
        &self,
        name: &str,
        description: Option<&str>,
    ) -> StoreResult<Memory> {
        let id = ids::new_id(IdKind::Memory);
        let t = ts(now());
        sqlx::query(
            "INSERT INTO memories (id, name, description, source_type, status, created_at,
                                   updated_at, archived_at)
             VALUES ($1, $2, $3, 'manual', 'active', $4, $4, NULL)",
        )
        .bind(&id)
        .bind(name)
        .bind(description)
        .bind(&t)
        .execute(self.write_pool())
        .await?;
        Ok(self.get_memory(&id).await?.expect("just inserted"))
    }

    /// A memory by id.
    pub async fn get_memory(&self, id: &str) -> StoreResult<Option<Memory>> {
        let row = sqlx::query(&format!("SELECT {COLS} FROM memories WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.write_pool())
            .await?;
        Ok(row.as_ref().map(row_of))
    }

    /// Memories, newest first (`search`: name or description, case-insensitive).
    pub async fn list_memories(
        &self,
        search: Option<&str>,
        include_archived: bool,
    ) -> StoreResult<Vec<Memory>> {
        let mut q = Sql::new(&format!("SELECT {COLS} FROM memories WHERE 1 = 1"));
        if !include_archived {
            q.push(" AND status = 'active'");
        }
        if let Some(s) = search.filter(|s| !s.is_empty()) {
            let pat = format!("%{}%", s.to_lowercase());
            q.push(" AND (LOWER(name) LIKE ")
                .bind_text(pat.clone())
                .push(" OR LOWER(COALESCE(description, '')) LIKE ")
                .bind_text(pat)
                .push(")");
        }
        q.push(" ORDER BY created_at DESC, id DESC");
        let rows = q.query().fetch_all(self.read_pool()).await?;
        Ok(rows.iter().map(row_of).collect())
    }

    /// Changes name and/or description.
    pub async fn update_memory(
        &self,
        id: &str,
        name: Option<&str>,
        description: Option<&str>,
    ) -> StoreResult<Option<Memory>> {
        let Some(cur) = self.get_memory(id).await? else {
            return Ok(None);
        };
        sqlx::query(
            "UPDATE memories SET name = $2, description = $3, updated_at = $4 WHERE id = $1",
        )
        .bind(id)
        .bind(name.unwrap_or(&cur.name))
        .bind(description.or(cur.description.as_deref()))
        .bind(ts(now()))
        .execute(self.write_pool())
        .await?;
        self.get_memory(id).await
    }

    /// Archives a memory (its files stay; it is no longer mounted). False when unknown.
    pub async fn archive_memory(&self, id: &str) -> StoreResult<bool> {
        let t = ts(now());
        let n = sqlx::query(
            "UPDATE memories SET status = 'archived', archived_at = COALESCE(archived_at, $2),
                 updated_at = $2 WHERE id = $1",
        )
        .bind(id)
        .bind(&t)
        .execute(self.write_pool())
        .await?
        .rows_affected();
        Ok(n > 0)
    }
}
