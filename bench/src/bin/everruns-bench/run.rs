//! `everruns-bench run`: every measurement of `make bench`, in one process tree.
//!
//! Phases (each client is a separate process, started by this one):
//!
//! 1. The `everruns-server` binary (`--dev`, SQLite in a temp dir). A real llmsim turn (text,
//!    a `write_file` tool call, a long answer) gives the template of realistic events; a second
//!    session is filled with copies of that turn (fresh turn/exec ids) through the server's own
//!    `Store::append_events`, 2,000 events per transaction, until it holds the replay size.
//!    Then: replay throughput (each client and `curl`), sequential `agents.get` latency,
//!    llmsim turns per second, and SSE subscribers held with the server's RSS per subscriber.
//! 2. `everruns-bench host` (the same server code plus an appender): events appended per second
//!    and live append → user-code latency with 1/100/1,000 concurrent streams per client.
//! 3. A host whose SSE connections cycle every second: cost of a reconnect per client.
//!
//! Rounds are interleaved (client A, B, C, A, B, C, …) so a change in the machine's load hits
//! every client alike; each cell is the median over rounds with the min–max range.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use everruns_sdk::{Everruns, LlmSimScript, StreamOptions};
use everruns_server::store::{NewEvent, Store};
use futures::StreamExt;
use serde::Serialize;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::procs::{ClientCmd, Server};

mod client_row;
use crate::stats::{percentile_sorted, Summary};
use crate::sys;

/// Options of `everruns-bench run`.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// Small sizes and one round: proves the harness end to end in well under a minute.
    #[arg(long)]
    pub quick: bool,
    /// Where `bench.md`, `bench.json` and `bench.png` go.
    #[arg(long, default_value = "bench/results")]
    pub out: PathBuf,
    /// The reference server binary.
    #[arg(long, default_value = "target/release/everruns-server")]
    pub server_bin: PathBuf,
    /// Interpreter of the virtualenv with our `everruns_sdk` wheel.
    #[arg(long, default_value = ".venv/bin/python")]
    pub py_ours: String,
    /// Interpreter of the virtualenv with the upstream pure-Python `everruns-sdk` 0.3.x.
    #[arg(long, default_value = ".venv-bench-upstream/bin/python")]
    pub py_upstream: String,
    /// Node.js.
    #[arg(long, default_value = "node")]
    pub node: String,
    /// Directory of the built `@everruns/sdk` package.
    #[arg(long, default_value = "typescript")]
    pub node_pkg: PathBuf,
    /// The upstream Rust bench client (bench/upstream-rust).
    #[arg(long, default_value = "target/release/everruns-bench-upstream")]
    pub upstream_rust_bin: PathBuf,
    /// `Cargo.lock` of the upstream Rust client (its `everruns-sdk` version is reported).
    #[arg(long, default_value = "bench/upstream-rust/Cargo.lock")]
    pub upstream_rust_lock: PathBuf,
    /// curl.
    #[arg(long, default_value = "curl")]
    pub curl: String,
    /// The Python/Node client scripts.
    #[arg(long, default_value = "bench/clients")]
    pub clients_dir: PathBuf,
    /// Only the client-only row (pre-framed SSE, no server): a quick look at SDK decoding.
    #[arg(long)]
    pub client_row_only: bool,
}

/// Who is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Who {
    /// Our Rust SDK.
    RustOurs,
    /// Our Python SDK.
    PyOurs,
    /// Our Node SDK.
    NodeOurs,
    /// Upstream pure-Python SDK.
    PyUpstream,
    /// Upstream Rust crate.
    RustUpstream,
    /// curl (floor) or the server itself.
    Floor,
}

impl Who {
    /// SDK clients in table order.
    pub const SDKS: [Who; 5] = [
        Who::RustOurs,
        Who::PyOurs,
        Who::NodeOurs,
        Who::PyUpstream,
        Who::RustUpstream,
    ];

    /// Short key used in JSON.
    pub fn key(self) -> &'static str {
        match self {
            Who::RustOurs => "rust",
            Who::PyOurs => "python",
            Who::NodeOurs => "node",
            Who::PyUpstream => "upstream_python",
            Who::RustUpstream => "upstream_rust",
            Who::Floor => "floor",
        }
    }
}

/// One client's identity and availability.
#[derive(Debug, Clone, Serialize)]
pub struct ClientInfo {
    /// Which.
    pub who: Who,
    /// Column label.
    pub label: String,
    /// SDK version reported by the client.
    pub version: Option<String>,
    /// Why it could not run, if so.
    pub missing: Option<String>,
    #[serde(skip)]
    cmd: Option<ClientCmd>,
}

/// A measured cell: median over rounds with range.
#[derive(Debug, Clone, Serialize)]
pub struct Cell {
    /// Median / min / max / rounds.
    pub summary: Summary,
    /// A note shown after the figure (e.g. fewer rounds, errors).
    pub note: Option<String>,
}

/// Everything one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Results {
    /// Quick (smoke) mode.
    pub quick: bool,
    /// Only the client-only rows were measured (`--client-row-only`).
    pub client_row_only: bool,
    /// Workload sizes.
    pub params: Params,
    /// Clients.
    pub clients: Vec<ClientInfo>,
    /// metric → client key → cell.
    pub cells: BTreeMap<String, BTreeMap<String, Cell>>,
    /// Failures met during the run (client, metric, message).
    pub errors: Vec<String>,
    /// Machine and load.
    pub machine: Machine,
}

/// Workload sizes.
#[derive(Debug, Clone, Serialize)]
pub struct Params {
    /// Events replayed.
    pub replay_events: u64,
    /// Bytes of the replayed stream as served (measured by the curl calibration pass).
    pub replay_bytes: u64,
    /// Event types in the template turn, with counts.
    pub template: BTreeMap<String, usize>,
    /// Mean envelope size of the template turn's events.
    pub template_mean_bytes: f64,
    /// Rounds of throughput runs (fast clients).
    pub throughput_rounds: usize,
    /// Sequential calls timed per round.
    pub calls: usize,
    /// Untimed calls first.
    pub calls_warmup: usize,
    /// Rounds of call runs.
    pub calls_rounds: usize,
    /// Concurrent stream counts of the latency runs.
    pub latency_streams: Vec<usize>,
    /// Events appended per latency run.
    pub latency_events: Vec<i64>,
    /// Microseconds between appends in latency runs.
    pub latency_interval_us: Vec<u64>,
    /// Rounds per stream count.
    pub latency_rounds: Vec<usize>,
    /// SSE subscribers opened.
    pub subscribers: usize,
    /// Sessions they are spread over.
    pub subscriber_sessions: usize,
    /// Sessions × rounds of llmsim turns.
    pub turn_sessions: usize,
    /// Rounds of turns.
    pub turn_rounds: usize,
    /// Events per append-rate run.
    pub append_events: u64,
    /// Rounds of append runs.
    pub append_rounds: usize,
    /// Connection cycle of the reconnect host (seconds).
    pub cycle_secs: f64,
    /// Events appended in the reconnect runs.
    pub reconnect_events: i64,
    /// Microseconds between appends in reconnect runs.
    pub reconnect_interval_us: u64,
    /// Events of the client-only row (pre-framed by `everruns-bench frames`).
    pub client_events: u64,
    /// Bytes of that stream (after the response head).
    pub client_bytes: u64,
    /// Mean JSON envelope size of its events.
    pub client_mean_bytes: f64,
    /// `output.message.delta` events among them.
    pub client_deltas: u64,
    /// Rounds of the client-only row.
    pub client_rounds: usize,
}

/// The machine and its load during the run.
#[derive(Debug, Clone, Serialize, Default)]
pub struct Machine {
    /// CPU model.
    pub cpu: String,
    /// Online CPUs.
    pub cpus: usize,
    /// Load average (1, 5, 15 min) at start.
    pub load_start: [f64; 3],
    /// Load average at the end.
    pub load_end: [f64; 3],
    /// Machine busy fraction over the run (all processes).
    pub busy: f64,
    /// Busy fraction due to this run's processes (orchestrator, servers, clients).
    pub ours: f64,
    /// Busy fraction due to everything else on the machine.
    pub others: f64,
    /// Wall time of the run.
    pub wall_secs: f64,
    /// Busy fraction of the machine per phase.
    pub phase_busy: BTreeMap<String, f64>,
}

type BoxErr = Box<dyn std::error::Error + Send + Sync>;

pub(crate) struct Ctx {
    pub(crate) args: RunArgs,
    tmp: PathBuf,
    clients: Vec<ClientInfo>,
    cells: BTreeMap<String, BTreeMap<String, Cell>>,
    errors: Vec<String>,
    phase_busy: BTreeMap<String, f64>,
}

impl Ctx {
    pub(crate) fn put(&mut self, metric: &str, who: Who, values: &[f64], note: Option<String>) {
        if let Some(summary) = Summary::of(values) {
            self.cells
                .entry(metric.to_string())
                .or_default()
                .insert(who.key().to_string(), Cell { summary, note });
        }
    }

    pub(crate) fn err(&mut self, who: Who, what: &str, msg: impl std::fmt::Display) {
        let line = format!("{} / {what}: {msg}", who.key());
        eprintln!("  ! {line}");
        self.errors.push(line);
    }

    pub(crate) fn available(&self) -> Vec<(Who, ClientCmd)> {
        self.clients
            .iter()
            .filter_map(|c| c.cmd.clone().map(|cmd| (c.who, cmd)))
            .collect()
    }
}

fn s(x: impl ToString) -> String {
    x.to_string()
}

/// Runs everything and writes the report. Returns the markdown.
pub async fn run(args: RunArgs) -> Result<String, BoxErr> {
    let quick = args.quick;
    let started = Instant::now();
    let cpu0 = sys::cpu_times();
    let load_start = sys::loadavg();
    let tmp = std::env::temp_dir().join(format!("everruns-bench-{}", std::process::id()));
    std::fs::create_dir_all(&tmp)?;
    std::fs::create_dir_all(&args.out)?;
    eprintln!(
        "everruns-bench: {} mode, temp dir {}, load average {:.2} {:.2} {:.2} on {} CPUs",
        if quick { "quick" } else { "full" },
        tmp.display(),
        load_start[0],
        load_start[1],
        load_start[2],
        sys::cpus()
    );

    let mut params = Params {
        replay_events: if quick { 3_000 } else { 100_000 },
        replay_bytes: 0,
        template: BTreeMap::new(),
        template_mean_bytes: 0.0,
        throughput_rounds: if quick { 1 } else { 5 },
        calls: if quick { 200 } else { 2_000 },
        calls_warmup: if quick { 20 } else { 100 },
        calls_rounds: if quick { 1 } else { 3 },
        latency_streams: if quick {
            vec![1, 10]
        } else {
            vec![1, 100, 1_000]
        },
        // One stream gets more events so its p99 rests on more than a handful of samples.
        latency_events: if quick {
            vec![10, 10]
        } else {
            vec![200, 50, 50]
        },
        latency_interval_us: if quick {
            vec![20_000, 20_000]
        } else {
            vec![20_000, 50_000, 50_000]
        },
        latency_rounds: if quick { vec![1, 1] } else { vec![3, 3, 2] },
        subscribers: if quick { 200 } else { 10_000 },
        subscriber_sessions: if quick { 10 } else { 100 },
        turn_sessions: if quick { 10 } else { 100 },
        turn_rounds: if quick { 1 } else { 3 },
        append_events: if quick { 300 } else { 5_000 },
        append_rounds: if quick { 1 } else { 3 },
        cycle_secs: if quick { 0.5 } else { 1.0 },
        reconnect_events: if quick { 500 } else { 2_500 },
        reconnect_interval_us: 2_000,
        client_events: if quick { 3_000 } else { 100_000 },
        client_bytes: 0,
        client_mean_bytes: 0.0,
        client_deltas: 0,
        client_rounds: if quick { 1 } else { 5 },
    };

    let clients = discover_clients(&args).await;
    for c in &clients {
        match (&c.version, &c.missing) {
            (Some(v), _) => eprintln!("  client {:<16} {v}", c.who.key()),
            (None, Some(m)) => eprintln!("  client {:<16} MISSING: {m}", c.who.key()),
            _ => {}
        }
    }
    let mut ctx = Ctx {
        args,
        tmp: tmp.clone(),
        clients,
        cells: BTreeMap::new(),
        errors: Vec::new(),
        phase_busy: BTreeMap::new(),
    };

    // ------------------------------------------------- phase 0: client-only row (no server code)
    let phase = Phase::start();
    if let Err(e) = client_row::client_only(&mut ctx, &mut params).await {
        ctx.err(Who::Floor, "client-only row", e);
    }
    phase.end(&mut ctx, "client-only row");
    if !ctx.args.client_row_only {
        server_phases(&mut ctx, &mut params, &tmp).await?;
    }
    finish(ctx, params, quick, started, cpu0, load_start)
}

/// Phases 1–3: the server binary, the bench host, the cycling host.
async fn server_phases(
    ctx: &mut Ctx,
    params: &mut Params,
    tmp: &std::path::Path,
) -> Result<(), BoxErr> {
    // ---------------------------------------------------------------- phase 1: the server binary
    let server_bin = ctx.args.server_bin.clone();
    let db1 = format!("sqlite://{}", tmp.join("server.db").display());
    let server = Server::start(
        &server_bin,
        &[
            s("--dev"),
            s("--addr"),
            s("127.0.0.1:0"),
            s("--database-url"),
            db1.clone(),
        ],
        &[("EVERRUNS_LOG", s("warn"))],
        &tmp.join("server.log"),
    )
    .await?;
    let base = format!("{}/api", server.origin);
    eprintln!("phase 1: everruns-server at {}", server.origin);
    let sdk = Everruns::new("dev", base.clone())?;
    let agent = sdk
        .agents()
        .create(
            "bench-agent",
            "You are a research assistant. Save notes in /workspace.",
        )
        .await?;

    let replay_session = seed(&sdk, &db1, &agent.id, params).await?;
    let phase = Phase::start();
    throughput(ctx, &base, &replay_session, params).await;
    phase.end(ctx, "replay throughput");
    let phase = Phase::start();
    let rounds = params.throughput_rounds;
    crate::storebench::replay_raw(ctx, &server.origin, &replay_session, rounds).await;
    phase.end(ctx, "replay raw socket");
    let phase = Phase::start();
    calls(ctx, &base, &agent.id, params).await;
    phase.end(ctx, "call overhead");
    let phase = Phase::start();
    let turn_sessions = match turns(ctx, &sdk, &agent.id, params, "turns_per_sec").await {
        Ok(s) => s,
        Err(e) => {
            ctx.err(Who::Floor, "turns", &e);
            Vec::new()
        }
    };
    phase.end(ctx, "turns");
    let phase = Phase::start();
    if let Err(e) = subscribers(ctx, &server, &turn_sessions, params).await {
        ctx.err(Who::Floor, "subscribers", e);
    }
    phase.end(ctx, "subscribers");
    server.stop().await;

    // -------------------------------------------------------------- phase 2: host, live latency
    let self_exe = std::env::current_exe()?;
    let host = Server::start(
        &self_exe,
        &[
            s("host"),
            s("--database-url"),
            format!("sqlite://{}", tmp.join("host.db").display()),
        ],
        &[],
        &tmp.join("host.log"),
    )
    .await?;
    eprintln!("phase 2: bench host at {}", host.origin);
    let phase = Phase::start();
    if let Err(e) = append_rate(ctx, &host, params).await {
        ctx.err(Who::Floor, "append rate", e);
    }
    crate::storebench::append_rates(ctx, &host.origin, params, "").await;
    phase.end(ctx, "append rate");
    let phase = Phase::start();
    latency(ctx, &host, params).await;
    phase.end(ctx, "live latency");
    host.stop().await;

    // -------------------------------------------------------------- phase 3: reconnect cost
    let host = Server::start(
        &self_exe,
        &[
            s("host"),
            s("--database-url"),
            format!("sqlite://{}", tmp.join("cycle.db").display()),
            s("--cycle-secs"),
            params.cycle_secs.to_string(),
        ],
        &[],
        &tmp.join("cycle.log"),
    )
    .await?;
    eprintln!("phase 3: cycling host at {}", host.origin);
    let phase = Phase::start();
    reconnect(ctx, &host, params).await;
    phase.end(ctx, "reconnect");
    host.stop().await;

    // ---------------------------------------------------- phase 4: PostgreSQL (storebench.rs)
    let phase = Phase::start();
    crate::storebench::postgres(ctx, params, tmp).await;
    phase.end(ctx, "postgres");
    Ok(())
}

/// Machine figures, the report files; returns the markdown.
fn finish(
    mut ctx: Ctx,
    params: Params,
    quick: bool,
    started: Instant,
    cpu0: sys::CpuTimes,
    load_start: [f64; 3],
) -> Result<String, BoxErr> {
    let cpu1 = sys::cpu_times();
    let wall = started.elapsed().as_secs_f64();
    let busy = sys::busy_fraction(cpu0, cpu1);
    let ours = (sys::own_cpu_secs() / (wall * sys::cpus() as f64)).min(1.0);
    let machine = Machine {
        cpu: sys::cpu_model(),
        cpus: sys::cpus(),
        load_start,
        load_end: sys::loadavg(),
        busy,
        ours,
        others: (busy - ours).max(0.0),
        wall_secs: wall,
        phase_busy: std::mem::take(&mut ctx.phase_busy),
    };
    let results = Results {
        quick,
        client_row_only: ctx.args.client_row_only,
        params,
        clients: ctx.clients.clone(),
        cells: std::mem::take(&mut ctx.cells),
        errors: std::mem::take(&mut ctx.errors),
        machine,
    };
    let md = crate::report::markdown(&results);
    let out = &ctx.args.out;
    let stem = if quick { "bench-quick" } else { "bench" };
    std::fs::write(out.join(format!("{stem}.md")), &md)?;
    std::fs::write(
        out.join(format!("{stem}.json")),
        serde_json::to_string_pretty(&results)?,
    )?;
    let png = out.join(format!("{stem}.png"));
    match crate::chart::render(&results, &png) {
        Ok(()) => eprintln!("wrote {}", png.display()),
        Err(e) => eprintln!("no chart: {e}"),
    }
    eprintln!(
        "wrote {} and {}",
        out.join(format!("{stem}.md")).display(),
        out.join(format!("{stem}.json")).display()
    );
    let _ = std::fs::remove_dir_all(&ctx.tmp);
    Ok(md)
}

/// Machine busy fraction over one phase.
struct Phase(sys::CpuTimes);

impl Phase {
    fn start() -> Self {
        Phase(sys::cpu_times())
    }
    fn end(self, ctx: &mut Ctx, name: &str) {
        let b = sys::busy_fraction(self.0, sys::cpu_times());
        ctx.phase_busy.insert(name.to_string(), b);
        eprintln!("  ({name}: machine {:.0}% busy)", b * 100.0);
    }
}

// ------------------------------------------------------------------------------------ clients

async fn discover_clients(args: &RunArgs) -> Vec<ClientInfo> {
    let self_exe = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let py_script = args.clients_dir.join("py_client.py").display().to_string();
    let node_script = args
        .clients_dir
        .join("node_client.mjs")
        .display()
        .to_string();
    let node_pkg = std::fs::canonicalize(&args.node_pkg)
        .unwrap_or_else(|_| args.node_pkg.clone())
        .display()
        .to_string();
    let upstream_rust_version = std::fs::read_to_string(&args.upstream_rust_lock)
        .ok()
        .and_then(|lock| lock_version(&lock, "everruns-sdk"));
    let candidates = vec![
        (
            Who::RustOurs,
            "Rust (ours)",
            ClientCmd {
                program: self_exe,
                prefix: vec![s("client")],
                env: vec![],
            },
        ),
        (
            Who::PyOurs,
            "Python (ours)",
            ClientCmd {
                program: args.py_ours.clone(),
                prefix: vec![py_script.clone()],
                env: vec![(s("EVERRUNS_BENCH_EXPECT"), s("ours"))],
            },
        ),
        (
            Who::NodeOurs,
            "Node (ours)",
            ClientCmd {
                program: args.node.clone(),
                prefix: vec![node_script],
                env: vec![(s("EVERRUNS_BENCH_NODE_PKG"), node_pkg)],
            },
        ),
        (
            Who::PyUpstream,
            "upstream Python",
            ClientCmd {
                program: args.py_upstream.clone(),
                prefix: vec![py_script],
                env: vec![(s("EVERRUNS_BENCH_EXPECT"), s("upstream"))],
            },
        ),
        (
            Who::RustUpstream,
            "upstream Rust",
            ClientCmd {
                program: args.upstream_rust_bin.display().to_string(),
                prefix: vec![],
                env: vec![],
            },
        ),
    ];
    let mut out = Vec::new();
    for (who, label, cmd) in candidates {
        let probe = cmd.run_json(&[s("version")], Duration::from_secs(60)).await;
        match probe {
            Ok(v) => {
                let version = v["version"]
                    .as_str()
                    .map(str::to_string)
                    .or_else(|| upstream_rust_version.clone());
                let label = match (&version, who) {
                    (Some(ver), Who::PyUpstream | Who::RustUpstream) => format!("{label} {ver}"),
                    _ => label.to_string(),
                };
                out.push(ClientInfo {
                    who,
                    label,
                    version,
                    missing: None,
                    cmd: Some(cmd),
                });
            }
            Err(e) => out.push(ClientInfo {
                who,
                label: label.to_string(),
                version: None,
                missing: Some(e),
                cmd: None,
            }),
        }
    }
    out
}

/// The version of `name` in a `Cargo.lock`.
fn lock_version(lock: &str, name: &str) -> Option<String> {
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l.trim() == format!("name = \"{name}\"") {
            let v = lines.next()?.trim();
            return v
                .strip_prefix("version = \"")
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_string);
        }
    }
    None
}

// ------------------------------------------------------------------------------------ seeding

/// Options of `everruns-bench seed` (profiling aid: a long-lived server with a replay session).
#[derive(Debug, clap::Args)]
pub struct SeedArgs {
    /// API base of a running `everruns-server --dev` (e.g. `http://127.0.0.1:8080/api`).
    #[arg(long)]
    pub url: String,
    /// The same server's SQLite URL (events are written with its own `Store::append_events`).
    #[arg(long)]
    pub database_url: String,
    /// Events in the replay session.
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
}

/// Seeds one replay session as `make bench` does and prints its id (plus the stream URL).
pub async fn seed_only(args: SeedArgs) -> Result<String, BoxErr> {
    let sdk = Everruns::new("dev", args.url.clone())?;
    let agent = sdk
        .agents()
        .create("bench-agent", "You are a research assistant.")
        .await?;
    let mut params = Params {
        replay_events: args.events,
        replay_bytes: 0,
        template: BTreeMap::new(),
        template_mean_bytes: 0.0,
        throughput_rounds: 0,
        calls: 0,
        calls_warmup: 0,
        calls_rounds: 0,
        latency_streams: Vec::new(),
        latency_events: Vec::new(),
        latency_interval_us: Vec::new(),
        latency_rounds: Vec::new(),
        subscribers: 0,
        subscriber_sessions: 0,
        turn_sessions: 0,
        turn_rounds: 0,
        append_events: 0,
        append_rounds: 0,
        cycle_secs: 0.0,
        reconnect_events: 0,
        reconnect_interval_us: 0,
        client_events: 0,
        client_bytes: 0,
        client_mean_bytes: 0.0,
        client_deltas: 0,
        client_rounds: 0,
    };
    seed(&sdk, &args.database_url, &agent.id, &mut params).await
}

/// A realistic turn: a short text with a tool call writing a note, then a long answer.
fn template_script() -> LlmSimScript {
    let note: String = (0..30)
        .map(|i| format!("- Finding {i}: durable execution persists each step's result so a crash resumes where it stopped.\n"))
        .collect();
    let answer: String = (0..8)
        .map(|i| format!("Point {i}: a durable engine records every step of a workflow in an append-only log, replays it after a failure, and never runs a completed step twice. "))
        .collect();
    serde_json::from_value(json!({
        "steps": [
            {"text": "Let me collect the main engines and write notes to the workspace first.",
             "tool_calls": [{"name": "write_file",
                             "arguments": {"path": "/workspace/notes.md", "content": note}}]},
            {"text": answer}
        ],
        "on_exhausted": "loop",
        // ~20 ms per word, like a model streaming ~50 tokens/s; the runtime coalesces the
        // words into deltas every 100 ms, as it does with a real provider.
        "chunk_delay_ms": 20
    }))
    .expect("valid llmsim script")
}

/// Runs one real turn, then fills a new session with copies of its events until the session
/// holds `params.replay_events` events. Returns the filled session's id.
async fn seed(
    sdk: &Everruns,
    db_url: &str,
    agent_id: &str,
    params: &mut Params,
) -> Result<String, BoxErr> {
    let t = sdk.sessions().create_for_agent(agent_id).await?;
    sdk.sessions()
        .set_llmsim_script(&t.id, &template_script())
        .await?;
    sdk.messages()
        .create(&t.id, "Research durable execution engines and save notes.")
        .await?;
    let mut s = sdk.events().stream(&t.id, StreamOptions::new());
    let done = tokio::time::timeout(Duration::from_secs(120), async {
        while let Some(ev) = s.next().await {
            let ev = ev?;
            if ev.is_terminal() {
                return Ok::<_, everruns_sdk::Error>(ev.event_type);
            }
        }
        Ok(String::new())
    })
    .await
    .map_err(|_| "template turn did not finish in 120 s")??;
    if done != "turn.completed" {
        return Err(format!("template turn ended with {done:?}").into());
    }
    drop(s);
    let store = Store::open(db_url).await?;
    let template: Vec<_> = store
        .all_events(&t.id)
        .await?
        .into_iter()
        .filter(|e| e.event_type != "session.started")
        .collect();
    if template.is_empty() {
        return Err("template turn has no events".into());
    }
    let mut sizes = 0usize;
    for e in &template {
        *params.template.entry(e.event_type.clone()).or_default() += 1;
        sizes += serde_json::to_string(e)?.len();
    }
    params.template_mean_bytes = sizes as f64 / template.len() as f64;

    let r = sdk.sessions().create_for_agent(agent_id).await?;
    let target = params.replay_events.saturating_sub(1) as usize; // + session.started
    let start = Instant::now();
    let mut batch = Vec::with_capacity(2_000);
    let mut written = 0usize;
    let mut ids: BTreeMap<String, String> = BTreeMap::new();
    while written < target {
        for e in &template {
            if written + batch.len() >= target {
                break;
            }
            if e.event_type == "input.message" {
                ids.clear(); // a new turn: fresh correlation ids
            }
            let mut ctx = e.context.clone();
            for id in [
                &mut ctx.turn_id,
                &mut ctx.exec_id,
                &mut ctx.trace_id,
                &mut ctx.input_message_id,
            ]
            .into_iter()
            .flatten()
            {
                let prefix = id.split('_').next().unwrap_or("").to_string();
                let fresh = ids
                    .entry(id.clone())
                    .or_insert_with(|| {
                        format!(
                            "{prefix}_{}",
                            everruns_sdk::ids::new_id(everruns_sdk::ids::IdKind::Event)
                                .trim_start_matches("event_")
                        )
                    })
                    .clone();
                *id = fresh;
            }
            let mut ne = NewEvent::new(e.event_type.clone(), e.data.clone(), ctx);
            ne.metadata = e.metadata.clone();
            ne.tags = e.tags.clone();
            batch.push(ne);
            if batch.len() == 2_000 {
                written += batch.len();
                store
                    .append_events(&r.id, std::mem::take(&mut batch))
                    .await?;
            }
        }
        if !batch.is_empty() && written + batch.len() >= target {
            written += batch.len();
            store
                .append_events(&r.id, std::mem::take(&mut batch))
                .await?;
        }
    }
    store.close().await;
    eprintln!(
        "  seeded {} events ({} per turn, mean {:.0} B) in {:.1}s",
        written + 1,
        template.len(),
        params.template_mean_bytes,
        start.elapsed().as_secs_f64()
    );
    Ok(r.id)
}

// ------------------------------------------------------------------------------ throughput

async fn throughput(ctx: &mut Ctx, base: &str, session: &str, params: &mut Params) {
    eprintln!("replay throughput: {} events", params.replay_events);
    let count = params.replay_events;
    let url = format!("{base}/v1/sessions/{session}/sse");
    // Calibration pass: how many bytes the server sends up to the last event.
    match curl_read(&ctx.args.curl, &url, Target::Frames(count + 1)).await {
        Ok((bytes, _)) => params.replay_bytes = bytes,
        Err(e) => ctx.err(Who::Floor, "throughput", e),
    }
    let clients = ctx.available();
    let mut values: BTreeMap<Who, Vec<f64>> = BTreeMap::new();
    let mut limit: BTreeMap<Who, usize> = BTreeMap::new();
    let rounds = params.throughput_rounds;
    for round in 0..rounds {
        if params.replay_bytes > 0 {
            match curl_read(&ctx.args.curl, &url, Target::Bytes(params.replay_bytes)).await {
                Ok((_, secs)) => values
                    .entry(Who::Floor)
                    .or_default()
                    .push(count as f64 / secs),
                Err(e) => ctx.err(Who::Floor, "throughput", e),
            }
        }
        for (who, cmd) in &clients {
            if round >= *limit.get(who).unwrap_or(&rounds) {
                continue;
            }
            let args = vec![
                s("stream"),
                s("--url"),
                base.to_string(),
                s("--session"),
                session.to_string(),
                s("--count"),
                count.to_string(),
            ];
            match cmd.run_json(&args, Duration::from_secs(600)).await {
                Ok(v) => {
                    let n = v["events"].as_u64().unwrap_or(0);
                    let secs = v["secs"].as_f64().unwrap_or(f64::NAN);
                    if n != count {
                        ctx.err(*who, "throughput", format!("got {n} of {count} events"));
                        limit.insert(*who, 0);
                        continue;
                    }
                    // A client slower than 10 s a run gets 3 rounds, not more.
                    if round == 0 && secs > 10.0 {
                        limit.insert(*who, rounds.min(3));
                    }
                    values.entry(*who).or_default().push(count as f64 / secs);
                }
                Err(e) => {
                    ctx.err(*who, "throughput", e);
                    limit.insert(*who, 0);
                }
            }
        }
        eprintln!("  round {} done", round + 1);
    }
    for (who, v) in values {
        ctx.put("throughput", who, &v, None);
    }
}

enum Target {
    /// Stop after this many `\n\n`-terminated frames (calibration: counts frame ends only).
    Frames(u64),
    /// Stop after this many bytes (timed runs: no look at the bytes at all).
    Bytes(u64),
}

/// Runs `curl -sN URL` and reads its stdout until the target; returns (bytes, seconds from
/// spawning curl to the last byte needed). Runs on a blocking thread.
async fn curl_read(curl: &str, url: &str, target: Target) -> Result<(u64, f64), String> {
    let (curl, url) = (curl.to_string(), url.to_string());
    tokio::task::spawn_blocking(move || curl_read_blocking(&curl, &url, target))
        .await
        .map_err(|e| e.to_string())?
}

fn curl_read_blocking(curl: &str, url: &str, target: Target) -> Result<(u64, f64), String> {
    use std::io::Read;
    let start = Instant::now();
    let mut child = std::process::Command::new(curl)
        .args([
            "-sN",
            "--max-time",
            "300",
            "-H",
            "Authorization: Bearer dev",
            "-H",
            "Accept: text/event-stream",
            url,
        ])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start {curl}: {e}"))?;
    let mut out = child.stdout.take().expect("piped");
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    let mut frames = 0u64;
    let mut prev_nl = false;
    let result = loop {
        let n = match out.read(&mut buf) {
            Ok(0) => break Err(format!("curl ended after {total} bytes")),
            Ok(n) => n,
            Err(e) => break Err(e.to_string()),
        };
        match target {
            Target::Bytes(b) => {
                total += n as u64;
                if total >= b {
                    break Ok((b, start.elapsed().as_secs_f64()));
                }
            }
            Target::Frames(f) => {
                let mut hit = None;
                for (i, &c) in buf[..n].iter().enumerate() {
                    if c == b'\n' {
                        if prev_nl {
                            frames += 1;
                            if frames == f {
                                hit = Some(total + i as u64 + 1);
                                break;
                            }
                        }
                        prev_nl = true;
                    } else {
                        prev_nl = false;
                    }
                }
                if let Some(bytes) = hit {
                    break Ok((bytes, start.elapsed().as_secs_f64()));
                }
                total += n as u64;
            }
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    result
}

// ------------------------------------------------------------------------------ call overhead

async fn calls(ctx: &mut Ctx, base: &str, agent_id: &str, params: &Params) {
    eprintln!("call overhead: {} × agents.get", params.calls);
    let clients = ctx.available();
    let mut values: BTreeMap<Who, Vec<f64>> = BTreeMap::new();
    let mut failed: Vec<Who> = Vec::new();
    for _ in 0..params.calls_rounds {
        for (who, cmd) in &clients {
            if failed.contains(who) {
                continue;
            }
            let args = vec![
                s("calls"),
                s("--url"),
                base.to_string(),
                s("--agent"),
                agent_id.to_string(),
                s("--count"),
                params.calls.to_string(),
                s("--warmup"),
                params.calls_warmup.to_string(),
            ];
            match cmd.run_json(&args, Duration::from_secs(300)).await {
                Ok(v) => {
                    let mut us: Vec<f64> = v["us"]
                        .as_array()
                        .map(|a| a.iter().filter_map(Value::as_f64).collect())
                        .unwrap_or_default();
                    if us.len() != params.calls {
                        ctx.err(
                            *who,
                            "calls",
                            format!("{} of {} timings", us.len(), params.calls),
                        );
                        failed.push(*who);
                        continue;
                    }
                    us.sort_by(|a, b| a.total_cmp(b));
                    values
                        .entry(*who)
                        .or_default()
                        .push(percentile_sorted(&us, 50.0));
                }
                Err(e) => {
                    ctx.err(*who, "calls", e);
                    failed.push(*who);
                }
            }
        }
    }
    for (who, v) in values {
        ctx.put("calls_us", who, &v, None);
    }
}

// ------------------------------------------------------------------------------ server: turns

/// llmsim turns per second. Returns the sessions it created (reused by the subscriber test).
pub(crate) async fn turns(
    ctx: &mut Ctx,
    sdk: &Everruns,
    agent_id: &str,
    params: &Params,
    metric: &str,
) -> Result<Vec<String>, String> {
    eprintln!(
        "turns: {} sessions × {} rounds",
        params.turn_sessions, params.turn_rounds
    );
    let script: LlmSimScript =
        serde_json::from_value(json!({"steps": [{"text": "Done."}]})).expect("valid script");
    let mut sessions = Vec::new();
    for _ in 0..params.turn_sessions.max(params.subscriber_sessions) {
        let s = sdk
            .sessions()
            .create_for_agent(agent_id)
            .await
            .map_err(|e| e.to_string())?;
        sdk.sessions()
            .set_llmsim_script(&s.id, &script)
            .await
            .map_err(|e| e.to_string())?;
        sessions.push(s.id);
    }
    let mut rates = Vec::new();
    for _ in 0..params.turn_rounds {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for id in sessions.iter().take(params.turn_sessions) {
            let sdk = sdk.clone();
            let id = id.clone();
            tasks.push(tokio::spawn(async move {
                sdk.messages().create(&id, "ping").await?;
                // The default cursor starts at the turn just created (docs/decisions.md#4).
                let mut st = sdk.events().stream(
                    &id,
                    StreamOptions::new().types(["turn.completed", "turn.failed"]),
                );
                while let Some(ev) = st.next().await {
                    let ev = ev?;
                    if ev.is_terminal() {
                        return Ok::<_, everruns_sdk::Error>(ev.event_type == "turn.completed");
                    }
                }
                Ok(false)
            }));
        }
        let mut ok = 0usize;
        for t in tasks {
            if let Ok(Ok(true)) = tokio::time::timeout(Duration::from_secs(300), t)
                .await
                .map_err(|_| ())
                .and_then(|r| r.map_err(|_| ()))
            {
                ok += 1;
            }
        }
        let secs = start.elapsed().as_secs_f64();
        if ok != params.turn_sessions {
            return Err(format!("{ok} of {} turns completed", params.turn_sessions));
        }
        rates.push(ok as f64 / secs);
    }
    ctx.put(metric, Who::Floor, &rates, None);
    Ok(sessions)
}

// ------------------------------------------------------------------------ server: subscribers

async fn subscribers(
    ctx: &mut Ctx,
    server: &Server,
    sessions: &[String],
    params: &Params,
) -> Result<(), String> {
    if sessions.is_empty() {
        return Err("no sessions".into());
    }
    let n = params.subscribers;
    eprintln!(
        "subscribers: {n} SSE connections over {} sessions",
        sessions.len().min(params.subscriber_sessions)
    );
    let addr = server
        .origin
        .strip_prefix("http://")
        .unwrap_or(&server.origin)
        .to_string();
    tokio::time::sleep(Duration::from_millis(500)).await;
    let base_rss = sys::rss_bytes(server.pid).ok_or("no RSS")?;
    let steps = 4usize;
    let mut held: Vec<tokio::net::TcpStream> = Vec::with_capacity(n);
    let mut per_sub = Vec::new();
    let start = Instant::now();
    let sem = Arc::new(tokio::sync::Semaphore::new(128));
    for step in 1..=steps {
        let upto = n * step / steps;
        let mut tasks = Vec::new();
        for i in held.len()..upto {
            let sid = sessions[i % sessions.len().min(params.subscriber_sessions)].clone();
            let addr = addr.clone();
            let sem = sem.clone();
            tasks.push(tokio::spawn(async move {
                let _p = sem.acquire_owned().await.map_err(|e| e.to_string())?;
                open_subscriber(&addr, &sid).await
            }));
        }
        for t in tasks {
            held.push(t.await.map_err(|e| e.to_string())??);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
        let rss = sys::rss_bytes(server.pid).ok_or("no RSS")?;
        per_sub.push(rss.saturating_sub(base_rss) as f64 / held.len() as f64 / 1024.0);
        eprintln!(
            "  {} held, server RSS {:.1} MiB (+{:.1} KiB each)",
            held.len(),
            rss as f64 / 1048576.0,
            per_sub.last().unwrap()
        );
    }
    let open_secs = start.elapsed().as_secs_f64();
    ctx.put("subscribers_held", Who::Floor, &[held.len() as f64], None);
    ctx.put("subscriber_kib", Who::Floor, &per_sub, None);
    ctx.put(
        "subscribers_open_per_sec",
        Who::Floor,
        &[held.len() as f64 / open_secs],
        None,
    );
    drop(held);
    Ok(())
}

/// Opens one raw SSE connection and waits for its `connected` frame.
async fn open_subscriber(addr: &str, session: &str) -> Result<tokio::net::TcpStream, String> {
    let mut sock = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| format!("connect: {e}"))?;
    let req = format!(
        "GET /api/v1/sessions/{session}/sse?types=turn.completed HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer dev\r\nAccept: text/event-stream\r\n\r\n"
    );
    sock.write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            let n = sock.read(&mut chunk).await.map_err(|e| e.to_string())?;
            if n == 0 {
                return Err("closed before `connected`".to_string());
            }
            buf.extend_from_slice(&chunk[..n]);
            if buf.windows(9).any(|w| w == b"connected") {
                return Ok(());
            }
        }
    })
    .await
    .map_err(|_| "no `connected` within 60 s".to_string())??;
    Ok(sock)
}

// ------------------------------------------------------------------------- host: append rate

pub(crate) async fn host_append(
    http: &reqwest::Client,
    origin: &str,
    session: &str,
    count: u64,
    interval_us: u64,
    start_k: i64,
) -> Result<f64, String> {
    let r = http
        .post(format!("{origin}/bench/append"))
        .json(&json!({"session_id": session, "count": count, "interval_us": interval_us, "start_k": start_k}))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if !r.status().is_success() {
        return Err(format!("append: {}", r.text().await.unwrap_or_default()));
    }
    let v: Value = r.json().await.map_err(|e| e.to_string())?;
    Ok(v["secs"].as_f64().unwrap_or(f64::NAN))
}

/// A fresh session on the host and the id of its first event (the stream cursor).
pub(crate) async fn host_session(
    sdk: &Everruns,
    agent_id: &str,
) -> Result<(String, String), String> {
    let s = sdk
        .sessions()
        .create_for_agent(agent_id)
        .await
        .map_err(|e| e.to_string())?;
    let evs = sdk
        .events()
        .list(&s.id, Default::default())
        .await
        .map_err(|e| e.to_string())?;
    let first = evs.first().ok_or("session without events")?.id.clone();
    Ok((s.id, first))
}

async fn append_rate(ctx: &mut Ctx, host: &Server, params: &Params) -> Result<(), String> {
    eprintln!(
        "append rate: {} events × {} rounds",
        params.append_events, params.append_rounds
    );
    let sdk = Everruns::new("dev", format!("{}/api", host.origin)).map_err(|e| e.to_string())?;
    let agent = sdk
        .agents()
        .create("bench-append", "Appends.")
        .await
        .map_err(|e| e.to_string())?;
    let http = reqwest::Client::new();
    let mut rates = Vec::new();
    for _ in 0..params.append_rounds {
        let (sid, _) = host_session(&sdk, &agent.id).await?;
        let secs = host_append(&http, &host.origin, &sid, params.append_events, 0, 0).await?;
        rates.push(params.append_events as f64 / secs);
    }
    ctx.put("appends_per_sec", Who::Floor, &rates, None);
    Ok(())
}

// ------------------------------------------------------------------------- host: live latency

/// One latency run: returns the client's `(k, µs)` samples.
#[allow(clippy::too_many_arguments)]
async fn latency_run(
    cmd: &ClientCmd,
    sdk: &Everruns,
    http: &reqwest::Client,
    origin: &str,
    agent_id: &str,
    streams: usize,
    count: i64,
    interval_us: u64,
) -> Result<Vec<(i64, f64)>, String> {
    let (sid, since) = host_session(sdk, agent_id).await?;
    let args = vec![
        s("latency"),
        s("--url"),
        format!("{origin}/api"),
        s("--session"),
        sid.clone(),
        s("--since"),
        since,
        s("--streams"),
        streams.to_string(),
        s("--count"),
        count.to_string(),
    ];
    let mut child = cmd.spawn(&args)?;
    // Warm-up events (bench_k = -1) every 200 ms until every stream has one.
    let ready = {
        let warm = async {
            loop {
                host_append(http, origin, &sid, 1, 0, -1).await?;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            #[allow(unreachable_code)]
            Ok::<(), String>(())
        };
        let wait_ready = async {
            while let Some(line) = child.next_line().await {
                if line == "ready" {
                    return true;
                }
            }
            false
        };
        tokio::select! {
            r = wait_ready => r,
            r = warm => { r?; false }
            _ = tokio::time::sleep(Duration::from_secs(180)) => false,
        }
    };
    if !ready {
        return Err(format!(
            "streams never became ready: {}",
            child.abort().await
        ));
    }
    host_append(http, origin, &sid, count as u64, interval_us, 0).await?;
    let v = child.finish(Duration::from_secs(300)).await?;
    let samples: Vec<(i64, f64)> = v["samples"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|p| Some((p.get(0)?.as_i64()?, p.get(1)?.as_f64()?)))
                .collect()
        })
        .unwrap_or_default();
    let expected = streams * count as usize;
    if samples.len() != expected {
        return Err(format!("{} of {expected} samples", samples.len()));
    }
    Ok(samples)
}

async fn latency(ctx: &mut Ctx, host: &Server, params: &Params) {
    let sdk = match Everruns::new("dev", format!("{}/api", host.origin)) {
        Ok(s) => s,
        Err(e) => return ctx.err(Who::Floor, "latency", e),
    };
    let agent = match sdk.agents().create("bench-latency", "Streams.").await {
        Ok(a) => a,
        Err(e) => return ctx.err(Who::Floor, "latency", e),
    };
    let http = reqwest::Client::new();
    let clients = ctx.available();
    for (i, &streams) in params.latency_streams.iter().enumerate() {
        let rounds = params.latency_rounds.get(i).copied().unwrap_or(1);
        let events = params.latency_events.get(i).copied().unwrap_or(50);
        let interval_us = params.latency_interval_us.get(i).copied().unwrap_or(50_000);
        eprintln!(
            "live latency: {streams} streams, {} events {} ms apart, {rounds} rounds",
            events,
            interval_us / 1000
        );
        let mut p50: BTreeMap<Who, Vec<f64>> = BTreeMap::new();
        let mut p99: BTreeMap<Who, Vec<f64>> = BTreeMap::new();
        let mut failed: Vec<Who> = Vec::new();
        for _ in 0..rounds {
            for (who, cmd) in &clients {
                if failed.contains(who) {
                    continue;
                }
                match latency_run(
                    cmd,
                    &sdk,
                    &http,
                    &host.origin,
                    &agent.id,
                    streams,
                    events,
                    interval_us,
                )
                .await
                {
                    Ok(samples) => {
                        let mut us: Vec<f64> = samples.iter().map(|p| p.1).collect();
                        us.sort_by(|a, b| a.total_cmp(b));
                        p50.entry(*who)
                            .or_default()
                            .push(percentile_sorted(&us, 50.0) / 1000.0);
                        p99.entry(*who)
                            .or_default()
                            .push(percentile_sorted(&us, 99.0) / 1000.0);
                    }
                    Err(e) => {
                        ctx.err(*who, &format!("latency ×{streams}"), e);
                        failed.push(*who);
                    }
                }
            }
        }
        for (who, v) in p50 {
            ctx.put(&format!("lat_p50_ms_{streams}"), who, &v, None);
        }
        for (who, v) in p99 {
            ctx.put(&format!("lat_p99_ms_{streams}"), who, &v, None);
        }
    }
}

// ---------------------------------------------------------------------------- host: reconnect

/// Reconnect costs seen in one run: for every run of consecutive events whose latency is over
/// the run's median + 50 ms (the events appended while the connection was being cycled), the
/// largest latency — the wait of the event appended right after the server closed the stream.
fn reconnect_gaps(samples: &[(i64, f64)]) -> Vec<f64> {
    let mut v = samples.to_vec();
    v.sort_by_key(|p| p.0);
    let mut lat: Vec<f64> = v.iter().map(|p| p.1).collect();
    lat.sort_by(|a, b| a.total_cmp(b));
    if lat.is_empty() {
        return Vec::new();
    }
    let threshold = percentile_sorted(&lat, 50.0) + 50_000.0;
    let mut gaps = Vec::new();
    let mut peak: Option<f64> = None;
    for (_, us) in &v {
        if *us > threshold {
            peak = Some(peak.map_or(*us, |p: f64| p.max(*us)));
        } else if let Some(p) = peak.take() {
            gaps.push(p / 1000.0);
        }
    }
    if let Some(p) = peak {
        gaps.push(p / 1000.0);
    }
    gaps
}

async fn reconnect(ctx: &mut Ctx, host: &Server, params: &Params) {
    eprintln!(
        "reconnect: connections cycle every {} s; {} events {} ms apart",
        params.cycle_secs,
        params.reconnect_events,
        params.reconnect_interval_us as f64 / 1000.0
    );
    let sdk = match Everruns::new("dev", format!("{}/api", host.origin)) {
        Ok(s) => s,
        Err(e) => return ctx.err(Who::Floor, "reconnect", e),
    };
    let agent = match sdk.agents().create("bench-cycle", "Streams.").await {
        Ok(a) => a,
        Err(e) => return ctx.err(Who::Floor, "reconnect", e),
    };
    let http = reqwest::Client::new();
    for (who, cmd) in ctx.available() {
        match latency_run(
            &cmd,
            &sdk,
            &http,
            &host.origin,
            &agent.id,
            1,
            params.reconnect_events,
            params.reconnect_interval_us,
        )
        .await
        {
            Ok(samples) => {
                let gaps = reconnect_gaps(&samples);
                if gaps.is_empty() {
                    ctx.err(who, "reconnect", "no reconnect seen in the run");
                } else {
                    ctx.put("reconnect_ms", who, &gaps, None);
                }
            }
            Err(e) => ctx.err(who, "reconnect", e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps_are_peaks_of_slow_runs() {
        let mut s: Vec<(i64, f64)> = (0..100).map(|k| (k, 1_000.0)).collect();
        s[10].1 = 120_000.0;
        s[11].1 = 118_000.0;
        s[50].1 = 130_000.0;
        let g = reconnect_gaps(&s);
        assert_eq!(g, vec![120.0, 130.0]);
        assert!(reconnect_gaps(&[]).is_empty());
    }

    #[test]
    fn lock_versions() {
        let lock = "[[package]]\nname = \"everruns-sdk\"\nversion = \"0.3.1\"\n";
        assert_eq!(lock_version(lock, "everruns-sdk").as_deref(), Some("0.3.1"));
        assert_eq!(lock_version(lock, "other"), None);
    }
}
