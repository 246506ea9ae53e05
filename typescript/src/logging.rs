//! The core's log records ([`everruns_core::client::logs`]), queued for the TypeScript layer
//! to pull (docs/architecture.md principle 4: nothing is pushed into JavaScript, so no callback keeps a
//! process alive).
//!
//! Off until the TypeScript layer asks for records (`setLogLevel`), which it does when a client
//! is given a `logger`, or `debug: true` / `EVERRUNS_DEBUG`. Records at or above that level are
//! queued (at most [`CAPACITY`], the oldest dropped first); the layer drains them with
//! `takeLogs()` after every call and every stream batch and hands them to the logger.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Mutex, Once};

use everruns_core::client::logs::{self, Record};
use napi_derive::napi;
use serde::Serialize;

/// Records kept at most; older ones are dropped first.
pub const CAPACITY: usize = 10_000;

/// 0 = off, 1 = error … 4 = debug.
static LEVEL: AtomicU8 = AtomicU8::new(0);
static QUEUE: Mutex<VecDeque<Record>> = Mutex::new(VecDeque::new());
static INIT: Once = Once::new();

fn wants(level: u8) -> bool {
    level <= LEVEL.load(Ordering::Relaxed)
}

fn sink(r: Record) {
    let mut q = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
    if q.len() >= CAPACITY {
        q.pop_front();
    }
    q.push_back(r);
}

/// Keeps records at `level` and above: `error`, `warn`, `info` or `debug` (the most verbose
/// level any client asked for wins).
#[napi]
pub fn set_log_level(level: String) {
    INIT.call_once(|| logs::install(wants, sink));
    let n = match level.as_str() {
        "error" => 1,
        "warn" => 2,
        "info" => 3,
        "debug" | "trace" => 4,
        _ => 0,
    };
    LEVEL.fetch_max(n, Ordering::Relaxed);
}

#[derive(Serialize)]
struct Out<'a> {
    level: &'static str,
    message: &'a str,
}

/// The queued records as a JSON array (`[{level, message}]`), or `null` when there are none.
#[napi]
pub fn take_logs() -> Option<String> {
    let records: Vec<Record> = {
        let mut q = QUEUE.lock().unwrap_or_else(|p| p.into_inner());
        if q.is_empty() {
            return None;
        }
        q.drain(..).collect()
    };
    let out: Vec<Out<'_>> = records
        .iter()
        .map(|r| Out {
            level: r.level_name(),
            message: &r.message,
        })
        .collect();
    serde_json::to_string(&out).ok()
}
