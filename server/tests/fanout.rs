//! Store and fan-out speed without losing an event (issue 17 items 3 and 4, issue 16 item 4):
//!
//! - group commit: many sessions appending at once share transactions; every session still
//!   gets gap-free sequences, a failing append fails alone, nothing is lost;
//! - shared live reads: 1,000 SSE subscribers of one session (real sockets) cost one events
//!   query per commit, and every one of them receives every event once, in order;
//! - replay: the pre-framed batch path sends exactly the stored envelopes, in order;
//! - PostgreSQL only (`make test-fanout-pg`): the `LISTEN` connection of an API process is
//!   killed with `pg_terminate_backend` mid-stream; it is re-established and the notifications
//!   missed meanwhile are caught up from the subscriber's cursor.
//!
//! Every test runs on SQLite, or on PostgreSQL with `EVERRUNS_TEST_BACKEND=postgres`.

mod common;

use std::time::{Duration, Instant};

use common::{db_url, Opts, Server};
use everruns_core::EventContext;
use everruns_server::config::ServeArgs;
use everruns_server::store::{seeded, NewEvent, Store, StoreError};
use everruns_server::App;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn delta(k: usize) -> NewEvent {
    NewEvent::new(
        "output.message.delta",
        json!({ "delta": format!("token {k} "), "k": k }),
        EventContext::default(),
    )
}

async fn open_store(dir: &std::path::Path) -> Store {
    let store = Store::open(&db_url(dir)).await.expect("open store");
    store.seed().await.expect("seed");
    store
}

async fn new_session(store: &Store) -> String {
    let session = everruns_runtime::SessionBuilder::new(seeded::GENERIC_HARNESS_ID).build();
    store.create_session(&session).await.expect("session");
    session.id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_appends_share_commits_and_keep_every_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    const SESSIONS: usize = 100;
    const EACH: usize = 40;
    let mut sids = Vec::new();
    for _ in 0..SESSIONS {
        sids.push(new_session(&store).await);
    }
    let (c0, r0) = store.append_stats();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for sid in &sids {
        let (store, sid) = (store.clone(), sid.clone());
        tasks.push(tokio::spawn(async move {
            let mut seqs = Vec::new();
            for k in 0..EACH {
                let out = store.append_events(&sid, vec![delta(k)]).await.unwrap();
                seqs.push(out[0].sequence.unwrap());
            }
            seqs
        }));
    }
    for t in tasks {
        let seqs = t.await.unwrap();
        // session.started is 1; each acknowledged append got the next sequence.
        assert_eq!(seqs, (2..2 + EACH as i64).collect::<Vec<_>>());
    }
    let secs = started.elapsed().as_secs_f64();
    let (c1, r1) = store.append_stats();
    let (commits, requests) = (c1 - c0, r1 - r0);
    eprintln!(
        "{} appends from {SESSIONS} sessions in {secs:.2}s ({:.0} events/s): {commits} commits",
        requests,
        requests as f64 / secs
    );
    assert_eq!(requests, (SESSIONS * EACH) as u64);
    assert!(
        commits * 4 <= requests,
        "group commit: {commits} commits for {requests} appends"
    );
    // Everything acknowledged is stored, once, in order.
    for sid in &sids {
        let events = store.all_events(sid).await.unwrap();
        let seqs: Vec<i64> = events.iter().filter_map(|e| e.sequence).collect();
        assert_eq!(seqs, (1..2 + EACH as i64).collect::<Vec<_>>());
        let ks: Vec<u64> = events[1..]
            .iter()
            .map(|e| e.data["k"].as_u64().unwrap())
            .collect();
        assert_eq!(ks, (0..EACH as u64).collect::<Vec<_>>());
    }
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_append_in_a_group_fails_alone() {
    let dir = tempfile::tempdir().unwrap();
    let store = open_store(dir.path()).await;
    let good = new_session(&store).await;
    // Launch many appends at once so they share batches with the bad ones.
    let mut tasks = Vec::new();
    for k in 0..200 {
        let store = store.clone();
        let sid = if k % 4 == 0 {
            format!("session_missing{k:04}")
        } else {
            good.clone()
        };
        tasks.push(tokio::spawn(async move {
            (k, store.append_events(&sid, vec![delta(k)]).await)
        }));
    }
    let mut ok = 0;
    for t in tasks {
        let (k, r) = t.await.unwrap();
        if k % 4 == 0 {
            assert!(
                matches!(r, Err(StoreError::NotFound(_))),
                "append to a missing session: {r:?}"
            );
        } else {
            r.unwrap();
            ok += 1;
        }
    }
    let events = store.all_events(&good).await.unwrap();
    assert_eq!(events.len(), 1 + ok);
    let seqs: Vec<i64> = events.iter().filter_map(|e| e.sequence).collect();
    assert_eq!(seqs, (1..=1 + ok as i64).collect::<Vec<_>>());
    store.close().await;
}

/// An in-process server on a real socket (so the test can read the hub's counters).
async fn in_process(dir: &std::path::Path) -> (App, String, tokio::sync::watch::Sender<bool>) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let config = ServeArgs {
        dev: true,
        ..ServeArgs::default()
    };
    let app = App::build(&db_url(dir), config, rx.clone()).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let router = everruns_server::router(app.clone());
    let mut stop = rx;
    tokio::spawn(async move {
        axum::serve(listener, router)
            .with_graceful_shutdown(async move {
                let _ = stop.wait_for(|v| *v).await;
            })
            .await
            .unwrap();
    });
    (app, addr, tx)
}

/// A raw SSE reader: the `data:` lines of `event:` frames with an id, in order.
struct RawSse {
    sock: tokio::net::TcpStream,
    buf: Vec<u8>,
}

impl RawSse {
    async fn open(addr: &str, sid: &str, since: Option<&str>) -> Self {
        let mut sock = tokio::net::TcpStream::connect(addr).await.unwrap();
        let q = since.map(|s| format!("?since_id={s}")).unwrap_or_default();
        let req = format!(
            "GET /api/v1/sessions/{sid}/sse{q} HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\n\r\n"
        );
        sock.write_all(req.as_bytes()).await.unwrap();
        Self {
            sock,
            buf: Vec::new(),
        }
    }

    /// Reads until `n` event envelopes (frames with `id:`) arrived; returns their sequences.
    async fn sequences(&mut self, n: usize, timeout: Duration) -> Vec<i64> {
        let deadline = Instant::now() + timeout;
        loop {
            let seqs = self.parse();
            if seqs.len() >= n {
                return seqs;
            }
            let mut chunk = [0u8; 64 * 1024];
            let left = deadline.saturating_duration_since(Instant::now());
            match tokio::time::timeout(left, self.sock.read(&mut chunk)).await {
                Ok(Ok(0)) | Err(_) => return seqs,
                Ok(Ok(k)) => self.buf.extend_from_slice(&chunk[..k]),
                Ok(Err(e)) => panic!("read: {e}"),
            }
        }
    }

    fn parse(&self) -> Vec<i64> {
        let text = String::from_utf8_lossy(&self.buf);
        text.lines()
            .filter_map(|l| l.strip_prefix("data: "))
            .filter_map(|d| serde_json::from_str::<Value>(d).ok())
            .filter_map(|v| v["sequence"].as_i64())
            .collect()
    }

    fn connected(&self) -> bool {
        String::from_utf8_lossy(&self.buf).contains("event: connected")
    }

    async fn until_connected(&mut self) {
        let mut chunk = [0u8; 4096];
        while !self.connected() {
            let k = tokio::time::timeout(Duration::from_secs(30), self.sock.read(&mut chunk))
                .await
                .expect("connected in time")
                .unwrap();
            assert!(k > 0, "closed before connected");
            self.buf.extend_from_slice(&chunk[..k]);
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousand_subscribers_cost_one_query_per_commit() {
    let dir = tempfile::tempdir().unwrap();
    let (app, addr, stop) = in_process(dir.path()).await;
    let store = app.store.clone();
    let sid = new_session(&store).await;
    const SUBS: usize = 1000;
    let mut subs = Vec::with_capacity(SUBS);
    for _ in 0..SUBS {
        subs.push(RawSse::open(&addr, &sid, None).await);
    }
    for s in subs.iter_mut() {
        s.until_connected().await;
    }
    // Let every subscriber finish its first catch-up (session.started).
    let deadline = Instant::now() + Duration::from_secs(60);
    for s in subs.iter_mut() {
        let got = s.sequences(1, deadline - Instant::now()).await;
        assert_eq!(got, vec![1]);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let mut expect = vec![1i64];
    for round in 0..3 {
        let before = store.hub().event_reads();
        let out = store
            .append_events(&sid, vec![delta(round * 2), delta(round * 2 + 1)])
            .await
            .unwrap();
        expect.extend(out.iter().filter_map(|e| e.sequence));
        let deadline = Instant::now() + Duration::from_secs(60);
        for s in subs.iter_mut() {
            let got = s.sequences(expect.len(), deadline - Instant::now()).await;
            assert_eq!(got, expect, "every subscriber, every event, once, in order");
        }
        let reads = store.hub().event_reads() - before;
        eprintln!("commit {round}: {reads} events queries for {SUBS} subscribers");
        assert_eq!(reads, 1, "one query per commit for {SUBS} subscribers");
    }
    drop(subs);
    let _ = stop.send(true);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_batches_send_the_stored_envelopes_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (app, addr, stop) = in_process(dir.path()).await;
    let store = app.store.clone();
    let sid = new_session(&store).await;
    // More than one replay batch (500), with envelopes of different sizes.
    let mut stored = Vec::new();
    for chunk in 0..3 {
        let evs: Vec<NewEvent> = (0..400)
            .map(|k| {
                let mut e = delta(chunk * 400 + k);
                e.data["pad"] = json!("x".repeat(k % 97));
                e
            })
            .collect();
        stored.extend(store.append_events(&sid, evs).await.unwrap());
    }
    let mut raw = RawSse::open(&addr, &sid, None).await;
    let seqs = raw.sequences(1201, Duration::from_secs(60)).await;
    assert_eq!(seqs, (1..=1201).collect::<Vec<_>>());
    // Byte for byte the stored envelopes, framed as documented.
    let text = String::from_utf8_lossy(&raw.buf).to_string();
    let all = store.all_events(&sid).await.unwrap();
    for e in all.iter().skip(1).step_by(97) {
        let envelope = serde_json::to_string(e).unwrap();
        let frame = format!(
            "event: {}\nid: {}\nretry: 100\ndata: {envelope}\n\n",
            e.event_type, e.id
        );
        assert!(text.contains(&frame), "frame of {} as stored", e.id);
    }
    // A resumed replay starts right after the cursor; filters apply in the batch query.
    let mid = &stored[599];
    let mut resumed = RawSse::open(&addr, &sid, Some(&mid.id)).await;
    let seqs = resumed.sequences(1201 - 601, Duration::from_secs(60)).await;
    assert_eq!(seqs, (602..=1201).collect::<Vec<_>>());
    let _ = stop.send(true);
}

/// The sequences of the next `n` stored events on `sse` (control frames skipped).
async fn next_sequences(sse: &mut common::SseClient, n: usize) -> Vec<i64> {
    let mut out = Vec::new();
    while out.len() < n {
        let f = tokio::time::timeout(Duration::from_secs(20), sse.next())
            .await
            .expect("event in time")
            .expect("stream open");
        if f.id.is_some() {
            let v: Value = serde_json::from_str(&f.data).unwrap();
            out.push(v["sequence"].as_i64().unwrap());
        }
    }
    out
}

/// PostgreSQL: the API process's LISTEN connection dies mid-stream; events committed by another
/// process while it is down reach the SSE client once the listener is back (well before the
/// 5 s fallback poll), every event exactly once and in order.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs PostgreSQL: make test-fanout-pg"]
async fn lost_listen_connection_is_reestablished_and_caught_up() {
    assert_eq!(
        std::env::var("EVERRUNS_TEST_BACKEND").as_deref(),
        Ok("postgres"),
        "run with EVERRUNS_TEST_BACKEND=postgres (make test-fanout-pg)"
    );
    let server = Server::start(Opts::dev());
    let url = db_url(&server.dir);
    // This test process is the "other process" that appends.
    let store = Store::open(&url).await.unwrap();
    let sid = server.session().await;
    let mut sse = server.sse(&sid, "").await;
    let mut got: Vec<i64> = Vec::new();
    got.extend(next_sequences(&mut sse, 1).await); // session.started
    let listeners = || {
        let url = url.clone();
        async move {
            let out = std::process::Command::new("psql")
                .arg(&url)
                .arg("-qtAc")
                .arg(
                    "SELECT pid FROM pg_stat_activity WHERE query ILIKE '%LISTEN%everruns_events%' \
                     AND pid <> pg_backend_pid() ORDER BY pid",
                )
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout)
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.trim().to_string())
                .collect::<Vec<_>>()
        }
    };
    // Live events before the cut arrive through NOTIFY.
    for k in 0..20 {
        store.append_events(&sid, vec![delta(k)]).await.unwrap();
    }
    got.extend(next_sequences(&mut sse, 20).await);
    let before = listeners().await;
    assert_eq!(before.len(), 1, "one LISTEN connection: {before:?}");
    let st = std::process::Command::new("psql")
        .arg(&url)
        .arg("-qtAc")
        .arg(format!("SELECT pg_terminate_backend({})", before[0]))
        .status()
        .unwrap();
    assert!(st.success());
    // Committed while the listener is down: these notifications are lost.
    for k in 20..60 {
        store.append_events(&sid, vec![delta(k)]).await.unwrap();
    }
    let cut = Instant::now();
    got.extend(next_sequences(&mut sse, 40).await);
    let caught_up = cut.elapsed();
    eprintln!("caught up 40 events {caught_up:?} after the LISTEN connection was killed");
    assert!(
        caught_up < Duration::from_secs(4),
        "caught up by the reconnected listener, not the 5 s fallback poll ({caught_up:?})"
    );
    // A new listener is in place and live events flow through it again.
    let after = listeners().await;
    assert_eq!(after.len(), 1, "re-established: {after:?}");
    assert_ne!(after, before, "a new LISTEN backend");
    for k in 60..80 {
        store.append_events(&sid, vec![delta(k)]).await.unwrap();
    }
    got.extend(next_sequences(&mut sse, 20).await);
    assert_eq!(
        got,
        (1..=81).collect::<Vec<_>>(),
        "every event once, in order"
    );
    store.close().await;
}
