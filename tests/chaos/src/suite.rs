//! The stream chaos suite: every SDK follows one long scripted turn through its own
//! fault-injecting proxy while the server is restarted, and must deliver the session's stored
//! events exactly once, in order, ending on the turn's terminal event.
//!
//! One run ([`run`]):
//!
//! 1. starts the reference server (`--dev`, SQLite in a temporary directory) with short SSE
//!    heartbeats (so a small liveness timeout never fires on a healthy connection) and a short
//!    connection cycle (so graceful `disconnecting` reconnects happen too);
//! 2. creates an agent with `test_math` and `session_file_system`, a session, and an `llmsim`
//!    script whose replies stream text (`chunk_delay_ms`, many `output.message.delta`) and make
//!    large batches of real tool calls (`add`, `divide` by zero → error results, `write_file` →
//!    `file.written`), so one turn stores tens of thousands of events;
//! 3. starts one [`ChaosProxy`] per SDK (own seed) and the SDK clients — Rust in-process,
//!    Python and Node as child processes (`clients/chaos_client.{py,mjs}`) printing JSON lines —
//!    all streaming the session from the beginning with a small liveness timeout;
//! 4. posts the user message, then restarts the server on the same port and database while
//!    the turn runs (SIGTERM, then SIGKILL by default);
//! 5. when the turn has ended and every client has seen its terminal event, compares each
//!    client's ids with `GET /events` (the stored log up to the terminal event) and lines up
//!    the proxy's fault log with the client's receive times to measure recovery.
//!
//! Two times are measured per fault, both from the proxy's timestamp of the fault:
//!
//! * **reconnect** — to the client's next connection attempt through that proxy (detection by
//!   the liveness timer + backoff). For every stall it must stay within the liveness timeout
//!   (which also bounds the wait for a response head) plus the backoff cap plus a generous
//!   slack (plus any server downtime in between) — far below the proxy's hold time and the
//!   stream connect timeout, so only the client's liveness timer can have rescued it;
//! * **recovery** — to the first event the client received after that attempt (so over a new
//!   connection); when that event was stored by the server only after the client had already
//!   reconnected (nothing was pending), the reconnect time is used instead. Reported (max, median), not bounded: it includes
//!   transferring the next event, which at the end of a long turn is many megabytes.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;
use serde_json::{json, Value};
use tokio::io::AsyncBufReadExt;

use crate::{unix_ms, ChaosConfig, ChaosProxy, LogEntry, LogKind};

/// Event types that end a turn.
pub const TERMINAL_TYPES: [&str; 4] = [
    "turn.completed",
    "turn.failed",
    "turn.cancelled",
    "turn.sealed",
];

/// True for a turn-ending event type.
pub fn is_terminal(event_type: &str) -> bool {
    TERMINAL_TYPES.contains(&event_type)
}

/// An SDK under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// The Rust SDK (`everruns-sdk`), driven in-process.
    Rust,
    /// The Python package (`everruns_sdk`), `clients/chaos_client.py`.
    Python,
    /// The Node package (`@everruns/sdk`), `clients/chaos_client.mjs`.
    Node,
}

impl Lang {
    /// Every language, in table order.
    pub const ALL: [Lang; 3] = [Lang::Rust, Lang::Python, Lang::Node];

    /// Lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Lang::Rust => "rust",
            Lang::Python => "python",
            Lang::Node => "node",
        }
    }

    /// Parses `rust`, `python` or `node`.
    pub fn parse(s: &str) -> Result<Lang, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "rust" | "rs" => Ok(Lang::Rust),
            "python" | "py" => Ok(Lang::Python),
            "node" | "js" | "ts" | "typescript" => Ok(Lang::Node),
            other => Err(format!(
                "unknown language {other:?} (expected rust, python or node)"
            )),
        }
    }

    /// Parses a comma-separated list (`rust,python,node`).
    pub fn parse_list(s: &str) -> Result<Vec<Lang>, String> {
        let mut out = Vec::new();
        for part in s.split(',').filter(|p| !p.trim().is_empty()) {
            let l = Lang::parse(part)?;
            if !out.contains(&l) {
                out.push(l);
            }
        }
        if out.is_empty() {
            return Err("no language given".into());
        }
        Ok(out)
    }
}

/// How the server is taken down for a restart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Restart {
    /// SIGTERM: graceful shutdown (`disconnecting` with reason `server_shutdown`).
    Graceful,
    /// SIGKILL: a crash; the turn is resumed from its events on start.
    Crash,
}

/// A schedule: the scripted turn, the faults, the restarts and the client settings.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Name shown in the report.
    pub name: String,
    /// Tool calls of each tool-calling model reply (one act step each); a final text-only
    /// reply follows.
    pub batches: Vec<usize>,
    /// Words of text streamed by every model reply.
    pub words_per_reply: usize,
    /// Delay between streamed text chunks (`chunk_delay_ms` of the script).
    pub chunk_delay_ms: u64,
    /// Server restarts, each when the session's stored events reach this fraction of the
    /// expected count.
    pub restarts: Vec<(f64, Restart)>,
    /// Fault schedule; each language's proxy uses `seed + index`.
    pub chaos: ChaosConfig,
    /// The SDKs' liveness timeout.
    pub liveness: Duration,
    /// The SDKs' stream connect timeout (time allowed for a response head). Left at the SDK
    /// default (30 s), above the stall bound: a pooled connection reused after a graceful
    /// cycle that goes silent before its head must be caught by the liveness timeout.
    pub connect_timeout: Duration,
    /// The SDKs' first reconnect delay.
    pub initial_backoff: Duration,
    /// The SDKs' reconnect delay cap.
    pub max_backoff: Duration,
    /// Server SSE heartbeat interval (seconds).
    pub heartbeat_secs: f64,
    /// Server SSE connection cycle (seconds).
    pub cycle_secs: f64,
    /// Give up after this long.
    pub deadline: Duration,
    /// Allowance on top of liveness + backoff cap for a stall's recovery (loaded machines).
    pub recovery_slack: Duration,
    /// Minimum faults per language (resets, stalls) for the run to count.
    pub min_faults: (u64, u64),
}

impl Plan {
    /// The schedule `make test` runs: about 8k events, a few faults per SDK, two restarts.
    pub fn short() -> Plan {
        Plan {
            name: "short".into(),
            batches: vec![1200, 2400],
            words_per_reply: 240,
            chunk_delay_ms: 20,
            restarts: vec![(0.3, Restart::Graceful), (0.65, Restart::Crash)],
            chaos: ChaosConfig {
                seed: 20_240_801,
                reset: 0.02,
                stall: 0.02,
                delay: 0.05,
                max_delay: Duration::from_millis(30),
                split: 0.1,
                stall_hold: Duration::from_secs(120),
                grace_bytes: 256,
                all_traffic: false,
                fault_gap: Duration::from_secs(4),
            },
            liveness: Duration::from_millis(1500),
            connect_timeout: Duration::from_secs(30),
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(1),
            heartbeat_secs: 0.5,
            cycle_secs: 6.0,
            deadline: Duration::from_secs(900),
            recovery_slack: Duration::from_secs(10),
            min_faults: (1, 1),
        }
    }

    /// The schedule `make chaos` runs: 50k+ events, many faults, two restarts.
    pub fn long() -> Plan {
        let short = Plan::short();
        Plan {
            name: "long".into(),
            batches: vec![8000, 8000, 8000],
            words_per_reply: 600,
            restarts: vec![(0.35, Restart::Graceful), (0.7, Restart::Crash)],
            chaos: ChaosConfig {
                seed: 7_777,
                reset: 0.03,
                stall: 0.03,
                fault_gap: Duration::from_secs(3),
                ..short.chaos.clone()
            },
            deadline: Duration::from_secs(3600),
            min_faults: (5, 5),
            ..short
        }
    }

    /// Events one tool call stores: `tool.started`, `tool.completed`, and `file.written` for
    /// `write_file`.
    fn tool_events(batch: usize) -> usize {
        (0..batch).map(|k| 2 + usize::from(tool_kind(k) == 0)).sum()
    }

    /// About how many events the turn stores (the delta count depends on timing).
    pub fn expected_events(&self) -> usize {
        let replies = self.batches.len() + 1;
        let secs_per_reply = self.words_per_reply as f64 * self.chunk_delay_ms as f64 / 1000.0;
        let deltas = (secs_per_reply * 10.0) as usize + 1;
        // session.started, input.message, turn.started, session.activated
        // + per reply: reason.started, output.message.started, llm.generation,
        //   output.message.completed, reason.completed, deltas
        // + per batch: act.started, act.completed, tool events
        // + turn.completed, session.idled
        4 + replies * (5 + deltas)
            + self
                .batches
                .iter()
                .map(|b| 2 + Self::tool_events(*b))
                .sum::<usize>()
            + 2
    }

    /// The `llmsim` script of the turn.
    pub fn script(&self) -> Value {
        let text = |reply: usize| -> String {
            (0..self.words_per_reply)
                .map(|w| format!("r{reply}w{w}"))
                .collect::<Vec<_>>()
                .join(" ")
        };
        let mut steps: Vec<Value> = self
            .batches
            .iter()
            .enumerate()
            .map(|(i, n)| {
                let calls: Vec<Value> = (0..*n).map(|k| tool_call(i, k)).collect();
                json!({"text": text(i), "tool_calls": calls})
            })
            .collect();
        steps.push(json!({"text": text(self.batches.len())}));
        json!({"steps": steps, "chunk_delay_ms": self.chunk_delay_ms, "on_exhausted": "fixed"})
    }
}

/// 0 = write_file, 1 = divide by zero (an error result), otherwise add.
fn tool_kind(k: usize) -> usize {
    match k % 10 {
        0 => 0,
        5 => 1,
        _ => 2,
    }
}

fn tool_call(batch: usize, k: usize) -> Value {
    match tool_kind(k) {
        0 => json!({"name": "write_file", "arguments": {
            "path": format!("/chaos/b{batch}/f{k}.txt"),
            "content": format!("batch {batch} call {k}\n"),
        }}),
        1 => json!({"name": "divide", "arguments": {"a": k, "b": 0}}),
        _ => json!({"name": "add", "arguments": {"a": batch, "b": k}}),
    }
}

/// Where the suite finds its programs.
#[derive(Debug, Clone)]
pub struct Tools {
    /// The `everruns-server` binary.
    pub server_bin: PathBuf,
    /// Python interpreter with `everruns_sdk` installed (for [`Lang::Python`]).
    pub python: PathBuf,
    /// `node` (for [`Lang::Node`]).
    pub node: PathBuf,
    /// The repository root (clients live in `tests/chaos/clients/`).
    pub repo: PathBuf,
}

impl Tools {
    /// Finds everything: `EVERRUNS_SERVER_BIN`, else `everruns-server` next to the running
    /// executable's target directory, else built with `cargo build -p everruns-server`;
    /// `CHAOS_PYTHON` (default `<repo>/.venv/bin/python`); `CHAOS_NODE` (default `node`).
    pub fn locate() -> Result<Tools, String> {
        let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .canonicalize()
            .map_err(|e| format!("repository root: {e}"))?;
        let server_bin = match std::env::var_os("EVERRUNS_SERVER_BIN") {
            Some(p) => PathBuf::from(p),
            None => find_or_build_server(&repo)?,
        };
        if !server_bin.is_file() {
            return Err(format!(
                "server binary {} does not exist",
                server_bin.display()
            ));
        }
        let python = std::env::var_os("CHAOS_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|| repo.join(".venv/bin/python"));
        let node = std::env::var_os("CHAOS_NODE")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from("node"));
        Ok(Tools {
            server_bin,
            python,
            node,
            repo,
        })
    }
}

/// The target directory the running executable lives in (`…/target`), if recognisable.
fn target_dir_of_exe() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let mut dir = exe.parent()?.to_path_buf();
    if dir.ends_with("deps") {
        dir.pop();
    }
    // dir = …/target/<profile>
    dir.parent().map(Path::to_path_buf)
}

fn find_or_build_server(repo: &Path) -> Result<PathBuf, String> {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .or_else(target_dir_of_exe)
        .unwrap_or_else(|| repo.join("target"));
    let bin = target.join("debug/everruns-server");
    if bin.is_file() {
        return Ok(bin);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    eprintln!(
        "[chaos] building everruns-server into {} ...",
        target.display()
    );
    let st = std::process::Command::new(cargo)
        .args(["build", "-q", "-p", "everruns-server"])
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(repo)
        .status()
        .map_err(|e| format!("running cargo build: {e}"))?;
    if !st.success() || !bin.is_file() {
        return Err(format!("cargo build -p everruns-server failed ({st})"));
    }
    Ok(bin)
}

/// How long a SIGTERM'd server may take to exit before it is killed.
pub const GRACEFUL_WAIT: Duration = Duration::from_secs(15);

/// A reference server process restartable on the same address and database.
pub struct ServerProc {
    child: Option<std::process::Child>,
    /// The address it listens on (fixed after the first start).
    pub addr: SocketAddr,
    bin: PathBuf,
    dir: PathBuf,
    env: Vec<(String, String)>,
    starts: u32,
}

impl ServerProc {
    /// Starts the server with its database in `dir` on a free port.
    pub fn start(bin: &Path, dir: &Path, env: Vec<(String, String)>) -> Result<ServerProc, String> {
        let mut s = ServerProc {
            child: None,
            addr: "127.0.0.1:0".parse().expect("literal address"),
            bin: bin.to_path_buf(),
            dir: dir.to_path_buf(),
            env,
            starts: 0,
        };
        s.spawn()?;
        Ok(s)
    }

    fn spawn(&mut self) -> Result<(), String> {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("server.log"))
            .map_err(|e| format!("server log: {e}"))?;
        let mut cmd = std::process::Command::new(&self.bin);
        cmd.arg("--dev")
            .arg("--addr")
            .arg(self.addr.to_string())
            .arg("--database-url")
            .arg(format!("sqlite://{}/everruns.db", self.dir.display()))
            .env("EVERRUNS_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::from(log));
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("spawn {}: {e}", self.bin.display()))?;
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            let mut line = String::new();
            let _ = r.read_line(&mut line);
            let _ = tx.send(line);
            let mut sink = String::new();
            while r.read_line(&mut sink).unwrap_or(0) > 0 {
                sink.clear();
            }
        });
        let line = match rx.recv_timeout(Duration::from_secs(180)) {
            Ok(l) => l,
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err("the server did not print its address within 180 s".into());
            }
        };
        let Some(origin) = line.trim().strip_prefix("listening on http://") else {
            let _ = child.kill();
            let status = child.wait().ok();
            return Err(format!(
                "server start failed (first line {line:?}, exit {status:?}); see {}",
                self.dir.join("server.log").display()
            ));
        };
        self.addr = origin
            .parse()
            .map_err(|e| format!("server address {origin:?}: {e}"))?;
        self.child = Some(child);
        self.starts += 1;
        Ok(())
    }

    /// Takes the server down and waits for the process to exit. A SIGTERM that does not end
    /// the process within `GRACEFUL_WAIT` is followed by SIGKILL; returns true in that case
    /// (see finding 3 in `/work/coord/chaos-findings.md`: a subscriber whose socket is full
    /// blocks graceful shutdown).
    pub fn stop(&mut self, how: Restart) -> Result<bool, String> {
        let Some(mut c) = self.child.take() else {
            return Ok(false);
        };
        match how {
            Restart::Crash => {
                let _ = c.kill();
            }
            Restart::Graceful => {
                let _ = std::process::Command::new("kill")
                    .arg("-TERM")
                    .arg(c.id().to_string())
                    .status();
            }
        }
        let t0 = Instant::now();
        let mut forced = false;
        loop {
            match c.try_wait() {
                Ok(Some(_)) => return Ok(forced),
                Ok(None) if t0.elapsed() < GRACEFUL_WAIT || forced => {
                    if t0.elapsed() > GRACEFUL_WAIT + Duration::from_secs(60) {
                        return Err("the server did not exit even after SIGKILL".into());
                    }
                    std::thread::sleep(Duration::from_millis(20))
                }
                Ok(None) => {
                    forced = true;
                    let _ = c.kill();
                }
                Err(e) => return Err(format!("waiting for the server: {e}")),
            }
        }
    }

    /// Starts it again on the same address and database (retrying while the port is busy).
    pub fn start_again(&mut self) -> Result<(), String> {
        let mut last = String::new();
        for _ in 0..20 {
            match self.spawn() {
                Ok(()) => return Ok(()),
                Err(e) => {
                    last = e;
                    std::thread::sleep(Duration::from_millis(250));
                }
            }
        }
        Err(format!(
            "restarting the server on {} failed: {last}",
            self.addr
        ))
    }

    /// Times started (first start included).
    pub fn starts(&self) -> u32 {
        self.starts
    }
}

impl Drop for ServerProc {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Direct REST access to the server (not through a proxy): setup and the ground truth.
#[derive(Clone)]
struct Api {
    http: reqwest::Client,
    base: String,
}

impl Api {
    fn new(addr: SocketAddr) -> Api {
        Api {
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(600))
                .connect_timeout(Duration::from_secs(5))
                .build()
                .expect("http client"),
            base: format!("http://{addr}/api/v1"),
        }
    }

    async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, String> {
        let mut b = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .header("authorization", "dev");
        if let Some(v) = body {
            b = b.json(v);
        }
        let r = b
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = r.status();
        let bytes = r
            .bytes()
            .await
            .map_err(|e| format!("{method} {path}: reading body: {e}"))?;
        if !status.is_success() {
            return Err(format!(
                "{method} {path}: {status}: {}",
                String::from_utf8_lossy(&bytes)
            ));
        }
        serde_json::from_slice(&bytes).map_err(|e| format!("{method} {path}: bad JSON: {e}"))
    }

    /// Retries a call for up to `patience` (the server may be restarting).
    async fn call_patiently(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
        patience: Duration,
    ) -> Result<Value, String> {
        let t0 = Instant::now();
        loop {
            match self.call(method.clone(), path, body).await {
                Ok(v) => return Ok(v),
                Err(e) if t0.elapsed() > patience => return Err(e),
                Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
            }
        }
    }

    /// The newest stored sequence of a session (0 when empty).
    async fn latest_sequence(&self, sid: &str) -> Result<i64, String> {
        let v = self
            .call(
                reqwest::Method::GET,
                &format!("/sessions/{sid}/events?limit=1"),
                None,
            )
            .await?;
        Ok(v["data"]
            .as_array()
            .and_then(|a| a.last())
            .and_then(|e| e["sequence"].as_i64())
            .unwrap_or(0))
    }

    /// The turn's terminal event, once stored.
    async fn terminal(&self, sid: &str) -> Result<Option<Value>, String> {
        let q: String = TERMINAL_TYPES
            .iter()
            .map(|t| format!("types={t}"))
            .collect::<Vec<_>>()
            .join("&");
        let v = self
            .call(
                reqwest::Method::GET,
                &format!("/sessions/{sid}/events?{q}"),
                None,
            )
            .await?;
        Ok(v["data"].as_array().and_then(|a| a.first()).cloned())
    }
}

/// What one client reported, updated live.
#[derive(Debug, Default, Clone)]
pub struct Trace {
    /// Event ids in delivery order.
    pub ids: Vec<String>,
    /// Their `sequence`.
    pub seqs: Vec<i64>,
    /// When each was delivered to the caller (ms since the epoch).
    pub recv_ms: Vec<u64>,
    /// The terminal event type the client stopped on.
    pub terminal: Option<String>,
    /// A failure the client reported (stream error, crash, bad output).
    pub error: Option<String>,
    /// Reconnections the SDK counted (graceful cycles included), when it exposes them.
    pub sdk_reconnects: Option<u64>,
    /// The client has started streaming.
    pub ready: bool,
    /// The client finished (terminal, error or exit).
    pub done: bool,
}

type SharedTrace = Arc<Mutex<Trace>>;

/// Settings handed to every client.
#[derive(Debug, Clone)]
struct ClientArgs {
    base_url: String,
    session_id: String,
    liveness: Duration,
    connect_timeout: Duration,
    initial_backoff: Duration,
    max_backoff: Duration,
}

impl ClientArgs {
    fn argv(&self) -> Vec<String> {
        vec![
            "--base-url".into(),
            self.base_url.clone(),
            "--session".into(),
            self.session_id.clone(),
            "--liveness-ms".into(),
            self.liveness.as_millis().to_string(),
            "--connect-timeout-ms".into(),
            self.connect_timeout.as_millis().to_string(),
            "--initial-backoff-ms".into(),
            self.initial_backoff.as_millis().to_string(),
            "--max-backoff-ms".into(),
            self.max_backoff.as_millis().to_string(),
        ]
    }
}

/// Largest event the clients accept (the last `llm.generation` carries the whole history).
const MAX_EVENT_BYTES: usize = 256 << 20;

async fn run_rust_client(args: ClientArgs, trace: SharedTrace) {
    use futures::StreamExt;
    let fail = |trace: &SharedTrace, e: String| {
        let mut t = trace.lock().unwrap();
        t.error = Some(e);
        t.done = true;
    };
    let client = match everruns_sdk::Everruns::builder()
        .api_key("dev")
        .base_url(&args.base_url)
        .build()
    {
        Ok(c) => c,
        Err(e) => return fail(&trace, format!("client: {e}")),
    };
    let opts = everruns_sdk::StreamOptions::new()
        .from_beginning()
        .liveness_timeout(args.liveness)
        .connect_timeout(args.connect_timeout)
        .backoff(args.initial_backoff, args.max_backoff)
        .max_event_bytes(MAX_EVENT_BYTES);
    let mut stream = client.events().stream(&args.session_id, opts);
    trace.lock().unwrap().ready = true;
    while let Some(item) = stream.next().await {
        match item {
            Ok(ev) => {
                let now = unix_ms();
                let mut t = trace.lock().unwrap();
                t.ids.push(ev.id.clone());
                t.seqs.push(ev.sequence.unwrap_or(-1));
                t.recv_ms.push(now);
                t.sdk_reconnects = Some(stream.reconnect_count());
                if is_terminal(&ev.event_type) {
                    t.terminal = Some(ev.event_type.clone());
                    t.done = true;
                    return;
                }
            }
            Err(e) => return fail(&trace, format!("stream error: {e}")),
        }
    }
    fail(&trace, "the stream ended before a terminal event".into());
}

/// Runs a client script and folds its JSON lines into `trace`.
async fn run_process_client(mut cmd: tokio::process::Command, log: PathBuf, trace: SharedTrace) {
    let fail = |trace: &SharedTrace, e: String| {
        let mut t = trace.lock().unwrap();
        if t.error.is_none() {
            t.error = Some(e);
        }
        t.done = true;
    };
    let stderr = match std::fs::File::create(&log) {
        Ok(f) => f,
        Err(e) => return fail(&trace, format!("client log {}: {e}", log.display())),
    };
    cmd.stdout(Stdio::piped())
        .stderr(Stdio::from(stderr))
        .stdin(Stdio::null())
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => return fail(&trace, format!("spawn {cmd:?}: {e}")),
    };
    let stdout = child.stdout.take().expect("piped stdout");
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    loop {
        let line = match lines.next_line().await {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => {
                fail(&trace, format!("reading client output: {e}"));
                break;
            }
        };
        let v: Value = match serde_json::from_str(&line) {
            Ok(v) => v,
            Err(_) => {
                fail(&trace, format!("client printed a non-JSON line: {line:?}"));
                continue;
            }
        };
        let mut t = trace.lock().unwrap();
        match v["kind"].as_str() {
            Some("ready") => t.ready = true,
            Some("events") => {
                let ids = v["ids"].as_array().cloned().unwrap_or_default();
                let seqs = v["seqs"].as_array().cloned().unwrap_or_default();
                let recv = v["recv_ms"].as_array().cloned().unwrap_or_default();
                if ids.len() != seqs.len() || ids.len() != recv.len() {
                    t.error = Some("client printed an inconsistent events line".into());
                }
                for ((i, s), r) in ids.iter().zip(&seqs).zip(&recv) {
                    t.ids.push(i.as_str().unwrap_or_default().to_string());
                    t.seqs.push(s.as_i64().unwrap_or(-1));
                    t.recv_ms.push(r.as_u64().unwrap_or(0));
                }
                if let Some(n) = v["reconnects"].as_u64() {
                    t.sdk_reconnects = Some(n);
                }
            }
            Some("end") => {
                t.terminal = v["terminal"].as_str().map(str::to_string);
                if let Some(n) = v["reconnects"].as_u64() {
                    t.sdk_reconnects = Some(n);
                }
            }
            Some("error") => {
                t.error = Some(v["message"].as_str().unwrap_or("unknown error").to_string());
            }
            _ => t.error = Some(format!("client printed an unknown line: {line:?}")),
        }
    }
    let status = child.wait().await;
    let mut t = trace.lock().unwrap();
    match status {
        Ok(s) if s.success() => {}
        Ok(s) => {
            if t.error.is_none() {
                t.error = Some(format!("client exited with {s}; see {}", log.display()));
            }
        }
        Err(e) => t.error = Some(format!("waiting for the client: {e}")),
    }
    if t.terminal.is_none() && t.error.is_none() {
        t.error = Some("client ended without a terminal event".into());
    }
    t.done = true;
}

/// A server downtime window (ms since the epoch).
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Downtime {
    /// How the server was taken down.
    pub how: Restart,
    /// Stored sequence when the restart began.
    pub at_sequence: i64,
    /// Stop requested.
    pub down_ms: u64,
    /// Listening again.
    pub up_ms: u64,
    /// SIGTERM did not stop the server within [`GRACEFUL_WAIT`]; it was killed.
    pub forced_kill: bool,
}

/// Measured recovery of one fault.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Recovery {
    /// `reset` or `stall`.
    pub kind: LogKind,
    /// When the proxy injected it.
    pub at_ms: u64,
    /// The proxy connection it hit.
    pub conn: u64,
    /// Event-stream requests that connection had carried (more than 1: a pooled connection
    /// reused after a graceful cycle).
    pub requests_on_conn: usize,
    /// Milliseconds since the last event-stream request on that connection.
    pub since_request_ms: Option<u64>,
    /// Time to the client's next connection attempt through the proxy (its next `GET …/sse`,
    /// or a connection refused because the server was down): detection + backoff.
    pub reconnect_ms: Option<u64>,
    /// Time to the first event delivered afterwards (or to the reconnect, see the module
    /// docs); `None` when the client received nothing afterwards (fault after the terminal
    /// event was already in flight).
    pub recovery_ms: Option<u64>,
    /// `recovery_ms` minus the server downtime within it (what the SDK can be blamed for).
    pub net_recovery_ms: Option<u64>,
    /// The bound a stall's reconnect must stay under.
    pub bound_ms: u64,
}

/// The outcome for one SDK.
#[derive(Debug, Clone, Serialize)]
pub struct LangResult {
    /// The SDK.
    pub lang: Lang,
    /// Events the client delivered.
    pub delivered: usize,
    /// Events stored up to the terminal event.
    pub expected: usize,
    /// Deliveries of an id already delivered.
    pub duplicates: usize,
    /// Stored events never delivered.
    pub losses: usize,
    /// Delivered ids the store does not have.
    pub unknown: usize,
    /// Delivered ids equal the stored ids, same order.
    pub in_order: bool,
    /// Terminal type the client ended on.
    pub terminal: Option<String>,
    /// Resets injected by this SDK's proxy.
    pub resets: u64,
    /// Stalls injected.
    pub stalls: u64,
    /// Connections refused while the server was down.
    pub refused: u64,
    /// Event-stream requests the proxy saw (first connection included).
    pub sse_requests: u64,
    /// Reconnections the SDK reports (when exposed).
    pub sdk_reconnects: Option<u64>,
    /// Every fault's recovery.
    pub recoveries: Vec<Recovery>,
    /// What went wrong (empty = pass).
    pub problems: Vec<String>,
}

impl LangResult {
    fn max_recovery(&self, kind: LogKind) -> Option<u64> {
        self.recoveries
            .iter()
            .filter(|r| r.kind == kind)
            .filter_map(|r| r.net_recovery_ms)
            .max()
    }

    /// Longest stall → reconnect time (ms).
    pub fn max_stall_reconnect(&self) -> Option<u64> {
        self.recoveries
            .iter()
            .filter(|r| r.kind == LogKind::Stall)
            .filter_map(|r| r.reconnect_ms)
            .max()
    }

    /// Median stall recovery, server downtime excluded (ms).
    pub fn median_stall_recovery(&self) -> Option<u64> {
        let mut v: Vec<u64> = self
            .recoveries
            .iter()
            .filter(|r| r.kind == LogKind::Stall)
            .filter_map(|r| r.net_recovery_ms)
            .collect();
        v.sort_unstable();
        v.get(v.len() / 2).copied()
    }

    /// Longest stall recovery, server downtime excluded (ms).
    pub fn max_stall_recovery(&self) -> Option<u64> {
        self.max_recovery(LogKind::Stall)
    }

    /// Longest reset recovery, server downtime excluded (ms).
    pub fn max_reset_recovery(&self) -> Option<u64> {
        self.max_recovery(LogKind::Reset)
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Schedule name.
    pub plan: String,
    /// Session streamed.
    pub session_id: String,
    /// Events stored up to and including the terminal event.
    pub stored_events: usize,
    /// Terminal events stored for the turn (must be 1).
    pub terminal_events: usize,
    /// Server restarts.
    pub downtimes: Vec<Downtime>,
    /// Wall time of the run (seconds).
    pub elapsed_secs: f64,
    /// Liveness timeout the SDKs used (ms).
    pub liveness_ms: u64,
    /// Stream connect timeout the SDKs used (ms).
    pub connect_timeout_ms: u64,
    /// Per SDK.
    pub langs: Vec<LangResult>,
    /// Problems not tied to one SDK.
    pub problems: Vec<String>,
    /// Directory with the database and logs (kept when the run failed).
    pub work_dir: PathBuf,
}

impl Report {
    /// Every problem, prefixed with its language.
    pub fn all_problems(&self) -> Vec<String> {
        let mut out = self.problems.clone();
        for l in &self.langs {
            out.extend(l.problems.iter().map(|p| format!("{}: {p}", l.lang.name())));
        }
        out
    }

    /// True when every check passed.
    pub fn passed(&self) -> bool {
        self.all_problems().is_empty()
    }

    /// The per-language table.
    pub fn table(&self) -> String {
        let secs =
            |ms: Option<u64>| ms.map_or("-".to_string(), |m| format!("{:.2} s", m as f64 / 1000.0));
        let mut s = format!(
            "chaos schedule `{}`: {} events stored up to the terminal event, {} server restarts ({}), liveness timeout {:.1} s, stream connect timeout {:.1} s, {:.0} s wall time (next-event times exclude server downtime)\n",
            self.plan,
            self.stored_events,
            self.downtimes.len(),
            self.downtimes
                .iter()
                .map(|d| format!(
                    "{} at seq {} down {:.1} s",
                    match (d.how, d.forced_kill) {
                        (Restart::Graceful, false) => "SIGTERM",
                        (Restart::Graceful, true) => "SIGTERM (hung, then SIGKILL)",
                        (Restart::Crash, _) => "SIGKILL",
                    },
                    d.at_sequence,
                    (d.up_ms.saturating_sub(d.down_ms)) as f64 / 1000.0
                ))
                .collect::<Vec<_>>()
                .join(", "),
            self.liveness_ms as f64 / 1000.0,
            self.connect_timeout_ms as f64 / 1000.0,
            self.elapsed_secs,
        );
        s.push_str(&format!(
            "{:<7} {:>9} {:>4} {:>5} {:>6} {:>6} {:>6} {:>7} {:>10} {:>17} {:>25} {:>17}  {}\n",
            "sdk",
            "delivered",
            "dup",
            "lost",
            "order",
            "resets",
            "stalls",
            "refused",
            "reconnects",
            "stall→reconnect",
            "stall→next event",
            "reset→next event",
            "result"
        ));
        s.push_str(&format!(
            "{:<7} {:>9} {:>4} {:>5} {:>6} {:>6} {:>6} {:>7} {:>10} {:>17} {:>25} {:>17}\n",
            "", "", "", "", "", "", "", "", "", "max", "max (median)", "max"
        ));
        for l in &self.langs {
            s.push_str(&format!(
                "{:<7} {:>9} {:>4} {:>5} {:>6} {:>6} {:>6} {:>7} {:>10} {:>17} {:>25} {:>17}  {}\n",
                l.lang.name(),
                l.delivered,
                l.duplicates,
                l.losses,
                if l.in_order { "ok" } else { "WRONG" },
                l.resets,
                l.stalls,
                l.refused,
                l.sse_requests.saturating_sub(1),
                secs(l.max_stall_reconnect()),
                format!(
                    "{} ({})",
                    secs(l.max_stall_recovery()),
                    secs(l.median_stall_recovery())
                ),
                secs(l.max_reset_recovery()),
                if l.problems.is_empty() {
                    "PASS"
                } else {
                    "FAIL"
                },
            ));
        }
        for p in self.all_problems() {
            s.push_str(&format!("problem: {p}\n"));
        }
        s
    }
}

fn ts_ms(ev: &Value) -> Option<u64> {
    let ts = ev["ts"].as_str()?;
    chrono::DateTime::parse_from_rfc3339(ts)
        .ok()
        .map(|t| t.timestamp_millis().max(0) as u64)
}

/// Lines a client's trace up with its proxy's log and the stored events.
fn analyse(
    lang: Lang,
    plan: &Plan,
    trace: &Trace,
    log: &[LogEntry],
    truth: &[Value],
    downtimes: &[Downtime],
) -> LangResult {
    let truth_ids: Vec<&str> = truth
        .iter()
        .map(|e| e["id"].as_str().unwrap_or(""))
        .collect();
    let truth_set: HashSet<&str> = truth_ids.iter().copied().collect();
    let created: HashMap<&str, u64> = truth
        .iter()
        .filter_map(|e| Some((e["id"].as_str()?, ts_ms(e)?)))
        .collect();
    let mut seen: HashSet<&str> = HashSet::new();
    let mut duplicates = 0;
    let mut unknown = 0;
    for id in &trace.ids {
        if !seen.insert(id.as_str()) {
            duplicates += 1;
        }
        if !truth_set.contains(id.as_str()) {
            unknown += 1;
        }
    }
    let losses = truth_ids.iter().filter(|id| !seen.contains(*id)).count();
    let in_order = trace
        .ids
        .iter()
        .map(String::as_str)
        .eq(truth_ids.iter().copied());

    let count = |k: LogKind| log.iter().filter(|e| e.kind == k).count() as u64;
    let requests: Vec<u64> = log
        .iter()
        .filter(|e| e.kind == LogKind::SseRequest)
        .map(|e| e.at_ms)
        .collect();
    let attempts: Vec<u64> = log
        .iter()
        .filter(|e| matches!(e.kind, LogKind::SseRequest | LogKind::UpstreamDown))
        .map(|e| e.at_ms)
        .collect();
    let base_bound = plan.liveness + plan.max_backoff + plan.recovery_slack;
    let mut recoveries = Vec::new();
    for f in log
        .iter()
        .filter(|e| matches!(e.kind, LogKind::Reset | LogKind::Stall))
    {
        let reconnect_at = attempts.iter().copied().find(|&a| a >= f.at_ms);
        let reconnect_ms = reconnect_at.map(|a| a - f.at_ms);
        // The first event received after the client's next attempt: it came over a new
        // connection (events parsed from bytes the proxy let through before the fault do not
        // count as recovered).
        let first_after = reconnect_at.and_then(|a| trace.recv_ms.iter().position(|&t| t > a));
        let recovery_ms = first_after.map(|i| {
            let recv = trace.recv_ms[i];
            let reconnect = requests
                .iter()
                .copied()
                .rfind(|&r| r >= f.at_ms && r <= recv);
            let produced = created.get(trace.ids[i].as_str()).copied();
            match (reconnect, produced) {
                // Stored after the client was already connected again: nothing was pending.
                (Some(r), Some(p)) if p > r => r - f.at_ms,
                _ => recv - f.at_ms,
            }
        });
        let downtime_within = |end: u64| -> u64 {
            downtimes
                .iter()
                .map(|d| d.up_ms.min(end).saturating_sub(d.down_ms.max(f.at_ms)))
                .sum()
        };
        let overlap = downtime_within(f.at_ms + reconnect_ms.unwrap_or(0));
        let net_recovery_ms = recovery_ms.map(|r| r - downtime_within(f.at_ms + r).min(r));
        let on_conn: Vec<u64> = log
            .iter()
            .filter(|e| e.conn == f.conn && e.kind == LogKind::SseRequest && e.at_ms <= f.at_ms)
            .map(|e| e.at_ms)
            .collect();
        recoveries.push(Recovery {
            kind: f.kind,
            at_ms: f.at_ms,
            conn: f.conn,
            requests_on_conn: on_conn.len(),
            since_request_ms: on_conn.last().map(|&t| f.at_ms - t),
            reconnect_ms,
            recovery_ms,
            net_recovery_ms,
            bound_ms: base_bound.as_millis() as u64 + overlap,
        });
    }

    let mut problems = Vec::new();
    if let Some(e) = &trace.error {
        problems.push(format!("client failed: {e}"));
    }
    if duplicates > 0 {
        problems.push(format!("{duplicates} duplicate deliveries"));
    }
    if losses > 0 {
        problems.push(format!("{losses} stored events never delivered"));
    }
    if unknown > 0 {
        problems.push(format!("{unknown} delivered ids are not in the stored log"));
    }
    if !in_order && duplicates == 0 && losses == 0 && unknown == 0 {
        problems.push("events delivered out of order".into());
    }
    let last_truth = truth.last().and_then(|e| e["type"].as_str());
    if trace.terminal.as_deref() != last_truth
        || trace.ids.last().map(String::as_str) != truth_ids.last().copied()
    {
        problems.push(format!(
            "did not end on the stored terminal event (client: {:?}, store: {:?})",
            trace.terminal, last_truth
        ));
    }
    let (resets, stalls) = (count(LogKind::Reset), count(LogKind::Stall));
    if resets < plan.min_faults.0 || stalls < plan.min_faults.1 {
        problems.push(format!(
            "too few faults injected to prove anything: {resets} resets, {stalls} stalls (want at least {} and {})",
            plan.min_faults.0, plan.min_faults.1
        ));
    }
    for r in recoveries.iter().filter(|r| r.kind == LogKind::Stall) {
        if let Some(ms) = r.reconnect_ms {
            if ms > r.bound_ms {
                problems.push(format!(
                    "stall at {} (connection {}, {} stream request(s) on it, the last {:?} ms before): the client reconnected only after {ms} ms, over the {} ms bound (liveness {} ms + backoff cap + slack + downtime)",
                    r.at_ms,
                    r.conn,
                    r.requests_on_conn,
                    r.since_request_ms,
                    r.bound_ms,
                    plan.liveness.as_millis()
                ));
            }
        }
    }
    LangResult {
        lang,
        delivered: trace.ids.len(),
        expected: truth.len(),
        duplicates,
        losses,
        unknown,
        in_order,
        terminal: trace.terminal.clone(),
        resets,
        stalls,
        refused: count(LogKind::UpstreamDown),
        sse_requests: count(LogKind::SseRequest),
        sdk_reconnects: trace.sdk_reconnects,
        recoveries,
        problems,
    }
}

struct Running {
    lang: Lang,
    proxy: ChaosProxy,
    trace: SharedTrace,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Running {
    /// A client left behind by an early return is stopped (its child process is killed on
    /// drop).
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Runs `plan` for `langs`. Errors are setup failures; check failures are in the report.
pub async fn run(plan: &Plan, langs: &[Lang], tools: &Tools) -> Result<Report, String> {
    let started = Instant::now();
    let work = tempfile::Builder::new()
        .prefix("everruns-chaos-")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?
        .keep();
    let say = |msg: String| eprintln!("[chaos {}] {msg}", plan.name);
    say(format!("work dir {}", work.display()));
    let env = vec![
        (
            "SSE_HEARTBEAT_INTERVAL_SECS".to_string(),
            plan.heartbeat_secs.to_string(),
        ),
        (
            "SSE_REALTIME_CYCLE_SECS".to_string(),
            plan.cycle_secs.to_string(),
        ),
    ];
    let bin = tools.server_bin.clone();
    let w = work.clone();
    let mut server = tokio::task::spawn_blocking(move || ServerProc::start(&bin, &w, env))
        .await
        .map_err(|e| e.to_string())??;
    let api = Api::new(server.addr);

    // Agent, session, script.
    let patience = Duration::from_secs(120);
    let agent = api
        .call_patiently(
            reqwest::Method::POST,
            "/agents",
            Some(&json!({
                "name": "chaos-agent",
                "system_prompt": "You run the chaos workload with the tools you are given.",
                "capabilities": [{"ref": "test_math"}, {"ref": "session_file_system"}],
                "max_iterations": 1000,
            })),
            patience,
        )
        .await?;
    let session = api
        .call_patiently(
            reqwest::Method::POST,
            "/sessions",
            Some(&json!({"agent_id": agent["id"], "title": format!("chaos {}", plan.name)})),
            patience,
        )
        .await?;
    let sid = session["id"]
        .as_str()
        .ok_or("session without id")?
        .to_string();
    api.call_patiently(
        reqwest::Method::PUT,
        &format!("/sessions/{sid}/llmsim"),
        Some(&plan.script()),
        patience,
    )
    .await?;
    let expected = plan.expected_events();
    say(format!(
        "server {} session {sid}; script: {} tool batches {:?}, about {expected} events",
        server.addr,
        plan.batches.len(),
        plan.batches
    ));

    // One proxy and one client per language.
    let mut running = Vec::new();
    for (i, lang) in langs.iter().copied().enumerate() {
        let cfg = ChaosConfig {
            seed: plan.chaos.seed.wrapping_add(i as u64 * 1000 + 1),
            ..plan.chaos.clone()
        };
        let proxy = ChaosProxy::start("127.0.0.1:0".parse().expect("literal"), server.addr, cfg)
            .await
            .map_err(|e| format!("proxy: {e}"))?;
        let args = ClientArgs {
            base_url: format!("http://{}/api", proxy.addr()),
            session_id: sid.clone(),
            liveness: plan.liveness,
            connect_timeout: plan.connect_timeout,
            initial_backoff: plan.initial_backoff,
            max_backoff: plan.max_backoff,
        };
        let trace: SharedTrace = Arc::default();
        let t = trace.clone();
        let task = match lang {
            Lang::Rust => tokio::spawn(run_rust_client(args, t)),
            Lang::Python => {
                let mut cmd = tokio::process::Command::new(&tools.python);
                cmd.arg(tools.repo.join("tests/chaos/clients/chaos_client.py"))
                    .args(args.argv());
                tokio::spawn(run_process_client(cmd, work.join("client-python.log"), t))
            }
            Lang::Node => {
                let mut cmd = tokio::process::Command::new(&tools.node);
                cmd.arg(tools.repo.join("tests/chaos/clients/chaos_client.mjs"))
                    .args(args.argv());
                tokio::spawn(run_process_client(cmd, work.join("client-node.log"), t))
            }
        };
        running.push(Running {
            lang,
            proxy,
            trace,
            task,
        });
    }

    // Every client streams (its first request reached its proxy) before the turn starts.
    let t0 = Instant::now();
    loop {
        let waiting: Vec<&str> = running
            .iter()
            .filter(|r| {
                r.proxy.stats().snapshot().sse_requests == 0 && !r.trace.lock().unwrap().done
            })
            .map(|r| r.lang.name())
            .collect();
        if waiting.is_empty() {
            break;
        }
        if t0.elapsed() > Duration::from_secs(120) {
            return Err(format!("clients never connected: {waiting:?}"));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    api.call_patiently(
        reqwest::Method::POST,
        &format!("/sessions/{sid}/messages"),
        Some(&json!({"message": {"role": "user", "content": [{"type": "text", "text": "Run the chaos workload."}]}})),
        patience,
    )
    .await?;
    say("turn started".into());

    // Restarts at their thresholds; wait for the terminal event and every client.
    let mut downtimes: Vec<Downtime> = Vec::new();
    let mut problems = Vec::new();
    let mut turn_over = false;
    let mut last_progress = Instant::now();
    let mut last_terminal_check = Instant::now();
    loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if started.elapsed() > plan.deadline {
            problems.push(format!(
                "deadline of {:?} passed (turn over: {turn_over})",
                plan.deadline
            ));
            break;
        }
        let seq = api.latest_sequence(&sid).await.unwrap_or(-1);
        if let Some(&(frac, how)) = plan.restarts.get(downtimes.len()) {
            let threshold = (expected as f64 * frac) as i64;
            if seq >= threshold {
                let down_ms = unix_ms();
                say(format!(
                    "restart {} ({how:?}) at sequence {seq}",
                    downtimes.len() + 1
                ));
                let mut srv = server;
                let (srv, res) = tokio::task::spawn_blocking(move || {
                    let r = srv.stop(how).and_then(|forced| {
                        std::thread::sleep(Duration::from_millis(300));
                        srv.start_again().map(|_| forced)
                    });
                    (srv, r)
                })
                .await
                .map_err(|e| e.to_string())?;
                server = srv;
                let forced_kill = res?;
                if forced_kill {
                    say(format!(
                        "the server ignored SIGTERM for {GRACEFUL_WAIT:?} (a subscriber's socket is full?): killed it"
                    ));
                }
                downtimes.push(Downtime {
                    how,
                    at_sequence: seq,
                    down_ms,
                    up_ms: unix_ms(),
                    forced_kill,
                });
                continue;
            }
        }
        if !turn_over && last_terminal_check.elapsed() > Duration::from_secs(1) {
            last_terminal_check = Instant::now();
            if let Ok(Some(t)) = api.terminal(&sid).await {
                turn_over = true;
                say(format!(
                    "turn ended with {} at sequence {}",
                    t["type"].as_str().unwrap_or("?"),
                    t["sequence"]
                ));
                if downtimes.len() < plan.restarts.len() {
                    problems.push(format!(
                        "the turn ended before restart {} (threshold {:.0} events): the schedule needs a longer turn",
                        downtimes.len() + 1,
                        expected as f64 * plan.restarts[downtimes.len()].0
                    ));
                }
            }
        }
        let all_done = running.iter().all(|r| r.trace.lock().unwrap().done);
        if turn_over && all_done {
            break;
        }
        if last_progress.elapsed() > Duration::from_secs(10) {
            last_progress = Instant::now();
            let parts: Vec<String> = running
                .iter()
                .map(|r| {
                    let t = r.trace.lock().unwrap();
                    let s = r.proxy.stats().snapshot();
                    format!(
                        "{} {} ev (r{} s{})",
                        r.lang.name(),
                        t.ids.len(),
                        s.resets,
                        s.stalls
                    )
                })
                .collect();
            say(format!("stored seq {seq}; {}", parts.join(", ")));
        }
    }

    // Ground truth: every stored event, page by page (`has_more`).
    let mut all: Vec<Value> = Vec::new();
    loop {
        let after = all
            .last()
            .map_or(0, |e| e["sequence"].as_i64().unwrap_or(0));
        let page = api
            .call_patiently(
                reqwest::Method::GET,
                &format!("/sessions/{sid}/events?after_sequence={after}"),
                None,
                patience,
            )
            .await?;
        all.extend(page["data"].as_array().cloned().unwrap_or_default());
        if page["has_more"] != true {
            break;
        }
    }
    let terminals = all
        .iter()
        .filter(|e| e["type"].as_str().is_some_and(is_terminal))
        .count();
    if terminals != 1 {
        problems.push(format!(
            "the store holds {terminals} terminal events for the one turn (want exactly 1)"
        ));
    }
    let cut = all
        .iter()
        .position(|e| e["type"].as_str().is_some_and(is_terminal))
        .map_or(all.len(), |i| i + 1);
    let truth = &all[..cut];
    let seqs: Vec<i64> = truth
        .iter()
        .map(|e| e["sequence"].as_i64().unwrap_or(-1))
        .collect();
    if seqs != (1..=truth.len() as i64).collect::<Vec<_>>() {
        problems.push("stored sequences are not 1..=n without gaps".into());
    }
    if downtimes.len() != plan.restarts.len() {
        problems.push(format!(
            "{} of {} server restarts happened",
            downtimes.len(),
            plan.restarts.len()
        ));
    }

    let mut results = Vec::new();
    for mut r in running {
        if !r.trace.lock().unwrap().done {
            r.task.abort();
        }
        let _ = (&mut r.task).await;
        let trace = r.trace.lock().unwrap().clone();
        let log = r.proxy.log();
        let lines: String = log
            .iter()
            .map(|e| serde_json::to_string(e).unwrap_or_default() + "\n")
            .collect();
        let _ = std::fs::write(work.join(format!("proxy-{}.jsonl", r.lang.name())), lines);
        let res = analyse(r.lang, plan, &trace, &log, truth, &downtimes);
        results.push(res);
    }
    drop(server);
    let report = Report {
        plan: plan.name.clone(),
        session_id: sid,
        stored_events: truth.len(),
        terminal_events: terminals,
        downtimes,
        elapsed_secs: started.elapsed().as_secs_f64(),
        liveness_ms: plan.liveness.as_millis() as u64,
        connect_timeout_ms: plan.connect_timeout.as_millis() as u64,
        langs: results,
        problems,
        work_dir: work.clone(),
    };
    if report.passed() {
        let _ = std::fs::remove_dir_all(&work);
    } else {
        let _ = std::fs::write(
            work.join("report.json"),
            serde_json::to_string_pretty(&report).unwrap_or_default(),
        );
        say(format!("kept {} for inspection", work.display()));
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(i: i64, ty: &str, ts_ms: i64) -> Value {
        let ts = chrono::DateTime::from_timestamp_millis(ts_ms)
            .unwrap()
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        json!({"id": format!("event_{i:032x}"), "type": ty, "sequence": i, "ts": ts})
    }

    fn truth() -> Vec<Value> {
        let mut v: Vec<Value> = (1..=9)
            .map(|i| ev(i, "tool.started", 1_000 + i * 100))
            .collect();
        v.push(ev(10, "turn.completed", 2_000));
        v
    }

    fn trace_of(ids: &[i64], recv: &[u64], terminal: bool) -> Trace {
        Trace {
            ids: ids.iter().map(|i| format!("event_{i:032x}")).collect(),
            seqs: ids.to_vec(),
            recv_ms: recv.to_vec(),
            terminal: terminal.then(|| "turn.completed".to_string()),
            ..Default::default()
        }
    }

    fn plan() -> Plan {
        Plan {
            min_faults: (0, 0),
            ..Plan::short()
        }
    }

    #[test]
    fn a_faithful_trace_passes() {
        let ids: Vec<i64> = (1..=10).collect();
        let recv: Vec<u64> = (1..=10).map(|i| 1_000 + i * 100 + 5).collect();
        let r = analyse(
            Lang::Rust,
            &plan(),
            &trace_of(&ids, &recv, true),
            &[],
            &truth(),
            &[],
        );
        assert!(r.problems.is_empty(), "{:?}", r.problems);
        assert!(r.in_order && r.duplicates == 0 && r.losses == 0);
    }

    #[test]
    fn duplicates_losses_order_and_missing_terminal_are_caught() {
        let recv = |n: usize| vec![1_500u64; n];
        let dup = [1, 2, 3, 3, 4, 5, 6, 7, 8, 9, 10];
        let r = analyse(
            Lang::Rust,
            &plan(),
            &trace_of(&dup, &recv(11), true),
            &[],
            &truth(),
            &[],
        );
        assert_eq!(r.duplicates, 1);
        assert!(!r.in_order && !r.problems.is_empty());

        let lost = [1, 2, 4, 5, 6, 7, 8, 9, 10];
        let r = analyse(
            Lang::Rust,
            &plan(),
            &trace_of(&lost, &recv(9), true),
            &[],
            &truth(),
            &[],
        );
        assert_eq!(r.losses, 1);
        assert!(r.problems.iter().any(|p| p.contains("never delivered")));

        let swapped = [1, 3, 2, 4, 5, 6, 7, 8, 9, 10];
        let r = analyse(
            Lang::Rust,
            &plan(),
            &trace_of(&swapped, &recv(10), true),
            &[],
            &truth(),
            &[],
        );
        assert!(
            r.problems.iter().any(|p| p.contains("out of order")),
            "{:?}",
            r.problems
        );

        let short: Vec<i64> = (1..=9).collect();
        let r = analyse(
            Lang::Rust,
            &plan(),
            &trace_of(&short, &recv(9), false),
            &[],
            &truth(),
            &[],
        );
        assert!(
            r.problems.iter().any(|p| p.contains("terminal")),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn recovery_is_measured_from_the_fault_to_the_next_event() {
        // Event 5 is stored at 1500; the stall starts at 1450; the client reconnects at 3000
        // and receives events 5.. at 3100: recovery 1650 ms.
        let ids: Vec<i64> = (1..=10).collect();
        let recv: Vec<u64> = (1..=10)
            .map(|i| {
                if i < 5 {
                    1_000 + i as u64 * 100 + 5
                } else {
                    3_100
                }
            })
            .collect();
        let log = [
            LogEntry {
                at_ms: 900,
                conn: 1,
                kind: LogKind::SseRequest,
            },
            LogEntry {
                at_ms: 1_450,
                conn: 1,
                kind: LogKind::Stall,
            },
            LogEntry {
                at_ms: 3_000,
                conn: 2,
                kind: LogKind::SseRequest,
            },
        ];
        let r = analyse(
            Lang::Rust,
            &plan(),
            &trace_of(&ids, &recv, true),
            &log,
            &truth(),
            &[],
        );
        assert_eq!(r.stalls, 1);
        assert_eq!(r.recoveries[0].recovery_ms, Some(1_650));
        assert_eq!(r.recoveries[0].reconnect_ms, Some(1_550));
        assert_eq!(r.recoveries[0].net_recovery_ms, Some(1_650));

        // Server downtime inside the window is not the SDK's: excluded, and added to the bound.
        let down = [Downtime {
            how: Restart::Crash,
            at_sequence: 4,
            down_ms: 2_000,
            up_ms: 2_500,
            forced_kill: false,
        }];
        let r = analyse(
            Lang::Rust,
            &plan(),
            &trace_of(&ids, &recv, true),
            &log,
            &truth(),
            &down,
        );
        assert_eq!(r.recoveries[0].recovery_ms, Some(1_650));
        assert_eq!(r.recoveries[0].net_recovery_ms, Some(1_150));
        let plain = analyse(
            Lang::Rust,
            &plan(),
            &trace_of(&ids, &recv, true),
            &log,
            &truth(),
            &[],
        );
        assert_eq!(r.recoveries[0].bound_ms, plain.recoveries[0].bound_ms + 500);
        assert!(r.problems.is_empty(), "{:?}", r.problems);

        // Same stall, but nothing was stored until after the reconnect: the reconnect counts.
        let mut late = truth();
        for e in late.iter_mut().skip(4) {
            let s = e["sequence"].as_i64().unwrap();
            *e = ev(s, e["type"].as_str().unwrap(), 3_050);
        }
        let r = analyse(
            Lang::Rust,
            &plan(),
            &trace_of(&ids, &recv, true),
            &log,
            &late,
            &[],
        );
        assert_eq!(r.recoveries[0].recovery_ms, Some(1_550));

        // A stall the client only left long after the bound (e.g. when the proxy gave up)
        // fails the run.
        let slow: Vec<u64> = recv
            .iter()
            .map(|&t| if t >= 3_100 { 90_000 } else { t })
            .collect();
        let log_slow = [
            LogEntry {
                at_ms: 1_450,
                conn: 1,
                kind: LogKind::Stall,
            },
            LogEntry {
                at_ms: 89_000,
                conn: 2,
                kind: LogKind::SseRequest,
            },
        ];
        let r = analyse(
            Lang::Rust,
            &plan(),
            &trace_of(&ids, &slow, true),
            &log_slow,
            &truth(),
            &[],
        );
        assert!(
            r.problems.iter().any(|p| p.contains("bound")),
            "{:?}",
            r.problems
        );
    }

    #[test]
    fn scripts_are_valid_llmsim_scripts_of_the_planned_size() {
        for plan in [Plan::short(), Plan::long()] {
            let script: everruns_sdk::LlmSimScript =
                serde_json::from_value(plan.script()).expect("an LlmSimScript");
            assert_eq!(script.steps.len(), plan.batches.len() + 1);
            let calls: usize = script.steps.iter().map(|s| s.tool_calls.len()).sum();
            assert_eq!(calls, plan.batches.iter().sum::<usize>());
            assert!(plan.expected_events() > 2 * calls);
        }
        assert!(Plan::long().expected_events() >= 50_000);
    }

    #[test]
    fn languages_parse() {
        assert_eq!(
            Lang::parse_list("rust, python,node,rust").unwrap(),
            vec![Lang::Rust, Lang::Python, Lang::Node]
        );
        assert!(Lang::parse_list("ruby").is_err());
        assert!(Lang::parse_list("").is_err());
    }
}
