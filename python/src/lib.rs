//! Python bindings of the Everruns SDK (PyO3): the native module `everruns_sdk._native`.
//!
//! A mechanical bridge over `everruns-core` (docs/architecture.md principle 2): every operation
//! runs through the core's operation table ([`client`]: four generic entry points), values are
//! converted ([`convert`]), core errors become the classes of `everruns_sdk._errors` by kind
//! ([`errors`]), futures and pulled streams are adapted to asyncio ([`runtime`], [`stream`]),
//! and the core's log records go to Python's `logging` ([`logging`]).
#![warn(missing_docs)]

use pyo3::prelude::*;

pub mod agent;
pub mod blocking;
pub mod client;
pub mod convert;
pub mod errors;
pub mod hub;
pub mod logging;
pub mod runtime;
pub mod stream;

/// The `everruns_sdk._native` module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    logging::init();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(runtime::shutdown_hook, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::runtime_info, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::sleep, m)?)?;
    m.add_function(wrap_pyfunction!(logging::refresh_log_level, m)?)?;
    m.add_function(wrap_pyfunction!(client::operations, m)?)?;
    m.add_class::<client::Client>()?;
    m.add_class::<agent::AgentClient>()?;
    m.add_function(wrap_pyfunction!(agent::agent_operations, m)?)?;
    m.add_class::<stream::EventStream>()?;
    m.add_class::<stream::ItemStream>()?;
    m.add_class::<hub::LoopHub>()?;
    m.add("CoreError", py.get_type::<errors::CoreError>())?;
    // The exit-crash guard: flag "exiting" and drain completion callbacks before finalisation.
    let hook = m.getattr("shutdown_hook")?;
    py.import("atexit")?.call_method1("register", (hook,))?;
    Ok(())
}
