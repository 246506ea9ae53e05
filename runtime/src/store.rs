//! Store traits the host implements (events, kv/secret storage, llmsim script position, model
//! catalogue) and their in-memory implementations.
//!
//! Every trait is object safe (`Arc<dyn …>`), `Send + Sync`, and async through `async_trait`.
//! The reference server implements them on SQLite; [`crate::InProcessRuntime`] uses the
//! `InMemory*` types below by default.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, SubsecRound, Utc};
use everruns_core::ids::{new_id, IdKind};
use everruns_core::{Event, EventContext, EventPayload, LlmProviderType, LlmSimScript};
use serde::{Deserialize, Serialize};

/// A failure of a host store (database down, constraint violated, …).
///
/// The runtime never swallows these: a store error aborts the current step and is returned to
/// the host, which may retry the step later (the turn resumes from the stored events).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("store error: {message}")]
pub struct StoreError {
    /// What went wrong.
    pub message: String,
}

impl StoreError {
    /// A store error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
        }
    }
}

/// An event to append: its typed payload and correlation ids. The store assigns `id`,
/// `sequence` and `ts`.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    /// Type and `data` (via [`EventPayload::to_wire`]).
    pub payload: EventPayload,
    /// Correlation ids (`turn_id`, `input_message_id`, `exec_id`, `trace_id`).
    pub context: EventContext,
    /// Optional event metadata.
    pub metadata: Option<serde_json::Value>,
    /// Optional event tags.
    pub tags: Vec<String>,
}

impl EventDraft {
    /// A draft with a payload and context, no metadata or tags.
    pub fn new(payload: impl Into<EventPayload>, context: EventContext) -> Self {
        Self {
            payload: payload.into(),
            context,
            metadata: None,
            tags: Vec::new(),
        }
    }

    /// Builds the stored [`Event`] from this draft with store-assigned fields. Helper for
    /// [`EventLog`] implementations.
    pub fn into_event(
        self,
        session_id: &str,
        id: String,
        sequence: i64,
        ts: DateTime<Utc>,
    ) -> Event {
        let (event_type, data) = self.payload.to_wire();
        Event {
            id,
            event_type,
            ts,
            session_id: session_id.to_string(),
            sequence: Some(sequence),
            context: self.context,
            data,
            metadata: self.metadata,
            tags: self.tags,
        }
    }
}

/// The append-only, per-session event log (the truth of a session: messages are derived from
/// it, and a turn's progress is read back from it when a turn resumes).
///
/// Contract for implementations:
/// * `append` assigns `id` (`event_<32hex>`, e.g. [`new_id`]`(IdKind::Event)`), the next
///   per-session `sequence` (starting at 1, gap-free, under a lock/transaction) and `ts`
///   (millisecond precision), stores the event durably, and returns it. Once `append`
///   returned `Ok`, the event must survive a host crash.
/// * `list` returns every event of the session ordered by `sequence`.
/// * `list_after(n)` returns the events with `sequence > n`, ordered. The turn engine reads
///   the log incrementally with it, so an event must become visible only after every event
///   with a lower sequence (true when sequences are assigned and committed under one lock or
///   transaction, as above). Implement it with an indexed query; the default filters `list`.
#[async_trait]
pub trait EventLog: Send + Sync {
    /// Appends one event and returns it as stored.
    async fn append(&self, session_id: &str, draft: EventDraft) -> Result<Event, StoreError>;

    /// Every event of the session, ordered by `sequence`.
    async fn list(&self, session_id: &str) -> Result<Vec<Event>, StoreError>;

    /// Events with `sequence > after_sequence`, ordered. The default filters [`EventLog::list`].
    async fn list_after(
        &self,
        session_id: &str,
        after_sequence: i64,
    ) -> Result<Vec<Event>, StoreError> {
        Ok(self
            .list(session_id)
            .await?
            .into_iter()
            .filter(|e| e.sequence.unwrap_or(0) > after_sequence)
            .collect())
    }
}

/// In-memory [`EventLog`]: one vector per session behind a mutex.
#[derive(Debug, Default)]
pub struct InMemoryEventLog {
    sessions: Mutex<HashMap<String, Vec<Event>>>,
}

impl InMemoryEventLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every event of every session (session order is unspecified; events of one session are
    /// in sequence order).
    pub fn all(&self) -> Vec<Event> {
        let g = self.sessions.lock().expect("event log lock");
        g.values().flat_map(|v| v.iter().cloned()).collect()
    }
}

#[async_trait]
impl EventLog for InMemoryEventLog {
    async fn append(&self, session_id: &str, draft: EventDraft) -> Result<Event, StoreError> {
        let mut g = self.sessions.lock().expect("event log lock");
        let log = g.entry(session_id.to_string()).or_default();
        let sequence = log.len() as i64 + 1;
        let ts = Utc::now().trunc_subsecs(3);
        let event = draft.into_event(session_id, new_id(IdKind::Event), sequence, ts);
        log.push(event.clone());
        Ok(event)
    }

    async fn list(&self, session_id: &str) -> Result<Vec<Event>, StoreError> {
        let g = self.sessions.lock().expect("event log lock");
        Ok(g.get(session_id).cloned().unwrap_or_default())
    }

    async fn list_after(
        &self,
        session_id: &str,
        after_sequence: i64,
    ) -> Result<Vec<Event>, StoreError> {
        let g = self.sessions.lock().expect("event log lock");
        Ok(g.get(session_id)
            .map(|log| {
                let from = log.partition_point(|e| e.sequence.unwrap_or(0) <= after_sequence);
                log[from..].to_vec()
            })
            .unwrap_or_default())
    }
}

/// Which key space of [`SessionStorage`] an operation addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageNamespace {
    /// Plain key/value data (`kv_store` tool).
    Kv,
    /// Secrets (`secret_store` tool). Values arrive already encrypted (base64 of
    /// nonce ‖ AES-256-GCM ciphertext); the store keeps them opaque.
    Secret,
}

/// Per-session key/value and secret storage. Values are strings; keys are at most 255 bytes
/// (checked by the runtime before calling the store).
#[async_trait]
pub trait SessionStorage: Send + Sync {
    /// The value of `key`, if set.
    async fn get(
        &self,
        session_id: &str,
        ns: StorageNamespace,
        key: &str,
    ) -> Result<Option<String>, StoreError>;
    /// Sets (overwrites) `key`.
    async fn set(
        &self,
        session_id: &str,
        ns: StorageNamespace,
        key: &str,
        value: String,
    ) -> Result<(), StoreError>;
    /// Removes `key`; `true` when it existed.
    async fn delete(
        &self,
        session_id: &str,
        ns: StorageNamespace,
        key: &str,
    ) -> Result<bool, StoreError>;
    /// Every key of the namespace, sorted.
    async fn list(&self, session_id: &str, ns: StorageNamespace)
        -> Result<Vec<String>, StoreError>;
}

/// In-memory [`SessionStorage`].
#[derive(Debug, Default)]
pub struct InMemorySessionStorageStore {
    data: Mutex<HashMap<(String, StorageNamespace), BTreeMap<String, String>>>,
}

impl InMemorySessionStorageStore {
    /// Empty storage.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl SessionStorage for InMemorySessionStorageStore {
    async fn get(
        &self,
        session_id: &str,
        ns: StorageNamespace,
        key: &str,
    ) -> Result<Option<String>, StoreError> {
        let g = self.data.lock().expect("storage lock");
        Ok(g.get(&(session_id.to_string(), ns))
            .and_then(|m| m.get(key).cloned()))
    }

    async fn set(
        &self,
        session_id: &str,
        ns: StorageNamespace,
        key: &str,
        value: String,
    ) -> Result<(), StoreError> {
        let mut g = self.data.lock().expect("storage lock");
        g.entry((session_id.to_string(), ns))
            .or_default()
            .insert(key.to_string(), value);
        Ok(())
    }

    async fn delete(
        &self,
        session_id: &str,
        ns: StorageNamespace,
        key: &str,
    ) -> Result<bool, StoreError> {
        let mut g = self.data.lock().expect("storage lock");
        Ok(g.get_mut(&(session_id.to_string(), ns))
            .map(|m| m.remove(key).is_some())
            .unwrap_or(false))
    }

    async fn list(
        &self,
        session_id: &str,
        ns: StorageNamespace,
    ) -> Result<Vec<String>, StoreError> {
        let g = self.data.lock().expect("storage lock");
        Ok(g.get(&(session_id.to_string(), ns))
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default())
    }
}

/// Per-session llmsim script and its position.
///
/// `claim_step` is how a reply is chosen: the runtime calls it once per LLM call with a key
/// unique to that call (`"{turn_id}:{iteration}"`). Contract: a key seen before (at least the
/// most recently claimed one) returns the same index again without advancing; a new key
/// returns the current position and advances it by one. So a step retried after a crash gets
/// the same reply, and no reply is skipped.
#[async_trait]
pub trait LlmSimStore: Send + Sync {
    /// The session's script, if one was set.
    async fn script(&self, session_id: &str) -> Result<Option<LlmSimScript>, StoreError>;
    /// Sets (or clears) the session's script and resets its position to 0.
    async fn set_script(
        &self,
        session_id: &str,
        script: Option<LlmSimScript>,
    ) -> Result<(), StoreError>;
    /// The 0-based reply index for the LLM call `call_key` (see the trait docs).
    async fn claim_step(&self, session_id: &str, call_key: &str) -> Result<u64, StoreError>;
    /// The next index that a new call would get (how many replies were used).
    async fn position(&self, session_id: &str) -> Result<u64, StoreError>;
}

#[derive(Debug, Default, Clone)]
struct SimState {
    script: Option<LlmSimScript>,
    next: u64,
    claimed: HashMap<String, u64>,
}

/// In-memory [`LlmSimStore`] (remembers every claimed key of a session).
#[derive(Debug, Default)]
pub struct InMemoryLlmSimStore {
    sessions: Mutex<HashMap<String, SimState>>,
}

impl InMemoryLlmSimStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl LlmSimStore for InMemoryLlmSimStore {
    async fn script(&self, session_id: &str) -> Result<Option<LlmSimScript>, StoreError> {
        let g = self.sessions.lock().expect("llmsim lock");
        Ok(g.get(session_id).and_then(|s| s.script.clone()))
    }

    async fn set_script(
        &self,
        session_id: &str,
        script: Option<LlmSimScript>,
    ) -> Result<(), StoreError> {
        let mut g = self.sessions.lock().expect("llmsim lock");
        g.insert(
            session_id.to_string(),
            SimState {
                script,
                ..Default::default()
            },
        );
        Ok(())
    }

    async fn claim_step(&self, session_id: &str, call_key: &str) -> Result<u64, StoreError> {
        let mut g = self.sessions.lock().expect("llmsim lock");
        let s = g.entry(session_id.to_string()).or_default();
        if let Some(i) = s.claimed.get(call_key) {
            return Ok(*i);
        }
        let i = s.next;
        s.next += 1;
        s.claimed.insert(call_key.to_string(), i);
        Ok(i)
    }

    async fn position(&self, session_id: &str) -> Result<u64, StoreError> {
        let g = self.sessions.lock().expect("llmsim lock");
        Ok(g.get(session_id).map(|s| s.next).unwrap_or(0))
    }
}

/// A model together with its provider, as the drivers need it (seed 003 shape).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelWithProvider {
    /// Provider-side model name, e.g. `llmsim-model`, `gpt-4o`.
    pub model: String,
    /// Which driver runs it.
    pub provider_type: LlmProviderType,
    /// API key (not needed for `llmsim`).
    pub api_key: Option<String>,
    /// Endpoint override. OpenAI: the full Chat Completions URL; Anthropic: the API root
    /// (`…/v1/messages` is appended when missing).
    pub base_url: Option<String>,
}

/// A [`ModelWithProvider`] with the catalogue ids it was resolved from (used in event
/// metadata).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedModel {
    /// The `model_…` id, when the model came from a catalogue.
    pub model_id: Option<String>,
    /// The `provider_…` id, when known.
    pub provider_id: Option<String>,
    /// What the driver needs.
    pub model: ModelWithProvider,
}

/// Resolves `model_…` ids (from message controls, session, agent, harness) to providers.
#[async_trait]
pub trait ModelCatalog: Send + Sync {
    /// The model with this id, or `None` when unknown.
    async fn resolve(&self, model_id: &str) -> Result<Option<ResolvedModel>, StoreError>;
    /// The system default model, if any.
    async fn default_model(&self) -> Result<Option<ResolvedModel>, StoreError>;
}

/// A fixed [`ModelCatalog`]: a map of ids and an optional default.
#[derive(Debug, Default)]
pub struct StaticModelCatalog {
    models: Mutex<HashMap<String, ResolvedModel>>,
    default: Mutex<Option<ResolvedModel>>,
}

impl StaticModelCatalog {
    /// An empty catalogue.
    pub fn new() -> Self {
        Self::default()
    }

    /// A catalogue whose default model is `model` (no id).
    pub fn with_default(model: ModelWithProvider) -> Self {
        let c = Self::new();
        c.set_default(model);
        c
    }

    /// Sets the default model.
    pub fn set_default(&self, model: ModelWithProvider) {
        *self.default.lock().expect("catalog lock") = Some(ResolvedModel {
            model_id: None,
            provider_id: None,
            model,
        });
    }

    /// Registers a model under a `model_…` id.
    pub fn insert(&self, model_id: impl Into<String>, model: ModelWithProvider) {
        let model_id = model_id.into();
        self.models.lock().expect("catalog lock").insert(
            model_id.clone(),
            ResolvedModel {
                model_id: Some(model_id),
                provider_id: None,
                model,
            },
        );
    }
}

#[async_trait]
impl ModelCatalog for StaticModelCatalog {
    async fn resolve(&self, model_id: &str) -> Result<Option<ResolvedModel>, StoreError> {
        Ok(self
            .models
            .lock()
            .expect("catalog lock")
            .get(model_id)
            .cloned())
    }

    async fn default_model(&self) -> Result<Option<ResolvedModel>, StoreError> {
        Ok(self.default.lock().expect("catalog lock").clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use everruns_core::SessionIdledData;

    #[tokio::test]
    async fn event_log_assigns_sequence() {
        let log = InMemoryEventLog::new();
        for _ in 0..3 {
            log.append(
                "s1",
                EventDraft::new(
                    SessionIdledData {
                        turn_id: "t".into(),
                        iterations: None,
                        usage: None,
                    },
                    EventContext::default(),
                ),
            )
            .await
            .unwrap();
        }
        let ev = log.list("s1").await.unwrap();
        assert_eq!(
            ev.iter().map(|e| e.sequence.unwrap()).collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
        assert_eq!(log.list_after("s1", 2).await.unwrap().len(), 1);
        assert!(log.list("s2").await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn llmsim_claim_is_idempotent() {
        let s = InMemoryLlmSimStore::new();
        assert_eq!(s.claim_step("a", "t1:1").await.unwrap(), 0);
        assert_eq!(s.claim_step("a", "t1:1").await.unwrap(), 0);
        assert_eq!(s.claim_step("a", "t1:2").await.unwrap(), 1);
        assert_eq!(s.claim_step("b", "t1:1").await.unwrap(), 0);
        assert_eq!(s.position("a").await.unwrap(), 2);
    }
}
