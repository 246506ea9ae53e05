//! Sessions.

use everruns_core::{Event, EventContext, Session};

use sqlx::Row;

use super::db::Sql;
use super::events::append_in_tx;
use super::rows::session_from_row;
use super::{ts, NewEvent, Store, StoreResult};

/// A session row with its pin (`pinned_at` as the fourth column).
fn with_pin(r: &sqlx::any::AnyRow) -> StoreResult<Session> {
    let mut s = session_from_row(r)?;
    s.is_pinned = r.get::<Option<String>, _>(3).is_some();
    Ok(s)
}

impl Store {
    /// Stores a new session and its `session.started` event.
    pub async fn create_session(&self, session: &Session) -> StoreResult<Event> {
        self.create_session_noted(session, None).await
    }

    /// [`Store::create_session`], recording the request's change reason in the
    /// `session.started` event (`data.change_reason`).
    pub async fn create_session_noted(
        &self,
        session: &Session,
        change_reason: Option<&str>,
    ) -> StoreResult<Event> {
        let mut tx = self.write.begin().await?;
        sqlx::query(
            "INSERT INTO sessions (id, agent_id, harness_id, status, title, doc, last_sequence,
                                   created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $7)",
        )
        .bind(&session.id)
        .bind(&session.agent_id)
        .bind(&session.harness_id)
        .bind(session.status.as_str())
        .bind(&session.title)
        .bind(serde_json::to_string(session)?)
        .bind(ts(session.created_at))
        .execute(&mut *tx)
        .await?;
        let data = serde_json::to_value(everruns_core::SessionStartedData {
            harness_id: session.harness_id.clone(),
            agent_id: session.agent_id.clone(),
            model_id: session.model_id.clone(),
            agent_version_id: session.agent_version_id.clone(),
            change_reason: change_reason.map(str::to_string),
        })?;
        let events = append_in_tx(
            &mut tx,
            self.backend,
            &session.id,
            vec![NewEvent::new(
                "session.started",
                data,
                EventContext::default(),
            )],
        )
        .await?;
        tx.commit().await?;
        self.notify(&session.id, &events);
        Ok(events.into_iter().next().expect("one event"))
    }

    /// A session (status and timestamps from their columns).
    pub async fn get_session(&self, id: &str) -> StoreResult<Option<Session>> {
        let row = sqlx::query(
            "SELECT s.doc, s.status, s.updated_at, p.pinned_at FROM sessions s
             LEFT JOIN session_pins p ON p.session_id = s.id WHERE s.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.read)
        .await?;
        row.map(|r| with_pin(&r)).transpose()
    }

    /// Replaces a session's document (title, tags, …).
    pub async fn update_session_doc(&self, session: &Session) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET doc = $2, title = $3, updated_at = $4 WHERE id = $1")
            .bind(&session.id)
            .bind(serde_json::to_string(session)?)
            .bind(&session.title)
            .bind(ts(session.updated_at))
            .execute(&self.write)
            .await?;
        Ok(())
    }

    /// A page of sessions and the total count.
    pub async fn list_sessions(
        &self,
        agent_id: Option<&str>,
        search: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> StoreResult<(Vec<Session>, u64)> {
        let mut qb = Sql::new(
            "SELECT s.doc, s.status, s.updated_at, p.pinned_at FROM sessions s
             LEFT JOIN session_pins p ON p.session_id = s.id WHERE 1 = 1",
        );
        if let Some(a) = agent_id {
            qb.push(" AND s.agent_id = ").bind_text(a);
        }
        if let Some(s) = search {
            qb.push(" AND LOWER(COALESCE(s.title, '')) LIKE ")
                .bind_text(format!("%{}%", s.to_lowercase()));
        }
        qb.push(" ORDER BY s.created_at DESC, s.id DESC");
        let rows = qb.query().fetch_all(&self.read).await?;
        let total = rows.len() as u64;
        let page = rows
            .iter()
            .skip(offset as usize)
            .take(limit as usize)
            .map(with_pin)
            .collect::<StoreResult<Vec<_>>>()?;
        Ok((page, total))
    }

    /// Deletes a session with its events, files, storage, turns and llmsim state.
    pub async fn delete_session(&self, id: &str) -> StoreResult<bool> {
        let mut tx = self.write.begin().await?;
        let n = sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        for table in [
            "session_pins",
            "events",
            "files",
            "kv_entries",
            "turns",
            "llmsim_scripts",
            "llmsim_claims",
        ] {
            sqlx::query(&format!("DELETE FROM {table} WHERE session_id = $1"))
                .bind(id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n > 0)
    }
}

impl Store {
    /// Inserts a session row without events, or replaces its document (the runtime's
    /// `RuntimeSessionStore::put_session`).
    pub async fn upsert_session_row(&self, session: &Session) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO sessions (id, agent_id, harness_id, status, title, doc, last_sequence,
                                   created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, 0, $7, $8)
             ON CONFLICT (id) DO UPDATE SET doc = excluded.doc, title = excluded.title,
                 status = excluded.status, updated_at = excluded.updated_at",
        )
        .bind(&session.id)
        .bind(&session.agent_id)
        .bind(&session.harness_id)
        .bind(session.status.as_str())
        .bind(&session.title)
        .bind(serde_json::to_string(session)?)
        .bind(ts(session.created_at))
        .bind(ts(session.updated_at))
        .execute(&self.write)
        .await?;
        Ok(())
    }

    /// Every session id, oldest first.
    pub async fn session_ids(&self) -> StoreResult<Vec<String>> {
        let rows = sqlx::query("SELECT id FROM sessions ORDER BY created_at, id")
            .fetch_all(&self.read)
            .await?;
        Ok(rows.iter().map(|r| r.get::<String, _>(0)).collect())
    }

    /// Sets a session's status column.
    pub async fn set_session_status(
        &self,
        session_id: &str,
        status: everruns_core::SessionStatus,
    ) -> StoreResult<()> {
        sqlx::query("UPDATE sessions SET status = $2, updated_at = $3 WHERE id = $1")
            .bind(session_id)
            .bind(status.as_str())
            .bind(ts(super::now()))
            .execute(&self.write)
            .await?;
        Ok(())
    }
}
