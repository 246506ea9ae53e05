//! Blocking entry points for the synchronous client (`SyncEverruns`).
//!
//! A blocking call runs its future on the package's tokio runtime and waits for it detached
//! from the interpreter, waking every [`POLL`] to run Python's signal handlers: Ctrl-C raises
//! `KeyboardInterrupt` within that interval and cancels (drops) the Rust future, which closes
//! its connection. Nothing here touches asyncio, so a blocking call works in a plain script,
//! in a thread whose event loop is running (Jupyter) and from many threads at once.

use std::future::Future;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

use crate::runtime::runtime;

/// How often a blocked call wakes to check for signals.
pub const POLL: Duration = Duration::from_millis(50);

/// Runs `fut` to completion on the runtime, detached from the interpreter; a pending signal
/// (e.g. `KeyboardInterrupt`) cancels it and is raised.
pub fn block_on<T, F>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let rt = runtime();
    let mut handle = rt.spawn(fut);
    loop {
        let waited =
            py.detach(|| rt.block_on(async { tokio::time::timeout(POLL, &mut handle).await }));
        match waited {
            Ok(Ok(value)) => return Ok(value),
            Ok(Err(e)) => {
                return Err(PyRuntimeError::new_err(format!(
                    "the native task failed: {e}"
                )))
            }
            Err(_elapsed) => {
                if let Err(interrupt) = py.check_signals() {
                    handle.abort();
                    return Err(interrupt);
                }
            }
        }
    }
}
