//! SSE: framing, replay + live tail without gap or duplicate, filters, cursors, heartbeats,
//! connection cycling, shutdown, and 200 concurrent subscribers.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{assert_error, Opts, Server};
use serde_json::{json, Value};

fn data(f: &everruns_core::sse::SseFrame) -> Value {
    serde_json::from_str(&f.data).expect("json data")
}

#[tokio::test]
async fn replay_then_live_with_filters_and_cursors() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    s.say(&sid, "one").await;
    let stored = s.wait_terminals(&sid, 1).await;

    // connected first (no id), then the whole history, then live events of a new turn
    let mut c = s.sse(&sid, "").await;
    let first = c.next().await.unwrap();
    assert_eq!(first.event.as_deref(), Some("connected"));
    assert_eq!(first.id, None);
    assert_eq!(data(&first), json!({"status": "connected"}));
    let mut got = Vec::new();
    for _ in 0..stored.len() {
        let f = c.next().await.unwrap();
        let d = data(&f);
        assert_eq!(f.event.as_deref(), d["type"].as_str());
        assert_eq!(f.id.as_deref(), d["id"].as_str());
        assert_eq!(f.retry, Some(100));
        got.push(d);
    }
    assert_eq!(got, stored, "replay equals the stored log");
    s.say(&sid, "two").await;
    let live = c.until("turn.completed").await;
    let mut seqs: Vec<i64> = got
        .iter()
        .map(|e| e["sequence"].as_i64().unwrap())
        .collect();
    seqs.extend(live.iter().map(|f| data(f)["sequence"].as_i64().unwrap()));
    assert_eq!(
        seqs,
        (1..=seqs.len() as i64).collect::<Vec<_>>(),
        "no gap, no duplicate"
    );
    assert!(c
        .raw
        .lines()
        .all(|l| !l.starts_with("data: ") || !l[6..].contains('\n')));

    // since_id is exclusive; Last-Event-ID works; since_id wins over it
    let mid = &stored[3];
    let mut c = s
        .sse(&sid, &format!("?since_id={}", mid["id"].as_str().unwrap()))
        .await;
    c.next().await.unwrap();
    let f = c.next().await.unwrap();
    assert_eq!(
        data(&f)["sequence"].as_i64(),
        Some(mid["sequence"].as_i64().unwrap() + 1)
    );
    let resp = s
        .raw(
            reqwest::Method::GET,
            &format!(
                "/sessions/{sid}/sse?since_id={}",
                stored[1]["id"].as_str().unwrap()
            ),
        )
        .header("last-event-id", mid["id"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let mut c2 = common_sse(resp);
    c2.next().await.unwrap();
    assert_eq!(
        data(&c2.next().await.unwrap())["sequence"].as_i64(),
        Some(3)
    );
    let resp = s
        .raw(reqwest::Method::GET, &format!("/sessions/{sid}/sse"))
        .header("last-event-id", mid["id"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    let mut c3 = common_sse(resp);
    c3.next().await.unwrap();
    assert_eq!(
        data(&c3.next().await.unwrap())["sequence"].as_i64(),
        Some(mid["sequence"].as_i64().unwrap() + 1)
    );

    // filters: types narrow, exclude removes; framing always sent
    let mut c = s
        .sse(
            &sid,
            "?types=turn.completed&types=input.message&exclude=input.message",
        )
        .await;
    assert_eq!(c.next().await.unwrap().event.as_deref(), Some("connected"));
    let f = c.next().await.unwrap();
    assert_eq!(f.event.as_deref(), Some("turn.completed"));
    let f = c.next().await.unwrap();
    assert_eq!(f.event.as_deref(), Some("turn.completed"));

    // bad input → 400/404 before streaming
    for (q, code) in [
        ("?types=bogus", "unknown_event_type"),
        ("?since_id=evt_1", "invalid_id"),
        (
            "?since_id=event_0190f3c2a7b87e1c9d2a5b6c7d8e9f01",
            "unknown_cursor",
        ),
    ] {
        let (st, b) = s.get(&format!("/sessions/{sid}/sse{q}")).await;
        assert_error(st, &b, 400, code);
    }
    let many: String = (0..26)
        .map(|_| "exclude=turn.started")
        .collect::<Vec<_>>()
        .join("&");
    let (st, b) = s.get(&format!("/sessions/{sid}/sse?{many}")).await;
    assert_error(st, &b, 400, "too_many_filters");
    let (st, b) = s
        .get("/sessions/session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01/sse")
        .await;
    assert_error(st, &b, 404, "session_not_found");
}

fn common_sse(resp: reqwest::Response) -> SseWrap {
    SseWrap::new(resp)
}

/// Same as `common::SseClient`, built from an existing response.
struct SseWrap {
    inner: common::SseClient,
}

impl SseWrap {
    fn new(resp: reqwest::Response) -> Self {
        assert_eq!(resp.status(), 200);
        Self {
            inner: common::SseClient::from_response(resp),
        }
    }
    async fn next(&mut self) -> Option<everruns_core::sse::SseFrame> {
        self.inner.next().await
    }
}

#[tokio::test]
async fn heartbeats_and_connection_cycling() {
    let s = Server::start(
        Opts::dev()
            .env("SSE_HEARTBEAT_INTERVAL_SECS", "0.2")
            .env("SSE_REALTIME_CYCLE_SECS", "1.5"),
    );
    let sid = s.session().await;
    let mut c = s.sse(&sid, "").await;
    assert_eq!(c.next().await.unwrap().event.as_deref(), Some("connected"));
    let started = c.next().await.unwrap();
    assert_eq!(started.event.as_deref(), Some("session.started"));
    let last = c.next().await.unwrap();
    assert_eq!(last.event.as_deref(), Some("disconnecting"));
    assert_eq!(last.id, None);
    assert_eq!(
        data(&last),
        json!({"reason": "connection_cycle", "retry_ms": 100})
    );
    assert!(
        c.next().await.is_none(),
        "stream closes after disconnecting"
    );
    assert!(c.comments() >= 2, "heartbeats: {}", c.comments());
    assert!(c.raw.contains(": heartbeat\n\n"));
    // reconnect with the cursor: nothing is replayed twice, new events arrive
    let mut c = s
        .sse(&sid, &format!("?since_id={}", started.id.unwrap()))
        .await;
    c.next().await.unwrap();
    s.say(&sid, "hi").await;
    let f = c.next().await.unwrap();
    assert_eq!(f.event.as_deref(), Some("input.message"));
}

#[tokio::test]
async fn shutdown_sends_disconnecting() {
    let mut s = Server::start(Opts::dev());
    let sid = s.session().await;
    let mut c = s.sse(&sid, "").await;
    c.next().await.unwrap();
    c.next().await.unwrap();
    let status = tokio::task::spawn_blocking(move || s.terminate())
        .await
        .unwrap();
    let f = c.next().await.unwrap();
    assert_eq!(f.event.as_deref(), Some("disconnecting"));
    assert_eq!(data(&f)["reason"], "server_shutdown");
    assert!(status.success(), "{status:?}");
}

#[tokio::test]
async fn two_hundred_subscribers_receive_every_event() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    s.script(
        &sid,
        json!({"steps": [{"text": "alpha beta gamma delta epsilon zeta eta theta iota kappa", "delay_ms": 300}], "chunk_delay_ms": 5}),
    )
    .await;
    let mut clients = Vec::new();
    for _ in 0..200 {
        let mut c = s.sse(&sid, "").await;
        assert_eq!(c.next().await.unwrap().event.as_deref(), Some("connected"));
        clients.push(c);
    }
    s.say(&sid, "go").await;
    let mut handles = Vec::new();
    for mut c in clients {
        handles.push(tokio::spawn(async move {
            let frames = c.until("session.idled").await;
            frames
                .iter()
                .map(|f| f.id.clone().unwrap())
                .collect::<Vec<_>>()
        }));
    }
    let stored = s.wait_terminals(&sid, 1).await;
    let want: Vec<String> = stored
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect();
    for h in handles {
        let ids = tokio::time::timeout(Duration::from_secs(120), h)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(ids, want, "every subscriber gets every event, in order");
        assert_eq!(ids.iter().collect::<HashSet<_>>().len(), ids.len());
    }
}
