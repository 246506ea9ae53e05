//! Per-session default stream cursor (docs/decisions.md#4).
//!
//! The client remembers, per session, where the next default `events.stream(session_id)`
//! starts. Delivered events move it forward (never back, by `sequence`); `messages.create`
//! pins it just before posting so the stream yields the turn the caller starts, never an
//! older turn's terminal event.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::types::event_types;
use crate::types::Event;

/// Where a stream starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum StartAt {
    /// Replay the whole history.
    Beginning,
    /// Strictly after this event id.
    After(String),
}

#[derive(Debug, Clone)]
struct SessionCursor {
    start: StartAt,
    sequence: Option<i64>,
    event_type: Option<String>,
    delivered_since_pin: bool,
}

#[derive(Debug, Default)]
pub(crate) struct CursorStore {
    map: Mutex<HashMap<String, SessionCursor>>,
}

fn newer(new_seq: Option<i64>, old_seq: Option<i64>) -> bool {
    match (new_seq, old_seq) {
        (Some(n), Some(o)) => n > o,
        _ => true,
    }
}

impl CursorStore {
    /// The start of the next default stream, if known.
    pub fn start(&self, session_id: &str) -> Option<StartAt> {
        self.map
            .lock()
            .unwrap()
            .get(session_id)
            .map(|c| c.start.clone())
    }

    /// Records a delivered event given by its id, sequence and type.
    /// Called for every event a stream yields, so the usual case (a known session) reuses
    /// the slot's buffers and allocates nothing.
    pub fn delivered(&self, session_id: &str, id: &str, sequence: Option<i64>, event_type: &str) {
        fn update(slot: &mut SessionCursor, id: &str, sequence: Option<i64>, event_type: &str) {
            if slot.start == StartAt::Beginning || newer(sequence, slot.sequence) {
                match &mut slot.start {
                    StartAt::After(s) => {
                        s.clear();
                        s.push_str(id);
                    }
                    start => *start = StartAt::After(id.to_string()),
                }
                slot.sequence = sequence;
                match &mut slot.event_type {
                    Some(t) => {
                        t.clear();
                        t.push_str(event_type);
                    }
                    none => *none = Some(event_type.to_string()),
                }
                slot.delivered_since_pin = true;
            }
        }
        let mut map = self.map.lock().unwrap();
        match map.get_mut(session_id) {
            Some(slot) => update(slot, id, sequence, event_type),
            None => {
                let mut slot = SessionCursor {
                    start: StartAt::Beginning,
                    sequence: None,
                    event_type: None,
                    delivered_since_pin: false,
                };
                update(&mut slot, id, sequence, event_type);
                map.insert(session_id.to_string(), slot);
            }
        }
    }

    /// True when pinning needs the session's latest event from the server: nothing was
    /// delivered since the last pin, or the last delivered event does not close a turn (the
    /// caller stopped reading mid-turn, so that turn's terminal event is still ahead).
    pub fn needs_fetch(&self, session_id: &str) -> bool {
        match self.map.lock().unwrap().get(session_id) {
            Some(c) => {
                !(c.delivered_since_pin
                    && c.event_type.as_deref().is_some_and(|t| {
                        event_types::is_terminal(t) || t == event_types::SESSION_IDLED
                    }))
            }
            None => true,
        }
    }

    /// Pins the cursor before a message is posted: the later of what is known and `latest`
    /// (the session's newest event fetched from the server; `None` when it has none).
    pub fn pin(&self, session_id: &str, latest: Option<Option<&Event>>) {
        let mut map = self.map.lock().unwrap();
        let slot = map
            .entry(session_id.to_string())
            .or_insert_with(|| SessionCursor {
                start: StartAt::Beginning,
                sequence: None,
                event_type: None,
                delivered_since_pin: false,
            });
        if let Some(Some(ev)) = latest {
            if slot.start == StartAt::Beginning || newer(ev.sequence, slot.sequence) {
                slot.start = StartAt::After(ev.id.clone());
                slot.sequence = ev.sequence;
                slot.event_type = Some(ev.event_type.clone());
            }
        }
        slot.delivered_since_pin = false;
    }

    /// Forgets a session.
    pub fn forget(&self, session_id: &str) {
        self.map.lock().unwrap().remove(session_id);
    }
}
