//! Wake-ups for SSE subscribers and workers.
//!
//! In process: one `watch` channel per session carrying the last committed event sequence.
//! The writer only calls `send_replace` (never blocks); each subscriber reads the store from
//! its own cursor after a wake-up, so a slow subscriber stalls nobody.
//!
//! Across processes (PostgreSQL): every commit that appends events sends
//! `NOTIFY everruns_events, 'SESSION:SEQ'` in its transaction; a queued turn or a released
//! phase sends `everruns_turns`, a cancel request `everruns_cancel`. Each process keeps one
//! `LISTEN` connection ([`spawn_pg_listener`]) that turns notifications into the same
//! in-process wake-ups. When that connection drops it is re-established, and every
//! subscriber and the worker are woken once so they catch up from their cursors (nothing
//! is lost: the log is the source, notifications are only hints). The SSE fallback poll
//! (5 s) and the worker's poll (0.5 s) stay as a safety net.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sqlx::postgres::PgListener;
use tokio::sync::watch;

/// Channel of event commits (`SESSION_ID:LAST_SEQUENCE`).
pub const EVENTS_CHANNEL: &str = "everruns_events";
/// Channel of runnable turns (a queued turn, a released phase, released leases).
pub const TURNS_CHANNEL: &str = "everruns_turns";
/// Channel of cancel requests (`TURN_ID`).
pub const CANCEL_CHANNEL: &str = "everruns_cancel";

/// Per-session "new events were committed" signals.
#[derive(Debug, Default)]
pub struct Hub {
    sessions: Mutex<HashMap<String, watch::Sender<i64>>>,
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

    /// Signals that events up to `sequence` of `session_id` are committed.
    pub fn notify(&self, session_id: &str, sequence: i64) {
        let mut g = self.sessions.lock().expect("hub lock");
        if let Some(tx) = g.get(session_id) {
            if tx.receiver_count() == 0 {
                g.remove(session_id);
            } else {
                tx.send_replace(sequence);
            }
        }
    }

    /// Wakes every subscriber (after notifications may have been missed).
    pub fn notify_all(&self) {
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
                            if let Some((sid, seq)) = n.payload().rsplit_once(':') {
                                hub.notify(sid, seq.parse().unwrap_or(0));
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
