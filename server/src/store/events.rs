//! The append-only event log: appends (sequence under the session row's lock), queries.

use everruns_core::ids::{new_id, IdKind};
use everruns_core::{Event, EventContext, Message, SessionStatus};
use serde_json::Value;
use sqlx::Row;

use super::db::Sql;
use super::{now, ts, Backend, Store, StoreError, StoreResult, Tx};
use crate::hub::{EVENTS_CHANNEL, TURNS_CHANNEL};

/// A new event to append (the store assigns id unless given, sequence and ts).
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// Preset id (idempotent append: an existing id is skipped).
    pub id: Option<String>,
    /// Event type.
    pub event_type: String,
    /// Payload.
    pub data: Value,
    /// Correlation ids.
    pub context: EventContext,
    /// Metadata.
    pub metadata: Option<Value>,
    /// Tags.
    pub tags: Vec<String>,
}

impl NewEvent {
    /// A new event from a type and payload.
    pub fn new(event_type: impl Into<String>, data: Value, context: EventContext) -> Self {
        Self {
            id: None,
            event_type: event_type.into(),
            data,
            context,
            metadata: None,
            tags: Vec::new(),
        }
    }
}

/// One stored event as raw JSON (what SSE sends).
#[derive(Debug, Clone)]
pub struct EventRow {
    /// Position in the session.
    pub sequence: i64,
    /// `event_…`.
    pub id: String,
    /// Type.
    pub event_type: String,
    /// The full envelope, single-line JSON.
    pub envelope: String,
}

/// Filters of an event query.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Only sequence > this.
    pub after_sequence: Option<i64>,
    /// Only sequence < this.
    pub before_sequence: Option<i64>,
    /// Only these types (empty = all).
    pub types: Vec<String>,
    /// Not these types.
    pub exclude: Vec<String>,
    /// Only this turn.
    pub turn_id: Option<String>,
    /// The last N (oldest first) instead of all.
    pub last: Option<u32>,
    /// At most this many from the start (for SSE batches).
    pub first: Option<u32>,
}

impl Store {
    /// Appends events to a session and wakes its subscribers once they are committed.
    /// Concurrent calls share one transaction (group commit, `group.rs`); each call's events
    /// are all-or-nothing and get consecutive sequences.
    pub async fn append_events(
        &self,
        session_id: &str,
        events: Vec<NewEvent>,
    ) -> StoreResult<Vec<Event>> {
        self.group_commit().append(session_id, events).await
    }

    /// Transactions and append requests committed so far by the group committer.
    pub fn append_stats(&self) -> (u64, u64) {
        let s = self.group_commit().stats();
        (
            s.commits.load(std::sync::atomic::Ordering::Relaxed),
            s.requests.load(std::sync::atomic::Ordering::Relaxed),
        )
    }

    fn group_commit(&self) -> &super::group::GroupCommit {
        self.group.get_or_init(|| {
            super::group::GroupCommit::spawn(self.write.clone(), self.backend, self.hub.clone())
        })
    }

    pub(crate) fn notify(&self, session_id: &str, events: &[Event]) {
        if let Some(seq) = events.iter().filter_map(|e| e.sequence).max() {
            self.hub.notify(session_id, seq);
        }
    }

    /// Stores a user message as `input.message` and queues its turn, in one transaction.
    /// Returns the stored message (with sequence) and the turn id.
    pub async fn enqueue_message(
        &self,
        session_id: &str,
        message: Message,
        tags: Vec<String>,
    ) -> StoreResult<(Message, String)> {
        let turn_id = new_id(IdKind::Turn);
        let mut ev = NewEvent::new(
            "input.message",
            serde_json::json!({ "message": message }),
            EventContext {
                input_message_id: Some(message.id.clone()),
                ..Default::default()
            },
        );
        ev.tags = tags;
        let mut tx = self.write.begin().await?;
        let stored = append_in_tx(&mut tx, self.backend, session_id, vec![ev]).await?;
        let seq = stored[0].sequence.unwrap_or(0);
        sqlx::query(
            "INSERT INTO turns (id, session_id, input_message_id, input_sequence, status,
                                attempts, created_at)
             VALUES ($1, $2, $3, $4, 'queued', 0, $5)",
        )
        .bind(&turn_id)
        .bind(session_id)
        .bind(&message.id)
        .bind(seq)
        .bind(ts(now()))
        .execute(&mut *tx)
        .await?;
        notify_in_tx(&mut tx, self.backend, TURNS_CHANNEL, &turn_id).await?;
        tx.commit().await?;
        self.notify(session_id, &stored);
        let mut m = message;
        m.sequence = Some(seq);
        Ok((m, turn_id))
    }

    /// The sequence of an event of this session.
    pub async fn event_sequence(
        &self,
        session_id: &str,
        event_id: &str,
    ) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT sequence FROM events WHERE session_id = $1 AND id = $2")
            .bind(session_id)
            .bind(event_id)
            .fetch_optional(&self.read)
            .await?;
        Ok(row.map(|r| r.get::<i64, _>(0)))
    }

    /// Raw rows matching `q`, oldest first.
    pub async fn query_event_rows(
        &self,
        session_id: &str,
        q: &EventQuery,
    ) -> StoreResult<Vec<EventRow>> {
        let mut qb =
            Sql::new("SELECT sequence, id, event_type, envelope FROM events WHERE session_id = ");
        qb.bind_text(session_id);
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
        if let Some(n) = q.last {
            qb.push(" ORDER BY sequence DESC LIMIT ").bind_int(n as i64);
        } else {
            qb.push(" ORDER BY sequence ASC");
            if let Some(n) = q.first {
                qb.push(" LIMIT ").bind_int(n as i64);
            }
        }
        let rows = qb.query().fetch_all(&self.read).await?;
        let mut out: Vec<EventRow> = rows
            .into_iter()
            .map(|r| EventRow {
                sequence: r.get(0),
                id: r.get(1),
                event_type: r.get(2),
                envelope: r.get(3),
            })
            .collect();
        if q.last.is_some() {
            out.reverse();
        }
        Ok(out)
    }

    /// Events matching `q`, oldest first.
    pub async fn query_events(&self, session_id: &str, q: &EventQuery) -> StoreResult<Vec<Event>> {
        self.query_event_rows(session_id, q)
            .await?
            .into_iter()
            .map(|r| serde_json::from_str(&r.envelope).map_err(Into::into))
            .collect()
    }

    /// Count of non-delta events matching the type filters (for `X-Total-Count`).
    pub async fn count_non_delta_events(&self, session_id: &str) -> StoreResult<u64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM events WHERE session_id = $1 AND event_type NOT LIKE '%.delta'",
        )
        .bind(session_id)
        .fetch_one(&self.read)
        .await?;
        Ok(row.get::<i64, _>(0) as u64)
    }

    /// Every event of a session (the runtime's view).
    pub async fn all_events(&self, session_id: &str) -> StoreResult<Vec<Event>> {
        self.query_events(session_id, &EventQuery::default()).await
    }
}

/// Appends events inside an open transaction: assigns sequences from
/// `sessions.last_sequence`, skips events whose preset id already exists, updates the
/// session's status from lifecycle events.
pub(crate) async fn append_in_tx(
    tx: &mut Tx<'_>,
    backend: Backend,
    session_id: &str,
    events: Vec<NewEvent>,
) -> StoreResult<Vec<Event>> {
    if events.iter().any(|e| e.id.is_some()) {
        // Take the session row's lock first, so two processes appending the same preset id
        // cannot both find it absent.
        sqlx::query("UPDATE sessions SET last_sequence = last_sequence WHERE id = $1")
            .bind(session_id)
            .execute(&mut **tx)
            .await?;
    }
    let mut fresh = Vec::with_capacity(events.len());
    for e in events {
        if let Some(id) = &e.id {
            let exists = sqlx::query("SELECT 1 FROM events WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut **tx)
                .await?
                .is_some();
            if exists {
                continue;
            }
        }
        fresh.push(e);
    }
    if fresh.is_empty() {
        return Ok(Vec::new());
    }
    let n = fresh.len() as i64;
    let t = now();
    let status = fresh
        .iter()
        .rev()
        .find_map(|e| status_after(&e.event_type))
        .map(|s| s.as_str().to_string());
    let row = sqlx::query(
        "UPDATE sessions SET last_sequence = last_sequence + $2, updated_at = $3,
             status = COALESCE($4, status)
         WHERE id = $1 RETURNING last_sequence",
    )
    .bind(session_id)
    .bind(n)
    .bind(ts(t))
    .bind(status)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or_else(|| StoreError::NotFound(format!("session {session_id}")))?;
    let last: i64 = row.get(0);
    let mut seq = last - n;
    let mut out = Vec::with_capacity(fresh.len());
    for e in fresh {
        seq += 1;
        let turn_id = e.context.turn_id.clone().or_else(|| {
            e.data
                .get("turn_id")
                .and_then(|v| v.as_str())
                .map(str::to_string)
        });
        let ev = Event {
            id: e.id.unwrap_or_else(|| new_id(IdKind::Event)),
            event_type: e.event_type,
            ts: t,
            session_id: session_id.to_string(),
            sequence: Some(seq),
            context: e.context,
            data: if e.data.is_object() {
                e.data
            } else {
                Value::Object(Default::default())
            },
            metadata: e.metadata,
            tags: e.tags,
        };
        let envelope = serde_json::to_string(&ev)?;
        sqlx::query(
            "INSERT INTO events (id, session_id, sequence, event_type, ts, turn_id, envelope)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(&ev.id)
        .bind(session_id)
        .bind(seq)
        .bind(&ev.event_type)
        .bind(ts(t))
        .bind(turn_id)
        .bind(envelope)
        .execute(&mut **tx)
        .await?;
        out.push(ev);
    }
    if let Some(last) = out.last().and_then(|e| e.sequence) {
        notify_in_tx(tx, backend, EVENTS_CHANNEL, &format!("{session_id}:{last}")).await?;
    }
    Ok(out)
}

/// PostgreSQL: `NOTIFY channel, 'payload'` in the open transaction (delivered to every
/// listening process at the commit, not at all on rollback). SQLite: nothing (one process;
/// the in-process hub wakes subscribers). Payloads are ids and numbers; anything else is not
/// sent.
pub(crate) async fn notify_in_tx(
    tx: &mut Tx<'_>,
    backend: Backend,
    channel: &str,
    payload: &str,
) -> StoreResult<()> {
    if backend != Backend::Postgres
        || !payload
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-:,".contains(&b))
    {
        return Ok(());
    }
    sqlx::query(&format!("NOTIFY {channel}, '{payload}'"))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// The session status an event type moves the session to (docs/decisions.md#12).
pub(crate) fn status_after(event_type: &str) -> Option<SessionStatus> {
    match event_type {
        "turn.started" | "session.activated" => Some(SessionStatus::Active),
        "tool.call_requested" => Some(SessionStatus::WaitingForToolResults),
        "session.idled" | "turn.completed" | "turn.failed" | "turn.cancelled" | "turn.sealed" => {
            Some(SessionStatus::Idle)
        }
        _ => None,
    }
}
