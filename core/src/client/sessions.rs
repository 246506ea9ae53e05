//! `client.sessions()`.

use futures::stream::BoxStream;
use reqwest::Method;

use super::agents::paginate;
use super::{Error, Everruns, Result};
use crate::ids::{self, IdKind};
use crate::types::{
    CancelTurnResponse, CreateSessionRequest, ListSessionsParams, LlmSimScript, Page, Session,
    UpdateSessionRequest,
};

/// Sessions: running conversations with a workspace of files (docs/wire.md#10).
#[derive(Debug, Clone)]
pub struct SessionsClient {
    pub(crate) client: Everruns,
}

impl SessionsClient {
    pub(crate) fn new(client: Everruns) -> Self {
        Self { client }
    }

    pub(crate) fn client(&self) -> &Everruns {
        &self.client
    }

    /// `POST /v1/sessions` (not retried once it may have reached the server).
    pub async fn create(&self, request: CreateSessionRequest) -> Result<Session> {
        if request.agent_id.is_some() && request.agent_name.is_some() {
            return Err(Error::validation(
                "agent_id and agent_name are mutually exclusive",
            ));
        }
        if request.harness_id.is_some() && request.harness_name.is_some() {
            return Err(Error::validation(
                "harness_id and harness_name are mutually exclusive",
            ));
        }
        if let Some(a) = &request.agent_id {
            ids::validate(IdKind::Agent, a)?;
        }
        if let Some(h) = &request.harness_id {
            ids::validate(IdKind::Harness, h)?;
        }
        self.client
            .send_json(
                Method::POST,
                self.client.url(&["sessions"]),
                &request,
                false,
            )
            .await
    }

    /// A session of `agent_id` with defaults for everything else.
    pub async fn create_for_agent(&self, agent_id: &str) -> Result<Session> {
        self.create(CreateSessionRequest {
            agent_id: Some(agent_id.to_string()),
            ..Default::default()
        })
        .await
    }

    /// One page of sessions.
    pub async fn list(&self, params: ListSessionsParams) -> Result<Page<Session>> {
        let mut q: Vec<(&str, String)> = Vec::new();
        if let Some(a) = &params.agent_id {
            ids::validate(IdKind::Agent, a)?;
            q.push(("agent_id", a.clone()));
        }
        if let Some(s) = &params.search {
            q.push(("search", s.clone()));
        }
        if let Some(o) = params.offset {
            q.push(("offset", o.to_string()));
        }
        if let Some(l) = params.limit {
            q.push(("limit", l.to_string()));
        }
        self.client
            .get_json(self.client.url_with_query(&["sessions"], &q))
            .await
    }

    /// Every session matching `params`, fetching pages on demand.
    pub fn list_all(&self, params: ListSessionsParams) -> BoxStream<'static, Result<Session>> {
        let this = self.clone();
        paginate(params.offset.unwrap_or(0), move |offset| {
            let this = this.clone();
            let mut p = params.clone();
            p.offset = Some(offset);
            async move { this.list(p).await }
        })
    }

    /// A session by id.
    pub async fn get(&self, session_id: &str) -> Result<Session> {
        ids::validate(IdKind::Session, session_id)?;
        self.client
            .get_json(self.client.url(&["sessions", session_id]))
            .await
    }

    /// `PATCH /v1/sessions/{id}` (title, locale, tags).
    pub async fn update(&self, session_id: &str, request: UpdateSessionRequest) -> Result<Session> {
        ids::validate(IdKind::Session, session_id)?;
        self.client
            .send_json(
                Method::PATCH,
                self.client.url(&["sessions", session_id]),
                &request,
                true,
            )
            .await
    }

    /// Deletes a session and its files (204).
    pub async fn delete(&self, session_id: &str) -> Result<()> {
        ids::validate(IdKind::Session, session_id)?;
        self.client
            .delete_empty(self.client.url(&["sessions", session_id]))
            .await?;
        self.client.inner.cursors.forget(session_id);
        self.client
            .inner
            .fs_routes
            .lock()
            .unwrap()
            .remove(session_id);
        Ok(())
    }

    /// Cancels the running turn (`status: no_op` when nothing runs). Safe to retry.
    pub async fn cancel(&self, session_id: &str) -> Result<CancelTurnResponse> {
        ids::validate(IdKind::Session, session_id)?;
        self.client
            .send_json(
                Method::POST,
                self.client.url(&["sessions", session_id, "cancel"]),
                &serde_json::json!({}),
                true,
            )
            .await
    }

    /// Dev servers only: scripts the LLM simulator of this session
    /// (`PUT /v1/sessions/{id}/llmsim`).
    pub async fn set_llmsim_script(&self, session_id: &str, script: &LlmSimScript) -> Result<()> {
        ids::validate(IdKind::Session, session_id)?;
        self.client
            .call(
                super::transport::Call::new(
                    Method::PUT,
                    self.client.url(&["sessions", session_id, "llmsim"]),
                )
                .json_body(script)?
                .idempotent(true),
            )
            .await
            .map(|_| ())
    }

    /// Sends `text` to the session and returns the agent's final reply: follows the session's
    /// stream once, from the default cursor the send pinned (just before the message), to the
    /// end of the turn that message started; [`Error::TurnFailed`] when that turn fails or is
    /// cancelled.
    pub async fn run(&self, session_id: &str, text: &str) -> Result<String> {
        let message = self.client.messages().create(session_id, text).await?;
        let stream = self
            .client
            .events()
            .stream(session_id, crate::client::StreamOptions::new());
        crate::agent_client::follow_turn(stream, &message.id).await
    }
}
