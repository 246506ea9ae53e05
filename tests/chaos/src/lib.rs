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
//! injected.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Mutex;

/// The fault schedule. Probabilities apply per chunk forwarded from the server.
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
        }
    }

    /// Faults injected (resets + stalls).
    pub fn faults(&self) -> u64 {
        self.resets.load(Ordering::Relaxed) + self.stalls.load(Ordering::Relaxed)
    }
}

/// A running proxy.
pub struct ChaosProxy {
    addr: SocketAddr,
    stats: Arc<Stats>,
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
        let stats = Arc::new(Stats::default());
        let rng = Arc::new(Mutex::new(Schedule::new(config.clone())));
        let config = Arc::new(config);
        let st = stats.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                st.connections.fetch_add(1, Ordering::Relaxed);
                let (st, rng, config) = (st.clone(), rng.clone(), config.clone());
                tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(upstream).await {
                        let _ = pipe(client, server, config, rng, st).await;
                    }
                });
            }
        });
        Ok(ChaosProxy { addr, stats, task })
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What was injected so far.
    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
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

/// Forwards both directions in one task; faults apply to server→client bytes.
async fn pipe(
    mut client: TcpStream,
    mut server: TcpStream,
    config: Arc<ChaosConfig>,
    rng: Arc<Mutex<Schedule>>,
    stats: Arc<Stats>,
) -> std::io::Result<()> {
    client.set_nodelay(true)?;
    server.set_nodelay(true)?;
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
                    rng.lock().await.next()
                } else {
                    Decision::default()
                };
                match fault {
                    Fault::Reset => {
                        stats.resets.fetch_add(1, Ordering::Relaxed);
                        // Part of the chunk goes through, then both sides are reset.
                        let _ = client.write_all(&chunk[..n / 2]).await;
                        reset(client);
                        reset(server);
                        return Ok(());
                    }
                    Fault::Stall => {
                        stats.stalls.fetch_add(1, Ordering::Relaxed);
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
