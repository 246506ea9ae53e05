//! Agent versions, `copy` and `stats` on `client.agents()`; `pin`, `unpin` and `export` on
//! `client.sessions()`; `create`, `update`, `delete` and `search` on `client.harnesses()`;
//! and the change reason of [`Everruns::with_reason`].

use reqwest::Method;

use super::transport::Call;
use super::{
    AgentsClient, Error, Everruns, HarnessesClient, RequestOptions, Result, SessionsClient,
};
use crate::ids::{self, IdKind};
use crate::slug;
use crate::types::{
    Agent, AgentVersion, AgentVersionChangeKind, AgentVersionDiffResponse,
    CreateAgentVersionRequest, CreateHarnessRequest, ForkAgentVersionRequest, Harness,
    ListHarnessesParams, ResourceStats, RollbackAgentVersionRequest, SetDefaultAgentVersionRequest,
    UpdateHarnessRequest,
};

/// The request header carrying a change reason.
pub const CHANGE_REASON_HEADER: &str = "Everruns-Change-Reason";

/// Longest change reason the server accepts, in characters.
pub const MAX_CHANGE_REASON_CHARS: usize = 1000;

/// Percent-encodes a reason as UTF-8, leaving only RFC 3986 unreserved characters bare (a
/// `+` is encoded, never read as a space).
pub fn encode_change_reason(reason: &str) -> String {
    let mut out = String::with_capacity(reason.len());
    for b in reason.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Checks a reason the way the server does: trimmed, at most
/// [`MAX_CHANGE_REASON_CHARS`] characters, no control characters but newline and tab.
/// Returns the trimmed text (`None` when blank: no header is sent).
pub fn check_change_reason(reason: &str) -> Result<Option<String>> {
    let t = reason.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let n = t.chars().count();
    if n > MAX_CHANGE_REASON_CHARS {
        return Err(Error::validation(format!(
            "the change reason is {n} characters; at most {MAX_CHANGE_REASON_CHARS} are accepted"
        )));
    }
    if t.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Error::validation(
            "the change reason contains control characters (only newline and tab are allowed)",
        ));
    }
    Ok(Some(t.to_string()))
}

impl RequestOptions {
    /// Records `reason` as the change reason of every request (the `Everruns-Change-Reason`
    /// header, percent-encoded). A blank reason sends no header.
    pub fn reason(self, reason: &str) -> Result<Self> {
        Ok(match check_change_reason(reason)? {
            Some(t) => self.header(CHANGE_REASON_HEADER, encode_change_reason(&t)),
            None => self,
        })
    }
}

impl Everruns {
    /// A client sharing this one's connection pool whose every request records `reason` as
    /// its change reason (stored with the agent version a change creates and in
    /// `session.started`). This client is unchanged.
    ///
    /// ```no_run
    /// # async fn demo(client: everruns_core::client::Everruns) -> everruns_core::client::Result<()> {
    /// client.with_reason("retire the unused agent")?.agents().delete("agent_0123456789abcdef0123456789abcdef").await?;
    /// # Ok(()) }
    /// ```
    pub fn with_reason(&self, reason: &str) -> Result<Everruns> {
        Ok(self.with_options(RequestOptions::new().reason(reason)?))
    }
}

fn agent_seg(value: &str) -> Result<String> {
    super::agents::id_or_name(IdKind::Agent, value)
}

fn version_id(value: &str) -> Result<&str> {
    ids::validate(IdKind::AgentVersion, value)?;
    Ok(value)
}

impl AgentsClient {
    /// The agent's versions, newest first (`GET /v1/agents/{id}/versions`).
    pub async fn list_versions(&self, agent_id: &str) -> Result<Vec<AgentVersion>> {
        let a = agent_seg(agent_id)?;
        self.client
            .get_json(self.client.url(&["agents", &a, "versions"]))
            .await
    }

    /// One version of the agent.
    pub async fn get_version(
        &self,
        agent_id: &str,
        version_id_value: &str,
    ) -> Result<AgentVersion> {
        let a = agent_seg(agent_id)?;
        let v = version_id(version_id_value)?;
        self.client
            .get_json(self.client.url(&["agents", &a, "versions", v]))
            .await
    }

    /// Saves the agent's current configuration as a version (`change_kind`: `manual`,
    /// `patch`, `minor` or `major`).
    pub async fn create_version(
        &self,
        agent_id: &str,
        request: CreateAgentVersionRequest,
    ) -> Result<AgentVersion> {
        let a = agent_seg(agent_id)?;
        if let Some(k) = request.change_kind.as_ref().and_then(|k| k.unknown()) {
            return Err(Error::validation(format!(
                "unknown change_kind {k:?}: expected manual, patch, minor or major"
            )));
        }
        if matches!(
            request.change_kind,
            Some(
                AgentVersionChangeKind::Auto
                    | AgentVersionChangeKind::Import
                    | AgentVersionChangeKind::Rollback
                    | AgentVersionChangeKind::Fork
            )
        ) {
            return Err(Error::validation(
                "change_kind must be manual, patch, minor or major",
            ));
        }
        self.client
            .send_json(
                Method::POST,
                self.client.url(&["agents", &a, "versions"]),
                &request,
                false,
            )
            .await
    }

    /// Makes a version the agent's default (its configuration becomes the agent's).
    pub async fn set_default_version(
        &self,
        agent_id: &str,
        version_id_value: &str,
    ) -> Result<Agent> {
        let a = agent_seg(agent_id)?;
        let v = version_id(version_id_value)?;
        self.client
            .send_json(
                Method::POST,
                self.client.url(&["agents", &a, "versions", "default"]),
                &SetDefaultAgentVersionRequest {
                    version_id: v.to_string(),
                },
                true,
            )
            .await
    }

    /// The fields that differ between two versions of the agent.
    pub async fn diff_versions(
        &self,
        agent_id: &str,
        from_version_id: &str,
        to_version_id: &str,
    ) -> Result<AgentVersionDiffResponse> {
        let a = agent_seg(agent_id)?;
        let f = version_id(from_version_id)?;
        let t = version_id(to_version_id)?;
        self.client
            .get_json(self.client.url(&["agents", &a, "versions", f, "diff", t]))
            .await
    }

    /// A new agent from a version (`name` may be a human name: it is slugged).
    pub async fn fork_version(
        &self,
        agent_id: &str,
        version_id_value: &str,
        mut request: ForkAgentVersionRequest,
    ) -> Result<Agent> {
        let a = agent_seg(agent_id)?;
        let v = version_id(version_id_value)?;
        let (name, display) = slug::resolve_name(&request.name, request.display_name.as_deref())?;
        request.name = name;
        request.display_name = display;
        self.client
            .send_json(
                Method::POST,
                self.client.url(&["agents", &a, "versions", v, "fork"]),
                &request,
                false,
            )
            .await
    }

    /// Restores the agent from a version (saved as a new `rollback` version unless
    /// `save_version` is false).
    pub async fn rollback_version(
        &self,
        agent_id: &str,
        version_id_value: &str,
        request: RollbackAgentVersionRequest,
    ) -> Result<Agent> {
        let a = agent_seg(agent_id)?;
        let v = version_id(version_id_value)?;
        self.client
            .send_json(
                Method::POST,
                self.client.url(&["agents", &a, "versions", v, "rollback"]),
                &request,
                false,
            )
            .await
    }

    /// A copy of the agent named `NAME-copy` (`-copy-2`, … when taken).
    pub async fn copy(&self, agent_id: &str) -> Result<Agent> {
        let a = agent_seg(agent_id)?;
        self.client
            .send_json(
                Method::POST,
                self.client.url(&["agents", &a, "copy"]),
                &serde_json::json!({}),
                false,
            )
            .await
    }

    /// Aggregates over the agent's sessions and turns.
    pub async fn stats(&self, agent_id: &str) -> Result<ResourceStats> {
        let a = agent_seg(agent_id)?;
        self.client
            .get_json(self.client.url(&["agents", &a, "stats"]))
            .await
    }
}

impl SessionsClient {
    /// Pins the session (idempotent).
    pub async fn pin(&self, session_id: &str) -> Result<()> {
        ids::validate(IdKind::Session, session_id)?;
        self.client
            .call(
                Call::new(
                    Method::PUT,
                    self.client.url(&["sessions", session_id, "pin"]),
                )
                .idempotent(true),
            )
            .await
            .map(|_| ())
    }

    /// Unpins the session (idempotent).
    pub async fn unpin(&self, session_id: &str) -> Result<()> {
        ids::validate(IdKind::Session, session_id)?;
        self.client
            .delete_empty(self.client.url(&["sessions", session_id, "pin"]))
            .await
    }

    /// Every event of the session as JSON Lines (one event envelope per line, in order).
    pub async fn export(&self, session_id: &str) -> Result<String> {
        ids::validate(IdKind::Session, session_id)?;
        self.client
            .call(
                Call::new(
                    Method::GET,
                    self.client.url(&["sessions", session_id, "export"]),
                )
                .accept("application/x-ndjson, text/plain, */*"),
            )
            .await?
            .text()
    }
}

fn harness_seg(value: &str) -> Result<String> {
    super::agents::id_or_name(IdKind::Harness, value)
}

impl HarnessesClient {
    /// Harnesses whose name, label or description contains `query` (case-insensitive).
    pub async fn search(&self, query: &str) -> Result<Vec<Harness>> {
        self.list_with_params(ListHarnessesParams {
            search: Some(query.to_string()),
            include_archived: None,
        })
        .await
    }

    /// Creates a harness.
    pub async fn create(&self, request: CreateHarnessRequest) -> Result<Harness> {
        if !slug::is_valid_slug(&request.name) {
            return Err(Error::validation(format!(
                "invalid harness name {:?}: use lowercase letters, digits and single dashes",
                request.name
            )));
        }
        if let Some(p) = &request.parent_harness_id {
            ids::validate(IdKind::Harness, p)?;
        }
        self.client
            .send_json(
                Method::POST,
                self.client.url(&["harnesses"]),
                &request,
                false,
            )
            .await
    }

    /// Changes only the fields given.
    pub async fn update(&self, harness_id: &str, request: UpdateHarnessRequest) -> Result<Harness> {
        let h = harness_seg(harness_id)?;
        self.client
            .send_json(
                Method::PATCH,
                self.client.url(&["harnesses", &h]),
                &request,
                true,
            )
            .await
    }

    /// Archives a harness.
    pub async fn delete(&self, harness_id: &str) -> Result<()> {
        let h = harness_seg(harness_id)?;
        self.client
            .delete_empty(self.client.url(&["harnesses", &h]))
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_encoded_and_checked() {
        assert_eq!(encode_change_reason("a b+c ✓"), "a%20b%2Bc%20%E2%9C%93");
        assert_eq!(check_change_reason("  ").unwrap(), None);
        assert_eq!(check_change_reason(" ok\n").unwrap().as_deref(), Some("ok"));
        assert!(check_change_reason("a\u{0}b").is_err());
        assert!(check_change_reason(&"x".repeat(1001)).is_err());
        let o = RequestOptions::new().reason("why not").unwrap();
        assert_eq!(
            o.headers,
            vec![(CHANGE_REASON_HEADER.to_string(), "why%20not".to_string())]
        );
    }
}
