//! Python bindings of the Everruns SDK (PyO3): the native module `everruns_sdk._native`.
//!
//! This crate is a mechanical bridge over `everruns-core` (ARCHITECTURE principle 2): it converts
//! values, maps core errors to the Python exception classes defined in `everruns_sdk._errors`,
//! and adapts core futures and event streams to asyncio. Retries, timeouts, URL building and the
//! SSE state machine all live in the core.
#![warn(missing_docs)]

use pyo3::prelude::*;

pub mod client;
pub mod convert;
pub mod errors;
pub mod runtime;
pub mod stream;

/// Prints the core's `tracing` output (request logs when `debug`/`EVERRUNS_DEBUG` is on,
/// stream reconnect warnings) on stderr. `EVERRUNS_LOG` sets the level (`off`, `error`, `warn`,
/// `info` (default), `debug`, `trace`).
fn init_logging() {
    use tracing_subscriber::filter::LevelFilter;
    let level = match std::env::var("EVERRUNS_LOG")
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
        .as_str()
    {
        "off" | "none" | "0" => LevelFilter::OFF,
        "error" => LevelFilter::ERROR,
        "warn" | "warning" => LevelFilter::WARN,
        "debug" => LevelFilter::DEBUG,
        "trace" => LevelFilter::TRACE,
        _ => LevelFilter::INFO,
    };
    if level == LevelFilter::OFF {
        return;
    }
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .try_init();
}

/// The `everruns_sdk._native` module.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    init_logging();
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(runtime::shutdown_hook, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::runtime_info, m)?)?;
    m.add_function(wrap_pyfunction!(runtime::sleep, m)?)?;
    m.add_class::<client::Client>()?;
    m.add_class::<stream::EventStream>()?;
    m.add_class::<stream::ItemStream>()?;
    m.add("CoreError", py.get_type::<errors::CoreError>())?;
    // The exit-crash guard: flag "exiting" and drain completion callbacks before finalisation.
    let hook = m.getattr("shutdown_hook")?;
    py.import("atexit")?.call_method1("register", (hook,))?;
    Ok(())
}
