//! Group commit of event appends.
//!
//! [`Store::append_events`](super::Store::append_events) hands its events to one committer
//! task per store. The committer takes every request queued while the previous commit ran
//! and writes them all in **one** transaction (one WAL commit on SQLite, one commit record
//! on PostgreSQL); a request for an unknown session fails alone. Only after the commit returns are the callers answered and the
//! sessions' subscribers woken: no event is acknowledged or visible before it is durable.
//!
//! A lone appender pays no wait: the committer starts as soon as a request arrives and
//! batches only what queued up behind a commit in progress. Requests of a batch are ordered
//! by session id (stably, so one session's requests keep their order), so two processes'
//! batches on PostgreSQL lock session rows in the same order. Should a whole batch fail
//! (a serialization failure, a dropped connection), each of its requests is retried alone in
//! its own transaction, exactly as an append without group commit would run.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use everruns_core::Event;
use sqlx::AnyPool;
use tokio::sync::{mpsc, oneshot};

use super::db::Sql;
use super::events::{append_in_tx, notify_in_tx, status_after, NewEvent};
use super::{now, ts, Tx};
use super::{Backend, StoreError, StoreResult};
use crate::hub::Hub;
use crate::hub::EVENTS_CHANNEL;
use everruns_core::ids::{new_id, IdKind};
use serde_json::Value;
use sqlx::Row;

/// Most requests written in one transaction.
pub const MAX_BATCH: usize = 512;

type Reply = oneshot::Sender<StoreResult<Vec<Event>>>;

struct Request {
    session_id: String,
    events: Vec<NewEvent>,
    reply: Reply,
}

/// The handle of a store's committer task (spawned on first use).
pub(crate) struct GroupCommit {
    tx: mpsc::UnboundedSender<Request>,
    stats: Arc<Stats>,
}

/// Counters of a committer, for tests and the bench.
#[derive(Debug, Default)]
pub struct Stats {
    /// Transactions committed.
    pub commits: AtomicU64,
    /// Append requests committed (≥ `commits`: the difference is what group commit saved).
    pub requests: AtomicU64,
}

impl GroupCommit {
    /// Spawns the committer on the current Tokio runtime.
    pub(crate) fn spawn(pool: AnyPool, backend: Backend, hub: Arc<Hub>) -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        let stats = Arc::new(Stats::default());
        tokio::spawn(committer(rx, pool, backend, hub, stats.clone()));
        Self { tx, stats }
    }

    /// Appends through the committer; resolves once the events are committed.
    pub(crate) async fn append(
        &self,
        session_id: &str,
        events: Vec<NewEvent>,
    ) -> StoreResult<Vec<Event>> {
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Request {
                session_id: session_id.to_string(),
                events,
                reply,
            })
            .map_err(|_| StoreError::Other("the event committer has stopped".into()))?;
        rx.await
            .map_err(|_| StoreError::Other("the event committer has stopped".into()))?
    }

    /// The committer's counters.
    pub(crate) fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }
}

async fn committer(
    mut rx: mpsc::UnboundedReceiver<Request>,
    pool: AnyPool,
    backend: Backend,
    hub: Arc<Hub>,
    stats: Arc<Stats>,
) {
    while let Some(first) = rx.recv().await {
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(r) => batch.push(r),
                Err(_) => break,
            }
        }
        // Callers that gave up (dropped their future) need no write.
        batch.retain(|r| !r.reply.is_closed());
        if batch.is_empty() {
            continue;
        }
        batch.sort_by(|a, b| a.session_id.cmp(&b.session_id));
        let n = batch.len() as u64;
        let results = match commit_batch(&pool, backend, &mut batch).await {
            Ok(results) => {
                if results.iter().any(Result::is_ok) {
                    stats.commits.fetch_add(1, Ordering::Relaxed);
                }
                results
            }
            Err(e) => {
                tracing::warn!(error = %e, requests = batch.len(), "group commit failed; appending one by one");
                let mut out = Vec::with_capacity(batch.len());
                for r in batch.iter_mut() {
                    let one = commit_one(&pool, backend, r).await;
                    if one.is_ok() {
                        stats.commits.fetch_add(1, Ordering::Relaxed);
                    }
                    out.push(one);
                }
                out
            }
        };
        stats.requests.fetch_add(n, Ordering::Relaxed);
        for (r, res) in batch.into_iter().zip(results) {
            if let Ok(events) = &res {
                if let Some(seq) = events.iter().filter_map(|e| e.sequence).max() {
                    hub.notify(&r.session_id, seq);
                }
            }
            let _ = r.reply.send(res);
        }
    }
}

/// One request in its own transaction (the fallback path).
async fn commit_one(pool: &AnyPool, backend: Backend, r: &mut Request) -> StoreResult<Vec<Event>> {
    let mut tx = pool.begin().await?;
    let out = append_in_tx(
        &mut tx,
        backend,
        &r.session_id,
        std::mem::take(&mut r.events),
    )
    .await?;
    tx.commit().await?;
    Ok(out)
}

/// Every request of `batch` in one transaction. A request for a missing session fails alone
/// (it is detected before that request writes anything, and the transaction goes on); any
/// other error abandons the whole transaction (`Err`: nothing of the batch is committed, and
/// the requests' events are left in place for the one-by-one fallback). No savepoints: on
/// PostgreSQL more than 64 subtransactions in one transaction slow every snapshot.
async fn commit_batch(
    pool: &AnyPool,
    backend: Backend,
    batch: &mut [Request],
) -> StoreResult<Vec<StoreResult<Vec<Event>>>> {
    if let [one] = batch {
        // A lone request: no fallback (its error is the answer).
        return Ok(vec![commit_one(pool, backend, one).await]);
    }
    let mut tx = pool.begin().await?;
    let results = if batch
        .iter()
        .any(|r| r.events.iter().any(|e| e.id.is_some()))
    {
        // Preset ids (idempotent appends) need their existence checks: request by request.
        let mut results = Vec::with_capacity(batch.len());
        for r in batch.iter() {
            match append_in_tx(&mut tx, backend, &r.session_id, r.events.clone()).await {
                Ok(out) => results.push(Ok(out)),
                Err(StoreError::NotFound(what)) => results.push(Err(StoreError::NotFound(what))),
                Err(e) => return Err(e),
            }
        }
        results
    } else {
        append_batch_in_tx(&mut tx, backend, batch).await?
    };
    tx.commit().await?;
    Ok(results)
}

/// Rows per multi-row `INSERT` (7 parameters each, well under both databases' limits).
const INSERT_ROWS: usize = 500;

/// Sessions per multi-row `UPDATE` (3 parameters each).
const UPDATE_ROWS: usize = 200;

/// Bytes of one combined `NOTIFY` payload (PostgreSQL allows just under 8,000).
const NOTIFY_BYTES: usize = 7000;

/// One session's share of a batch: its requests `batch[from..to]`, their event count and
/// the status the last of their lifecycle events moves it to.
struct Span {
    session_id: String,
    from: usize,
    to: usize,
    n: i64,
    status: Option<String>,
    last: Option<i64>,
}

/// The batch's events without preset ids, in a fixed number of statements whatever the
/// batch size: one multi-row `UPDATE … RETURNING` for the sessions' sequence ranges,
/// statuses and `updated_at`, one multi-row `INSERT` for all the events and one combined
/// `NOTIFY` (PostgreSQL; payload `SESSION:SEQ,SESSION:SEQ…`). Requests of a missing session
/// get `NotFound` and write nothing. Sequences follow the order of the requests.
async fn append_batch_in_tx(
    tx: &mut Tx<'_>,
    backend: Backend,
    batch: &mut [Request],
) -> StoreResult<Vec<StoreResult<Vec<Event>>>> {
    let t = now();
    let stamp = ts(t);
    // Requests of one session are adjacent (the batch is sorted by session id).
    let mut spans: Vec<Span> = Vec::new();
    for (k, r) in batch.iter().enumerate() {
        match spans.last_mut() {
            Some(s) if s.session_id == r.session_id => s.to = k + 1,
            _ => spans.push(Span {
                session_id: r.session_id.clone(),
                from: k,
                to: k + 1,
                n: 0,
                status: None,
                last: None,
            }),
        }
    }
    for s in spans.iter_mut() {
        let evs = || batch[s.from..s.to].iter().flat_map(|r| r.events.iter());
        s.n = evs().count() as i64;
        s.status = evs()
            .rev()
            .find_map(|e| status_after(&e.event_type))
            .map(|st| st.as_str().to_string());
    }
    for chunk in spans.chunks_mut(UPDATE_ROWS) {
        let live: Vec<&Span> = chunk.iter().filter(|s| s.n > 0).collect();
        if live.is_empty() {
            continue;
        }
        let mut qb = Sql::new("UPDATE sessions SET updated_at = ");
        qb.bind_text(stamp.clone());
        qb.push(", last_sequence = last_sequence + CASE id");
        let mut ids = Vec::with_capacity(live.len());
        for s in &live {
            qb.push(" WHEN ").bind_text(s.session_id.clone());
            qb.push(" THEN ").bind_int(s.n);
            ids.push(s.session_id.clone());
        }
        qb.push(" ELSE 0 END");
        if live.iter().any(|s| s.status.is_some()) {
            qb.push(", status = COALESCE(CASE id");
            for s in live.iter().filter(|s| s.status.is_some()) {
                qb.push(" WHEN ").bind_text(s.session_id.clone());
                qb.push(" THEN ").bind_opt_text(s.status.clone());
            }
            qb.push(" END, status)");
        }
        qb.push(" WHERE id IN ").bind_list(&ids);
        qb.push(" RETURNING id, last_sequence");
        let rows = qb.query().fetch_all(&mut **tx).await?;
        let mut got = std::collections::HashMap::with_capacity(rows.len());
        for row in rows {
            got.insert(row.try_get::<String, _>(0)?, row.try_get::<i64, _>(1)?);
        }
        for s in chunk.iter_mut() {
            s.last = got.get(&s.session_id).copied();
        }
    }
    let mut results: Vec<StoreResult<Vec<Event>>> = Vec::with_capacity(batch.len());
    let mut pending: Vec<(Event, Option<String>, String)> = Vec::new();
    let mut payloads: Vec<String> = Vec::new();
    for s in &spans {
        let group = &mut batch[s.from..s.to];
        if s.n == 0 {
            results.extend(group.iter().map(|_| Ok(Vec::new())));
            continue;
        }
        let Some(last) = s.last else {
            results.extend(
                group
                    .iter()
                    .map(|_| Err(StoreError::NotFound(format!("session {}", s.session_id)))),
            );
            continue;
        };
        let mut seq = last - s.n;
        for r in group.iter_mut() {
            let mut out = Vec::with_capacity(r.events.len());
            for e in std::mem::take(&mut r.events) {
                seq += 1;
                let turn_id = e.context.turn_id.clone().or_else(|| {
                    e.data
                        .get("turn_id")
                        .and_then(|v| v.as_str())
                        .map(str::to_string)
                });
                let ev = Event {
                    id: new_id(IdKind::Event),
                    event_type: e.event_type,
                    ts: t,
                    session_id: s.session_id.clone(),
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
                out.push(ev.clone());
                pending.push((ev, turn_id, envelope));
            }
            results.push(Ok(out));
        }
        let item = format!("{}:{last}", s.session_id);
        match payloads.last_mut() {
            Some(p) if p.len() + item.len() < NOTIFY_BYTES => {
                p.push(',');
                p.push_str(&item);
            }
            _ => payloads.push(item),
        }
    }
    for chunk in pending.chunks(INSERT_ROWS) {
        let mut qb = Sql::new(
            "INSERT INTO events (id, session_id, sequence, event_type, ts, turn_id, envelope) VALUES ",
        );
        for (k, (ev, turn_id, envelope)) in chunk.iter().enumerate() {
            qb.push(if k == 0 { "(" } else { ", (" });
            qb.bind_text(ev.id.clone()).push(", ");
            qb.bind_text(ev.session_id.clone()).push(", ");
            qb.bind_int(ev.sequence.unwrap_or(0)).push(", ");
            qb.bind_text(ev.event_type.clone()).push(", ");
            qb.bind_text(stamp.clone()).push(", ");
            qb.bind_opt_text(turn_id.clone()).push(", ");
            qb.bind_text(envelope.clone()).push(")");
        }
        qb.query().execute(&mut **tx).await?;
    }
    for p in payloads {
        notify_in_tx(tx, backend, EVENTS_CHANNEL, &p).await?;
    }
    Ok(results)
}
