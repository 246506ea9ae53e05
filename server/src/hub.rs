//! Wake-ups for SSE subscribers and workers.
//!
//! In process: one `watch` channel per session carrying the last committed event sequence.
//! The writer only signals (never blocks). After a wake-up, the subscribers of a session share
//! one store read ([`Hub::tail`]: a bounded feed of the session's recent rows, refreshed once
//! per signalled sequence), each filtering it from its own cursor, so a slow subscriber stalls
//! nobody and a wake-up costs one read per session and process.
//!
//! Across processes (PostgreSQL): every commit that appends events sends
//! `NOTIFY everruns_events, 'SESSION:SEQ'` in its transaction (a group commit joins its
//! sessions: `'S1:SEQ,S2:SEQ,…'`); a queued turn or a released
//! phase sends `everruns_turns`, a cancel request `everruns_cancel`. Each process keeps one
//! `LISTEN` connection ([`spawn_pg_listener`]) that turns notifications into the same
//! in-process wake-ups. When that connection drops it is re-established, and every
//! subscriber and the worker are woken once so they catch up from their cursors (nothing
//! is lost: the log is the source, notifications are only hints). The SSE fallback poll
//! (5 s) and the worker's poll (0.5 s) stay as a safety net.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::store::{EventQuery, FramedEvent, Store, StoreResult};

use sqlx::postgres::PgListener;
use tokio::sync::watch;

/// Channel of event commits (`SESSION_ID:LAST_SEQUENCE`).
pub const EVENTS_CHANNEL: &str = "everruns_events";
/// Channel of runnable turns (a queued turn, a released phase, released leases).
pub const TURNS_CHANNEL: &str = "everruns_turns";
/// Channel of cancel requests (`TURN_ID`).
pub const CANCEL_CHANNEL: &str = "everruns_cancel";

/// Rows a session's shared feed keeps for its live subscribers.
pub const FEED_ROWS: usize = 2048;

/// A subscriber's forced refresh (connect, fallback poll) is served by a feed read that
/// started at most this long before it asked: a thousand subscribers connecting or polling
/// together cost one read, not a thousand. Commits made meanwhile in this process signal
/// the hub and commits of other processes arrive by `NOTIFY`, so nothing is missed.
pub const REFRESH_SHARE: Duration = Duration::from_millis(500);

/// The recent events of one session, read once per wake-up for all its subscribers in this
/// process, as pre-framed SSE bytes (each subscriber gets refcounted copies, no re-encoding).
#[derive(Debug, Default)]
struct Feed {
    /// Every event after this sequence is in `rows` (up to the last read).
    base: i64,
    /// Consecutive events (by sequence), oldest first.
    rows: VecDeque<FramedEvent>,
    /// When the last store read started.
    read_at: Option<Instant>,
}

/// Per-session "new events were committed" signals and shared reads.
#[derive(Debug, Default)]
pub struct Hub {
    sessions: Mutex<HashMap<String, watch::Sender<i64>>>,
    feeds: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Feed>>>>,
    feed_reads: AtomicU64,
    direct_reads: AtomicU64,
}

impl Hub {
    /// An empty hub.
    pub fn new() -> Self {
        Self::default()
    }

    /// A receiver that changes whenever events of `session_id` are committed.
    pub fn subscribe(&self, session_id: &str) -> watch::Receiver<i64> {
        let mut g = self.sessions.lock().expect("hub lock");
        g.entry(session_id.to_string())
            .or_insert_with(|| watch::channel(0).0)
            .subscribe()
    }

    /// Signals that events up to `sequence` of `session_id` are committed (the signalled
    /// sequence never goes back).
    pub fn notify(&self, session_id: &str, sequence: i64) {
        let mut g = self.sessions.lock().expect("hub lock");
        if let Some(tx) = g.get(session_id) {
            if tx.receiver_count() == 0 {
                g.remove(session_id);
            } else {
                tx.send_if_modified(|v| {
                    let newer = sequence > *v;
                    if newer {
                        *v = sequence;
                    }
                    newer
                });
            }
        }
    }

    /// Wakes every subscriber (after notifications may have been missed); the shared feeds
    /// are dropped, so the next read goes to the store.
    pub fn notify_all(&self) {
        self.feeds.lock().expect("hub lock").clear();
        let mut g = self.sessions.lock().expect("hub lock");
        g.retain(|_, tx| tx.receiver_count() > 0);
        for tx in g.values() {
            tx.send_modify(|_| {});
        }
    }

    /// Number of sessions with live subscribers.
    pub fn session_count(&self) -> usize {
        self.sessions.lock().expect("hub lock").len()
    }

    /// Store reads the shared feeds made so far (for tests and metrics).
    pub fn feed_reads(&self) -> u64 {
        self.feed_reads.load(Ordering::Relaxed)
    }

    /// Every read of the events table made for SSE so far: the shared feeds' reads plus the
    /// reads of replaying subscribers ([`Hub::count_direct_read`]).
    pub fn event_reads(&self) -> u64 {
        self.feed_reads() + self.direct_reads.load(Ordering::Relaxed)
    }

    /// Counts a subscriber's own store read (a replay from before the feed).
    pub fn count_direct_read(&self) {
        self.direct_reads.fetch_add(1, Ordering::Relaxed);
    }

    /// The last sequence signalled for a session (0 when none).
    pub fn latest(&self, session_id: &str) -> i64 {
        self.sessions
            .lock()
            .expect("hub lock")
            .get(session_id)
            .map(|tx| *tx.borrow())
            .unwrap_or(0)
    }

    /// The live tail for a subscriber: frames of the events after `q.after_sequence` matching
    /// its type filters (at most `q.first`), served from the session's shared feed. The feed
    /// is refreshed from the store at most once per signalled sequence, by whichever
    /// subscriber asks first, so a wake-up costs one read per session, not one per
    /// subscriber. `None` when the subscriber's cursor is older than the feed (a replay: it
    /// reads the store itself). `refresh` (connect, fallback poll, reconnect) asks for a read
    /// unless one started within [`REFRESH_SHARE`].
    pub async fn tail(
        &self,
        store: &Store,
        session_id: &str,
        q: &EventQuery,
        refresh: bool,
    ) -> StoreResult<Option<Vec<FramedEvent>>> {
        let asked = Instant::now();
        let after = q.after_sequence.unwrap_or(0);
        let target = self.latest(session_id);
        let feed = {
            let live: Vec<String> = {
                let g = self.sessions.lock().expect("hub lock");
                g.iter()
                    .filter(|(_, tx)| tx.receiver_count() > 0)
                    .map(|(k, _)| k.clone())
                    .collect()
            };
            let mut g = self.feeds.lock().expect("hub lock");
            // Feeds live as long as their session has subscribers here.
            if g.len() > live.len() {
                g.retain(|sid, f| {
                    sid == session_id || Arc::strong_count(f) > 1 || live.contains(sid)
                });
            }
            g.entry(session_id.to_string()).or_default().clone()
        };
        let mut f = feed.lock().await;
        if f.read_at.is_none() {
            f.base = after;
        }
        if after < f.base {
            return Ok(None); // a replay from before the feed: the subscriber reads the store
        }
        let have = f.rows.back().map(|r| r.sequence).unwrap_or(f.base);
        let stale = f.read_at.is_none_or(|t| t + REFRESH_SHARE < asked);
        if (refresh && stale) || have < target || f.read_at.is_none() {
            self.feed_reads.fetch_add(1, Ordering::Relaxed);
            f.read_at = Some(Instant::now());
            let new = store
                .framed_events(session_id, have, FEED_ROWS as u32)
                .await?;
            f.rows.extend(new);
            while f.rows.len() > FEED_ROWS {
                if let Some(old) = f.rows.pop_front() {
                    f.base = old.sequence;
                }
            }
            if after < f.base {
                return Ok(None);
            }
        }
        let limit = q.first.map(|n| n as usize).unwrap_or(usize::MAX);
        Ok(Some(
            f.rows
                .iter()
                .filter(|r| r.sequence > after)
                .filter(|r| q.types.is_empty() || q.types.contains(&r.event_type))
                .filter(|r| !q.exclude.contains(&r.event_type))
                .take(limit)
                .cloned()
                .collect(),
        ))
    }
}

/// What a listener does with turn and cancel notifications (the worker's wake-ups).
pub trait TurnSignals: Send + Sync {
    /// A turn may be runnable.
    fn turns_changed(&self);
    /// A cancel was requested for `turn_id`.
    fn cancel_requested(&self, turn_id: &str);
}

/// Listens on the three channels of a PostgreSQL database until `shutdown` and forwards
/// notifications to `hub` and `signals`. Reconnects (1 s apart) when the connection drops,
/// then wakes everyone once to catch up.
pub fn spawn_pg_listener(
    url: String,
    hub: Arc<Hub>,
    signals: Arc<dyn TurnSignals>,
    mut shutdown: watch::Receiver<bool>,
) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if *shutdown.borrow() {
                return;
            }
            let mut listener = match PgListener::connect(&url).await {
                Ok(l) => l,
                Err(e) => {
                    tracing::warn!(error = %e, "LISTEN connection failed; retrying");
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_secs(1)) => continue,
                        _ = shutdown.changed() => return,
                    }
                }
            };
            if let Err(e) = listener
                .listen_all([EVENTS_CHANNEL, TURNS_CHANNEL, CANCEL_CHANNEL])
                .await
            {
                tracing::warn!(error = %e, "LISTEN failed; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
                continue;
            }
            // (Re)connected: whatever was committed meanwhile is read from the cursors.
            hub.notify_all();
            signals.turns_changed();
            loop {
                let n = tokio::select! {
                    n = listener.try_recv() => n,
                    _ = shutdown.changed() => return,
                };
                match n {
                    Ok(Some(n)) => match n.channel() {
                        EVENTS_CHANNEL => {
                            // `SESSION:SEQ`, or several joined by `,` (a group commit).
                            for item in n.payload().split(',') {
                                if let Some((sid, seq)) = item.rsplit_once(':') {
                                    hub.notify(sid, seq.parse().unwrap_or(0));
                                }
                            }
                        }
                        TURNS_CHANNEL => signals.turns_changed(),
                        CANCEL_CHANNEL => signals.cancel_requested(n.payload()),
                        _ => {}
                    },
                    Ok(None) => {
                        // The connection dropped; `try_recv` reconnects on the next call and
                        // LISTENs again. Catch up on what may have been missed.
                        tracing::warn!("LISTEN connection lost; reconnecting");
                        hub.notify_all();
                        signals.turns_changed();
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "LISTEN connection failed; reconnecting");
                        break;
                    }
                }
            }
            hub.notify_all();
            signals.turns_changed();
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{seeded, NewEvent};

    #[tokio::test]
    async fn one_store_read_per_wake_up_for_all_subscribers() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&format!("sqlite://{}/db.sqlite", dir.path().display()))
            .await
            .unwrap();
        store.seed().await.unwrap();
        let session = everruns_runtime::SessionBuilder::new(seeded::GENERIC_HARNESS_ID).build();
        store.create_session(&session).await.unwrap();
        let sid = session.id.clone();
        let hub = store.hub().clone();
        let subs: Vec<_> = (0..5).map(|_| hub.subscribe(&sid)).collect();
        let q = |after: i64| EventQuery {
            after_sequence: Some(after),
            first: Some(500),
            ..Default::default()
        };
        // First catch-up of each subscriber (cursor 1: after session.started).
        for _ in &subs {
            let rows = hub.tail(&store, &sid, &q(1), false).await.unwrap().unwrap();
            assert!(rows.is_empty());
        }
        let before = hub.feed_reads();
        let ev = |t: &str| NewEvent::new(t, serde_json::json!({}), Default::default());
        store
            .append_events(&sid, vec![ev("a.one"), ev("a.two"), ev("a.three")])
            .await
            .unwrap();
        assert_eq!(hub.latest(&sid), 4);
        for _ in &subs {
            let rows = hub.tail(&store, &sid, &q(1), false).await.unwrap().unwrap();
            let seqs: Vec<i64> = rows.iter().map(|r| r.sequence).collect();
            assert_eq!(seqs, vec![2, 3, 4]);
        }
        assert_eq!(
            hub.feed_reads() - before,
            1,
            "one read for five subscribers"
        );
        // Filters apply per subscriber; a cursor before the feed reads the store itself.
        let only_two = EventQuery {
            types: vec!["a.two".into()],
            ..q(1)
        };
        let rows = hub
            .tail(&store, &sid, &only_two, false)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].event_type, "a.two");
        assert!(hub
            .tail(&store, &sid, &q(0), false)
            .await
            .unwrap()
            .is_none());
        // After a reconnect (`notify_all`) the next read goes to the store again.
        hub.notify_all();
        let n = hub.feed_reads();
        hub.tail(&store, &sid, &q(4), false).await.unwrap().unwrap();
        assert_eq!(hub.feed_reads(), n + 1);
        drop(subs);
    }
}
