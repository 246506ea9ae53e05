//! [`EventBus`]: where a runtime's stored events are announced, so an embedder can watch a
//! turn in process (live through [`CollectingEventBus::subscribe`], or afterwards through
//! [`EventBus::collected`]).
//!
//! The bus sits behind the event log: [`PublishingEventLog`] stores each event in the log
//! first and emits it on the bus only after the append succeeded, so the bus never shows an
//! event the log does not have. The in-process runtime wires this up when an embedder calls
//! [`crate::InProcessRuntimeBuilder::event_bus`].

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use everruns_core::Event;
use tokio::sync::broadcast;

use crate::store::{EventDraft, EventLog, StoreError};

/// Event sink that supports emission and optional collection.
#[async_trait]
pub trait EventBus: Send + Sync {
    /// Announces an event that was just stored.
    async fn emit(&self, event: &Event);

    /// The events emitted so far, when this bus collects them (`None` otherwise).
    fn collected(&self) -> Option<Vec<Event>> {
        None
    }
}

/// A bus that drops every event (a host that does not watch).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoopEventBus;

#[async_trait]
impl EventBus for NoopEventBus {
    async fn emit(&self, _event: &Event) {}
}

/// A bus that keeps every emitted event (optional) and broadcasts it to live subscribers.
pub struct CollectingEventBus {
    collect: bool,
    events: Mutex<Vec<Event>>,
    live: broadcast::Sender<Event>,
}

impl Default for CollectingEventBus {
    fn default() -> Self {
        Self::new()
    }
}

impl CollectingEventBus {
    /// Collects every event and broadcasts it (a subscriber lagging more than 4096 events
    /// behind loses the oldest ones; [`EventBus::collected`] does not).
    pub fn new() -> Self {
        Self {
            collect: true,
            events: Mutex::new(Vec::new()),
            live: broadcast::channel(4096).0,
        }
    }

    /// Only broadcasts (no collection: memory stays flat for long-running hosts).
    pub fn broadcast_only() -> Self {
        Self {
            collect: false,
            ..Self::new()
        }
    }

    /// A receiver of every event emitted from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.live.subscribe()
    }

    /// Drops the collected events.
    pub fn clear(&self) {
        self.events.lock().expect("bus lock").clear();
    }
}

#[async_trait]
impl EventBus for CollectingEventBus {
    async fn emit(&self, event: &Event) {
        if self.collect {
            self.events.lock().expect("bus lock").push(event.clone());
        }
        let _ = self.live.send(event.clone());
    }

    fn collected(&self) -> Option<Vec<Event>> {
        self.collect
            .then(|| self.events.lock().expect("bus lock").clone())
    }
}

/// An [`EventLog`] that emits every appended event on an [`EventBus`] after storing it.
pub struct PublishingEventLog {
    log: Arc<dyn EventLog>,
    bus: Arc<dyn EventBus>,
}

impl PublishingEventLog {
    /// Stores in `log`, then emits on `bus`.
    pub fn new(log: Arc<dyn EventLog>, bus: Arc<dyn EventBus>) -> Self {
        Self { log, bus }
    }
}

#[async_trait]
impl EventLog for PublishingEventLog {
    async fn append(&self, session_id: &str, draft: EventDraft) -> Result<Event, StoreError> {
        let e = self.log.append(session_id, draft).await?;
        self.bus.emit(&e).await;
        Ok(e)
    }

    async fn list(&self, session_id: &str) -> Result<Vec<Event>, StoreError> {
        self.log.list(session_id).await
    }

    async fn list_after(&self, session_id: &str, after: i64) -> Result<Vec<Event>, StoreError> {
        self.log.list_after(session_id, after).await
    }
}
