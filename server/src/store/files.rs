//! Session files (the runtime's `FileEntryBackend`).

use async_trait::async_trait;
use everruns_runtime::{FileEntry, FileEntryBackend, FsError, FsResult};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{parse_ts, ts, Store};

fn fs_err(e: impl std::fmt::Display) -> FsError {
    FsError::Backend(e.to_string())
}

/// Bytes each file or directory entry counts in the session quota besides its path and
/// content (its row: id, flags, timestamps, index entries).
pub const ENTRY_OVERHEAD_BYTES: u64 = 128;

fn entry_from_row(r: &AnyRow) -> FileEntry {
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
        let sql = format!(
            "SELECT CAST(COALESCE(SUM(size_bytes), 0) + COALESCE(SUM({}), 0) + COUNT(*) * $2
                         AS BIGINT)
             FROM files WHERE session_id = $1",
            self.backend().byte_length("path")
        );
        let row = sqlx::query(&sql)
            .bind(session_id)
            .bind(ENTRY_OVERHEAD_BYTES as i64)
            .fetch_one(self.write_pool())
            .await
            .map_err(fs_err)?;
        Ok(row.get::<i64, _>(0) as u64)
    }
}
