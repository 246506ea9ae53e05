//! Rust SDK for Everruns, the durable agent harness.
//!
//! Everything here is re-exported from [`everruns_core`], the client core shared with the Python
//! and Node packages.
pub use everruns_core::*;
