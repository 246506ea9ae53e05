//! The configuration and conversation stores an embedder implements to replace the in-memory
//! defaults: harnesses, agents, sessions, messages (the event log), providers (the model
//! catalogue).
//!
//! [`InMemorySessionStore`] implements the harness, agent and session stores;
//! [`crate::InMemoryEventLog`] the message store; [`crate::StaticModelCatalog`] the provider
//! store. A custom backend implements the same traits (see `runtime/tests/custom_backend.rs`,
//! a file-per-session store) and hands them to [`crate::InProcessRuntimeBuilder`].

use std::collections::HashMap;
use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{SubsecRound, Utc};
use everruns_core::{Agent, Harness, Message, Session, SessionStatus};

use crate::messages::messages_from_events;
use crate::store::{
    EventLog, InMemoryEventLog, ModelCatalog, ModelWithProvider, StaticModelCatalog, StoreError,
};

/// Harness store contract for runtime seeding and lookup.
#[async_trait]
pub trait RuntimeHarnessStore: Send + Sync {
    /// The harness with this id.
    async fn get_harness(&self, harness_id: &str) -> Result<Option<Harness>, StoreError>;
    /// Creates or replaces a harness (by id).
    async fn put_harness(&self, harness: Harness) -> Result<(), StoreError>;

    /// The harness and its ancestors, root first (following `parent_harness_id`). Empty when
    /// the harness does not exist; a missing parent ends the chain; a cycle is an error.
    async fn get_harness_chain(&self, harness_id: &str) -> Result<Vec<Harness>, StoreError> {
        let mut chain: Vec<Harness> = Vec::new();
        let mut next = Some(harness_id.to_string());
        while let Some(id) = next {
            if chain.iter().any(|h| h.id == id) {
                return Err(StoreError::new(format!(
                    "harness inheritance cycle at {id}"
                )));
            }
            let Some(h) = self.get_harness(&id).await? else {
                break;
            };
            next = h.parent_harness_id.clone();
            chain.push(h);
        }
        chain.reverse();
        Ok(chain)
    }
}

/// Agent store contract for runtime seeding and lookup.
#[async_trait]
pub trait RuntimeAgentStore: Send + Sync {
    /// The agent with this id.
    async fn get_agent(&self, agent_id: &str) -> Result<Option<Agent>, StoreError>;
    /// Creates or replaces an agent (by id).
    async fn put_agent(&self, agent: Agent) -> Result<(), StoreError>;
}

/// Session store contract for runtime seeding, lookup, and mutation.
#[async_trait]
pub trait RuntimeSessionStore: Send + Sync {
    /// The session with this id.
    async fn get_session(&self, session_id: &str) -> Result<Option<Session>, StoreError>;
    /// Creates or replaces a session (by id).
    async fn put_session(&self, session: Session) -> Result<(), StoreError>;
    /// Every session id, in creation order.
    async fn list_session_ids(&self) -> Result<Vec<String>, StoreError>;

    /// Sets the session's status (`active` while a turn runs, `idle` after). The default
    /// reads, changes and writes back the session.
    async fn set_session_status(
        &self,
        session_id: &str,
        status: SessionStatus,
    ) -> Result<(), StoreError> {
        let Some(mut s) = self.get_session(session_id).await? else {
            return Err(StoreError::new(format!("session {session_id} not found")));
        };
        if s.status != status {
            s.status = status;
            s.updated_at = Utc::now().trunc_subsecs(3);
            self.put_session(s).await?;
        }
        Ok(())
    }
}

/// Message store contract for runtime persistence and lookup.
///
/// In this runtime the conversation *is* the session's event log: messages are derived from
/// `input.message`, `output.message.completed` and `tool.completed` events (runtime-notes §1.7),
/// so a message store is an [`EventLog`] that can also answer message queries. The defaults fold
/// the whole log; a database store can override them with an indexed query.
#[async_trait]
pub trait RuntimeMessageStore: EventLog {
    /// The session's messages, in order.
    async fn load_messages(&self, session_id: &str) -> Result<Vec<Message>, StoreError> {
        Ok(messages_from_events(&self.list(session_id).await?))
    }

    /// One message by id.
    async fn get_message(
        &self,
        session_id: &str,
        message_id: &str,
    ) -> Result<Option<Message>, StoreError> {
        Ok(self
            .load_messages(session_id)
            .await?
            .into_iter()
            .find(|m| m.id == message_id))
    }
}

impl RuntimeMessageStore for InMemoryEventLog {}

/// Provider store contract for runtime lookup and default-model configuration: a
/// [`ModelCatalog`] whose default model can be set.
#[async_trait]
pub trait RuntimeProviderStore: ModelCatalog {
    /// Makes `model` the default model (used when no message, session, agent or harness model
    /// is set).
    async fn set_default_model(&self, model: ModelWithProvider) -> Result<(), StoreError>;
}

#[async_trait]
impl RuntimeProviderStore for StaticModelCatalog {
    async fn set_default_model(&self, model: ModelWithProvider) -> Result<(), StoreError> {
        self.set_default(model);
        Ok(())
    }
}

#[derive(Default)]
struct Records {
    harnesses: HashMap<String, Harness>,
    agents: HashMap<String, Agent>,
    sessions: HashMap<String, Session>,
    session_order: Vec<String>,
}

/// In-memory harness, agent and session store for embedded runtimes (the default of
/// [`crate::InProcessRuntimeBuilder`]).
#[derive(Default)]
pub struct InMemorySessionStore {
    records: Mutex<Records>,
}

impl InMemorySessionStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl RuntimeHarnessStore for InMemorySessionStore {
    async fn get_harness(&self, harness_id: &str) -> Result<Option<Harness>, StoreError> {
        Ok(self
            .records
            .lock()
            .expect("records")
            .harnesses
            .get(harness_id)
            .cloned())
    }
    async fn put_harness(&self, harness: Harness) -> Result<(), StoreError> {
        let mut g = self.records.lock().expect("records");
        g.harnesses.insert(harness.id.clone(), harness);
        Ok(())
    }
}

#[async_trait]
impl RuntimeAgentStore for InMemorySessionStore {
    async fn get_agent(&self, agent_id: &str) -> Result<Option<Agent>, StoreError> {
        Ok(self
            .records
            .lock()
            .expect("records")
            .agents
            .get(agent_id)
            .cloned())
    }
    async fn put_agent(&self, agent: Agent) -> Result<(), StoreError> {
        let mut g = self.records.lock().expect("records");
        g.agents.insert(agent.id.clone(), agent);
        Ok(())
    }
}

#[async_trait]
impl RuntimeSessionStore for InMemorySessionStore {
    async fn get_session(&self, session_id: &str) -> Result<Option<Session>, StoreError> {
        Ok(self
            .records
            .lock()
            .expect("records")
            .sessions
            .get(session_id)
            .cloned())
    }
    async fn put_session(&self, session: Session) -> Result<(), StoreError> {
        let mut g = self.records.lock().expect("records");
        if !g.sessions.contains_key(&session.id) {
            g.session_order.push(session.id.clone());
        }
        g.sessions.insert(session.id.clone(), session);
        Ok(())
    }
    async fn list_session_ids(&self) -> Result<Vec<String>, StoreError> {
        Ok(self.records.lock().expect("records").session_order.clone())
    }
}
