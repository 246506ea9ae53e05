//! The SDK's log records, for hosts that hand them to their own logging (Python's `logging`
//! module, a JavaScript `logger`). The core logs through `tracing` under the `everruns` target:
//! request lines (at INFO in debug mode, DEBUG otherwise, token redacted), stream reconnects
//! (WARN), retries. [`install`] routes those records, formatted once here, to a host's sink.

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer, SubscriberExt};

/// One record: `level` 1 = error, 2 = warn, 3 = info, 4 = debug, 5 = trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// Severity, 1 (error) to 5 (trace).
    pub level: u8,
    /// The message followed by its fields (`everruns request method=GET url=… status=200 …`).
    pub message: String,
}

impl Record {
    /// `error`, `warn`, `info` or `debug` (trace records are `debug`).
    pub fn level_name(&self) -> &'static str {
        match self.level {
            1 => "error",
            2 => "warn",
            3 => "info",
            _ => "debug",
        }
    }
}

fn rank(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        Level::TRACE => 5,
    }
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

struct Forward {
    wants: fn(u8) -> bool,
    sink: fn(Record),
}

impl<S: Subscriber> Layer<S> for Forward {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let meta = event.metadata();
        let level = rank(meta.level());
        if !meta.target().starts_with("everruns") || !(self.wants)(level) {
            return;
        }
        let mut msg = Message::default();
        event.record(&mut msg);
        (self.sink)(Record {
            level,
            message: msg.0.trim().to_string(),
        });
    }
}

/// Makes `sink` the process's receiver of the SDK's records for which `wants(level)` is true
/// (checked before formatting, so unwanted records cost nothing). The first call wins.
pub fn install(wants: fn(u8) -> bool, sink: fn(Record)) {
    let subscriber = tracing_subscriber::registry().with(Forward { wants, sink });
    let _ = tracing::subscriber::set_global_default(subscriber);
}
