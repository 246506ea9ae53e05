//! The core's log records ([`everruns_core::client::logs`]), handed to Python's standard
//! `logging` module under the `everruns` logger. The package adds a `NullHandler` to that
//! logger, so nothing is printed unless the application configures logging (or turns on debug
//! mode, see `_client.py`).
//!
//! Taking the GIL for a record nobody wants would cost every request a GIL hand-off, so the
//! logger's effective level is kept in an atomic: records below it are dropped without the GIL,
//! and the level is read again at most once a second (an application that configures logging
//! after creating a client is picked up within a second).

use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use everruns_core::client::logs::{self, Record};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// Python's level of the `everruns` logger (`logging.WARNING` until first read).
static EFFECTIVE: AtomicU8 = AtomicU8::new(30);
/// When the level was last read, in milliseconds since the epoch.
static CHECKED_MS: AtomicU64 = AtomicU64::new(0);
static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Python's level number of a core record level.
fn py_level(level: u8) -> u8 {
    match level {
        1 => 40,
        2 => 30,
        3 => 20,
        4 => 10,
        _ => 5,
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

fn logger(py: Python<'_>) -> PyResult<&Bound<'_, PyAny>> {
    Ok(LOGGER
        .get_or_try_init(py, || {
            py.import("logging")?
                .call_method1("getLogger", ("everruns",))
                .map(Bound::unbind)
        })?
        .bind(py))
}

/// Reads the `everruns` logger's effective level again (the facade calls this when a client
/// is created, so a configuration made before it applies at once).
#[pyfunction]
pub fn refresh_log_level(py: Python<'_>) -> PyResult<u8> {
    let level: u8 = logger(py)?
        .call_method0("getEffectiveLevel")?
        .extract::<u32>()?
        .min(255) as u8;
    EFFECTIVE.store(level, Ordering::Relaxed);
    CHECKED_MS.store(now_ms(), Ordering::Relaxed);
    Ok(level)
}

fn stale() -> bool {
    now_ms().saturating_sub(CHECKED_MS.load(Ordering::Relaxed)) > 1000
}

fn wants(level: u8) -> bool {
    !crate::runtime::exiting() && (py_level(level) >= EFFECTIVE.load(Ordering::Relaxed) || stale())
}

fn sink(r: Record) {
    Python::attach(|py| {
        if stale() {
            let _ = refresh_log_level(py);
        }
        let level = py_level(r.level);
        if level < EFFECTIVE.load(Ordering::Relaxed) {
            return;
        }
        if let Ok(l) = logger(py) {
            let _ = l.call_method1("log", (level, r.message));
        }
    });
}

/// Routes the core's records to Python's `logging` (once per process).
pub fn init() {
    logs::install(wants, sink);
}
