//! The client-only row: every SDK decodes the same pre-framed stream served by
//! `everruns-bench frames` (no database, no server code), next to a raw-socket floor that reads
//! the same bytes without looking at them.
//!
//! Two variants per client, rounds interleaved: `type` (user code reads each event's type) and
//! `delta` (user code also reads `data["delta"]` of every `output.message.delta`), so a client
//! that defers decoding `data` pays for it in the second row.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{s, Ctx, Params, Who};
use crate::procs::Server;

/// The two ways user code reads each event.
pub const VARIANTS: [(&str, &str); 2] = [("type", "client_type"), ("delta", "client_delta")];

/// Reads one stream from the frames server on a plain socket until `bytes` bytes (response
/// head included) arrived; returns seconds from connect to the last byte.
async fn raw_read(addr: &str, bytes: u64) -> Result<f64, String> {
    let start = Instant::now();
    let mut sock = tokio::net::TcpStream::connect(addr)
        .await
        .map_err(|e| e.to_string())?;
    let _ = sock.set_nodelay(true);
    sock.write_all(
        format!(
            "GET /api/v1/sessions/{}/sse HTTP/1.1\r\nhost: {addr}\r\naccept: text/event-stream\r\n\r\n",
            crate::frames::session_id()
        )
            .as_bytes(),
    )
    .await
    .map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut total = 0u64;
    while total < bytes {
        let n = sock.read(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err(format!("raw read ended after {total} of {bytes} bytes"));
        }
        total += n as u64;
    }
    Ok(start.elapsed().as_secs_f64())
}

/// Runs the row: starts the frames server, measures, stops it.
pub async fn client_only(ctx: &mut Ctx, params: &mut Params) -> Result<(), String> {
    let self_exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let frames = Server::start(
        &self_exe,
        &[s("frames"), s("--events"), params.client_events.to_string()],
        &[],
        &ctx.tmp.join("frames.log"),
    )
    .await?;
    eprintln!(
        "client-only row: frames server at {} ({} events)",
        frames.origin, params.client_events
    );
    let addr = frames
        .origin
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let info: serde_json::Value = reqwest::get(format!("{}/frames/info", frames.origin))
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let body = info["bytes"].as_u64().unwrap_or(0);
    let head = info["header_bytes"].as_u64().unwrap_or(0);
    params.client_bytes = body;
    params.client_mean_bytes = info["mean_event_bytes"].as_f64().unwrap_or(0.0);
    params.client_deltas = info["deltas"].as_u64().unwrap_or(0);
    let count = params.client_events;
    let base = format!("{}/api", frames.origin);
    let clients = ctx.available();
    let mut values: BTreeMap<(&str, Who), Vec<f64>> = BTreeMap::new();
    let mut dead: Vec<Who> = Vec::new();
    let rounds = params.client_rounds;
    for round in 0..rounds {
        match raw_read(&addr, head + body).await {
            Ok(secs) => {
                for (_, metric) in VARIANTS {
                    values
                        .entry((metric, Who::Floor))
                        .or_default()
                        .push(count as f64 / secs);
                }
            }
            Err(e) => ctx.err(Who::Floor, "client-only", e),
        }
        for (variant, metric) in VARIANTS {
            for (who, cmd) in &clients {
                // A client slower than 10 s a run gets 3 rounds, not more.
                if dead.contains(who)
                    || (round >= 3
                        && values
                            .get(&(metric, *who))
                            .and_then(|v| v.first())
                            .is_some_and(|r| (count as f64 / r) > 10.0))
                {
                    continue;
                }
                let args = vec![
                    s("stream"),
                    s("--url"),
                    base.clone(),
                    s("--session"),
                    crate::frames::session_id(),
                    s("--count"),
                    count.to_string(),
                    s("--read"),
                    s(variant),
                ];
                match cmd.run_json(&args, Duration::from_secs(600)).await {
                    Ok(v) => {
                        let n = v["events"].as_u64().unwrap_or(0);
                        let secs = v["secs"].as_f64().unwrap_or(f64::NAN);
                        if n != count {
                            ctx.err(*who, metric, format!("got {n} of {count} events"));
                            dead.push(*who);
                            continue;
                        }
                        if variant == "delta" && v["deltas"].as_u64() != Some(params.client_deltas)
                        {
                            ctx.err(
                                *who,
                                metric,
                                format!(
                                    "read {} deltas, expected {}",
                                    v["deltas"], params.client_deltas
                                ),
                            );
                        }
                        values
                            .entry((metric, *who))
                            .or_default()
                            .push(count as f64 / secs);
                    }
                    Err(e) => {
                        ctx.err(*who, metric, e);
                        dead.push(*who);
                    }
                }
            }
        }
        eprintln!("  round {} done", round + 1);
    }
    frames.stop().await;
    for ((metric, who), v) in values {
        ctx.put(metric, who, &v, None);
    }
    Ok(())
}
