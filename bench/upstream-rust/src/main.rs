//! `everruns-bench-upstream`: the workloads of `everruns-bench client` (same arguments, same
//! JSON line on stdout) over the upstream `everruns-sdk` 0.3.x crate, so `make bench` compares
//! it with ours like for like. See bench/src/bin/everruns-bench/client.rs for the protocol.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use everruns_sdk::sse::StreamOptions;
use everruns_sdk::Everruns;
use futures::StreamExt;
use serde_json::json;

type BoxErr = Box<dyn std::error::Error + Send + Sync>;

fn realtime_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0)
}

fn flags(args: &[String]) -> Result<HashMap<String, String>, BoxErr> {
    let mut m = HashMap::new();
    let mut it = args.iter();
    while let Some(k) = it.next() {
        let key = k
            .strip_prefix("--")
            .ok_or_else(|| format!("unexpected argument {k}"))?;
        let v = it.next().ok_or_else(|| format!("--{key} needs a value"))?;
        m.insert(key.to_string(), v.clone());
    }
    Ok(m)
}

fn get<'a>(m: &'a HashMap<String, String>, k: &str) -> Result<&'a str, BoxErr> {
    m.get(k)
        .map(String::as_str)
        .ok_or_else(|| format!("missing --{k}").into())
}

#[tokio::main]
async fn main() -> Result<(), BoxErr> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let cmd = args.first().cloned().unwrap_or_default();
    let f = flags(&args[1.min(args.len())..])?;
    match cmd.as_str() {
        // The version is read from this crate's Cargo.lock by the orchestrator.
        "version" => println!("{}", json!({ "version": null })),
        "stream" => {
            let client = Everruns::with_base_url("dev", get(&f, "url")?)?;
            let session = get(&f, "session")?;
            let count: u64 = get(&f, "count")?.parse()?;
            let deltas_too = match f.get("read").map(String::as_str) {
                None | Some("type") => false,
                Some("delta") => true,
                Some(other) => return Err(format!("--read must be type or delta, not {other:?}").into()),
            };
            let (mut delta_bytes, mut deltas) = (0usize, 0u64);
            let start = Instant::now();
            // Without since_id the server replays from the first event.
            let mut stream = client.events().stream(session);
            let mut n = 0u64;
            let mut type_bytes = 0usize;
            while let Some(ev) = stream.next().await {
                let ev = ev?;
                type_bytes += std::hint::black_box(ev.event_type.len());
                if deltas_too && ev.event_type == "output.message.delta" {
                    delta_bytes += std::hint::black_box(ev.data["delta"].as_str().map_or(0, str::len));
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
        "calls" => {
            let client = Everruns::with_base_url("dev", get(&f, "url")?)?;
            let agent = get(&f, "agent")?;
            let count: usize = get(&f, "count")?.parse()?;
            let warmup: usize = f
                .get("warmup")
                .map(|s| s.parse())
                .transpose()?
                .unwrap_or(100);
            for _ in 0..warmup {
                client.agents().get(agent).await?;
            }
            let mut us = Vec::with_capacity(count);
            for _ in 0..count {
                let t = Instant::now();
                let a = client.agents().get(agent).await?;
                us.push(t.elapsed().as_secs_f64() * 1e6);
                std::hint::black_box(a);
            }
            println!("{}", json!({ "us": us }));
        }
        "latency" => {
            let client = Everruns::with_base_url("dev", get(&f, "url")?)?;
            let session = get(&f, "session")?.to_string();
            let since = get(&f, "since")?.to_string();
            let streams: usize = get(&f, "streams")?.parse()?;
            let count: i64 = get(&f, "count")?.parse()?;
            let ready = Arc::new(AtomicUsize::new(0));
            let mut tasks = Vec::with_capacity(streams);
            for _ in 0..streams {
                let mut stream = client.events().stream_with_options(
                    &session,
                    StreamOptions::new().with_since_id(since.clone()),
                );
                let ready = ready.clone();
                tasks.push(tokio::spawn(async move {
                    let mut warm = false;
                    let mut samples: Vec<(i64, f64)> = Vec::with_capacity(count as usize);
                    while let Some(ev) = stream.next().await {
                        let ev = ev.map_err(|e| e.to_string())?;
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
                    Ok::<_, String>(samples)
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
        other => return Err(format!("unknown command {other:?}").into()),
    }
    Ok(())
}
