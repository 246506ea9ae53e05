//! `everruns-bench client …`: the Rust SDK (`everruns-sdk`) workloads. The Python, Node and
//! upstream clients (bench/clients/, bench/upstream-rust/) take the same arguments and print the
//! same JSON line, so the orchestrator treats them alike:
//!
//! * `version` — prints `{"version"}` of the SDK under test.
//! * `stream --url U --session S --count N` — replay the session from its first event; user
//!   code touches each event's type; prints `{"events", "secs"}` (stream creation → N-th event).
//!   `--read delta`: user code also reads `data["delta"]` of every `output.message.delta`
//!   (counted in `"deltas"`).
//! * `calls --url U --agent A --count N --warmup W` — W untimed then N timed sequential
//!   `agents.get`; prints `{"us": [per-call microseconds…]}`.
//! * `latency --url U --session S --since E --streams N --count M` — N concurrent streams
//!   after event E; prints `ready` once every stream got a warm-up event (`bench_k` < 0), then
//!   waits for events `bench_k` = 0..M-1 on every stream and prints
//!   `{"samples": [[k, microseconds from bench_t_ns to receipt]…]}`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

use everruns_sdk::{Everruns, StreamOptions};
use futures::StreamExt;
use serde_json::json;

use crate::sys::realtime_ns;

/// Client workloads.
#[derive(Debug, clap::Subcommand)]
pub enum ClientCmd {
    /// Prints `{"version"}` of the SDK under test (also proves the client can start).
    Version,
    /// Replay throughput.
    Stream {
        #[arg(long)]
        url: String,
        #[arg(long)]
        session: String,
        #[arg(long)]
        count: u64,
        /// What user code reads: `type`, or `delta` (also `data["delta"]` of every delta).
        #[arg(long, default_value = "type")]
        read: String,
    },
    /// Sequential `agents.get`.
    Calls {
        #[arg(long)]
        url: String,
        #[arg(long)]
        agent: String,
        #[arg(long)]
        count: usize,
        #[arg(long, default_value_t = 100)]
        warmup: usize,
    },
    /// Append → receipt latency over concurrent streams.
    Latency {
        #[arg(long)]
        url: String,
        #[arg(long)]
        session: String,
        #[arg(long)]
        since: String,
        #[arg(long)]
        streams: usize,
        #[arg(long)]
        count: i64,
    },
}

type BoxErr = Box<dyn std::error::Error + Send + Sync>;

/// Runs one workload and prints its JSON line.
pub async fn run(cmd: ClientCmd) -> Result<(), BoxErr> {
    match cmd {
        ClientCmd::Version => {
            println!("{}", json!({ "version": env!("CARGO_PKG_VERSION") }));
        }
        ClientCmd::Stream {
            url,
            session,
            count,
            read,
        } => {
            let deltas_too = match read.as_str() {
                "type" => false,
                "delta" => true,
                other => return Err(format!("--read must be type or delta, not {other:?}").into()),
            };
            let client = Everruns::new("dev", url)?;
            let start = Instant::now();
            let mut stream = client
                .events()
                .stream(&session, StreamOptions::new().from_beginning());
            let mut n = 0u64;
            let mut type_bytes = 0usize;
            let (mut delta_bytes, mut deltas) = (0usize, 0u64);
            while let Some(ev) = stream.next().await {
                let ev = ev?;
                type_bytes += std::hint::black_box(ev.event_type.len());
                if deltas_too && ev.event_type == "output.message.delta" {
                    delta_bytes +=
                        std::hint::black_box(ev.data["delta"].as_str().map_or(0, str::len));
                    deltas += 1;
                }
                n += 1;
                if n == count {
                    break;
                }
            }
            let secs = start.elapsed().as_secs_f64();
            std::hint::black_box((type_bytes, delta_bytes));
            println!("{}", json!({"events": n, "secs": secs, "deltas": deltas}));
        }
        ClientCmd::Calls {
            url,
            agent,
            count,
            warmup,
        } => {
            let client = Everruns::new("dev", url)?;
            for _ in 0..warmup {
                client.agents().get(&agent).await?;
            }
            let mut us = Vec::with_capacity(count);
            for _ in 0..count {
                let t = Instant::now();
                let a = client.agents().get(&agent).await?;
                us.push(t.elapsed().as_secs_f64() * 1e6);
                std::hint::black_box(a);
            }
            println!("{}", json!({ "us": us }));
        }
        ClientCmd::Latency {
            url,
            session,
            since,
            streams,
            count,
        } => {
            let client = Everruns::new("dev", url)?;
            let ready = Arc::new(AtomicUsize::new(0));
            let mut tasks = Vec::with_capacity(streams);
            for _ in 0..streams {
                let mut stream = client
                    .events()
                    .stream(&session, StreamOptions::new().since_id(since.clone()));
                let ready = ready.clone();
                tasks.push(tokio::spawn(async move {
                    let mut warm = false;
                    let mut samples: Vec<(i64, f64)> = Vec::with_capacity(count as usize);
                    while let Some(ev) = stream.next().await {
                        let ev = ev?;
                        let now = realtime_ns();
                        let k = ev.data["bench_k"].as_i64().unwrap_or(-1);
                        if k < 0 {
                            if !warm {
                                warm = true;
                                if ready.fetch_add(1, Ordering::SeqCst) + 1 == streams {
                                    println!("ready");
                                }
                            }
                            continue;
                        }
                        let t = ev.data["bench_t_ns"].as_u64().unwrap_or(now);
                        samples.push((k, now.saturating_sub(t) as f64 / 1e3));
                        if k >= count - 1 {
                            break;
                        }
                    }
                    Ok::<_, everruns_sdk::Error>(samples)
                }));
            }
            let mut all = Vec::new();
            for t in tasks {
                all.extend(t.await??);
            }
            let samples: Vec<serde_json::Value> =
                all.into_iter().map(|(k, us)| json!([k, us])).collect();
            println!("{}", json!({ "samples": samples }));
        }
    }
    Ok(())
}
