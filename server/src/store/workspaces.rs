//! Workspaces (migration 0005): first-class ones (`POST /v1/workspaces`, files stored under the
//! workspace id) and the default workspace of each session (id = the session id re-kinded to
//! `wsp_`, files stored under the session id). `sessions.workspace_id` names the workspace a
//! session works in; [`Store::file_binding`] turns that into the owner key of its files.

use async_trait::async_trait;
use everruns_core::ids::{self, IdKind};
use everruns_core::Workspace;
use everruns_runtime::{FileBindingResolver, FileMount, FsError, FsResult, SessionFileBinding};
use sqlx::any::AnyRow;
use sqlx::Row;

use super::db::Sql;
use super::{now, parse_ts, ts, Store, StoreResult};

/// A workspace and where its files live.
#[derive(Debug, Clone)]
pub struct WorkspaceRow {
    /// The wire object.
    pub workspace: Workspace,
    /// Owner key of its rows in `files`.
    pub file_key: String,
}

const COLS: &str =
    "id, name, description, status, file_key, session_id, created_at, updated_at, archived_at";

fn row_of(r: &AnyRow) -> WorkspaceRow {
    let opt_ts = |i: usize| r.get::<Option<String>, _>(i).map(|s| parse_ts(&s));
    WorkspaceRow {
        workspace: Workspace {
            id: r.get(0),
            name: r.get(1),
            description: r.get(2),
            status: r.get(3),
            session_id: r.get(5),
            created_at: parse_ts(&r.get::<String, _>(6)),
            updated_at: parse_ts(&r.get::<String, _>(7)),
            archived_at: opt_ts(8),
            deleted_at: None,
        },
        file_key: r.get(4),
    }
}

/// The directory name a memory is mounted at: its name with `/` and control characters
/// replaced, or its id when the name is not usable as a path segment.
pub fn mount_name(name: &str, id: &str) -> String {
    let n: String = name
        .trim()
        .chars()
        .map(|c| {
            if c == '/' || c == '\\' || c.is_control() {
                '-'
            } else {
                c
            }
        })
        .collect();
    if n.is_empty() || n == "." || n == ".." || n.starts_with('_') {
        id.to_string()
    } else {
        n
    }
}

impl Store {
    /// Creates a first-class workspace.
    pub async fn create_workspace(
        &self,
        name: &str,
        description: Option<&str>,
    ) -> StoreResult<WorkspaceRow> {
        let id = ids::new_id(IdKind::Workspace);
        let t = ts(now());
        sqlx::query(
            "INSERT INTO workspaces (id, name, description, status, file_key, session_id,
                                     created_at, updated_at, archived_at)
             VALUES ($1, $2, $3, 'active', $1, NULL, $4, $4, NULL)",
        )
        .bind(&id)
        .bind(name)
        .bind(description)
        .bind(&t)
        .execute(self.write_pool())
        .await?;
        Ok(self.get_workspace(&id).await?.expect("just inserted"))
    }

    /// A workspace by id. A session created before workspaces were stored (or by a path that
    /// does not record one) still has its default workspace, synthesised here.
    pub async fn get_workspace(&self, id: &str) -> StoreResult<Option<WorkspaceRow>> {
        let row = sqlx::query(&format!("SELECT {COLS} FROM workspaces WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.write_pool())
            .await?;
        if let Some(r) = row {
            return Ok(Some(row_of(&r)));
        }
        let Ok(sid) = ids::rekind(id, IdKind::Workspace, IdKind::Session) else {
            return Ok(None);
        };
        Ok(self.get_session(&sid).await?.map(|s| WorkspaceRow {
            workspace: Workspace {
                id: id.to_string(),
                name: format!("session-{}", &sid["session_".len()..]),
                description: None,
                status: "active".into(),
                session_id: Some(sid.clone()),
                created_at: s.created_at,
                updated_at: s.updated_at,
                archived_at: None,
                deleted_at: None,
            },
            file_key: sid,
        }))
    }

    /// Workspaces, newest first: `search` matches name or description (case-insensitive);
    /// archived ones only with `include_archived`. Default workspaces of deleted sessions are
    /// left out.
    pub async fn list_workspaces(
        &self,
        search: Option<&str>,
        include_archived: bool,
    ) -> StoreResult<Vec<WorkspaceRow>> {
        let mut q = Sql::new(&format!(
            "SELECT {COLS} FROM workspaces w WHERE (w.session_id IS NULL OR EXISTS
                 (SELECT 1 FROM sessions s WHERE s.id = w.session_id))"
        ));
        if !include_archived {
            q.push(" AND w.status = 'active'");
        }
        if let Some(s) = search.filter(|s| !s.is_empty()) {
            let pat = format!("%{}%", s.to_lowercase());
            q.push(" AND (LOWER(w.name) LIKE ")
                .bind_text(pat.clone())
                .push(" OR LOWER(COALESCE(w.description, '')) LIKE ")
                .bind_text(pat)
                .push(")");
        }
        q.push(" ORDER BY w.created_at DESC, w.id DESC");
        let rows = q.query().fetch_all(self.read_pool()).await?;
        Ok(rows.iter().map(row_of).collect())
    }

    /// Changes name, description and/or status (`archived` sets `archived_at`, `active`
    /// clears it). A synthesised default workspace is stored first.
    pub async fn update_workspace(
        &self,
        id: &str,
        name: Option<&str>,
        description: Option<&str>,
        status: Option<&str>,
    ) -> StoreResult<Option<WorkspaceRow>> {
        let Some(cur) = self.get_workspace(id).await? else {
            return Ok(None);
        };
        self.ensure_workspace_row(&cur).await?;
        let t = ts(now());
        let archived_at = match status {
            Some("archived") => cur
                .workspace
                .archived_at
                .map(ts)
                .or_else(|| Some(t.clone())),
            Some(_) => None,
            None => cur.workspace.archived_at.map(ts),
        };
        sqlx::query(
            "UPDATE workspaces SET name = $2, description = $3, status = $4, archived_at = $5,
                 updated_at = $6 WHERE id = $1",
        )
        .bind(id)
        .bind(name.unwrap_or(&cur.workspace.name))
        .bind(description.or(cur.workspace.description.as_deref()))
        .bind(status.unwrap_or(&cur.workspace.status))
        .bind(archived_at)
        .bind(&t)
        .execute(self.write_pool())
        .await?;
        self.get_workspace(id).await
    }

    async fn ensure_workspace_row(&self, w: &WorkspaceRow) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO workspaces (id, name, description, status, file_key, session_id,
                                     created_at, updated_at, archived_at)
             VALUES ($1, $2, NULL, 'active', $3, $4, $5, $5, NULL)
             ON CONFLICT (id) DO NOTHING",
        )
        .bind(&w.workspace.id)
        .bind(&w.workspace.name)
        .bind(&w.file_key)
        .bind(&w.workspace.session_id)
        .bind(ts(w.workspace.created_at))
        .execute(self.write_pool())
        .await?;
        Ok(())
    }

    /// Records the workspace of a just-created session: `workspace_id` when it was given (an
    /// existing workspace), else a new default workspace whose files are the session's own.
    pub async fn bind_session_workspace(
        &self,
        session_id: &str,
        workspace_id: Option<&str>,
    ) -> StoreResult<String> {
        let wid = match workspace_id {
            Some(w) => w.to_string(),
            None => {
                let wid = ids::rekind(session_id, IdKind::Session, IdKind::Workspace)
                    .map_err(|e| super::StoreError::Other(e.to_string()))?;
                let t = ts(now());
                sqlx::query(
                    "INSERT INTO workspaces (id, name, description, status, file_key, session_id,
                                             created_at, updated_at, archived_at)
                     VALUES ($1, $2, NULL, 'active', $3, $3, $4, $4, NULL)
                     ON CONFLICT (id) DO NOTHING",
                )
                .bind(&wid)
                .bind(format!("session-{}", &session_id["session_".len()..]))
                .bind(session_id)
                .bind(&t)
                .execute(self.write_pool())
                .await?;
                wid
            }
        };
        sqlx::query("UPDATE sessions SET workspace_id = $2 WHERE id = $1")
            .bind(session_id)
            .bind(&wid)
            .execute(self.write_pool())
            .await?;
        Ok(wid)
    }

    /// Where a session's files live and which memories its agent mounts.
    pub async fn file_binding(&self, session_id: &str) -> StoreResult<SessionFileBinding> {
        let row = sqlx::query(
            "SELECT w.file_key, s.agent_id FROM sessions s
             LEFT JOIN workspaces w ON w.id = s.workspace_id WHERE s.id = $1",
        )
        .bind(session_id)
        .fetch_optional(self.write_pool())
        .await?;
        let Some(r) = row else {
            return Ok(SessionFileBinding::own(session_id));
        };
        let file_key = r
            .get::<Option<String>, _>(0)
            .unwrap_or_else(|| session_id.to_string());
        let mounts = match r.get::<Option<String>, _>(1) {
            Some(agent_id) => self.agent_mounts(&agent_id).await?,
            None => Vec::new(),
        };
        Ok(SessionFileBinding { file_key, mounts })
    }

    /// The active memories an agent lists in `memory_ids`, as mounts (unknown or archived ids
    /// are skipped; a name used twice gets the id for the second one).
    async fn agent_mounts(&self, agent_id: &str) -> StoreResult<Vec<FileMount>> {
        let Some(agent) = self.get_agent(agent_id).await? else {
            return Ok(Vec::new());
        };
        let mut out: Vec<FileMount> = Vec::new();
        for id in &agent.memory_ids {
            let Some(m) = self.get_memory(id).await? else {
                continue;
            };
            if m.status != "active" {
                continue;
            }
            let mut name = mount_name(&m.name, &m.id);
            if out.iter().any(|x| x.name == name) {
                name = m.id.clone();
            }
            out.push(FileMount { name, key: m.id });
        }
        Ok(out)
    }
}

#[async_trait]
impl FileBindingResolver for Store {
    async fn binding(&self, session_id: &str) -> FsResult<SessionFileBinding> {
        if !session_id.starts_with("session_") {
            return Ok(SessionFileBinding::own(session_id));
        }
        self.file_binding(session_id)
            .await
            .map_err(|e| FsError::Backend(e.to_string()))
    }
}
