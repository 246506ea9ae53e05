//! A fault-injecting TCP proxy for chaos tests of event streams.
//!
//! The proxy sits between an SDK and the reference server. Driven by a seeded random schedule,
//! it injects faults into server→client traffic of `text/event-stream` responses (REST calls
//! pass through untouched unless [`ChaosConfig::all_traffic`] is set):
//!
//! * **reset** — both sockets are closed abruptly (TCP RST) in the middle of a stream;
//! * **stall** — forwarding stops in both directions while the sockets stay open (a half-open
//!   connection only a liveness timer can detect); the proxy closes it after
//!   [`ChaosConfig::stall_hold`];
//! * **delay** — a chunk is held back for a random time;
//! * **split** — a chunk is written in many small pieces.
//!
//! The same seed gives the same decisions for the same traffic. [`Stats`] counts what was
//! injected, and [`ChaosProxy::log`] tells when: every fault, every event-stream request and
//! every failed upstream connection, with wall-clock timestamps (so they can be lined up with
//! what a client in another process received).
//!
//! [`suite`] runs the stream chaos suite: the reference server, one proxy per SDK, a long
//! scripted turn, server restarts, and a per-language check against the stored event log.

#![warn(missing_docs)]

pub mod suite;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

/// The fault schedule. Probabilities apply per chunk forwarded from the server; once a fault
/// fires, the proxy picks the kind (reset or stall) that is behind its share of the weights.
#[derive(Debug, Clone)]
pub struct ChaosConfig {
    /// Seed of the schedule.
    pub seed: u64,
    /// Chance of a connection reset per chunk.
    pub reset: f64,
    /// Chance of a silent stall per chunk.
    pub stall: f64,
    /// Chance of delaying a chunk.
    pub delay: f64,
    /// Longest delay.
    pub max_delay: Duration,
    /// Chance of splitting a chunk into small writes.
    pub split: f64,
    /// How long a stalled connection is held open before the proxy drops it.
    pub stall_hold: Duration,
    /// Never inject a fault in the first bytes of a response (lets the response head through).
    pub grace_bytes: usize,
    /// Inject faults into every connection, not only event streams.
    pub all_traffic: bool,
    /// After a fault, no further fault (on any connection) for this long: faults stay apart,
    /// so each one's recovery can be measured on its own (default: no gap).
    pub fault_gap: Duration,
}

impl Default for ChaosConfig {
    fn default() -> Self {
        Self {
            seed: 1,
            reset: 0.01,
            stall: 0.005,
            delay: 0.05,
            max_delay: Duration::from_millis(50),
            split: 0.1,
            stall_hold: Duration::from_secs(30),
            grace_bytes: 256,
            all_traffic: false,
            fault_gap: Duration::ZERO,
        }
    }
}

/// Counters of what the proxy did.
#[derive(Debug, Default)]
pub struct Stats {
    /// Client connections accepted.
    pub connections: AtomicU64,
    /// Connections that carried an event stream.
    pub streams: AtomicU64,
    /// Resets injected.
    pub resets: AtomicU64,
    /// Stalls injected.
    pub stalls: AtomicU64,
    /// Chunks delayed.
    pub delays: AtomicU64,
    /// Chunks split.
    pub splits: AtomicU64,
    /// Bytes forwarded server→client.
    pub bytes_down: AtomicU64,
    /// Event-stream requests seen (`GET …/sse`, including requests on reused connections).
    pub sse_requests: AtomicU64,
    /// Client connections dropped because the upstream refused the connection (server down).
    pub upstream_failures: AtomicU64,
}

/// A snapshot of [`Stats`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StatsSnapshot {
    /// Client connections accepted.
    pub connections: u64,
    /// Connections that carried an event stream.
    pub streams: u64,
    /// Resets injected.
    pub resets: u64,
    /// Stalls injected.
    pub stalls: u64,
    /// Chunks delayed.
    pub delays: u64,
    /// Chunks split.
    pub splits: u64,
    /// Bytes forwarded server→client.
    pub bytes_down: u64,
    /// Event-stream requests seen.
    pub sse_requests: u64,
    /// Client connections dropped because the upstream refused the connection.
    pub upstream_failures: u64,
}

impl Stats {
    /// The current counts.
    pub fn snapshot(&self) -> StatsSnapshot {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        StatsSnapshot {
            connections: g(&self.connections),
            streams: g(&self.streams),
            resets: g(&self.resets),
            stalls: g(&self.stalls),
            delays: g(&self.delays),
            splits: g(&self.splits),
            bytes_down: g(&self.bytes_down),
            sse_requests: g(&self.sse_requests),
            upstream_failures: g(&self.upstream_failures),
        }
    }

    /// Faults injected (resets + stalls).
    pub fn faults(&self) -> u64 {
        self.resets.load(Ordering::Relaxed) + self.stalls.load(Ordering::Relaxed)
    }
}

/// What a [`LogEntry`] records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LogKind {
    /// A client sent an event-stream request (`GET …/sse`).
    SseRequest,
    /// A reset was injected.
    Reset,
    /// A stall began (the connection goes silent).
    Stall,
    /// The upstream refused a connection (the server is down); the client connection was
    /// closed.
    UpstreamDown,
}

/// One timestamped entry of the proxy's log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LogEntry {
    /// Wall-clock time, milliseconds since the Unix epoch.
    pub at_ms: u64,
    /// Client connection number (1-based, in accept order).
    pub conn: u64,
    /// What happened.
    pub kind: LogKind,
}

/// Milliseconds since the Unix epoch (the clock every log and client report uses).
pub fn unix_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

struct Shared {
    config: ChaosConfig,
    stats: Arc<Stats>,
    schedule: Mutex<Schedule>,
    log: std::sync::Mutex<Vec<LogEntry>>,
    last_fault: std::sync::Mutex<Option<tokio::time::Instant>>,
}

impl Shared {
    fn record(&self, conn: u64, kind: LogKind) {
        self.log.lock().unwrap().push(LogEntry {
            at_ms: unix_ms(),
            conn,
            kind,
        });
    }

    /// The decision for the next chunk, with faults kept `fault_gap` apart.
    async fn decide(&self) -> Decision {
        let mut d = self.schedule.lock().await.next();
        if d.fault != Fault::None {
            let mut last = self.last_fault.lock().unwrap();
            let now = tokio::time::Instant::now();
            if last.is_some_and(|t| now.duration_since(t) < self.config.fault_gap) {
                d.fault = Fault::None;
            } else {
                *last = Some(now);
                d.fault = self.balance(d.fault);
            }
        }
        d
    }

    /// Keeps the injected mix of resets and stalls in line with their configured weights: the
    /// kind that is behind its share goes next (ties keep the random pick). A short run with a
    /// handful of faults then always sees both kinds, whatever the chunk sizes are.
    fn balance(&self, picked: Fault) -> Fault {
        let (wr, ws) = (self.config.reset, self.config.stall);
        if wr <= 0.0 || ws <= 0.0 {
            return picked;
        }
        let r = self.stats.resets.load(Ordering::Relaxed) as f64 / wr;
        let s = self.stats.stalls.load(Ordering::Relaxed) as f64 / ws;
        if r < s {
            Fault::Reset
        } else if s < r {
            Fault::Stall
        } else {
            picked
        }
    }
}

/// A running proxy.
pub struct ChaosProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    task: tokio::task::JoinHandle<()>,
}

impl ChaosProxy {
    /// Listens on `listen` and forwards to `upstream` under `config`.
    pub async fn start(
        listen: SocketAddr,
        upstream: SocketAddr,
        config: ChaosConfig,
    ) -> std::io::Result<ChaosProxy> {
        let listener = TcpListener::bind(listen).await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            schedule: Mutex::new(Schedule::new(config.clone())),
            config,
            stats: Arc::new(Stats::default()),
            log: std::sync::Mutex::new(Vec::new()),
            last_fault: std::sync::Mutex::new(None),
        });
        let sh = shared.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let conn = sh.stats.connections.fetch_add(1, Ordering::Relaxed) + 1;
                let sh = sh.clone();
                tokio::spawn(async move {
                    match TcpStream::connect(upstream).await {
                        Ok(server) => {
                            let _ = pipe(client, server, conn, sh).await;
                        }
                        Err(_) => {
                            sh.stats.upstream_failures.fetch_add(1, Ordering::Relaxed);
                            sh.record(conn, LogKind::UpstreamDown);
                            reset(client);
                        }
                    }
                });
            }
        });
        Ok(ChaosProxy { addr, shared, task })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What was injected so far.
    pub fn stats(&self) -> &Arc<Stats> {
        &self.shared.stats
    }

    /// Every fault, event-stream request and refused upstream connection so far, in order.
    pub fn log(&self) -> Vec<LogEntry> {
        self.shared.log.lock().unwrap().clone()
    }
}

impl Drop for ChaosProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// What happens to one chunk.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum Fault {
    /// Forward it.
    #[default]
    None,
    /// Reset both connections.
    Reset,
    /// Stop forwarding, keep the sockets open.
    Stall,
}

/// The decision for one server→client chunk.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Decision {
    /// Fault to inject.
    pub fault: Fault,
    /// Hold the chunk back this long.
    pub delay: Option<Duration>,
    /// Write it in pieces of this many bytes.
    pub split: Option<usize>,
}

/// The seeded sequence of decisions: the same seed gives the same sequence.
pub struct Schedule {
    rng: StdRng,
    config: ChaosConfig,
}

impl Schedule {
    /// A schedule for `config` (seeded by `config.seed`).
    pub fn new(config: ChaosConfig) -> Self {
        Self {
            rng: StdRng::seed_from_u64(config.seed),
            config,
        }
    }

    /// The decision for the next chunk.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Decision {
        let (c, r) = (&self.config, &mut self.rng);
        let fault = if r.random_bool(c.reset) {
            Fault::Reset
        } else if r.random_bool(c.stall) {
            Fault::Stall
        } else {
            Fault::None
        };
        let delay = r
            .random_bool(c.delay)
            .then(|| c.max_delay.mul_f64(r.random::<f64>()));
        let split = r.random_bool(c.split).then(|| r.random_range(1..=64usize));
        Decision {
            fault,
            delay,
            split,
        }
    }
}

/// True when a client→server chunk starts an event-stream request (`GET …/sse…`).
fn is_sse_request(chunk: &[u8]) -> bool {
    let line_end = chunk
        .iter()
        .position(|&b| b == b'\n')
        .unwrap_or(chunk.len());
    let line = &chunk[..line_end];
    line.starts_with(b"GET ") && line.windows(4).any(|w| w == b"/sse" || w == b"/SSE")
}

/// Forwards both directions in one task; faults apply to server→client bytes.
async fn pipe(
    mut client: TcpStream,
    mut server: TcpStream,
    conn: u64,
    sh: Arc<Shared>,
) -> std::io::Result<()> {
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
    let config = &sh.config;
    let stats = &sh.stats;
    let mut ubuf = vec![0u8; 16 * 1024];
    let mut dbuf = vec![0u8; 16 * 1024];
    let mut up_open = true;
    let mut seen = 0usize;
    let mut head = Vec::new();
    let mut is_stream = config.all_traffic;
    let mut counted_stream = false;
    loop {
        tokio::select! {
            r = client.read(&mut ubuf), if up_open => {
                let n = r?;
                if n == 0 {
                    up_open = false;
                    let _ = server.shutdown().await;
                } else {
                    if is_sse_request(&ubuf[..n]) {
                        stats.sse_requests.fetch_add(1, Ordering::Relaxed);
                        sh.record(conn, LogKind::SseRequest);
                    }
                    server.write_all(&ubuf[..n]).await?;
                }
            }
            r = server.read(&mut dbuf) => {
                let n = r?;
                if n == 0 {
                    break;
                }
                let chunk = &dbuf[..n];
                if !is_stream && head.len() < 2048 {
                    head.extend_from_slice(chunk);
                    let text = String::from_utf8_lossy(&head).to_ascii_lowercase();
                    is_stream = text.contains("content-type: text/event-stream");
                }
                if is_stream && !counted_stream {
                    counted_stream = true;
                    stats.streams.fetch_add(1, Ordering::Relaxed);
                }
                seen += n;
                let Decision { fault, delay, split } = if is_stream && seen > config.grace_bytes {
                    sh.decide().await
                } else {
                    Decision::default()
                };
                match fault {
                    Fault::Reset => {
                        stats.resets.fetch_add(1, Ordering::Relaxed);
                        sh.record(conn, LogKind::Reset);
                        // Part of the chunk goes through, then both sides are reset.
                        let _ = client.write_all(&chunk[..n / 2]).await;
                        reset(client);
                        reset(server);
                        return Ok(());
                    }
                    Fault::Stall => {
                        stats.stalls.fetch_add(1, Ordering::Relaxed);
                        sh.record(conn, LogKind::Stall);
                        // Nothing moves any more, but both sockets stay open.
                        tokio::time::sleep(config.stall_hold).await;
                        return Ok(());
                    }
                    Fault::None => {}
                }
                if let Some(d) = delay {
                    stats.delays.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(d).await;
                }
                match split {
                    Some(piece) => {
                        stats.splits.fetch_add(1, Ordering::Relaxed);
                        for part in chunk.chunks(piece) {
                            client.write_all(part).await?;
                            client.flush().await?;
                        }
                    }
                    None => client.write_all(chunk).await?,
                }
                stats.bytes_down.fetch_add(n as u64, Ordering::Relaxed);
            }
        }
    }
    client.shutdown().await
}

/// Closes a socket with an RST instead of a FIN.
#[allow(deprecated)] // zero linger never blocks on close, which is what the deprecation is about
fn reset(sock: TcpStream) {
    let _ = sock.set_linger(Some(Duration::ZERO));
    drop(sock);
}
