//! Kotlin/JVM bindings of the Everruns SDK, exported with uniffi.
//!
//! The surface is small and generic, like the Python and Node bridges: [`NativeClient`] runs any
//! operation of the core's table (`everruns_core::ops`) by its id with JSON arguments
//! (snake_case keys) and returns JSON text; [`NativeStream`] pulls event streams and paginated
//! listings in batches. The Kotlin facade (`kotlin/src/main/kotlin/.../generated/Operations.kt`,
//! written by `tools/codegen`) gives each operation its typed `suspend` function.

mod client;
mod errors;
mod runtime;
mod stream;

pub use client::{operations, NativeClient};
pub use errors::NativeError;
pub use stream::NativeStream;

uniffi::setup_scaffolding!();
