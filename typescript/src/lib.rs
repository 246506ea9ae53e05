//! Node bindings of the Everruns SDK (napi-rs): the addon behind `@everruns/sdk`.
//!
//! Mechanical by design (ARCHITECTURE.md principle 2): every behaviour — retries, timeouts,
//! URL building, auth headers, error classification, pagination, the SSE reconnect machine and
//! the per-session cursor — lives in `everruns-core`. This crate only
//!
//! * converts values ([`convert`]: JSON text, struct fields camelCase, free-form JSON as is),
//! * maps errors ([`errors`]: one structured payload that the TypeScript layer turns into
//!   `EverrunsError` subclasses),
//! * adapts futures ([`client`]: each core call becomes a `Promise`, cancellable through a
//!   [`client::CancelToken`]) and streams ([`stream`]: pulled in batches).
#![warn(missing_docs)]

pub mod client;
pub mod convert;
pub mod errors;
pub mod logging;
pub mod stream;

use napi_derive::napi;

/// The version of this package.
#[napi]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

/// The marker that starts the message of every error the addon raises (see [`errors`]).
#[napi]
pub fn error_marker() -> String {
    errors::ERROR_MARKER.to_string()
}
