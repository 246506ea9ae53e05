//! Agent versions (immutable snapshots) and session pins.

use everruns_core::{AgentVersion, AgentVersionChangeKind};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::{parse_ts, ts, Store, StoreResult};

const VERSION_SELECT: &str = "SELECT id, agent_id, version_number, semver_major, semver_minor, \
     semver_patch, change_kind, config_hash, parent_version_id, source_version_id, summary, \
     change_reason, authored_config, resolved_config, created_at FROM agent_versions";

fn version_from_row(r: &AnyRow) -> StoreResult<AgentVersion> {
    let (major, minor, patch) = (
        r.get::<i64, _>(3) as u64,
        r.get::<i64, _>(4) as u64,
        r.get::<i64, _>(5) as u64,
    );
    Ok(AgentVersion {
        id: r.get(0),
        agent_id: r.get(1),
        version_number: r.get::<i64, _>(2) as u64,
        version: format!("{major}.{minor}.{patch}"),
        semver_major: major,
        semver_minor: minor,
        semver_patch: patch,
        change_kind: AgentVersionChangeKind::from(r.get::<String, _>(6)),
        config_hash: r.get(7),
        parent_version_id: r.get(8),
        source_version_id: r.get(9),
        summary: r.get(10),
        change_reason: r.get(11),
        authored_config: serde_json::from_str(&r.get::<String, _>(12))?,
        resolved_config: serde_json::from_str(&r.get::<String, _>(13))?,
        is_published: None,
        created_at: parse_ts(&r.get::<String, _>(14)),
    })
}

impl Store {
    /// Stores a version (its number must be the agent's next one).
    pub async fn insert_agent_version(&self, v: &AgentVersion) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO agent_versions (id, agent_id, version_number, semver_major, semver_minor,
                 semver_patch, change_kind, config_hash, parent_version_id, source_version_id,
                 summary, change_reason, authored_config, resolved_config, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(&v.id)
        .bind(&v.agent_id)
        .bind(v.version_number as i64)
        .bind(v.semver_major as i64)
        .bind(v.semver_minor as i64)
        .bind(v.semver_patch as i64)
        .bind(v.change_kind.as_str())
        .bind(&v.config_hash)
        .bind(&v.parent_version_id)
        .bind(&v.source_version_id)
        .bind(&v.summary)
        .bind(&v.change_reason)
        .bind(serde_json::to_string(&v.authored_config)?)
        .bind(serde_json::to_string(&v.resolved_config)?)
        .bind(ts(v.created_at))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// One version by id.
    pub async fn get_agent_version(&self, id: &str) -> StoreResult<Option<AgentVersion>> {
        let row = sqlx::query(&format!("{VERSION_SELECT} WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.read)
            .await?;
        row.map(|r| version_from_row(&r)).transpose()
    }

    /// An agent's latest version (highest number).
    pub async fn latest_agent_version(&self, agent_id: &str) -> StoreResult<Option<AgentVersion>> {
        let row = sqlx::query(&format!(
            "{VERSION_SELECT} WHERE agent_id = $1 ORDER BY version_number DESC LIMIT 1"
        ))
        .bind(agent_id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| version_from_row(&r)).transpose()
    }

    /// An agent's versions, newest first.
    pub async fn list_agent_versions(&self, agent_id: &str) -> StoreResult<Vec<AgentVersion>> {
        let rows = sqlx::query(&format!(
            "{VERSION_SELECT} WHERE agent_id = $1 ORDER BY version_number DESC"
        ))
        .bind(agent_id)
        .fetch_all(&self.read)
        .await?;
        rows.iter().map(version_from_row).collect()
    }

    /// Pins (`true`) or unpins a session. Returns whether the flag changed.
    pub async fn set_session_pinned(&self, session_id: &str, pinned: bool) -> StoreResult<bool> {
        let n = if pinned {
            sqlx::query(
                "INSERT INTO session_pins (session_id, pinned_at) VALUES ($1, $2)
                 ON CONFLICT (session_id) DO NOTHING",
            )
            .bind(session_id)
            .bind(ts(super::now()))
            .execute(&self.write)
            .await?
        } else {
            sqlx::query("DELETE FROM session_pins WHERE session_id = $1")
                .bind(session_id)
                .execute(&self.write)
                .await?
        };
        Ok(n.rows_affected() > 0)
    }

    /// Whether a session is pinned.
    pub async fn session_pinned(&self, session_id: &str) -> StoreResult<bool> {
        let row = sqlx::query("SELECT 1 FROM session_pins WHERE session_id = $1")
            .bind(session_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.is_some())
    }
}
