//! The per-session default stream cursor (docs/decisions.md#4): the seed's loop
//! "messages.create → for event in stream → break on turn.completed" works turn after turn.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use everruns_core::client::{Everruns, StreamOptions};
use everruns_core::types::Event;
use futures::StreamExt;
use serde_json::{json, Value};
use support::*;

const WAIT: Duration = Duration::from_secs(20);

/// A tiny session server: an event log, messages that append a whole turn, polling and SSE.
async fn session_server() -> (TestServer, Arc<Mutex<Vec<Value>>>) {
    let log = Arc::new(Mutex::new(vec![event_json(
        SID,
        1,
        "session.started",
        json!({"harness_id": HID}),
    )]));
    let l = log.clone();
    let server = TestServer::start(move |r, _| {
        let p = r.path.as_str();
        if p.ends_with("/messages") && r.method == "POST" {
            let mut log = l.lock().unwrap();
            let turn = log.iter().filter(|e| e["type"] == "turn.started").count() + 1;
            let tid = format!("turn_{turn}");
            for ty in [
                "input.message",
                "turn.started",
                "output.message.delta",
                "output.message.completed",
                "turn.completed",
                "session.idled",
            ] {
                let seq = log.len() as u64 + 1;
                log.push(event_json(SID, seq, ty, json!({"turn_id": tid})));
            }
            return json_response(201, message_json("message_1", "user", "hi"));
        }
        let log = l.lock().unwrap().clone();
        let after = since_seq(r).unwrap_or(0);
        let newer: Vec<Value> = log
            .iter()
            .filter(|e| e["sequence"].as_u64().unwrap() > after)
            .cloned()
            .collect();
        if p.ends_with("/events") {
            let data = match r.query_values("limit").first() {
                Some(n) => {
                    let n: usize = n.parse().unwrap();
                    newer[newer.len().saturating_sub(n)..].to_vec()
                }
                None => newer,
            };
            return json_response(200, json!({ "data": data }));
        }
        if p.ends_with("/sse") {
            let mut frames = vec![CONNECTED.to_string()];
            for e in newer {
                frames.push(format!(
                    "event: {}\nid: {}\ndata: {}\n\n",
                    e["type"].as_str().unwrap(),
                    e["id"].as_str().unwrap(),
                    e
                ));
            }
            return sse_script(frames, Duration::ZERO, Ending::Hang);
        }
        error_response(404, "not_found", "no")
    })
    .await;
    (server, log)
}

/// The seed's loop: read until the first terminal event; returns the events read.
async fn until_terminal(client: &Everruns, opts: StreamOptions) -> Vec<Event> {
    let mut stream = client.events().stream(SID, opts);
    let mut seen = Vec::new();
    loop {
        let ev = tokio::time::timeout(WAIT, stream.next())
            .await
            .expect("stream stalled")
            .expect("stream ended")
            .expect("stream error");
        let terminal = ev.event_type == "turn.completed" || ev.event_type == "turn.failed";
        seen.push(ev);
        if terminal {
            return seen;
        }
    }
}

fn limit_fetches(server: &TestServer) -> usize {
    server
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/events") && !r.query_values("limit").is_empty())
        .count()
}

fn opts() -> StreamOptions {
    StreamOptions::new().backoff(Duration::from_millis(5), Duration::from_millis(20))
}

#[tokio::test]
async fn seed_loop_works_turn_after_turn() {
    let (server, _log) = session_server().await;
    let client = server.client();
    for turn in 1..=3 {
        client.messages().create(SID, "question").await.unwrap();
        let seen = until_terminal(&client, opts()).await;
        let done = seen.last().unwrap();
        assert_eq!(done.event_type, "turn.completed");
        assert_eq!(done.data["turn_id"], format!("turn_{turn}"), "turn {turn}");
        assert!(
            seen.iter()
                .any(|e| e.event_type == "input.message"
                    && e.data["turn_id"] == format!("turn_{turn}")),
            "the stream starts before this turn's input"
        );
        assert!(
            !seen
                .iter()
                .any(|e| e.event_type == "turn.completed"
                    && e.data["turn_id"] != format!("turn_{turn}")),
            "no older terminal event"
        );
    }
    // The latest event was fetched once, before the first message; later pins used the
    // delivered cursor.
    assert_eq!(limit_fetches(&server), 1);
    let first_sse = server
        .requests()
        .into_iter()
        .find(|r| r.path.ends_with("/sse"))
        .unwrap();
    assert_eq!(since_seq(&first_sse), Some(1), "after session.started");
}

#[tokio::test]
async fn partially_read_turn_does_not_leak_into_the_next() {
    let (server, _log) = session_server().await;
    let client = server.client();
    client.messages().create(SID, "one").await.unwrap();
    // Stop reading turn 1 at its agent message, before turn.completed.
    let mut stream = client.events().stream(SID, opts());
    loop {
        let ev = stream.next().await.unwrap().unwrap();
        if ev.event_type == "output.message.completed" {
            break;
        }
    }
    drop(stream);
    client.messages().create(SID, "two").await.unwrap();
    let seen = until_terminal(&client, opts()).await;
    assert_eq!(seen.last().unwrap().data["turn_id"], "turn_2");
    assert_eq!(seen[0].event_type, "input.message");
    assert_eq!(seen[0].data["turn_id"], "turn_2");
    assert_eq!(limit_fetches(&server), 2, "mid-turn stop → fetched again");
}

#[tokio::test]
async fn turns_posted_without_streaming_are_skipped() {
    let (server, _log) = session_server().await;
    let client = server.client();
    client.messages().create(SID, "one").await.unwrap();
    client.messages().create(SID, "two").await.unwrap();
    let seen = until_terminal(&client, opts()).await;
    assert_eq!(seen.last().unwrap().data["turn_id"], "turn_2");
    assert!(seen.iter().all(|e| e.data["turn_id"] == "turn_2"));
}

#[tokio::test]
async fn explicit_cursor_and_from_beginning_override_the_default() {
    let (server, _log) = session_server().await;
    let client = server.client();
    client.messages().create(SID, "one").await.unwrap();
    until_terminal(&client, opts()).await;
    client.messages().create(SID, "two").await.unwrap();

    // from_beginning replays everything: the first terminal is turn 1's.
    let seen = until_terminal(&client, opts().from_beginning()).await;
    assert_eq!(seen[0].sequence, Some(1));
    assert_eq!(seen.last().unwrap().data["turn_id"], "turn_1");
    let r = server
        .requests()
        .into_iter()
        .filter(|r| r.path.ends_with("/sse"))
        .last()
        .unwrap();
    assert_eq!(r.query_values("since_id"), Vec::<String>::new());

    // An explicit since_id wins.
    let seen = until_terminal(&client, opts().since_id(event_id(3))).await;
    assert_eq!(seen[0].sequence, Some(4));
    assert_eq!(seen.last().unwrap().data["turn_id"], "turn_1");

    // Replaying old events never moved the default cursor backwards: the default stream
    // still yields turn 2.
    let seen = until_terminal(&client, opts()).await;
    assert_eq!(seen.last().unwrap().data["turn_id"], "turn_2");
    assert_eq!(client.default_cursor(SID), Some(event_id(12)));
}

#[tokio::test]
async fn cursor_is_shared_by_clones_not_by_other_clients() {
    let (server, _log) = session_server().await;
    let client = server.client();
    client.messages().create(SID, "one").await.unwrap();
    until_terminal(&client, opts()).await;
    assert_eq!(client.default_cursor(SID), Some(event_id(6)));
    let clone = client.with_options(Default::default());
    assert_eq!(clone.default_cursor(SID), Some(event_id(6)));
    clone.messages().create(SID, "two").await.unwrap();
    let seen = until_terminal(&client, opts()).await;
    assert_eq!(seen.last().unwrap().data["turn_id"], "turn_2");

    let other = server.client();
    assert_eq!(other.default_cursor(SID), None);
    // A fresh client without a create replays from the start (old-server behaviour).
    let seen = until_terminal(&other, opts()).await;
    assert_eq!(seen.last().unwrap().data["turn_id"], "turn_1");
    client.reset_default_cursor(SID);
    assert_eq!(client.default_cursor(SID), None);
}
