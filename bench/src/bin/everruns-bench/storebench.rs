//! The server-side rows of `make bench` for the store and fan-out (issues 16 and 17):
//!
//! - **replay to a raw socket**: the server's replay of the seeded session, read by a raw TCP
//!   client that only counts bytes, next to a trivial server that writes the very same bytes
//!   (captured once from our server, HTTP framing included) from memory: MB/s of each, rounds
//!   interleaved;
//! - **appends with 100 appenders**: 100 sessions appending at once through the host (group
//!   commit), next to the existing one-appender row;
//! - **PostgreSQL** (when `EVERRUNS_BENCH_PG_URL` or `EVERRUNS_TEST_PG_URL` names a superuser
//!   URL: `make bench` runs inside `scripts/pg-cluster.sh`): appends/s with 1 and 100 appenders, llmsim turns/s with
//!   `serve --no-worker` and one, then two `worker` processes, and live fan-out latency across
//!   processes (the host appends, a second API process streams to our Rust SDK, woken by
//!   `LISTEN/NOTIFY`).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use everruns_sdk::Everruns;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::procs::{ClientCmd, Server};
use crate::run::{host_append, host_session, turns, Ctx, Params, Who};
use crate::stats::percentile_sorted;

/// Rows this module adds to the report: (title, metric, higher is better, how measured).
pub fn report_rows(p: &Params) -> Vec<(String, String, bool, String)> {
    let pg = "PostgreSQL 15 from `scripts/pg-cluster.sh` (a throwaway cluster on this machine, `fsync=on`, `synchronous_commit=on`)";
    vec![
        (
            "Server: replay to a raw socket, MB/s ↑".into(),
            "server_replay_mbps".into(),
            true,
            format!(
                "The seeded {}-event session replayed by `everruns-server` to a raw TCP client that counts bytes (no parsing) until it has the whole replay; median of rounds.",
                crate::report::count(p.replay_events as f64)
            ),
        ),
        (
            "Trivial pre-framed server: same bytes to a raw socket, MB/s ↑".into(),
            "server_trivial_mbps".into(),
            true,
            "The bytes our server sent for that replay (HTTP headers and chunk framing included), captured once and written from memory by a bare tokio server in 256 KiB writes; same raw client; rounds interleaved with the row above.".into(),
        ),
        (
            "Server: events appended per second, 100 appenders ↑".into(),
            "appends_per_sec_100".into(),
            true,
            format!(
                "Host on SQLite: 100 sessions each append {} single-delta events at once (`Store::append_events`; concurrent appends share a transaction: group commit); total events ÷ wall time; median of {} runs.",
                p.append_events / 50,
                p.append_rounds
            ),
        ),
        (
            "PostgreSQL: events appended per second, 1 appender ↑".into(),
            "appends_per_sec_pg".into(),
            true,
            format!(
                "As the SQLite one-appender row, host on {pg}: {} appends of one delta each.",
                crate::report::count(p.append_events as f64)
            ),
        ),
        (
            "PostgreSQL: events appended per second, 100 appenders ↑".into(),
            "appends_per_sec_100_pg".into(),
            true,
            format!("As the SQLite 100-appender row, host on {pg}."),
        ),
        (
            "PostgreSQL: llmsim turns per second, 1 worker ↑".into(),
            "turns_per_sec_pg_1".into(),
            true,
            format!(
                "`everruns-server serve --no-worker` + one `everruns-server worker` process on {pg}; {} sessions each get one message at once, timer until every `turn.completed` reached its stream (our Rust SDK); one round.",
                p.turn_sessions
            ),
        ),
        (
            "PostgreSQL: llmsim turns per second, 2 workers ↑".into(),
            "turns_per_sec_pg_2".into(),
            true,
            "As above with a second `worker` process on the same database (turns claimed with `FOR UPDATE SKIP LOCKED`).".into(),
        ),
        (
            "PostgreSQL: live fan-out latency p50, ms, 1 stream, across processes ↓".into(),
            "server_pg_fanout_p50_1".into(),
            false,
            "The host (on PostgreSQL) appends 200 deltas 10 ms apart, one per transaction; our Rust SDK streams them from a second API process (`serve --no-worker`) on the same database, woken by `LISTEN/NOTIFY`; append → user code; p50 over the run's samples, median of runs.".into(),
        ),
        (
            "PostgreSQL: live fan-out latency p99, ms, 1 stream, across processes ↓".into(),
            "server_pg_fanout_p99_1".into(),
            false,
            "As above, p99.".into(),
        ),
        (
            "PostgreSQL: live fan-out latency p50, ms, 100 streams, across processes ↓".into(),
            "server_pg_fanout_p50_100".into(),
            false,
            "As above with 100 streams of one session in one client process, 50 deltas 50 ms apart.".into(),
        ),
        (
            "PostgreSQL: live fan-out latency p99, ms, 100 streams, across processes ↓".into(),
            "server_pg_fanout_p99_100".into(),
            false,
            "As above, p99.".into(),
        ),
    ]
}

// ----------------------------------------------------------------------- replay to a raw socket

/// Reads `GET path` from `addr` on a raw socket until `want` bytes arrived (or, with
/// `want == 0`, until the stream has been quiet for `idle`); returns the bytes (when `keep`)
/// and the seconds from connect to the last byte needed.
async fn raw_read(
    addr: &str,
    path: &str,
    want: usize,
    idle: Duration,
    keep: bool,
) -> Result<(Vec<u8>, usize, f64), String> {
    let start = Instant::now();
    let mut sock = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let req = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n");
    sock.write_all(req.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut kept = Vec::new();
    let mut total = 0usize;
    let mut last = start.elapsed();
    loop {
        if want > 0 && total >= want {
            break;
        }
        let wait = if want > 0 {
            Duration::from_secs(60)
        } else {
            idle
        };
        match tokio::time::timeout(wait, sock.read(&mut buf)).await {
            Ok(Ok(0)) => break,
            Ok(Ok(n)) => {
                total += n;
                last = start.elapsed();
                if keep {
                    kept.extend_from_slice(&buf[..n]);
                }
            }
            Ok(Err(e)) => return Err(e.to_string()),
            Err(_) if want == 0 => break,
            Err(_) => return Err(format!("stalled at {total} of {want} bytes")),
        }
    }
    Ok((kept, total, last.as_secs_f64()))
}

/// A bare server that answers every connection with `bytes` (written from memory in 256 KiB
/// writes) and then waits for the client to close.
async fn trivial_server(bytes: std::sync::Arc<Vec<u8>>) -> Result<String, String> {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = l.local_addr().map_err(|e| e.to_string())?.to_string();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = l.accept().await {
            let _ = sock.set_nodelay(true);
            let bytes = bytes.clone();
            tokio::spawn(async move {
                let mut req = Vec::new();
                let mut b = [0u8; 4096];
                while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut b).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => req.extend_from_slice(&b[..n]),
                    }
                }
                for c in bytes.chunks(256 * 1024) {
                    if sock.write_all(c).await.is_err() {
                        return;
                    }
                }
                while matches!(sock.read(&mut b).await, Ok(n) if n > 0) {}
            });
        }
    });
    Ok(addr)
}

/// Replay MB/s of our server and of the trivial server serving the same bytes.
pub async fn replay_raw(ctx: &mut Ctx, origin: &str, session: &str, rounds: usize) {
    let addr = origin.trim_start_matches("http://").to_string();
    let path = format!("/api/v1/sessions/{session}/sse");
    eprintln!("replay to a raw socket: capture, then {rounds} interleaved rounds");
    let captured = match raw_read(&addr, &path, 0, Duration::from_secs(2), true).await {
        Ok((b, _, _)) if !b.is_empty() => b,
        Ok(_) => return ctx.err(Who::Floor, "replay raw", "nothing captured"),
        Err(e) => return ctx.err(Who::Floor, "replay raw", e),
    };
    let want = captured.len();
    let trivial = match trivial_server(std::sync::Arc::new(captured)).await {
        Ok(a) => a,
        Err(e) => return ctx.err(Who::Floor, "replay raw", e),
    };
    let (mut ours, mut floor) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        match raw_read(&addr, &path, want, Duration::ZERO, false).await {
            Ok((_, n, secs)) => ours.push(n as f64 / secs / 1e6),
            Err(e) => return ctx.err(Who::Floor, "replay raw (server)", e),
        }
        match raw_read(&trivial, &path, want, Duration::ZERO, false).await {
            Ok((_, n, secs)) => floor.push(n as f64 / secs / 1e6),
            Err(e) => return ctx.err(Who::Floor, "replay raw (trivial)", e),
        }
    }
    let note = |v: &[f64], w: &[f64]| {
        let m = |x: &[f64]| {
            let mut s = x.to_vec();
            s.sort_by(|a, b| a.total_cmp(b));
            percentile_sorted(&s, 50.0)
        };
        Some(format!(
            "({:.0}% of the trivial server)",
            100.0 * m(v) / m(w)
        ))
    };
    let n = note(&ours, &floor);
    eprintln!(
        "  replay {:.1} MB ours {ours:.0?} MB/s, trivial {floor:.0?} MB/s {}",
        want as f64 / 1e6,
        n.clone().unwrap_or_default()
    );
    ctx.put("server_replay_mbps", Who::Floor, &ours, n);
    ctx.put("server_trivial_mbps", Who::Floor, &floor, None);
}

// ------------------------------------------------------------------------------------ appends

/// Events/s with `appenders` sessions appending `each` events at once through a host.
async fn append_many(origin: &str, appenders: usize, each: u64) -> Result<f64, String> {
    let sdk = Everruns::new("dev", format!("{origin}/api")).map_err(|e| e.to_string())?;
    let agent = sdk
        .agents()
        .create("bench-append-many", "Appends.")
        .await
        .map_err(|e| e.to_string())?;
    let mut sids = Vec::new();
    for _ in 0..appenders {
        sids.push(host_session(&sdk, &agent.id).await?.0);
    }
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(appenders)
        .build()
        .map_err(|e| e.to_string())?;
    let start = Instant::now();
    let mut tasks = Vec::new();
    for sid in sids {
        let (http, origin) = (http.clone(), origin.to_string());
        tasks.push(tokio::spawn(async move {
            host_append(&http, &origin, &sid, each, 0, 0).await
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    Ok((appenders as u64 * each) as f64 / start.elapsed().as_secs_f64())
}

/// Appends/s at 1 and 100 appenders on the host at `origin`, under `suffix` ("" or "_pg").
pub async fn append_rates(ctx: &mut Ctx, origin: &str, params: &Params, suffix: &str) {
    let each = (params.append_events / 50).max(1);
    eprintln!(
        "append rate{suffix}: 1 × {} and 100 × {each} events, {} rounds",
        params.append_events, params.append_rounds
    );
    let (mut one, mut many) = (Vec::new(), Vec::new());
    for _ in 0..params.append_rounds {
        match append_many(origin, 1, params.append_events).await {
            Ok(r) => one.push(r),
            Err(e) => return ctx.err(Who::Floor, &format!("appends{suffix}"), e),
        }
        match append_many(origin, 100, each).await {
            Ok(r) => many.push(r),
            Err(e) => return ctx.err(Who::Floor, &format!("appends ×100{suffix}"), e),
        }
    }
    eprintln!("  1 appender {one:.0?}/s, 100 appenders {many:.0?}/s");
    if !suffix.is_empty() {
        ctx.put(&format!("appends_per_sec{suffix}"), Who::Floor, &one, None);
    }
    ctx.put(
        &format!("appends_per_sec_100{suffix}"),
        Who::Floor,
        &many,
        None,
    );
}

// --------------------------------------------------------------------------------- PostgreSQL

/// A `worker` process (prints `worker ID started`; stopped with SIGKILL on drop).
struct WorkerProc(Child);

impl WorkerProc {
    fn start(bin: &Path, url: &str, log: &Path) -> Result<Self, String> {
        use std::io::BufRead;
        let err = std::fs::File::create(log).map_err(|e| e.to_string())?;
        let mut child = Command::new(bin)
            .args(["worker", "--dev", "--database-url", url])
            .env("EVERRUNS_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(err)
            .spawn()
            .map_err(|e| format!("worker: {e}"))?;
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .map_err(|e| e.to_string())?;
        if !line.contains("started") {
            let _ = child.kill();
            return Err(format!("worker did not start: {line:?}"));
        }
        Ok(Self(child))
    }
}

impl Drop for WorkerProc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A fresh database `name` on the cluster of the superuser URL `admin`; its URL.
fn create_db(admin: &str, name: &str) -> Result<String, String> {
    let st = Command::new("psql")
        .arg(admin)
        .arg("-qc")
        .arg(format!("DROP DATABASE IF EXISTS {name}"))
        .arg("-c")
        .arg(format!("CREATE DATABASE {name}"))
        .status()
        .map_err(|e| format!("psql: {e}"))?;
    if !st.success() {
        return Err(format!("CREATE DATABASE {name} failed"));
    }
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    Ok(format!("{base}/{name}"))
}

/// One cross-process fan-out run: our Rust SDK streams from `stream_origin` while the host at
/// `append_origin` appends; returns the samples in µs.
#[allow(clippy::too_many_arguments)]
async fn fanout_run(
    cmd: &ClientCmd,
    sdk: &Everruns,
    http: &reqwest::Client,
    append_origin: &str,
    stream_origin: &str,
    agent_id: &str,
    streams: usize,
    count: i64,
    interval_us: u64,
) -> Result<Vec<f64>, String> {
    let (sid, since) = host_session(sdk, agent_id).await?;
    let args: Vec<String> = vec![
        "latency".into(),
        "--url".into(),
        format!("{stream_origin}/api"),
        "--session".into(),
        sid.clone(),
        "--since".into(),
        since,
        "--streams".into(),
        streams.to_string(),
        "--count".into(),
        count.to_string(),
    ];
    let mut child = cmd.spawn(&args)?;
    let ready = {
        let warm = async {
            loop {
                host_append(http, append_origin, &sid, 1, 0, -1).await?;
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
            _ = tokio::time::sleep(Duration::from_secs(120)) => false,
        }
    };
    if !ready {
        return Err(format!(
            "streams never became ready: {}",
            child.abort().await
        ));
    }
    host_append(http, append_origin, &sid, count as u64, interval_us, 0).await?;
    let v: Value = child.finish(Duration::from_secs(300)).await?;
    let mut us: Vec<f64> = v["samples"]
        .as_array()
        .map(|a| a.iter().filter_map(|p| p.get(1)?.as_f64()).collect())
        .unwrap_or_default();
    if us.len() != streams * count as usize {
        return Err(format!(
            "{} of {} samples",
            us.len(),
            streams * count as usize
        ));
    }
    us.sort_by(|a, b| a.total_cmp(b));
    Ok(us)
}

/// The PostgreSQL rows (skipped with a note when no cluster URL is given).
pub async fn postgres(ctx: &mut Ctx, params: &Params, tmp: &Path) {
    let url =
        std::env::var("EVERRUNS_BENCH_PG_URL").or_else(|_| std::env::var("EVERRUNS_TEST_PG_URL"));
    let Ok(admin) = url else {
        eprintln!("postgres rows: skipped (EVERRUNS_BENCH_PG_URL not set; `make bench` sets it)");
        return;
    };
    if let Err(e) = postgres_rows(ctx, params, tmp, &admin).await {
        ctx.err(Who::Floor, "postgres", e);
    }
}

async fn postgres_rows(
    ctx: &mut Ctx,
    params: &Params,
    tmp: &Path,
    admin: &str,
) -> Result<(), String> {
    let server_bin = ctx.args.server_bin.clone();
    let self_exe = std::env::current_exe().map_err(|e| e.to_string())?;

    // Appends and cross-process fan-out: a host appends, a second API process streams.
    let url = create_db(admin, "bench_host")?;
    let host = Server::start(
        &self_exe,
        &["host".into(), "--database-url".into(), url.clone()],
        &[],
        &tmp.join("pg-host.log"),
    )
    .await?;
    eprintln!("postgres: bench host at {}", host.origin);
    append_rates(ctx, &host.origin, params, "_pg").await;
    let api = Server::start(
        &server_bin,
        &[
            "serve".into(),
            "--dev".into(),
            "--no-worker".into(),
            "--addr".into(),
            "127.0.0.1:0".into(),
            "--database-url".into(),
            url.clone(),
        ],
        &[("EVERRUNS_LOG", "warn".into())],
        &tmp.join("pg-api.log"),
    )
    .await?;
    let rust = ctx
        .available()
        .into_iter()
        .find(|(w, _)| *w == Who::RustOurs)
        .map(|(_, c)| c);
    if let Some(cmd) = rust {
        let sdk =
            Everruns::new("dev", format!("{}/api", host.origin)).map_err(|e| e.to_string())?;
        let agent = sdk
            .agents()
            .create("bench-pg-fanout", "Streams.")
            .await
            .map_err(|e| e.to_string())?;
        let http = reqwest::Client::new();
        for (streams, count, interval, rounds) in
            [(1usize, 200i64, 10_000u64, 3usize), (100, 50, 50_000, 1)]
        {
            eprintln!(
                "postgres fan-out: {streams} streams, {count} events {} ms apart",
                interval / 1000
            );
            let (mut p50, mut p99) = (Vec::new(), Vec::new());
            for _ in 0..rounds {
                match fanout_run(
                    &cmd,
                    &sdk,
                    &http,
                    &host.origin,
                    &api.origin,
                    &agent.id,
                    streams,
                    count,
                    interval,
                )
                .await
                {
                    Ok(us) => {
                        p50.push(percentile_sorted(&us, 50.0) / 1000.0);
                        p99.push(percentile_sorted(&us, 99.0) / 1000.0);
                    }
                    Err(e) => {
                        ctx.err(Who::Floor, &format!("postgres fan-out ×{streams}"), e);
                        break;
                    }
                }
            }
            eprintln!("  p50 {p50:.2?} ms, p99 {p99:.2?} ms");
            ctx.put(
                &format!("server_pg_fanout_p50_{streams}"),
                Who::Floor,
                &p50,
                None,
            );
            ctx.put(
                &format!("server_pg_fanout_p99_{streams}"),
                Who::Floor,
                &p99,
                None,
            );
        }
    }
    api.stop().await;
    host.stop().await;

    // Turns: an API process without a worker, then one and two worker processes.
    let url = create_db(admin, "bench_turns")?;
    let api = Server::start(
        &server_bin,
        &[
            "serve".into(),
            "--dev".into(),
            "--no-worker".into(),
            "--addr".into(),
            "127.0.0.1:0".into(),
            "--database-url".into(),
            url.clone(),
        ],
        &[("EVERRUNS_LOG", "warn".into())],
        &tmp.join("pg-turns-api.log"),
    )
    .await?;
    let sdk = Everruns::new("dev", format!("{}/api", api.origin)).map_err(|e| e.to_string())?;
    let agent = sdk
        .agents()
        .create("bench-pg-turns", "Replies.")
        .await
        .map_err(|e| e.to_string())?;
    // One round each: the PostgreSQL phase comes last and should not double the run.
    let params = &Params {
        turn_rounds: 1,
        ..params.clone()
    };
    let w1 = WorkerProc::start(&server_bin, &url, &tmp.join("pg-worker-1.log"))?;
    if let Err(e) = turns(ctx, &sdk, &agent.id, params, "turns_per_sec_pg_1").await {
        ctx.err(Who::Floor, "postgres turns ×1 worker", e);
    }
    let w2 = WorkerProc::start(&server_bin, &url, &tmp.join("pg-worker-2.log"))?;
    if let Err(e) = turns(ctx, &sdk, &agent.id, params, "turns_per_sec_pg_2").await {
        ctx.err(Who::Floor, "postgres turns ×2 workers", e);
    }
    drop((w1, w2));
    api.stop().await;
    Ok(())
}
