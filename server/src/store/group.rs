//! Group commit of event appends.
//!
//! [`Store::append_events`](super::Store::append_events) hands its events to one committer
//! task per store. The committer takes every request queued while the previous commit ran
//! and writes them all in **one** transaction (one WAL commit on SQLite, one commit record
//! on PostgreSQL), each request inside its own savepoint so a failing request (an unknown
//! session, say) fails alone. Only after the commit returns are the callers answered and the
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

use super::events::{append_in_tx, NewEvent};
use super::{Backend, StoreError, StoreResult};
use crate::hub::Hub;

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

/// Every request of `batch` in one transaction, each in a savepoint. `Err` when the
/// transaction itself failed (nothing of the batch is committed; the requests' events are
/// left in place for the fallback).
async fn commit_batch(
    pool: &AnyPool,
    backend: Backend,
    batch: &mut [Request],
) -> StoreResult<Vec<StoreResult<Vec<Event>>>> {
    if let [one] = batch {
        // A lone request: no savepoint, and no fallback (its error is the answer).
        return Ok(vec![commit_one(pool, backend, one).await]);
    }
    let mut tx = pool.begin().await?;
    let mut results = Vec::with_capacity(batch.len());
    for r in batch.iter() {
        sqlx::query("SAVEPOINT group_append")
            .execute(&mut *tx)
            .await?;
        match append_in_tx(&mut tx, backend, &r.session_id, r.events.clone()).await {
            Ok(out) => {
                sqlx::query("RELEASE SAVEPOINT group_append")
                    .execute(&mut *tx)
                    .await?;
                results.push(Ok(out));
            }
            Err(e) => {
                sqlx::query("ROLLBACK TO SAVEPOINT group_append")
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("RELEASE SAVEPOINT group_append")
                    .execute(&mut *tx)
                    .await?;
                results.push(Err(e));
            }
        }
    }
    tx.commit().await?;
    Ok(results)
}
