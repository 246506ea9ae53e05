//! SSE (E2, docs/wire.md#15, docs/decisions.md#18): `connected` first, then stored events after the
//! cursor, then the live tail; `: heartbeat` comments; `disconnecting` before every graceful
//! close (connection cycle or server shutdown).
//!
//! Each subscriber is one task that reads the store itself: it subscribes to the session's
//! wake-up channel *before* each catch-up read, so an event committed during the read wakes it
//! again (no gap), and it only sends sequences above its cursor (no duplicate). The writer
//! never waits for subscribers; a slow client only fills its own bounded queue: at most
//! [`CHANNEL`] frames and `--sse-subscriber-buffer-bytes` bytes, within a process-wide
//! `--sse-buffer-bytes` ([`Budget`]). A client that takes no byte at all for
//! `--write-stall-secs` loses its connection (`crate::conn`), which ends its subscriber.
//!
//! Shutdown is observed everywhere a subscriber waits, including a send into a full channel:
//! the subscriber then offers its `disconnecting` frame for a short while and ends the
//! response without it when a client does not read (`serve` in `lib.rs` additionally bounds
//! the whole graceful shutdown, since hyper cannot finish a response to a peer that reads
//! nothing).

use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{OriginalUri, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use everruns_core::ErrorResponse;
use std::sync::Arc;

use tokio::sync::{mpsc, OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, MissedTickBehavior};

use crate::auth::AuthKey;
use crate::error::ApiResult;
use crate::routes::sessions::{cursor, filters, load};
use crate::store::{EventQuery, Store};
use crate::util::Qs;
use crate::App;

/// Events read per catch-up query.
const BATCH: u32 = 500;
/// Buffered frames per subscriber.
const CHANNEL: usize = 16;
/// A body chunk stops taking further queued frames once it holds this many bytes.
const COALESCE_BYTES: usize = 64 * 1024;
/// Safety poll when no wake-up arrives (e.g. rows written by another process).
const FALLBACK_POLL: Duration = Duration::from_secs(5);
/// How often a stream opened with an API key checks that the key is still valid.
const KEY_RECHECK: Duration = Duration::from_secs(2);
/// How long a shutting-down subscriber waits for room for its `disconnecting` frame.
const FAREWELL_TIMEOUT: Duration = Duration::from_secs(2);

/// Byte limits on what SSE subscribers queue ahead of their connections.
#[derive(Clone)]
pub struct Budget {
    global: Arc<Semaphore>,
    global_bytes: usize,
    per_subscriber: usize,
}

impl Budget {
    /// `per_subscriber` bytes for each subscriber, `global` bytes over all of them.
    pub fn new(per_subscriber: usize, global: usize) -> Self {
        let global = global.clamp(1, Semaphore::MAX_PERMITS);
        Self {
            global: Arc::new(Semaphore::new(global)),
            global_bytes: global,
            per_subscriber: per_subscriber.clamp(1, global),
        }
    }

    /// Bytes queued over all subscribers now.
    pub fn in_use(&self) -> usize {
        self.global_bytes - self.global.available_permits()
    }
}

/// A frame with the budget it holds until the response body takes it.
struct Queued {
    bytes: Bytes,
    _own: OwnedSemaphorePermit,
    _global: OwnedSemaphorePermit,
}

fn frame_event(r: &crate::store::EventRow) -> Bytes {
    let mut s = String::with_capacity(r.envelope.len() + r.event_type.len() + 64);
    s.push_str("event: ");
    s.push_str(&r.event_type);
    s.push_str("\nid: ");
    s.push_str(&r.id);
    s.push_str("\nretry: 100\ndata: ");
    s.push_str(&r.envelope);
    s.push_str("\n\n");
    Bytes::from(s)
}

/// Joins the frames already queued behind `first` (up to [`COALESCE_BYTES`]) into one body
/// chunk: a replay then costs one HTTP chunk (and one wake-up on each side) per batch of
/// frames rather than per event. Nothing waits for more frames, so latency is unchanged.
/// The budget each frame held is released here, as its bytes pass to the connection.
fn coalesce(first: Queued, rx: &mut mpsc::Receiver<Queued>) -> Bytes {
    if first.bytes.len() >= COALESCE_BYTES {
        return first.bytes;
    }
    let Ok(second) = rx.try_recv() else {
        return first.bytes;
    };
    let mut buf =
        Vec::with_capacity(COALESCE_BYTES.min(4 * (first.bytes.len() + second.bytes.len())));
    buf.extend_from_slice(&first.bytes);
    buf.extend_from_slice(&second.bytes);
    while buf.len() < COALESCE_BYTES {
        match rx.try_recv() {
            Ok(next) => buf.extend_from_slice(&next.bytes),
            Err(_) => break,
        }
    }
    Bytes::from(buf)
}

/// The frames of a live wake-up as one body chunk: a lone frame is handed on as is (the
/// shared feed's bytes, refcounted), several are joined.
fn join_frames(frames: Vec<crate::store::FramedEvent>) -> Bytes {
    match frames.len() {
        0 => Bytes::new(),
        1 => frames
            .into_iter()
            .next()
            .map(|f| f.frame)
            .unwrap_or_default(),
        _ => {
            let len = frames.iter().map(|f| f.frame.len()).sum();
            let mut buf = Vec::with_capacity(len);
            for f in &frames {
                buf.extend_from_slice(&f.frame);
            }
            Bytes::from(buf)
        }
    }
}

fn frame_framing(kind: &str, data: serde_json::Value) -> Bytes {
    Bytes::from(format!("event: {kind}\nretry: 100\ndata: {data}\n\n"))
}

/// E2: stream the session's events.
#[utoipa::path(get, path = "/api/v1/sessions/{session_id}/sse", tag = "events",
    params(("session_id" = String, Path, description = "`session_…` id"),
           ("since_id" = Option<String>, Query, description = "Resume after this event (exclusive); wins over `Last-Event-ID`"),
           ("types" = Option<Vec<String>>, Query, description = "Only these types (repeated key, ≤25)", explode = true),
           ("exclude" = Option<Vec<String>>, Query, description = "Not these types (repeated key, ≤25)", explode = true),
           ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event (exclusive)")),
    description = "Server-Sent Events: `connected` first (no id), then every stored event after \
                   the cursor as `event:`/`id:`/`data:` (the full envelope on one line), then \
                   live events. `: heartbeat` every SSE_HEARTBEAT_INTERVAL_SECS (30 s); after \
                   SSE_REALTIME_CYCLE_SECS (300 s) a `disconnecting` frame \
                   `{\"reason\":\"connection_cycle\",\"retry_ms\":100}` and the stream closes; \
                   reconnect with `since_id` = the last received id. `connected` and \
                   `disconnecting` are sent whatever the filters say.",
    responses((status = 200, description = "Event stream", content_type = "text/event-stream", body = String),
              (status = 400, body = ErrorResponse), (status = 404, body = ErrorResponse)))]
pub async fn stream(
    State(app): State<App>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
    key: Option<Extension<AuthKey>>,
    headers: HeaderMap,
) -> ApiResult<Response> {
    load(&app, &id).await?;
    let q = Qs::parse(uri.query());
    let (types, exclude) = filters(&q)?;
    let since = q.get("since_id").map(str::to_string).or_else(|| {
        headers
            .get("last-event-id")
            .and_then(|v| v.to_str().ok())
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    });
    let after = match since {
        Some(s) => cursor(&app, &id, &s).await?,
        None => 0,
    };
    let query = EventQuery {
        after_sequence: Some(after),
        types,
        exclude,
        first: Some(BATCH),
        ..Default::default()
    };
    let key = key.map(|Extension(k)| Credential::ApiKey(k.0));
    Ok(respond(&app, id, query, None, key))
}

/// Rewrites one stored envelope for a caller, or hides it (`None`): the Agent Execution API's
/// channel visibility.
pub(crate) type Projector =
    std::sync::Arc<dyn Fn(&serde_json::Value) -> Option<serde_json::Value> + Send + Sync>;

/// The credential a stream was opened with; the stream ends when it stops being valid.
#[derive(Debug, Clone)]
pub(crate) enum Credential {
    /// Hash of a management API key.
    ApiKey(String),
    /// Id of an agent key.
    AgentKey(String),
}

/// The SSE response for `session_id` from `query` (its `after_sequence` is the cursor):
/// framing, catch-up, live tail, heartbeats and cycling as documented on [`stream`].
pub(crate) fn respond(
    app: &App,
    session_id: String,
    query: EventQuery,
    project: Option<Projector>,
    key: Option<Credential>,
) -> Response {
    let (tx, mut rx) = mpsc::channel::<Queued>(CHANNEL);
    let sub = Subscriber {
        store: app.store.clone(),
        session_id,
        query,
        heartbeat: app.config.heartbeat(),
        cycle: app.config.cycle(),
        shutdown: app.shutdown.clone(),
        key,
        project,
        own: Arc::new(Semaphore::new(app.sse_budget.per_subscriber)),
        budget: app.sse_budget.clone(),
        tx,
        refresh: true,
    };
    tokio::spawn(sub.run());
    let body = Body::from_stream(futures::stream::poll_fn(move |cx| {
        rx.poll_recv(cx)
            .map(|o| o.map(|first| Ok::<Bytes, std::convert::Infallible>(coalesce(first, &mut rx))))
    }));
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
            (header::HeaderName::from_static("x-accel-buffering"), "no"),
        ],
        body,
    )
        .into_response()
}

struct Subscriber {
    store: Store,
    session_id: String,
    query: EventQuery,
    heartbeat: Duration,
    cycle: Duration,
    shutdown: tokio::sync::watch::Receiver<bool>,
    /// The credential the stream was opened with (none in dev mode).
    key: Option<Credential>,
    /// Channel visibility, when the stream is a channel caller's.
    project: Option<Projector>,
    /// This subscriber's share of queued bytes.
    own: Arc<Semaphore>,
    budget: Budget,
    tx: mpsc::Sender<Queued>,
    /// Read the store on the next catch-up even without a newer signalled sequence.
    refresh: bool,
}

/// Resolves once the server shuts down (never, if the shutdown sender is gone unsignalled).
async fn shutting_down(rx: &mut tokio::sync::watch::Receiver<bool>) {
    if rx.wait_for(|v| *v).await.is_err() {
        std::future::pending::<()>().await;
    }
}

/// Why a subscriber stopped before its graceful end.
enum Stop {
    /// The client went away (the response body was dropped).
    Gone,
    /// The server is shutting down.
    Shutdown,
}

impl Subscriber {
    async fn run(mut self) {
        if let Err(Stop::Shutdown) = self.serve().await {
            self.farewell().await;
        }
    }

    /// `Ok` after a connection cycle; `Err(Stop::Shutdown)` as soon as the server shuts down
    /// (also while a send waits for room), `Err(Stop::Gone)` when the client went away.
    async fn serve(&mut self) -> Result<(), Stop> {
        self.send(frame_framing(
            "connected",
            serde_json::json!({"status": "connected"}),
        ))
        .await?;
        let mut wake = self.store.hub().subscribe(&self.session_id);
        let deadline = Instant::now() + self.cycle;
        let mut hb = tokio::time::interval_at(Instant::now() + self.heartbeat, self.heartbeat);
        hb.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut key_check = tokio::time::interval_at(Instant::now() + KEY_RECHECK, KEY_RECHECK);
        key_check.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            if *self.shutdown.borrow() {
                return Err(Stop::Shutdown);
            }
            wake.borrow_and_update();
            self.catch_up().await?;
            tokio::select! {
                biased;
                _ = shutting_down(&mut self.shutdown) => return Err(Stop::Shutdown),
                _ = tokio::time::sleep_until(deadline) => {
                    return self.send(frame_framing(
                        "disconnecting",
                        serde_json::json!({"reason": "connection_cycle", "retry_ms": 100}),
                    ))
                    .await;
                }
                _ = hb.tick() => self.send(Bytes::from_static(b": heartbeat\n\n")).await?,
                _ = key_check.tick(), if self.key.is_some() => {
                    let valid = match &self.key {
                        Some(Credential::ApiKey(hash)) => self.store.api_key_valid(hash).await,
                        Some(Credential::AgentKey(id)) => self.store.agent_key_active(id).await,
                        None => Ok(true),
                    };
                    if let Ok(false) = valid {
                        // a revoked key keeps no stream: say why, then close
                        let frame = frame_framing(
                            "disconnecting",
                            serde_json::json!({"reason": "key_revoked", "retry_ms": 100}),
                        );
                        let _ = tokio::time::timeout(FAREWELL_TIMEOUT, self.send(frame)).await;
                        return Err(Stop::Gone);
                    }
                }
                r = wake.changed() => if r.is_err() {
                    // the hub dropped this session's channel; subscribe again
                    wake = self.store.hub().subscribe(&self.session_id);
                },
                _ = tokio::time::sleep(FALLBACK_POLL) => self.refresh = true,
            }
        }
    }

    async fn catch_up(&mut self) -> Result<(), Stop> {
        if self.project.is_some() {
            return self.catch_up_projected().await;
        }
        loop {
            // The live tail comes from the session's shared feed of pre-framed events (one
            // store read per wake-up for all subscribers of this process); a replay reads
            // whole batches, framed and joined by the database, and sends each as one chunk.
            let hub = self.store.hub().clone();
            let shared = hub
                .tail(&self.store, &self.session_id, &self.query, self.refresh)
                .await;
            self.refresh = false;
            let (chunk, n, last) = match shared {
                Ok(Some(frames)) => {
                    let last = frames.last().map(|f| f.sequence);
                    let n = frames.len();
                    (join_frames(frames), n, last)
                }
                Ok(None) => {
                    hub.count_direct_read();
                    match self
                        .store
                        .frame_batch(&self.session_id, &self.query, BATCH)
                        .await
                    {
                        Ok(b) => (b.bytes, b.count, b.last_sequence),
                        Err(e) => {
                            tracing::warn!(error = %e, "sse read failed");
                            return Ok(());
                        }
                    }
                }
                Err(e) => {
                    tracing::warn!(error = %e, "sse read failed");
                    return Ok(());
                }
            };
            if !chunk.is_empty() {
                self.send(chunk).await?;
            }
            if let Some(last) = last {
                self.query.after_sequence = Some(last);
            }
            if n < BATCH as usize {
                return Ok(());
            }
        }
    }

    /// Catch-up of a stream whose events are rewritten per caller (channel visibility):
    /// rows are read, projected and framed one by one.
    async fn catch_up_projected(&mut self) -> Result<(), Stop> {
        let Some(project) = self.project.clone() else {
            return Ok(());
        };
        loop {
            self.store.hub().count_direct_read();
            let rows = match self
                .store
                .query_event_rows(&self.session_id, &self.query)
                .await
            {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!(error = %e, "sse read failed");
                    return Ok(());
                }
            };
            self.refresh = false;
            let n = rows.len();
            for r in &rows {
                let frame = serde_json::from_str::<serde_json::Value>(&r.envelope)
                    .ok()
                    .and_then(|v| project(&v))
                    .map(|v| {
                        frame_event(&crate::store::EventRow {
                            envelope: v.to_string(),
                            ..r.clone()
                        })
                    });
                if let Some(f) = frame {
                    self.send(f).await?;
                }
                self.query.after_sequence = Some(r.sequence);
            }
            if n < BATCH as usize {
                return Ok(());
            }
        }
    }

    /// The `disconnecting` frame of a server shutdown, if the client takes it within
    /// [`FAREWELL_TIMEOUT`]; otherwise the response just ends (dropping the sender).
    async fn farewell(&mut self) {
        let frame = frame_framing(
            "disconnecting",
            serde_json::json!({"reason": "server_shutdown", "retry_ms": 100}),
        );
        if tokio::time::timeout(FAREWELL_TIMEOUT, self.enqueue(frame))
            .await
            .is_err()
        {
            tracing::debug!(session_id = %self.session_id, "sse subscriber does not read; closing without disconnecting");
        }
    }

    /// Queues a frame; waits for room in the channel (the client reads slowly) but gives up
    /// at once when the server shuts down, so no subscriber can hold up a shutdown.
    async fn send(&mut self, b: Bytes) -> Result<(), Stop> {
        let mut shutdown = self.shutdown.clone();
        tokio::select! {
            biased;
            _ = shutting_down(&mut shutdown) => Err(Stop::Shutdown),
            r = self.enqueue(b) => r,
        }
    }

    /// Takes the frame's bytes from this subscriber's and the process's budgets (a frame
    /// larger than a budget takes all of it), then queues it.
    async fn enqueue(&self, bytes: Bytes) -> Result<(), Stop> {
        let want = |cap: usize| u32::try_from(bytes.len().clamp(1, cap)).unwrap_or(u32::MAX);
        let own = self
            .own
            .clone()
            .acquire_many_owned(want(self.budget.per_subscriber))
            .await
            .map_err(|_| Stop::Gone)?;
        let global = self
            .budget
            .global
            .clone()
            .acquire_many_owned(want(self.budget.global_bytes))
            .await
            .map_err(|_| Stop::Gone)?;
        self.tx
            .send(Queued {
                bytes,
                _own: own,
                _global: global,
            })
            .await
            .map_err(|_| Stop::Gone)
    }
}
