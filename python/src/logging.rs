//! The core's `tracing` records, forwarded to Python's standard `logging` module under the
//! `everruns` logger. The package adds a `NullHandler` to that logger, so nothing is printed
//! unless the application configures logging (`logging.basicConfig(level=logging.DEBUG)` shows
//! reconnects and, with `debug=True` or `EVERRUNS_DEBUG=1`, every request, token redacted).
//!
//! Taking the GIL for a record nobody wants would cost every request a GIL hand-off, so the
//! layer keeps the logger's effective level in an atomic: records below it are dropped without
//! the GIL, and the level is read again at most once a second (an application that configures
//! logging after creating a client is picked up within a second).

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicU8, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// Python's level of the `everruns` logger (`logging.WARNING` until first read).
static EFFECTIVE: AtomicU8 = AtomicU8::new(30);
/// When the level was last read, in milliseconds since the epoch.
static CHECKED_MS: AtomicU64 = AtomicU64::new(0);
static LOGGER: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn py_level(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 40,
        Level::WARN => 30,
        Level::INFO => 20,
        Level::DEBUG => 10,
        Level::TRACE => 5,
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

#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            self.0.insert_str(0, &format!("{value:?}"));
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.insert_str(0, value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

struct PythonLogging;

impl<S: Subscriber> Layer<S> for PythonLogging {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        if !meta.target().starts_with("everruns") || crate::runtime::exiting() {
            return;
        }
        let level = py_level(meta.level());
        let now = now_ms();
        let stale = now.saturating_sub(CHECKED_MS.load(Ordering::Relaxed)) > 1000;
        if level < EFFECTIVE.load(Ordering::Relaxed) && !stale {
            return;
        }
        let mut msg = Message::default();
        event.record(&mut msg);
        Python::attach(|py| {
            if stale {
                let _ = refresh_log_level(py);
            }
            if level < EFFECTIVE.load(Ordering::Relaxed) {
                return;
            }
            if let Ok(l) = logger(py) {
                let _ = l.call_method1("log", (level, msg.0.trim()));
            }
        });
    }
}

/// Installs the forwarding layer as the process's `tracing` subscriber (once).
pub fn init() {
    let subscriber = tracing_subscriber::registry().with(PythonLogging);
    let _ = tracing::subscriber::set_global_default(subscriber);
}
