//! Node bindings of the Everruns SDK (napi-rs): the addon behind `@everruns/sdk`.
//!
//! Mechanical by design (docs/architecture.md principle 2): every operation runs through the
//! core's operation table ([`client`]: four generic entry points, cancellable through a
//! [`client::CancelToken`]); this crate only converts values ([`convert`]: JSON text, struct
//! fields camelCase, free-form JSON as is), maps errors ([`errors`]: one structured payload the
//! TypeScript layer turns into `EverrunsError` subclasses), pulls streams in batches
//! ([`stream`]) and queues the core's log records for the TypeScript logger ([`logging`]).
#![warn(missing_docs)]

pub mod agent;
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
