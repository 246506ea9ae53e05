//! `everruns-bench host`: the reference server's own code (`everruns_server::App` + `router`,
//! the same store, hub and SSE fan-out as the `everruns-server` binary) in one process with a
//! bench-only appender route, so an event's append time can be taken *inside* the process that
//! appends it.
//!
//! `POST /bench/append` with `{"session_id", "count", "interval_us", "start_k"}` appends `count`
//! `output.message.delta` events to the session, one per transaction (as the runtime does while
//! streaming a reply), `interval_us` apart on an absolute schedule. Each event's `data` carries
//! `bench_k` (its index, from `start_k`) and `bench_t_ns`: `CLOCK_REALTIME` in nanoseconds read
//! just before `Store::append_events` is called, so a client on the same machine measures
//! append → user code, commit included. The reply is `{"appended", "secs"}`.
//!
//! The turn worker is not started: these runs only append and stream.

use std::time::{Duration, Instant};

use axum::extract::State;
use axum::routing::post;
use axum::{Json, Router};
use everruns_sdk::EventContext;
use everruns_server::config::ServeArgs;
use everruns_server::store::NewEvent;
use everruns_server::App;
use serde::Deserialize;
use serde_json::json;
use tokio::sync::watch;

use crate::sys::realtime_ns;

/// Options of `everruns-bench host`.
#[derive(Debug, clap::Args)]
pub struct HostArgs {
    /// SQLite URL of the store.
    #[arg(long)]
    pub database_url: String,
    /// Address to bind (port 0 picks one; printed as `listening on http://…`).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: std::net::SocketAddr,
    /// SSE connection cycle (`SSE_REALTIME_CYCLE_SECS`).
    #[arg(long, default_value_t = 300.0)]
    pub cycle_secs: f64,
}

#[derive(Debug, Deserialize)]
struct AppendReq {
    session_id: String,
    count: u64,
    #[serde(default)]
    interval_us: u64,
    #[serde(default)]
    start_k: i64,
}

/// A delta like the ones the runtime streams: a word of text in a reply, with correlation ids.
fn delta_event(k: i64, turn_id: &str, exec_id: &str) -> NewEvent {
    const WORDS: [&str; 8] = [
        "Durable ",
        "execution ",
        "keeps ",
        "each ",
        "step ",
        "of ",
        "the ",
        "turn. ",
    ];
    let word = WORDS[(k.unsigned_abs() as usize) % WORDS.len()];
    let data = json!({
        "delta": word,
        "index": k,
        "bench_k": k,
        "bench_t_ns": realtime_ns(),
    });
    NewEvent::new(
        "output.message.delta",
        data,
        EventContext {
            turn_id: Some(turn_id.to_string()),
            exec_id: Some(exec_id.to_string()),
            trace_id: Some(turn_id.to_string()),
            ..Default::default()
        },
    )
}

async fn append(
    State(app): State<App>,
    Json(req): Json<AppendReq>,
) -> Result<Json<serde_json::Value>, (axum::http::StatusCode, String)> {
    let turn_id = everruns_sdk::ids::new_id(everruns_sdk::ids::IdKind::Turn);
    let exec_id = everruns_sdk::ids::new_id(everruns_sdk::ids::IdKind::Exec);
    let start = Instant::now();
    let mut tick = (req.interval_us > 0).then(|| {
        let mut t = tokio::time::interval(Duration::from_micros(req.interval_us));
        t.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        t
    });
    for i in 0..req.count {
        if let Some(t) = tick.as_mut() {
            t.tick().await;
        }
        // bench_t_ns is read here, right before the append.
        let ev = delta_event(req.start_k + i as i64, &turn_id, &exec_id);
        app.store
            .append_events(&req.session_id, vec![ev])
            .await
            .map_err(|e| (axum::http::StatusCode::BAD_REQUEST, e.to_string()))?;
    }
    Ok(Json(json!({
        "appended": req.count,
        "secs": start.elapsed().as_secs_f64(),
    })))
}

/// Runs the host until SIGTERM/SIGINT.
pub async fn run(args: HostArgs) -> Result<(), Box<dyn std::error::Error>> {
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let config = ServeArgs {
        dev: true,
        addr: args.addr,
        sse_realtime_cycle_secs: args.cycle_secs,
        ..ServeArgs::default()
    };
    let app = App::build(&args.database_url, config, shutdown_rx).await?;
    let store = app.store.clone();
    let bench = Router::new()
        .route("/bench/append", post(append))
        .with_state(app.clone());
    let router = everruns_server::router(app).merge(bench);
    let listener = tokio::net::TcpListener::bind(args.addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let mut rx = shutdown_tx.subscribe();
    tokio::spawn(async move {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .expect("SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        let _ = shutdown_tx.send(true);
    });
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            let _ = rx.wait_for(|v| *v).await;
        })
        .await?;
    store.close().await;
    Ok(())
}
