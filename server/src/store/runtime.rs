//! The runtime's host seam over the store: the event log and the harness, agent and session
//! stores a durable host's phase functions read (the model catalogue is
//! [`crate::providers::ProviderCatalog`]).

use async_trait::async_trait;
use everruns_core::{Agent, Event, Harness, Session, SessionStatus};
use everruns_runtime::{
    EventDraft, EventLog, RuntimeAgentStore, RuntimeHarnessStore, RuntimeSessionStore,
};

use super::{rt_err, EventQuery, NewEvent, RtStoreError, Store};

#[async_trait]
impl EventLog for Store {
    async fn append(&self, session_id: &str, draft: EventDraft) -> Result<Event, RtStoreError> {
        let (event_type, data) = draft.payload.to_wire();
        let ev = NewEvent {
            id: None,
            event_type,
            data,
            context: draft.context,
            metadata: draft.metadata,
            tags: draft.tags,
        };
        let mut out = self
            .append_events(session_id, vec![ev])
            .await
            .map_err(rt_err)?;
        out.pop()
            .ok_or_else(|| RtStoreError::new("event was not stored"))
    }

    async fn list(&self, session_id: &str) -> Result<Vec<Event>, RtStoreError> {
        self.all_events(session_id).await.map_err(rt_err)
    }

    async fn list_after(
        &self,
        session_id: &str,
        after_sequence: i64,
    ) -> Result<Vec<Event>, RtStoreError> {
        self.query_events(
            session_id,
            &EventQuery {
                after_sequence: Some(after_sequence),
                ..Default::default()
            },
        )
        .await
        .map_err(rt_err)
    }
}

#[async_trait]
impl RuntimeHarnessStore for Store {
    async fn get_harness(&self, harness_id: &str) -> Result<Option<Harness>, RtStoreError> {
        Store::get_harness(self, harness_id).await.map_err(rt_err)
    }

    async fn put_harness(&self, harness: Harness) -> Result<(), RtStoreError> {
        self.upsert_harness(&harness).await.map_err(rt_err)
    }
}

#[async_trait]
impl RuntimeAgentStore for Store {
    async fn get_agent(&self, agent_id: &str) -> Result<Option<Agent>, RtStoreError> {
        Store::get_agent(self, agent_id).await.map_err(rt_err)
    }

    async fn put_agent(&self, agent: Agent) -> Result<(), RtStoreError> {
        Store::put_agent(self, &agent).await.map_err(rt_err)
    }
}

#[async_trait]
impl RuntimeSessionStore for Store {
    async fn get_session(&self, session_id: &str) -> Result<Option<Session>, RtStoreError> {
        Store::get_session(self, session_id).await.map_err(rt_err)
    }

    /// Stores the session's document; a new session gets its row (its `session.started` is
    /// the caller's to append).
    async fn put_session(&self, session: Session) -> Result<(), RtStoreError> {
        self.upsert_session_row(&session).await.map_err(rt_err)
    }

    async fn list_session_ids(&self) -> Result<Vec<String>, RtStoreError> {
        self.session_ids().await.map_err(rt_err)
    }

    async fn set_session_status(
        &self,
        session_id: &str,
        status: SessionStatus,
    ) -> Result<(), RtStoreError> {
        Store::set_session_status(self, session_id, status)
            .await
            .map_err(rt_err)
    }
}
