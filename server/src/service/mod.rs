//! The service layer: the domain rules of agents and sessions (validation, upserts, markdown
//! import, session creation, agent versions), shared by the HTTP API (`routes/`), the Agent
//! Execution API (`routes/channels.rs`) and the worker role. Route handlers keep only HTTP
//! concerns: parsing the request, choosing the status code, setting headers.
//!
//! Errors are [`ApiError`](crate::error::ApiError)s: a stable code and a status class
//! (invalid input, not found, conflict) that every caller reports as is.

pub mod agent_history;
pub mod agents;
pub mod harnesses;
pub mod sessions;
pub mod versions;

/// Why a change is made: the `Everruns-Change-Reason` of the request that made it, recorded
/// with the change (on the agent version it creates, in the session's events).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Change {
    /// The decoded, trimmed reason (`None`: none given).
    pub reason: Option<String>,
}

impl Change {
    /// A change without a reason.
    pub fn none() -> Self {
        Self::default()
    }
}
