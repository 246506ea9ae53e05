//! Stored events read as ready-to-send SSE frames.
//!
//! The database writes the frame (`event:`/`id:`/`retry:`/`data:` around the stored envelope
//! text) and, for a replay, joins a whole batch into one string: the server gets one row and
//! one allocation per batch instead of four strings per event, and hands that text to the
//! connection as one body chunk without re-encoding anything.

use axum::body::Bytes;
use sqlx::Row;

use super::db::Sql;
use super::{Backend, EventQuery, Store, StoreResult};

/// Frames of consecutive stored events, joined.
#[derive(Debug, Clone, Default)]
pub struct FrameBatch {
    /// The SSE frames, oldest first.
    pub bytes: Bytes,
    /// How many events.
    pub count: usize,
    /// Sequence of the last one (`None` when empty).
    pub last_sequence: Option<i64>,
}

/// One stored event as an SSE frame (the shared live feed's unit).
#[derive(Debug, Clone)]
pub struct FramedEvent {
    /// Position in the session.
    pub sequence: i64,
    /// Type (for per-subscriber filters).
    pub event_type: String,
    /// The complete frame.
    pub frame: Bytes,
}

/// SQL text of one event's SSE frame (same bytes as `sse::frame_event`).
const FRAME_SQL: &str = "'event: ' || event_type || '\nid: ' || id || '\nretry: 100\ndata: ' \
                         || envelope || '\n\n'";

/// `WHERE …` of `q` (after `session_id = $1`), appended to `qb`.
fn filters(qb: &mut Sql, session_id: &str, q: &EventQuery) {
    qb.push(" FROM events WHERE session_id = ")
        .bind_text(session_id);
    if let Some(a) = q.after_sequence {
        qb.push(" AND sequence > ").bind_int(a);
    }
    if let Some(b) = q.before_sequence {
        qb.push(" AND sequence < ").bind_int(b);
    }
    if let Some(t) = &q.turn_id {
        qb.push(" AND turn_id = ").bind_text(t.clone());
    }
    if !q.types.is_empty() {
        qb.push(" AND event_type IN ").bind_list(&q.types);
    }
    if !q.exclude.is_empty() {
        qb.push(" AND event_type NOT IN ").bind_list(&q.exclude);
    }
}

impl Store {
    /// The frames of the first `limit` events matching `q` (oldest first), joined by the
    /// database into one string: one query and one row per batch.
    pub async fn frame_batch(
        &self,
        session_id: &str,
        q: &EventQuery,
        limit: u32,
    ) -> StoreResult<FrameBatch> {
        let join = match self.backend {
            Backend::Sqlite => "group_concat(frame, '' ORDER BY sequence)",
            Backend::Postgres => "string_agg(frame, '' ORDER BY sequence)",
        };
        let mut qb = Sql::new("SELECT COUNT(*), MAX(sequence), ");
        qb.push(join);
        qb.push(" FROM (SELECT sequence, ");
        qb.push(FRAME_SQL);
        qb.push(" AS frame");
        filters(&mut qb, session_id, q);
        qb.push(" ORDER BY sequence LIMIT ")
            .bind_int(i64::from(limit));
        qb.push(") AS batch");
        let row = qb.query().fetch_one(self.read_pool()).await?;
        let count: i64 = row.try_get(0)?;
        let last: Option<i64> = row.try_get(1)?;
        let text: Option<String> = row.try_get(2)?;
        Ok(FrameBatch {
            bytes: text.map(Bytes::from).unwrap_or_default(),
            count: count as usize,
            last_sequence: last,
        })
    }

    /// Events after `after` (at most `limit`, oldest first), each as its own frame.
    pub async fn framed_events(
        &self,
        session_id: &str,
        after: i64,
        limit: u32,
    ) -> StoreResult<Vec<FramedEvent>> {
        let mut qb = Sql::new("SELECT sequence, event_type, ");
        qb.push(FRAME_SQL);
        filters(
            &mut qb,
            session_id,
            &EventQuery {
                after_sequence: Some(after),
                ..Default::default()
            },
        );
        qb.push(" ORDER BY sequence LIMIT ")
            .bind_int(i64::from(limit));
        let rows = qb.query().fetch_all(self.read_pool()).await?;
        rows.into_iter()
            .map(|r| {
                Ok(FramedEvent {
                    sequence: r.try_get(0)?,
                    event_type: r.try_get(1)?,
                    frame: Bytes::from(r.try_get::<String, _>(2)?),
                })
            })
            .collect()
    }
}
