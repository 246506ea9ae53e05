//! The runtime's host seam implemented over the SQLite store: event log, file entries,
//! kv/secret storage and llmsim script positions (the model catalogue is
//! [`crate::providers::ProviderCatalog`]).

use async_trait::async_trait;
use everruns_core::{Event, LlmSimScript};
use everruns_runtime::{
    EventDraft, EventLog, FileEntry, FileEntryBackend, FsError, FsResult, LlmSimStore,
    SessionStorage, StorageNamespace,
};
use sqlx::Row;

use super::{now, parse_ts, ts, EventQuery, NewEvent, Store};

type RtStoreError = everruns_runtime::StoreError;

fn rt_err(e: impl std::fmt::Display) -> RtStoreError {
    RtStoreError::new(e.to_string())
}

fn fs_err(e: impl std::fmt::Display) -> FsError {
    FsError::Backend(e.to_string())
}

#[async_trait]
impl EventLog for Store {
    async fn append(&self, session_id: &str, draft: EventDraft) -> Result<Event, RtStoreError> {
        let (event_type, data) = draft.payload.to_wire();
        let ev = NewEvent {
            id: None,
            event_type,
            data,
            context: draft.context,
            metadata: draft.metadata,
            tags: draft.tags,
        };
        let mut out = self
            .append_events(session_id, vec![ev])
            .await
            .map_err(rt_err)?;
        out.pop()
            .ok_or_else(|| RtStoreError::new("event was not stored"))
    }

    async fn list(&self, session_id: &str) -> Result<Vec<Event>, RtStoreError> {
        self.all_events(session_id).await.map_err(rt_err)
    }

    async fn list_after(
        &self,
        session_id: &str,
        after_sequence: i64,
    ) -> Result<Vec<Event>, RtStoreError> {
        self.query_events(
            session_id,
            &EventQuery {
                after_sequence: Some(after_sequence),
                ..Default::default()
            },
        )
        .await
        .map_err(rt_err)
    }
}

/// Bytes each file or directory entry counts in the session quota besides its path and
/// content (its row: id, flags, timestamps, index entries).
pub const ENTRY_OVERHEAD_BYTES: u64 = 128;

fn entry_from_row(r: &sqlx::sqlite::SqliteRow) -> FileEntry {
    FileEntry {
        path: r.get(0),
        is_directory: r.get::<i64, _>(1) != 0,
        is_readonly: r.get::<i64, _>(2) != 0,
        content: r.get::<Option<Vec<u8>>, _>(3).unwrap_or_default(),
        created_at: parse_ts(&r.get::<String, _>(4)),
        updated_at: parse_ts(&r.get::<String, _>(5)),
    }
}

#[async_trait]
impl FileEntryBackend for Store {
    async fn get(&self, session_id: &str, path: &str) -> FsResult<Option<FileEntry>> {
        let row = sqlx::query(
            "SELECT path, is_directory, is_readonly, content, created_at, updated_at
             FROM files WHERE session_id = $1 AND path = $2",
        )
        .bind(session_id)
        .bind(path)
        .fetch_optional(self.write_pool())
        .await
        .map_err(fs_err)?;
        Ok(row.as_ref().map(entry_from_row))
    }

    async fn list_under(&self, session_id: &str, dir: &str) -> FsResult<Vec<FileEntry>> {
        let prefix = if dir == "/" {
            "/".to_string()
        } else {
            format!("{dir}/")
        };
        // `substr` instead of LIKE: paths may contain `%` and `_`.
        let rows = sqlx::query(
            "SELECT path, is_directory, is_readonly, content, created_at, updated_at
             FROM files WHERE session_id = $1 AND substr(path, 1, length($2)) = $2 AND path <> $3",
        )
        .bind(session_id)
        .bind(&prefix)
        .bind(dir)
        .fetch_all(self.write_pool())
        .await
        .map_err(fs_err)?;
        Ok(rows.iter().map(entry_from_row).collect())
    }

    async fn put(&self, session_id: &str, entry: FileEntry) -> FsResult<()> {
        let id = everruns_core::ids::new_id(everruns_core::ids::IdKind::File);
        let size = if entry.is_directory {
            0
        } else {
            entry.content.len() as i64
        };
        let content: Option<Vec<u8>> = if entry.is_directory {
            None
        } else {
            Some(entry.content)
        };
        sqlx::query(
            "INSERT INTO files (id, session_id, path, is_directory, is_readonly, content,
                                size_bytes, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
             ON CONFLICT (session_id, path) DO UPDATE SET is_directory = excluded.is_directory,
                 is_readonly = excluded.is_readonly, content = excluded.content,
                 size_bytes = excluded.size_bytes, updated_at = excluded.updated_at",
        )
        .bind(id)
        .bind(session_id)
        .bind(&entry.path)
        .bind(entry.is_directory as i64)
        .bind(entry.is_readonly as i64)
        .bind(content)
        .bind(size)
        .bind(ts(entry.created_at))
        .bind(ts(entry.updated_at))
        .execute(self.write_pool())
        .await
        .map_err(fs_err)?;
        Ok(())
    }

    async fn remove(&self, session_id: &str, paths: &[String]) -> FsResult<()> {
        let mut tx = self.write_pool().begin().await.map_err(fs_err)?;
        for p in paths {
            sqlx::query("DELETE FROM files WHERE session_id = $1 AND path = $2")
                .bind(session_id)
                .bind(p)
                .execute(&mut *tx)
                .await
                .map_err(fs_err)?;
        }
        tx.commit().await.map_err(fs_err)?;
        Ok(())
    }

    /// What the session's files cost in the quota: content, plus each entry's path and
    /// [`ENTRY_OVERHEAD_BYTES`] (every parent directory is a row of its own, so deep paths
    /// count for what they store).
    async fn total_bytes(&self, session_id: &str) -> FsResult<u64> {
        let row = sqlx::query(
            "SELECT COALESCE(SUM(size_bytes), 0) + COALESCE(SUM(LENGTH(CAST(path AS BLOB))), 0)
                    + COUNT(*) * $2
             FROM files WHERE session_id = $1",
        )
        .bind(session_id)
        .bind(ENTRY_OVERHEAD_BYTES as i64)
        .fetch_one(self.write_pool())
        .await
        .map_err(fs_err)?;
        Ok(row.get::<i64, _>(0) as u64)
    }
}

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
