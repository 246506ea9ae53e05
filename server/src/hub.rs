//! In-process wake-ups for SSE subscribers: one `watch` channel per session carrying the last
//! committed event sequence. The writer only calls `send_replace` (never blocks); each
//! subscriber reads the store itself after a wake-up, so a slow subscriber stalls nobody.

use std::collections::HashMap;
use std::sync::Mutex;

use tokio::sync::watch;

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

    /// Number of sessions with live subscribers.
    pub fn session_count(&self) -> usize {
        self.sessions.lock().expect("hub lock").len()
    }
}
