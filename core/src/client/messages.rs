//! `client.messages()`.

use reqwest::Method;

use super::{Everruns, Result};
use crate::ids::{self, IdKind};
use crate::types::{CreateMessageRequest, Event, ListEventsParams, ListResponse, Message};

/// Messages of a session (docs/wire.md#11).
#[derive(Debug, Clone)]
pub struct MessagesClient {
    client: Everruns,
}

impl MessagesClient {
    pub(crate) fn new(client: Everruns) -> Self {
        Self { client }
    }

    pub(crate) fn client(&self) -> &Everruns {
        &self.client
    }

    /// Sends a user text message; the server queues a turn and returns at once. Consume the
    /// turn with `client.events().stream(session_id, Default::default())`.
    pub async fn create(&self, session_id: &str, text: &str) -> Result<Message> {
        self.create_with_options(session_id, CreateMessageRequest::text(text))
            .await
    }

    /// Sends a full message request (content parts, controls, metadata).
    ///
    /// Before posting, the client pins the session's default stream cursor (docs/decisions.md#4) to
    /// the last event that precedes this message, so the next default stream yields this
    /// turn's events and never stops on an older turn's terminal event. Not retried once the
    /// request may have reached the server (a retry could start a second turn) unless an
    /// `Idempotency-Key` is set via `RequestOptions`.
    pub async fn create_with_options(
        &self,
        session_id: &str,
        request: CreateMessageRequest,
    ) -> Result<Message> {
        ids::validate(IdKind::Session, session_id)?;
        if request.message.content.is_empty() {
            return Err(super::Error::validation(
                "a message needs at least one content part",
            ));
        }
        self.pin_cursor(session_id).await;
        self.client
            .send_json(
                Method::POST,
                self.client.url(&["sessions", session_id, "messages"]),
                &request,
                false,
            )
            .await
    }

    async fn pin_cursor(&self, session_id: &str) {
        let cursors = &self.client.inner.cursors;
        if !cursors.needs_fetch(session_id) {
            cursors.pin(session_id, None);
            return;
        }
        let params = ListEventsParams {
            limit: Some(1),
            ..Default::default()
        };
        match self.client.events().list(session_id, params).await {
            Ok(events) => {
                let latest: Option<&Event> = events.iter().max_by_key(|e| e.sequence);
                cursors.pin(session_id, Some(latest));
            }
            Err(e) => {
                tracing::debug!(
                    target: "everruns",
                    session_id,
                    error = %e,
                    "could not fetch the latest event; keeping the known cursor"
                );
                cursors.pin(session_id, None);
            }
        }
    }

    /// Every message of the session, oldest first.
    pub async fn list(&self, session_id: &str) -> Result<Vec<Message>> {
        ids::validate(IdKind::Session, session_id)?;
        let list: ListResponse<Message> = self
            .client
            .get_json(self.client.url(&["sessions", session_id, "messages"]))
            .await?;
        Ok(list.data)
    }
}
