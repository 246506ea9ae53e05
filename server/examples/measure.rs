//! Quick measurements (run in release mode):
//! `cargo run --release -p everruns-server --example measure -- [SUBSCRIBERS]`
//!
//! 1. Events appended per second to the SQLite store (one event per transaction, as the
//!    runtime appends; and 100 per transaction).
//! 2. SSE subscribers held by a real server process (the release binary next to this
//!    example) and its resident memory per subscriber.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use everruns_core::ids::{new_id, IdKind};
use everruns_core::{EventContext, Session, SessionStatus};
use everruns_server::store::{now, NewEvent, Store};
use futures::StreamExt;

fn rss_kib(pid: u32) -> u64 {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    s.lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn session(id: &str) -> Session {
    serde_json::from_value(serde_json::json!({
        "id": id, "organization_id": "org_00000000000070008000000000000001",
        "harness_id": "harness_00000000000070008000000000000001", "status": "started",
        "created_at": now(), "updated_at": now()
    }))
    .expect("session")
}

#[tokio::main]
async fn main() {
    let subscribers: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}/m.db", dir.path().display()))
        .await
        .unwrap();
    let sid = new_id(IdKind::Session);
    let mut s = session(&sid);
    s.status = SessionStatus::Started;
    store.create_session(&s).await.unwrap();
    let ev = || {
        NewEvent::new(
            "output.message.delta",
            serde_json::json!({"turn_id": "turn_1", "delta": "word ", "accumulated": "word word word"}),
            EventContext::default(),
        )
    };
    let n = 5000;
    let t = Instant::now();
    for _ in 0..n {
        store.append_events(&sid, vec![ev()]).await.unwrap();
    }
    let single = n as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    for _ in 0..(n / 100) {
        store
            .append_events(&sid, (0..100).map(|_| ev()).collect())
            .await
            .unwrap();
    }
    let batched = n as f64 / t.elapsed().as_secs_f64();
    println!("appends: {single:.0} events/s (1 per transaction), {batched:.0} events/s (100 per transaction)");

    // SSE subscribers on a real server
    let bin = std::env::current_exe()
        .unwrap()
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("everruns-server");
    let mut child = Command::new(&bin)
        .args(["--dev", "--addr", "127.0.0.1:0", "--database-url"])
        .arg(format!("sqlite://{}/srv.db", dir.path().display()))
        .env("EVERRUNS_LOG", "warn")
        .stdout(Stdio::piped())
        .spawn()
        .expect("run the release everruns-server (cargo build --release -p everruns-server)");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let origin = line.trim().trim_start_matches("listening on ").to_string();
    let http = reqwest::Client::new();
    let sess: serde_json::Value = http
        .post(format!("{origin}/api/v1/sessions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sid = sess["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let base = rss_kib(child.id());
    let mut streams = Vec::new();
    for _ in 0..subscribers {
        let c = reqwest::Client::new();
        let r = c
            .get(format!("{origin}/api/v1/sessions/{sid}/sse"))
            .send()
            .await
            .unwrap();
        let mut st = r.bytes_stream();
        st.next().await.unwrap().unwrap(); // connected (+ replay)
        streams.push((c, st));
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let held = rss_kib(child.id());
    // one message: every subscriber receives the turn
    let t = Instant::now();
    http.post(format!("{origin}/api/v1/sessions/{sid}/messages"))
        .json(&serde_json::json!({"message": {"content": [{"type": "text", "text": "hi"}]}}))
        .send()
        .await
        .unwrap();
    let mut done = 0;
    for (_, st) in streams.iter_mut() {
        let mut buf = String::new();
        while !buf.contains("event: session.idled") {
            let chunk = st.next().await.unwrap().unwrap();
            buf.push_str(&String::from_utf8_lossy(&chunk));
        }
        done += 1;
    }
    let fanout = t.elapsed();
    println!(
        "sse: {subscribers} subscribers held; server RSS {base} KiB idle -> {held} KiB ({:.1} KiB per subscriber); \
         {done} of them received a full turn in {:.0} ms",
        (held.saturating_sub(base)) as f64 / subscribers as f64,
        fanout.as_secs_f64() * 1000.0
    );
    let _ = child.kill();
    let _ = child.wait();
}
