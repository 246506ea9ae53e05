//! The resilient session event stream (docs/wire.md#15, #16, docs/decisions.md#4, #18, #19).
//!
//! [`EventStream`] reads `GET /v1/sessions/{id}/sse` and keeps it going:
//!
//! * Every (re)connection asks for the events after the last one received (`since_id`), so
//!   nothing is lost; events are de-duplicated by `sequence` and id, so nothing is yielded
//!   twice and the stream never goes backwards.
//! * `connected` resets the backoff and the retry count and is not yielded. `disconnecting`
//!   (the server cycling the connection) reconnects after its `retry_ms` (default 100 ms, with
//!   the last `retry:` field as a floor) **without** counting a retry.
//! * An unexpected end, a network error, 408, 429 or 5xx reconnect after a jittered
//!   exponential backoff (1 s doubling to 30 s by default) and count a retry; 429/503
//!   `Retry-After` is honoured. Other 4xx (400 unknown filter, 401, 403, 404 unknown session)
//!   end the stream with that typed error.
//! * A liveness timer (default 45 s) reset by *any* bytes, heartbeat comments included, and an
//!   optional stall timer reset only by events, drop a silent connection and resume from the
//!   cursor (counting a retry). The liveness timeout also bounds the wait for a connection's
//!   response head (a pooled connection can be dead by the time it is reused).
//! * When `max_retries` is exhausted the stream yields the last error, then ends.
//! * [`StopHandle::stop`] ends the stream promptly: a pending sleep or connection is abandoned
//!   and no further connection is made.
//! * Unknown event types pass through; events whose JSON cannot be decoded are skipped (logged
//!   at DEBUG).
//!
//! The stream is lazy (nothing is sent before the first poll), pull-based (events are read
//! from the socket only when the consumer asks), `Send + Sync + 'static`, and uses the
//! client's one connection pool for every reconnect.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use backon::BackoffBuilder;
use futures::{FutureExt, Stream, StreamExt};
use reqwest::header::{HeaderValue, ACCEPT, CACHE_CONTROL};
use sync_wrapper::SyncWrapper;
use tokio::sync::watch;
use tokio::time::Instant;

use super::{SseFrame, SseParser, DEFAULT_MAX_EVENT_BYTES};
use crate::client::cursor::StartAt;
use crate::client::transport::{log_at, request_id_of};
use crate::client::{retry, Error, Everruns, Result};
use crate::ids::{self, IdKind};
use crate::types::event_types::{self, DELTAS};
use crate::types::Event;

/// Default liveness timeout (no bytes at all for this long → reconnect).
pub const DEFAULT_LIVENESS_TIMEOUT: Duration = Duration::from_secs(45);
/// Default time allowed to receive the response headers of one connection.
pub const DEFAULT_STREAM_CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// Default first reconnect delay after an unexpected drop.
pub const DEFAULT_INITIAL_BACKOFF: Duration = Duration::from_secs(1);
/// Default reconnect delay cap.
pub const DEFAULT_MAX_BACKOFF: Duration = Duration::from_secs(30);
/// Delay after `disconnecting` when it carries no usable `retry_ms`.
pub const DEFAULT_GRACEFUL_DELAY: Duration = Duration::from_millis(100);
/// Longest server-requested (`Retry-After`) reconnect delay honoured.
const MAX_STREAM_RETRY_AFTER: Duration = Duration::from_secs(120);
/// How long to keep reading after `disconnecting` for the server's close (lets the connection
/// go back to the pool).
const GRACEFUL_DRAIN: Duration = Duration::from_secs(2);
/// How many recent event ids are remembered for de-duplication of events without `sequence`.
const RECENT_IDS: usize = 4096;
/// Most chunks taken from the socket in one go without waiting.
const GREEDY_CHUNKS: usize = 4096;

/// Options of [`crate::client::EventsClient::stream`].
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct StreamOptions {
    /// Start strictly after this event (overrides the per-session default cursor).
    pub since_id: Option<String>,
    /// Replay the whole history (ignored when `since_id` is set).
    pub from_beginning: bool,
    /// Start after this sequence (`0` replays everything); used by the first connection when
    /// no `since_id` is given (the Agent Execution API's cursor).
    pub after_sequence: Option<i64>,
    /// Only these event types (repeated `types=` keys; framing events always come).
    pub types: Vec<String>,
    /// Not these event types (repeated `exclude=` keys).
    pub exclude: Vec<String>,
    /// Unexpected disconnects tolerated in a row (`None` = unlimited, the default).
    pub max_retries: Option<u32>,
    /// Reconnect when no bytes (events or heartbeats) arrive for this long (default 45 s;
    /// `None` disables).
    pub liveness_timeout: Option<Duration>,
    /// Reconnect when no event arrives for this long (off by default).
    pub stall_timeout: Option<Duration>,
    /// Time allowed to receive the response headers of one connection (default 30 s); a
    /// shorter `liveness_timeout` bounds this wait too.
    pub connect_timeout: Duration,
    /// Largest accepted event (default 16 MiB); a larger one ends the stream with an error.
    pub max_event_bytes: usize,
    /// First reconnect delay after an unexpected drop (default 1 s; doubles, jittered).
    pub initial_backoff: Duration,
    /// Reconnect delay cap (default 30 s).
    pub max_backoff: Duration,
}

impl Default for StreamOptions {
    fn default() -> Self {
        Self {
            since_id: None,
            from_beginning: false,
            after_sequence: None,
            types: Vec::new(),
            exclude: Vec::new(),
            max_retries: None,
            liveness_timeout: Some(DEFAULT_LIVENESS_TIMEOUT),
            stall_timeout: None,
            connect_timeout: DEFAULT_STREAM_CONNECT_TIMEOUT,
            max_event_bytes: DEFAULT_MAX_EVENT_BYTES,
            initial_backoff: DEFAULT_INITIAL_BACKOFF,
            max_backoff: DEFAULT_MAX_BACKOFF,
        }
    }
}

impl StreamOptions {
    /// Default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// Starts strictly after `event_id`.
    pub fn since_id(mut self, event_id: impl Into<String>) -> Self {
        self.since_id = Some(event_id.into());
        self
    }

    /// Replays the whole history.
    pub fn from_beginning(mut self) -> Self {
        self.from_beginning = true;
        self
    }

    /// Starts after sequence `n` (`0` replays everything) unless `since_id` is set.
    pub fn after_sequence(mut self, n: i64) -> Self {
        self.after_sequence = Some(n);
        self
    }

    /// Only these types.
    pub fn types<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.types = types.into_iter().map(Into::into).collect();
        self
    }

    /// Not these types.
    pub fn exclude<I, S>(mut self, types: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.exclude = types.into_iter().map(Into::into).collect();
        self
    }

    /// Adds the streaming delta types (`output.message.delta`, `reason.thinking.delta`,
    /// `tool.output.delta`) to `exclude`.
    pub fn exclude_deltas(mut self) -> Self {
        for d in DELTAS {
            if !self.exclude.iter().any(|e| e == d) {
                self.exclude.push((*d).to_string());
            }
        }
        self
    }

    /// Sets `max_retries`.
    pub fn max_retries(mut self, max_retries: u32) -> Self {
        self.max_retries = Some(max_retries);
        self
    }

    /// Sets the liveness timeout.
    pub fn liveness_timeout(mut self, timeout: Duration) -> Self {
        self.liveness_timeout = Some(timeout);
        self
    }

    /// Sets the stall timeout.
    pub fn stall_timeout(mut self, timeout: Duration) -> Self {
        self.stall_timeout = Some(timeout);
        self
    }

    /// Sets the per-connection header timeout.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the largest accepted event.
    pub fn max_event_bytes(mut self, bytes: usize) -> Self {
        self.max_event_bytes = bytes;
        self
    }

    /// Sets the reconnect backoff (first delay and cap).
    pub fn backoff(mut self, initial: Duration, max: Duration) -> Self {
        self.initial_backoff = initial;
        self.max_backoff = max.max(initial);
        self
    }
}

struct Shared {
    session_id: String,
    stop_tx: watch::Sender<bool>,
    last_event_id: Mutex<Option<String>>,
    retry_count: AtomicU32,
    reconnect_count: AtomicU64,
    /// Set by [`EventStream::deliver_on_ack`]: yielded events wait in `unacked`.
    ack_mode: AtomicBool,
    unacked: Mutex<VecDeque<Yielded>>,
    client: Everruns,
}

/// What the cursor needs of a yielded, not yet acknowledged event.
struct Yielded {
    id: String,
    sequence: Option<i64>,
    event_type: String,
}

impl Shared {
    fn delivered(&self, id: &str, sequence: Option<i64>, event_type: &str) {
        {
            // Reuses the previous id's buffer: no allocation per delivered event.
            let mut last = self.last_event_id.lock().unwrap();
            match last.as_mut() {
                Some(s) => {
                    s.clear();
                    s.push_str(id);
                }
                None => *last = Some(id.to_string()),
            }
        }
        self.client
            .inner
            .cursors
            .delivered(&self.session_id, id, sequence, event_type);
    }
}

/// Acknowledges events of an [`EventStream`] in acknowledged-delivery mode (see
/// [`EventStream::deliver_on_ack`]); cloneable, `Send + Sync`.
#[derive(Clone)]
pub struct AckHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for AckHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AckHandle")
            .field("session_id", &self.shared.session_id)
            .finish()
    }
}

impl AckHandle {
    /// Marks the oldest `n` yielded, not yet acknowledged events as delivered (in order):
    /// they move [`EventStream::last_event_id`] and the session's default cursor.
    pub fn ack(&self, n: usize) {
        for _ in 0..n {
            let Some(y) = self.shared.unacked.lock().unwrap().pop_front() else {
                return;
            };
            self.shared.delivered(&y.id, y.sequence, &y.event_type);
        }
    }

    /// Same as [`EventStream::last_event_id`] (the last acknowledged event).
    pub fn last_event_id(&self) -> Option<String> {
        self.shared.last_event_id.lock().unwrap().clone()
    }

    /// Same as [`EventStream::retry_count`].
    pub fn retry_count(&self) -> u32 {
        self.shared.retry_count.load(Ordering::Relaxed)
    }

    /// Same as [`EventStream::reconnect_count`].
    pub fn reconnect_count(&self) -> u64 {
        self.shared.reconnect_count.load(Ordering::Relaxed)
    }
}

/// Stops an [`EventStream`] from anywhere (cloneable, `Send + Sync`).
#[derive(Clone)]
pub struct StopHandle {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for StopHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StopHandle")
            .field("session_id", &self.shared.session_id)
            .field("stopped", &self.is_stopped())
            .finish()
    }
}

/// A weak reference to a stream's stop switch, kept by its client so that closing the client
/// ends the stream without keeping it (or, through it, the client) alive.
pub(crate) struct StopRef(std::sync::Weak<Shared>);

impl StopRef {
    /// Stops the stream if it still exists.
    pub(crate) fn stop(&self) {
        if let Some(s) = self.0.upgrade() {
            s.stop_tx.send_replace(true);
        }
    }

    /// True while the stream exists and was not stopped.
    pub(crate) fn live(&self) -> bool {
        self.0.upgrade().is_some_and(|s| !*s.stop_tx.borrow())
    }
}

impl StopHandle {
    /// Ends the stream: the pending `next` returns `None` promptly, buffered events are
    /// dropped, and no further connection is made.
    pub fn stop(&self) {
        self.shared.stop_tx.send_replace(true);
    }

    /// True once [`StopHandle::stop`] was called.
    pub fn is_stopped(&self) -> bool {
        *self.shared.stop_tx.borrow()
    }
}

type StepFuture = Pin<Box<dyn Future<Output = (Box<State>, Option<Result<Event>>)> + Send>>;

/// A session's event stream: a `futures::Stream<Item = Result<Event, Error>>` plus
/// [`EventStream::next_batch`] for bindings that pull several events per call.
pub struct EventStream {
    state: SyncWrapper<Option<Box<State>>>,
    fut: SyncWrapper<Option<StepFuture>>,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for EventStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("session_id", &self.shared.session_id)
            .field("last_event_id", &self.last_event_id())
            .field("retry_count", &self.retry_count())
            .field("reconnect_count", &self.reconnect_count())
            .finish()
    }
}

struct Conn {
    resp: reqwest::Response,
    /// Set by `disconnecting`: the delay before reconnecting and the drain deadline.
    graceful: Option<(Duration, Instant)>,
}

enum ConnectFailure {
    Stopped,
    Fatal(Error),
    Retry(Error, Option<Duration>),
}

enum ReadOutcome {
    Stopped,
    Chunk(bytes::Bytes),
    Eof,
    Failed(Error),
    Liveness,
    Stall,
    DrainDone,
}

struct State {
    client: Everruns,
    /// Path segments before `sessions/{id}/sse` (empty for `/v1/sessions/…`; `channels/{id}`
    /// for an agent's channel).
    route_prefix: Vec<String>,
    session_id: String,
    opts: StreamOptions,
    shared: Arc<Shared>,
    stop_rx: watch::Receiver<bool>,
    parser: SseParser,
    queue: VecDeque<Event>,
    conn: Option<Conn>,
    /// Last accepted event id: the `since_id` of the next connection.
    cursor: Option<String>,
    resolved_start: bool,
    validated: bool,
    last_seq: Option<i64>,
    recent: HashSet<IdKey>,
    recent_order: VecDeque<IdKey>,
    backoff: Box<dyn Iterator<Item = Duration> + Send>,
    /// A retry took a delay from `backoff` since it was last built.
    backoff_used: bool,
    pending_delay: Option<Duration>,
    server_retry: Option<Duration>,
    connects: u64,
    last_bytes: Instant,
    last_event: Instant,
    /// An end or error seen while draining ready chunks, handled on the next read.
    deferred: Option<ReadOutcome>,
    /// An error to yield once the buffered events are delivered.
    final_error: Option<Error>,
    ended: bool,
}

/// A remembered event id for de-duplication: the server's `event_<32 lowercase hex>` packed
/// losslessly into 128 bits (no allocation, cheap to hash), any other id kept as text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum IdKey {
    Packed(u128),
    Text(Box<str>),
}

impl IdKey {
    fn of(id: &str) -> Self {
        if let Some(hex) = id.strip_prefix("event_") {
            if hex.len() == 32 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
                if let Ok(v) = u128::from_str_radix(hex, 16) {
                    return IdKey::Packed(v);
                }
            }
        }
        IdKey::Text(id.into())
    }
}

fn new_backoff(opts: &StreamOptions) -> Box<dyn Iterator<Item = Duration> + Send> {
    let cap = opts.max_backoff;
    Box::new(
        backon::ExponentialBuilder::default()
            .with_min_delay(opts.initial_backoff)
            .with_max_delay(opts.max_backoff)
            .with_factor(2.0)
            .with_jitter()
            .without_max_times()
            .build()
            .map(move |d| d.min(cap)),
    )
}

async fn wait_stopped(rx: &mut watch::Receiver<bool>) {
    if rx.wait_for(|v| *v).await.is_err() {
        std::future::pending::<()>().await;
    }
}

async fn sleep_opt(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(d).await,
        None => std::future::pending().await,
    }
}

impl State {
    fn stopped(&self) -> bool {
        *self.stop_rx.borrow()
    }

    fn end(&mut self) {
        self.ended = true;
        self.deferred = None;
        self.conn = None;
        self.queue.clear();
    }

    fn deliver(&mut self, ev: &Event) {
        if self.shared.ack_mode.load(Ordering::Acquire) {
            self.shared.unacked.lock().unwrap().push_back(Yielded {
                id: ev.id.clone(),
                sequence: ev.sequence,
                event_type: ev.event_type.clone(),
            });
        } else {
            self.shared.delivered(&ev.id, ev.sequence, &ev.event_type);
        }
    }

    /// Called for every accepted event, so it only rebuilds the backoff when a retry used it.
    fn reset_backoff(&mut self) {
        if self.backoff_used {
            self.backoff = new_backoff(&self.opts);
            self.backoff_used = false;
        }
        if self.shared.retry_count.load(Ordering::Relaxed) != 0 {
            self.shared.retry_count.store(0, Ordering::Relaxed);
        }
    }

    fn validate(&self) -> Result<()> {
        ids::validate(IdKind::Session, &self.session_id)?;
        if let Some(s) = &self.opts.since_id {
            ids::validate(IdKind::Event, s)?;
        }
        crate::client::events::check_filters(&self.opts.types, &self.opts.exclude)?;
        Ok(())
    }

    /// Produces the next event, or the final error, or `None` at the end.
    async fn next(&mut self) -> Option<Result<Event>> {
        loop {
            if self.stopped() {
                self.end();
                return None;
            }
            if let Some(ev) = self.queue.pop_front() {
                self.deliver(&ev);
                return Some(Ok(ev));
            }
            if let Some(e) = self.final_error.take() {
                self.end();
                return Some(Err(e));
            }
            if self.ended {
                return None;
            }
            if self.conn.is_none() {
                if !self.validated {
                    if let Err(e) = self.validate() {
                        self.end();
                        return Some(Err(e));
                    }
                    self.validated = true;
                }
                if let Some(delay) = self.pending_delay.take() {
                    let stopped = tokio::select! {
                        biased;
                        _ = wait_stopped(&mut self.stop_rx) => true,
                        _ = tokio::time::sleep(delay) => false,
                    };
                    if stopped {
                        self.end();
                        return None;
                    }
                }
                match self.connect().await {
                    Ok(()) => {}
                    Err(ConnectFailure::Stopped) => {
                        self.end();
                        return None;
                    }
                    Err(ConnectFailure::Fatal(e)) => {
                        log_at!(true, session_id = %self.session_id, error = %e, "event stream ended by a non-retryable error");
                        self.end();
                        return Some(Err(e));
                    }
                    Err(ConnectFailure::Retry(e, after)) => {
                        if let Some(e) = self.schedule_retry(e, after) {
                            return Some(Err(e));
                        }
                    }
                }
                continue;
            }
            match self.read().await {
                ReadOutcome::Stopped => {
                    self.end();
                    return None;
                }
                ReadOutcome::Chunk(bytes) => {
                    self.last_bytes = Instant::now();
                    // Take whatever else the connection already has without waiting, so a
                    // body split into many tiny chunks does not pay for timers per chunk.
                    let mut next = Some(bytes);
                    let mut budget = GREEDY_CHUNKS;
                    while let Some(bytes) = next.take() {
                        let pushed = self.parser.push(&bytes);
                        while let Some(frame) = self.parser.next_frame() {
                            self.on_frame(frame);
                        }
                        if let Err(e) = pushed {
                            let err = Error::Stream {
                                message: e.to_string(),
                            };
                            log_at!(true, session_id = %self.session_id, error = %err, "event stream ended");
                            // Events completed before the failure are still yielded first.
                            self.conn = None;
                            self.deferred = None;
                            self.ended = true;
                            self.final_error = Some(err);
                            break;
                        }
                        budget -= 1;
                        if budget == 0 {
                            break;
                        }
                        let Some(conn) = self.conn.as_mut() else {
                            break;
                        };
                        match conn.resp.chunk().now_or_never() {
                            Some(Ok(Some(b))) => next = Some(b),
                            Some(Ok(None)) => self.deferred = Some(ReadOutcome::Eof),
                            Some(Err(e)) => {
                                self.deferred = Some(ReadOutcome::Failed(Error::from_reqwest(
                                    &e,
                                    "reading the event stream failed",
                                )))
                            }
                            None => {}
                        }
                    }
                }
                ReadOutcome::Eof | ReadOutcome::DrainDone => {
                    let conn = self.conn.take();
                    match conn.and_then(|c| c.graceful) {
                        Some((delay, _)) => {
                            tracing::debug!(target: "everruns", session_id = %self.session_id, delay_ms = delay.as_millis() as u64, "event stream cycled by the server; reconnecting");
                            self.pending_delay = Some(delay);
                        }
                        None => {
                            let e = Error::Stream {
                                message: "the event stream closed without `disconnecting`".into(),
                            };
                            if let Some(e) = self.schedule_retry(e, None) {
                                return Some(Err(e));
                            }
                        }
                    }
                }
                ReadOutcome::Failed(e) => {
                    self.conn = None;
                    if let Some(e) = self.schedule_retry(e, None) {
                        return Some(Err(e));
                    }
                }
                ReadOutcome::Liveness => {
                    self.conn = None;
                    let e = Error::Timeout {
                        message: format!(
                            "no data on the event stream for {:?} (liveness timeout)",
                            self.opts.liveness_timeout.unwrap_or_default()
                        ),
                    };
                    if let Some(e) = self.schedule_retry(e, None) {
                        return Some(Err(e));
                    }
                }
                ReadOutcome::Stall => {
                    self.conn = None;
                    let e = Error::Timeout {
                        message: format!(
                            "no event on the event stream for {:?} (stall timeout)",
                            self.opts.stall_timeout.unwrap_or_default()
                        ),
                    };
                    if let Some(e) = self.schedule_retry(e, None) {
                        return Some(Err(e));
                    }
                }
            }
        }
    }

    /// Counts a retry and schedules the reconnect; returns the error when retries are
    /// exhausted (the stream then ends).
    fn schedule_retry(&mut self, err: Error, server_delay: Option<Duration>) -> Option<Error> {
        let count = self.shared.retry_count.load(Ordering::Relaxed);
        if self.opts.max_retries.is_some_and(|m| count >= m) {
            log_at!(true, session_id = %self.session_id, retries = count, error = %err, "event stream gave up: retries exhausted");
            self.end();
            return Some(err);
        }
        self.shared.retry_count.store(count + 1, Ordering::Relaxed);
        self.backoff_used = true;
        let mut delay = self.backoff.next().unwrap_or(self.opts.max_backoff);
        if let Some(d) = server_delay {
            delay = delay.max(d.min(MAX_STREAM_RETRY_AFTER));
        }
        tracing::warn!(target: "everruns", session_id = %self.session_id, retry = count + 1, delay_ms = delay.as_millis() as u64, error = %err, "event stream interrupted; reconnecting");
        self.pending_delay = Some(delay);
        None
    }

    async fn connect(&mut self) -> std::result::Result<(), ConnectFailure> {
        if !self.resolved_start {
            self.resolved_start = true;
            self.cursor = if let Some(s) = &self.opts.since_id {
                Some(s.clone())
            } else if self.opts.from_beginning || self.opts.after_sequence.is_some() {
                None
            } else {
                match self.client.inner.cursors.start(&self.session_id) {
                    Some(StartAt::After(id)) => Some(id),
                    _ => None,
                }
            };
        }
        if self.connects > 0 {
            self.shared.reconnect_count.fetch_add(1, Ordering::Relaxed);
        }
        self.connects += 1;
        let mut q: Vec<(&str, &str)> = Vec::new();
        let after = self.opts.after_sequence.map(|n| n.to_string());
        if let Some(c) = &self.cursor {
            q.push(("since_id", c));
        } else if let Some(a) = &after {
            q.push(("after_sequence", a));
        }
        q.extend(self.opts.types.iter().map(|t| ("types", t.as_str())));
        q.extend(self.opts.exclude.iter().map(|t| ("exclude", t.as_str())));
        let mut segments: Vec<&str> = self.route_prefix.iter().map(String::as_str).collect();
        segments.extend(["sessions", self.session_id.as_str(), "sse"]);
        let url = self.client.url_with_query(&segments, &q);
        let mut headers = self.client.base_headers().map_err(ConnectFailure::Fatal)?;
        headers.insert(ACCEPT, HeaderValue::from_static("text/event-stream"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        let send = self
            .client
            .inner
            .http
            .get(url.clone())
            .headers(headers)
            .send();
        let started = Instant::now();
        // "No bytes for `liveness_timeout` → reconnect" holds while waiting for the response
        // head too: a pooled connection reused after a graceful cycle can be silently dead.
        let (head_timeout, which) = match self.opts.liveness_timeout {
            Some(l) if l < self.opts.connect_timeout => (l, "liveness timeout"),
            _ => (self.opts.connect_timeout, "connect timeout"),
        };
        let result = tokio::select! {
            biased;
            _ = wait_stopped(&mut self.stop_rx) => None,
            r = tokio::time::timeout(head_timeout, send) => Some(r),
        };
        let Some(result) = result else {
            return Err(ConnectFailure::Stopped);
        };
        let resp = match result {
            Err(_) => {
                return Err(ConnectFailure::Retry(
                    Error::Timeout {
                        message: format!(
                            "no response from the event stream within {head_timeout:?} ({which})"
                        ),
                    },
                    None,
                ))
            }
            Ok(Err(e)) => {
                return Err(ConnectFailure::Retry(
                    Error::from_reqwest(&e, "connecting the event stream failed"),
                    None,
                ))
            }
            Ok(Ok(resp)) => resp,
        };
        let status = resp.status().as_u16();
        let request_id = request_id_of(resp.headers());
        log_at!(
            self.client.inner.debug,
            method = "GET",
            url = %url,
            status,
            elapsed_ms = started.elapsed().as_secs_f64() * 1000.0,
            request_id = request_id.as_deref().unwrap_or(""),
            connection = self.connects,
            "everruns event stream"
        );
        if (200..300).contains(&status) {
            self.parser.reset();
            self.deferred = None;
            let now = Instant::now();
            self.last_bytes = now;
            self.last_event = now;
            self.conn = Some(Conn {
                resp,
                graceful: None,
            });
            return Ok(());
        }
        let wait = retry::retry_after(resp.headers());
        let body = tokio::select! {
            biased;
            _ = wait_stopped(&mut self.stop_rx) => None,
            b = tokio::time::timeout(Duration::from_secs(5), resp.bytes()) => Some(match b {
                Ok(Ok(b)) => String::from_utf8_lossy(&b).into_owned(),
                _ => String::new(),
            }),
        };
        let Some(body) = body else {
            return Err(ConnectFailure::Stopped);
        };
        let err = Error::from_response(status, &body, request_id, wait);
        if status == 408 || status == 429 || status >= 500 {
            let after = wait.or(err.retry_after());
            Err(ConnectFailure::Retry(err, after))
        } else {
            Err(ConnectFailure::Fatal(err))
        }
    }

    async fn read(&mut self) -> ReadOutcome {
        if let Some(outcome) = self.deferred.take() {
            return outcome;
        }
        let liveness = self.opts.liveness_timeout.map(|d| self.last_bytes + d);
        let stall = self.opts.stall_timeout.map(|d| self.last_event + d);
        let conn = self.conn.as_mut().expect("read needs a connection");
        let drain = conn.graceful.map(|(_, deadline)| deadline);
        tokio::select! {
            biased;
            _ = wait_stopped(&mut self.stop_rx) => ReadOutcome::Stopped,
            chunk = conn.resp.chunk() => match chunk {
                Ok(Some(b)) => ReadOutcome::Chunk(b),
                Ok(None) => ReadOutcome::Eof,
                Err(e) => ReadOutcome::Failed(Error::from_reqwest(&e, "reading the event stream failed")),
            },
            _ = sleep_opt(drain) => ReadOutcome::DrainDone,
            _ = sleep_opt(liveness), if drain.is_none() => ReadOutcome::Liveness,
            _ = sleep_opt(stall), if drain.is_none() => ReadOutcome::Stall,
        }
    }

    fn on_frame(&mut self, frame: SseFrame) {
        if let Some(ms) = frame.retry {
            self.server_retry = Some(Duration::from_millis(ms));
        }
        match frame.event.as_deref() {
            Some(event_types::CONNECTED) => {
                self.reset_backoff();
            }
            Some(event_types::DISCONNECTING) => {
                let retry_ms = serde_json::from_str::<serde_json::Value>(&frame.data)
                    .ok()
                    .and_then(|v| v.get("retry_ms").and_then(|r| r.as_u64()))
                    .map(Duration::from_millis)
                    .unwrap_or(DEFAULT_GRACEFUL_DELAY);
                let delay = retry_ms.max(self.server_retry.unwrap_or_default());
                if let Some(c) = self.conn.as_mut() {
                    c.graceful = Some((delay, Instant::now() + GRACEFUL_DRAIN));
                }
            }
            _ => {
                if frame.data.is_empty() {
                    return;
                }
                match serde_json::from_str::<Event>(&frame.data) {
                    Ok(ev) => self.accept(ev),
                    Err(e) => tracing::debug!(
                        target: "everruns",
                        session_id = %self.session_id,
                        event = frame.event.as_deref().unwrap_or("message"),
                        error = %e,
                        "skipping an event whose JSON cannot be decoded"
                    ),
                }
            }
        }
    }

    fn accept(&mut self, ev: Event) {
        if let (Some(seq), Some(last)) = (ev.sequence, self.last_seq) {
            if seq <= last {
                tracing::debug!(target: "everruns", id = %ev.id, seq, last, "skipping a duplicate event");
                return;
            }
        }
        let key = IdKey::of(&ev.id);
        if self.recent.contains(&key) {
            tracing::debug!(target: "everruns", id = %ev.id, "skipping a duplicate event");
            return;
        }
        self.recent.insert(key.clone());
        self.recent_order.push_back(key);
        if self.recent_order.len() > RECENT_IDS {
            if let Some(old) = self.recent_order.pop_front() {
                self.recent.remove(&old);
            }
        }
        if ev.sequence.is_some() {
            self.last_seq = ev.sequence;
        }
        match self.cursor.as_mut() {
            Some(c) => {
                c.clear();
                c.push_str(&ev.id);
            }
            None => self.cursor = Some(ev.id.clone()),
        }
        self.last_event = Instant::now();
        self.reset_backoff();
        self.queue.push_back(ev);
    }
}

impl EventStream {
    pub(crate) fn new(client: Everruns, session_id: String, opts: StreamOptions) -> Self {
        Self::new_at(client, Vec::new(), session_id, opts)
    }

    /// A stream of `{base}v1/{route_prefix…}/sessions/{id}/sse`.
    pub(crate) fn new_at(
        client: Everruns,
        route_prefix: Vec<String>,
        session_id: String,
        opts: StreamOptions,
    ) -> Self {
        let (stop_tx, stop_rx) = watch::channel(false);
        let shared = Arc::new(Shared {
            session_id: session_id.clone(),
            stop_tx,
            last_event_id: Mutex::new(None),
            retry_count: AtomicU32::new(0),
            reconnect_count: AtomicU64::new(0),
            ack_mode: AtomicBool::new(false),
            unacked: Mutex::new(VecDeque::new()),
            client: client.clone(),
        });
        client.track_stream(StopRef(Arc::downgrade(&shared)));
        let now = Instant::now();
        let state = State {
            client,
            route_prefix,
            session_id,
            parser: SseParser::with_max_event_bytes(opts.max_event_bytes.max(1)),
            backoff: new_backoff(&opts),
            opts,
            shared: shared.clone(),
            stop_rx,
            queue: VecDeque::new(),
            conn: None,
            cursor: None,
            resolved_start: false,
            validated: false,
            last_seq: None,
            recent: HashSet::new(),
            backoff_used: false,
            recent_order: VecDeque::new(),
            pending_delay: None,
            server_retry: None,
            connects: 0,
            last_bytes: now,
            last_event: now,
            deferred: None,
            final_error: None,
            ended: false,
        };
        Self {
            state: SyncWrapper::new(Some(Box::new(state))),
            fut: SyncWrapper::new(None),
            shared,
        }
    }

    /// The session this stream follows.
    pub fn session_id(&self) -> &str {
        &self.shared.session_id
    }

    /// A handle that stops this stream from another task.
    pub fn stop_handle(&self) -> StopHandle {
        StopHandle {
            shared: self.shared.clone(),
        }
    }

    /// Switches to acknowledged delivery, for bindings that pull events in batches but hand
    /// them to user code one at a time: from now on a yielded event moves
    /// [`EventStream::last_event_id`] and the session's default cursor (docs/decisions.md#4) only
    /// once acknowledged through the returned handle, so events buffered but never handed
    /// over are not counted as delivered.
    pub fn deliver_on_ack(&self) -> AckHandle {
        self.shared.ack_mode.store(true, Ordering::Release);
        AckHandle {
            shared: self.shared.clone(),
        }
    }

    /// Ends the stream (see [`StopHandle::stop`]).
    pub fn stop(&self) {
        self.stop_handle().stop();
    }

    /// The id of the last event yielded (acknowledged, see [`EventStream::deliver_on_ack`]).
    pub fn last_event_id(&self) -> Option<String> {
        self.shared.last_event_id.lock().unwrap().clone()
    }

    /// Unexpected disconnects since the last `connected` frame or event (graceful cycles do
    /// not count).
    pub fn retry_count(&self) -> u32 {
        self.shared.retry_count.load(Ordering::Relaxed)
    }

    /// Connections made after the first one (graceful and unexpected).
    pub fn reconnect_count(&self) -> u64 {
        self.shared.reconnect_count.load(Ordering::Relaxed)
    }

    /// Waits for at least one event and returns it with whatever further events are already
    /// buffered, up to `max` (at least 1). An empty vector means the stream ended; an error
    /// is returned once, after which the stream is ended.
    pub async fn next_batch(&mut self, max: usize) -> Result<Vec<Event>> {
        let max = max.max(1);
        let first = match self.next().await {
            None => return Ok(Vec::new()),
            Some(Err(e)) => return Err(e),
            Some(Ok(ev)) => ev,
        };
        let mut out = vec![first];
        if let Some(state) = self.state.get_mut().as_mut() {
            while out.len() < max && !state.stopped() {
                match state.queue.pop_front() {
                    Some(ev) => {
                        state.deliver(&ev);
                        out.push(ev);
                    }
                    None => break,
                }
            }
        }
        Ok(out)
    }
}

impl Stream for EventStream {
    type Item = Result<Event>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = self.get_mut();
        let fut_slot = this.fut.get_mut();
        if fut_slot.is_none() {
            let Some(mut state) = this.state.get_mut().take() else {
                return Poll::Ready(None);
            };
            if !state.stopped() {
                if let Some(ev) = state.queue.pop_front() {
                    state.deliver(&ev);
                    *this.state.get_mut() = Some(state);
                    return Poll::Ready(Some(Ok(ev)));
                }
            }
            *fut_slot = Some(Box::pin(async move {
                let r = state.next().await;
                (state, r)
            }));
        }
        let fut = fut_slot.as_mut().expect("just set");
        match fut.as_mut().poll(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready((state, r)) => {
                *fut_slot = None;
                *this.state.get_mut() = Some(state);
                Poll::Ready(r)
            }
        }
    }
}

/// Compile-time check that the stream can move between tasks and threads.
#[allow(dead_code)]
fn assert_send_sync() {
    fn is<T: Send + Sync + 'static>() {}
    is::<EventStream>();
    is::<StopHandle>();
    is::<AckHandle>();
}

#[cfg(test)]
mod tests {
    use super::IdKey;

    #[test]
    fn id_keys_are_lossless() {
        let a = "event_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";
        assert_eq!(IdKey::of(a), IdKey::of(a));
        assert!(matches!(IdKey::of(a), IdKey::Packed(_)));
        assert_ne!(
            IdKey::of(a),
            IdKey::of("event_0190f3c2a7b87e1c9d2a5b6c7d8e9f02")
        );
        // Upper-case hex is a different id: kept as text, never equal to the packed one.
        let upper = "event_0190F3C2A7B87E1C9D2A5B6C7D8E9F01";
        assert!(matches!(IdKey::of(upper), IdKey::Text(_)));
        assert_ne!(IdKey::of(a), IdKey::of(upper));
        for other in [
            "evt-1",
            "event_",
            "event_0190f3c2",
            "event_+190f3c2a7b87e1c9d2a5b6c7d8e9f01",
        ] {
            assert_eq!(IdKey::of(other), IdKey::Text(other.into()));
        }
    }
}
