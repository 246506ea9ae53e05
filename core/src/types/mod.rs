//! The Everruns v1 wire types: one definition shared by the client, the runtime and the server.
//!
//! Forward compatible by construction: unknown fields are ignored, unknown enum values are kept
//! as [`String`]s (`Other(..)` variants), arrays default to empty, and unknown event types stay
//! raw JSON.

#[macro_use]
mod string_enum;

pub mod agents;
pub mod budgets;
pub mod capabilities;
pub mod channels;
pub mod common;
pub mod error_body;
pub mod event_data;
pub mod event_types;
pub mod events;
pub mod files;
pub mod harnesses;
pub mod interaction;
pub mod llmsim;
pub mod messages;
pub mod models;
#[cfg(feature = "openapi")]
pub mod schemas;
pub mod sessions;
pub mod versions;
pub mod workspaces;

pub use agents::*;
pub use budgets::*;
pub use capabilities::*;
pub use channels::*;
pub use common::*;
pub use error_body::*;
pub use event_data::*;
pub use events::*;
pub use files::*;
pub use harnesses::*;
pub use interaction::*;
pub use llmsim::*;
pub use messages::*;
pub use models::*;
pub use sessions::*;
pub use versions::*;
pub use workspaces::*;
