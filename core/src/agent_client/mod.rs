//! [`AgentClient`]: call one agent from an application through the Agent Execution API
//! (upstream 0.3 names), with an agent key instead of a management key.
//!
//! The agent URL is `{api}/v1/channels/{channel_id}` (`EVERRUNS_AGENT_URL`) and the key
//! `evr_ak_…` (`EVERRUNS_AGENT_KEY`). Requests go through the same transport as
//! [`Everruns`] (retries with jitter, `Retry-After`, typed errors, request ids, debug logging)
//! and streams through the same resilient [`EventStream`].

pub mod ops;
mod run;

pub use run::{agent_text, follow_turn};

use std::time::Duration;

use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{Error, EventStream, Everruns, RequestOptions, Result, StreamOptions};
use crate::ids::{self, IdKind};
use crate::types::{
    AgentCard, AgentSession, AgentSessionPage, CancelTurnResponse, CreateMessageRequest, Event,
    ListResponse, Message, RuntimeToken, END_USER_HEADER, MAX_END_USER_CHARS,
};

/// Environment variable of the agent URL.
pub const ENV_AGENT_URL: &str = "EVERRUNS_AGENT_URL";
/// Environment variable of the agent key.
pub const ENV_AGENT_KEY: &str = "EVERRUNS_AGENT_KEY";

/// Settings of an [`AgentClient`]; unset values come from the environment only with
/// [`AgentClientBuilder::with_env`].
#[derive(Debug, Default, Clone)]
pub struct AgentClientBuilder {
    agent_url: Option<String>,
    agent_key: Option<String>,
    end_user: Option<String>,
    timeout: Option<Duration>,
    max_retries: Option<u32>,
    debug: Option<bool>,
    user_agent: Option<String>,
    read_env: bool,
}

impl AgentClientBuilder {
    /// The agent URL, `{api}/v1/channels/{channel_id}`.
    pub fn agent_url(mut self, url: impl Into<String>) -> Self {
        self.agent_url = Some(url.into());
        self
    }

    /// The agent key (`evr_ak_…`) or a runtime token.
    pub fn agent_key(mut self, key: impl Into<String>) -> Self {
        self.agent_key = Some(key.into());
        self
    }

    /// Acts for this end user (`End-User` on every request; the key needs `end_user`).
    pub fn end_user(mut self, end_user: impl Into<String>) -> Self {
        self.end_user = Some(end_user.into());
        self
    }

    /// Whole-request timeout of REST calls.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Retries of a failed REST call.
    pub fn max_retries(mut self, n: u32) -> Self {
        self.max_retries = Some(n);
        self
    }

    /// Logs every request (token redacted).
    pub fn debug(mut self, debug: bool) -> Self {
        self.debug = Some(debug);
        self
    }

    /// The `User-Agent` / `X-SDK-Version` product (set by each language's SDK).
    pub fn user_agent(mut self, product: impl Into<String>) -> Self {
        self.user_agent = Some(product.into());
        self
    }

    /// Reads unset values from `EVERRUNS_AGENT_URL` and `EVERRUNS_AGENT_KEY`.
    pub fn with_env(mut self) -> Self {
        self.read_env = true;
        self
    }

    /// Validates the settings and builds the client.
    pub fn build(self) -> Result<AgentClient> {
        let env = |k: &str| {
            if self.read_env {
                std::env::var(k).ok().filter(|v| !v.trim().is_empty())
            } else {
                None
            }
        };
        let url = self
            .agent_url
            .clone()
            .or_else(|| env(ENV_AGENT_URL))
            .ok_or_else(|| Error::Config {
                message: format!("no agent URL: set {ENV_AGENT_URL} or pass agent_url"),
            })?;
        let key = self
            .agent_key
            .clone()
            .or_else(|| env(ENV_AGENT_KEY))
            .ok_or_else(|| Error::Config {
                message: format!("no agent key: set {ENV_AGENT_KEY} or pass agent_key"),
            })?;
        let key = key.trim();
        if key.is_empty() {
            return Err(Error::Config {
                message: "the agent key is empty".into(),
            });
        }
        let (base, channel_id) = split_agent_url(&url)?;
        let mut b = Everruns::builder()
            .base_url(base)
            .api_key(format!("Bearer {key}"));
        if let Some(t) = self.timeout {
            b = b.timeout(t);
        }
        if let Some(n) = self.max_retries {
            b = b.max_retries(n);
        }
        if let Some(d) = self.debug {
            b = b.debug(d);
        }
        if let Some(u) = self.user_agent {
            b = b.user_agent(u);
        }
        let client = AgentClient {
            client: b.build()?,
            channel_id,
            end_user: None,
        };
        match self.end_user {
            Some(u) => client.for_end_user(&u),
            None => Ok(client),
        }
    }
}

/// Splits `…/v1/channels/{channel_id}` into the API base (`…/`) and the channel id.
fn split_agent_url(url: &str) -> Result<(String, String)> {
    let bad = || Error::Config {
        message: format!(
            "invalid agent URL {url:?}: expected {{api}}/v1/channels/{{channel_id}}, e.g. \
             http://localhost:9300/api/v1/channels/appchan_…"
        ),
    };
    let trimmed = url.trim().trim_end_matches('/');
    let (base, channel) = trimmed.rsplit_once("/v1/channels/").ok_or_else(bad)?;
    if channel.is_empty() || channel.contains('/') || channel.contains('?') {
        return Err(bad());
    }
    crate::client::normalize_base_url(base)?;
    Ok((format!("{base}/"), channel.to_string()))
}

/// A client of one agent's Agent Execution API. Cheap to clone; clones and
/// [`AgentClient::for_end_user`] share one connection pool.
#[derive(Debug, Clone)]
pub struct AgentClient {
    client: Everruns,
    channel_id: String,
    end_user: Option<String>,
}

impl AgentClient {
    /// A builder with nothing set.
    pub fn builder() -> AgentClientBuilder {
        AgentClientBuilder::default()
    }

    /// A client from `EVERRUNS_AGENT_URL` and `EVERRUNS_AGENT_KEY`.
    pub fn from_env() -> Result<AgentClient> {
        Self::builder().with_env().build()
    }

    /// A client of the agent at `agent_url` with `agent_key`.
    pub fn new(agent_url: impl Into<String>, agent_key: impl Into<String>) -> Result<AgentClient> {
        Self::builder()
            .agent_url(agent_url)
            .agent_key(agent_key)
            .build()
    }

    /// A client acting for `end_user` (sent as `End-User`), sharing this one's connections.
    pub fn for_end_user(&self, end_user: &str) -> Result<AgentClient> {
        let u = end_user.trim();
        if u.is_empty()
            || u.chars().count() > MAX_END_USER_CHARS
            || u.chars().any(|c| c.is_control())
        {
            return Err(Error::validation(format!(
                "the end user must be 1 to {MAX_END_USER_CHARS} characters without control characters"
            )));
        }
        Ok(AgentClient {
            client: self
                .client
                .with_options(RequestOptions::new().header(END_USER_HEADER, u)),
            channel_id: self.channel_id.clone(),
            end_user: Some(u.to_string()),
        })
    }

    /// The agent URL (`…/v1/channels/{channel_id}`).
    pub fn agent_url(&self) -> String {
        format!("{}v1/channels/{}", self.client.base_url(), self.channel_id)
    }

    /// The channel id.
    pub fn channel_id(&self) -> &str {
        &self.channel_id
    }

    /// The end user this client acts for, if any.
    pub fn end_user(&self) -> Option<&str> {
        self.end_user.as_deref()
    }

    /// The underlying transport (settings, `close`).
    pub fn transport(&self) -> &Everruns {
        &self.client
    }

    /// Closes the client: calls in flight fail, open streams end.
    pub fn close(&self) {
        self.client.close();
    }

    fn url(&self, rest: &[&str], query: &[(&str, String)]) -> url::Url {
        let mut segments = vec!["channels", self.channel_id.as_str()];
        segments.extend_from_slice(rest);
        self.client.url_with_query(&segments, query)
    }

    fn with_key(&self, idempotency_key: Option<&str>) -> Everruns {
        match idempotency_key {
            Some(k) => self
                .client
                .with_options(RequestOptions::new().idempotency_key(k)),
            None => self.client.clone(),
        }
    }

    /// `GET /` — the agent card.
    pub async fn card(&self) -> Result<AgentCard> {
        self.client.get_json(self.url(&[], &[])).await
    }

    /// `POST /sessions` — starts a session (`idempotency_key` replays the first response).
    pub async fn create_session(
        &self,
        title: Option<&str>,
        idempotency_key: Option<&str>,
    ) -> Result<AgentSession> {
        let body = match title {
            Some(t) => json!({ "title": t }),
            None => json!({}),
        };
        self.with_key(idempotency_key)
            .send_json(Method::POST, self.url(&["sessions"], &[]), &body, false)
            .await
    }

    /// `GET /sessions` — this caller's sessions, most recently active first.
    pub async fn list_sessions(
        &self,
        limit: Option<u32>,
        page_token: Option<&str>,
    ) -> Result<AgentSessionPage> {
        let mut q = Vec::new();
        if let Some(l) = limit {
            q.push(("limit", l.to_string()));
        }
        if let Some(t) = page_token {
            q.push(("page_token", t.to_string()));
        }
        self.client.get_json(self.url(&["sessions"], &q)).await
    }

    /// `GET /sessions/{id}` — with pending questions and approvals.
    pub async fn get_session(&self, session_id: &str) -> Result<AgentSession> {
        ids::validate(IdKind::Session, session_id)?;
        self.client
            .get_json(self.url(&["sessions", session_id], &[]))
            .await
    }

    /// `POST /sessions/{id}/messages` — sends a user text message, which starts a turn. Not
    /// retried once it may have reached the server unless `idempotency_key` is set.
    pub async fn send_message(
        &self,
        session_id: &str,
        text: &str,
        idempotency_key: Option<&str>,
    ) -> Result<Message> {
        ids::validate(IdKind::Session, session_id)?;
        if text.is_empty() {
            return Err(Error::validation("the message text is empty"));
        }
        let body = CreateMessageRequest::text(text);
        self.with_key(idempotency_key)
            .send_json(
                Method::POST,
                self.url(&["sessions", session_id, "messages"], &[]),
                &body,
                false,
            )
            .await
    }

    /// `POST /sessions/{id}/cancel` — cancels the running turn.
    pub async fn cancel(&self, session_id: &str) -> Result<CancelTurnResponse> {
        ids::validate(IdKind::Session, session_id)?;
        self.client
            .send_json(
                Method::POST,
                self.url(&["sessions", session_id, "cancel"], &[]),
                &json!({}),
                false,
            )
            .await
    }

    /// `GET /sessions/{id}/events` — events oldest first, after `after_sequence` (exclusive).
    pub async fn list_events(
        &self,
        session_id: &str,
        after_sequence: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<Event>> {
        ids::validate(IdKind::Session, session_id)?;
        let mut q = Vec::new();
        if let Some(a) = after_sequence {
            q.push(("after_sequence", a.to_string()));
        }
        if let Some(l) = limit {
            q.push(("limit", l.to_string()));
        }
        let list: ListResponse<Event> = self
            .client
            .get_json(self.url(&["sessions", session_id, "events"], &q))
            .await?;
        Ok(list.data)
    }

    /// `GET /sessions/{id}/sse` — the session's live events with the resilience of
    /// `events().stream` (resume by `since_id`, liveness timer, de-duplication). Start with
    /// `options.since_id`, or `options.after_sequence` (`0` replays everything).
    pub fn stream_events(&self, session_id: &str, options: StreamOptions) -> EventStream {
        EventStream::new_at(
            self.client.clone(),
            vec!["channels".into(), self.channel_id.clone()],
            session_id.to_string(),
            options,
        )
    }

    /// `POST /sessions/{id}/question-answers` — answers an `ask_user` question set (body
    /// passed through).
    pub async fn answer_questions(&self, session_id: &str, answers: &Value) -> Result<Value> {
        ids::validate(IdKind::Session, session_id)?;
        self.client
            .send_json(
                Method::POST,
                self.url(&["sessions", session_id, "question-answers"], &[]),
                answers,
                false,
            )
            .await
    }

    /// `POST /sessions/{id}/tool-approvals` — allows or rejects held-back tool calls (body
    /// passed through).
    pub async fn submit_tool_approvals(
        &self,
        session_id: &str,
        decisions: &Value,
    ) -> Result<Value> {
        ids::validate(IdKind::Session, session_id)?;
        self.client
            .send_json(
                Method::POST,
                self.url(&["sessions", session_id, "tool-approvals"], &[]),
                decisions,
                false,
            )
            .await
    }

    /// `POST /runtime-auth` — a short-lived token for one end user (call it on a
    /// [`AgentClient::for_end_user`] client), for a browser or mobile app.
    pub async fn runtime_token(&self) -> Result<RuntimeToken> {
        if self.end_user.is_none() {
            return Err(Error::validation(
                "runtime_token needs an end user: call it on for_end_user(…)",
            ));
        }
        self.client
            .send_json(
                Method::POST,
                self.url(&["runtime-auth"], &[]),
                &json!({}),
                false,
            )
            .await
    }

    /// Sends `text` and returns the agent's final reply: creates a session when `session_id`
    /// is `None`, sends the message, follows the stream once from just before that message
    /// (its sequence) to the end of the turn it started, and fails with
    /// [`Error::TurnFailed`] when that turn fails or is cancelled.
    pub async fn run(&self, text: &str, session_id: Option<&str>) -> Result<String> {
        let session_id = match session_id {
            Some(s) => s.to_string(),
            None => self.create_session(None, None).await?.id,
        };
        let message = self.send_message(&session_id, text, None).await?;
        let after = match message.sequence {
            Some(seq) => seq.saturating_sub(1),
            None => 0,
        };
        let stream = self.stream_events(&session_id, StreamOptions::new().after_sequence(after));
        follow_turn(stream, &message.id).await
    }
}
