//! Everruns client core.
//!
//! One Rust definition of the Everruns v1 wire contract and the behaviour every SDK shares:
//!
//! * [`types`] — request, response and event types (serde; `utoipa` schemas behind the
//!   `openapi` feature). The reference server and the runtime reuse these exact types.
//! * [`ids`] and [`slug`] — identifier and name rules.
//! * [`sse`] — a linear-time Server-Sent Events parser.
//! * `client` (default feature) — [`Everruns`], its sub-clients, retries, typed errors and the
//!   resilient [`EventStream`].
#![warn(missing_docs)]

#[cfg(feature = "client")]
pub mod agent_client;
#[cfg(feature = "client")]
pub mod client;
pub mod ids;
#[cfg(feature = "client")]
pub mod ops;
pub mod slug;
pub mod sse;
pub mod types;

pub use types::*;

#[cfg(feature = "client")]
pub use agent_client::{AgentClient, AgentClientBuilder};
#[cfg(feature = "client")]
pub use client::{
    Error, EventStream, Everruns, EverrunsBuilder, RequestOptions, Result, StopHandle,
    StreamOptions,
};
