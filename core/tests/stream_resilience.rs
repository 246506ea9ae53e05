//! The resilient event stream against a real local SSE server: graceful cycling, backoff,
//! liveness/stall timers, forced disconnects, de-duplication, fatal vs retried statuses,
//! retry exhaustion and stop().

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use everruns_core::client::{Error, StreamOptions};
use everruns_core::types::Event;
use futures::StreamExt;
use serde_json::json;
use support::*;

const WAIT: Duration = Duration::from_secs(20);

fn fast() -> StreamOptions {
    StreamOptions::new()
        .from_beginning()
        .backoff(Duration::from_millis(5), Duration::from_millis(20))
        .liveness_timeout(Duration::from_secs(10))
}

fn is_sse(r: &Recorded) -> bool {
    r.path.ends_with("/sse")
}

fn sse_requests(server: &TestServer) -> Vec<Recorded> {
    server.requests().into_iter().filter(is_sse).collect()
}

async fn collect(stream: &mut everruns_core::EventStream, n: usize) -> Vec<Event> {
    let mut out = Vec::new();
    while out.len() < n {
        match tokio::time::timeout(WAIT, stream.next())
            .await
            .expect("stream stalled")
        {
            Some(Ok(e)) => out.push(e),
            Some(Err(e)) => panic!("unexpected error after {} events: {e:?}", out.len()),
            None => panic!("stream ended after {} events", out.len()),
        }
    }
    out
}

fn seqs(events: &[Event]) -> Vec<u64> {
    events.iter().map(|e| e.sequence.unwrap() as u64).collect()
}

#[tokio::test]
async fn graceful_cycles_reuse_one_connection_and_never_count_retries() {
    // Each connection: connected, the next 2 events after the cursor, disconnecting, close.
    let server = TestServer::start(|r, _| {
        let from = since_seq(r).unwrap_or(0);
        let mut frames = vec![CONNECTED.to_string()];
        for s in from + 1..=(from + 2).min(10) {
            frames.push(sse_event(
                SID,
                s,
                "output.message.delta",
                json!({"turn_id":"turn_1","delta":"x","accumulated":"x"}),
            ));
        }
        frames.push(disconnecting(5));
        sse_script(frames, Duration::ZERO, Ending::Close)
    })
    .await;
    let client = server.client();
    let mut stream = client.events().stream(SID, fast());
    let events = collect(&mut stream, 10).await;
    assert_eq!(seqs(&events), (1..=10).collect::<Vec<_>>());
    assert_eq!(stream.retry_count(), 0);
    assert_eq!(stream.reconnect_count(), 4);
    assert_eq!(stream.last_event_id(), Some(event_id(10)));
    let reqs = sse_requests(&server);
    let cursors: Vec<Option<u64>> = reqs.iter().map(since_seq).collect();
    assert_eq!(cursors, vec![None, Some(2), Some(4), Some(6), Some(8)]);
    for r in &reqs {
        assert_eq!(r.header("accept"), Some("text/event-stream"));
        assert_eq!(r.header("cache-control"), Some("no-cache"));
        assert_eq!(r.header("authorization"), Some(TOKEN));
        assert_eq!(r.header("x-org-id"), Some(ORG));
    }
    assert_eq!(
        server.connections(),
        1,
        "every reconnect reused the pooled connection"
    );
}

#[tokio::test]
async fn fifty_consecutive_graceful_cycles() {
    let server = TestServer::start(|r, _| {
        let next = since_seq(r).unwrap_or(0) + 1;
        sse_script(
            vec![
                CONNECTED.to_string(),
                sse_event(SID, next, "tool.progress", json!({})),
                disconnecting(1),
            ],
            Duration::ZERO,
            Ending::Close,
        )
    })
    .await;
    let client = server.client();
    let mut stream = client.events().stream(SID, fast().max_retries(0));
    let events = collect(&mut stream, 50).await;
    assert_eq!(seqs(&events), (1..=50).collect::<Vec<_>>());
    assert_eq!(stream.retry_count(), 0, "graceful cycles never count");
    assert_eq!(stream.reconnect_count(), 49);
    assert_eq!(server.connections(), 1);
}

#[tokio::test]
async fn connected_resets_backoff_and_retry_count() {
    // Two failures, then a connection that only says `connected` and ends unexpectedly, ...
    // Each `connected` must reset the count: without the reset, max_retries 3 would be
    // exhausted by the fourth failure in total.
    let server = TestServer::start(|_, i| {
        if i == 14 {
            sse_script(
                vec![
                    CONNECTED.to_string(),
                    sse_event(
                        SID,
                        1,
                        "turn.started",
                        json!({"turn_id":"t","input_message_id":"m"}),
                    ),
                ],
                Duration::ZERO,
                Ending::Hang,
            )
        } else if i % 3 != 2 {
            error_response(503, "unavailable", "busy")
        } else {
            sse_script(vec![CONNECTED.to_string()], Duration::ZERO, Ending::Close)
        }
    })
    .await;
    let client = server.client();
    let mut stream = client.events().stream(SID, fast().max_retries(3));
    let events = collect(&mut stream, 1).await;
    assert_eq!(seqs(&events), vec![1]);
    assert_eq!(sse_requests(&server).len(), 15);
    assert_eq!(stream.retry_count(), 0);
    assert_eq!(stream.reconnect_count(), 14);

    // The budget is real: with max_retries 2 the third failure in a row ends the stream
    // (503, 503, connected → reset, EOF, 503, 503 → exhausted).
    let server = TestServer::start(|_, i| {
        if i % 3 != 2 {
            error_response(503, "unavailable", "busy")
        } else {
            sse_script(vec![CONNECTED.to_string()], Duration::ZERO, Ending::Close)
        }
    })
    .await;
    let mut stream = server.client().events().stream(SID, fast().max_retries(2));
    let item = tokio::time::timeout(WAIT, stream.next()).await.unwrap();
    let e = item.expect("an error item").unwrap_err();
    assert_eq!(e.status(), Some(503));
    assert!(stream.next().await.is_none(), "ended after the error");
    assert_eq!(server.request_count(), 5);
}

#[tokio::test]
async fn hundred_forced_disconnects_deliver_each_event_once_in_order() {
    const TOTAL: u64 = 300;
    let server = TestServer::start(|r, i| {
        let from = since_seq(r).unwrap_or(0);
        // Resend the last event the client already has (at-least-once server), then up to 3
        // new ones, then break the connection (or end it without `disconnecting`).
        let mut frames = vec![CONNECTED.to_string()];
        for s in from.max(1)..=(from + 3).min(TOTAL) {
            frames.push(sse_event(
                SID,
                s,
                "output.message.delta",
                json!({"turn_id":"t","delta":"d","accumulated":"d"}),
            ));
        }
        if from >= TOTAL {
            return sse_script(frames, Duration::ZERO, Ending::Hang);
        }
        let ending = if i % 2 == 0 {
            Ending::Break
        } else {
            Ending::Close
        };
        sse_script(frames, Duration::ZERO, ending)
    })
    .await;
    let client = server.client();
    let mut stream = client.events().stream(SID, fast());
    let events = collect(&mut stream, TOTAL as usize).await;
    assert_eq!(
        seqs(&events),
        (1..=TOTAL).collect::<Vec<_>>(),
        "exactly once, in order"
    );
    let mut ids: Vec<&str> = events.iter().map(|e| e.id.as_str()).collect();
    ids.dedup();
    assert_eq!(ids.len(), TOTAL as usize);
    assert!(
        sse_requests(&server).len() >= 100,
        "{} connections",
        sse_requests(&server).len()
    );
    assert!(stream.reconnect_count() >= 99);
    assert!(stream.retry_count() <= 1, "events reset the retry count");
    stream.stop();
}

#[tokio::test]
async fn dedup_never_goes_backwards_after_a_resume() {
    // The second connection replays old events (ignoring the cursor) and then new ones.
    let server = TestServer::start(|_, i| {
        let frames: Vec<String> = if i == 0 {
            (1..=3)
                .map(|s| sse_event(SID, s, "tool.progress", json!({})))
                .collect()
        } else {
            (1..=6)
                .map(|s| sse_event(SID, s, "tool.progress", json!({})))
                .collect()
        };
        let mut all = vec![CONNECTED.to_string()];
        all.extend(frames);
        sse_script(
            all,
            Duration::ZERO,
            if i == 0 { Ending::Close } else { Ending::Hang },
        )
    })
    .await;
    let client = server.client();
    let mut stream = client.events().stream(SID, fast());
    let events = collect(&mut stream, 6).await;
    assert_eq!(seqs(&events), vec![1, 2, 3, 4, 5, 6]);
    assert_eq!(since_seq(&sse_requests(&server)[1]), Some(3));
}

#[tokio::test]
async fn half_open_connection_is_detected_by_the_liveness_timer() {
    let server = TestServer::start(|r, i| {
        if i == 0 {
            // Accepts, says connected, then goes silent forever.
            sse_script(vec![CONNECTED.to_string()], Duration::ZERO, Ending::Hang)
        } else {
            let next = since_seq(r).unwrap_or(0) + 1;
            sse_script(
                vec![
                    CONNECTED.to_string(),
                    sse_event(
                        SID,
                        next,
                        "turn.completed",
                        json!({"turn_id":"t","iterations":1}),
                    ),
                ],
                Duration::ZERO,
                Ending::Hang,
            )
        }
    })
    .await;
    let client = server.client();
    let opts = fast().liveness_timeout(Duration::from_millis(300));
    let mut stream = client.events().stream(SID, opts);
    let t = Instant::now();
    let events = collect(&mut stream, 1).await;
    assert!(t.elapsed() >= Duration::from_millis(290));
    assert_eq!(events[0].event_type, "turn.completed");
    assert_eq!(stream.reconnect_count(), 1);
    assert_eq!(sse_requests(&server).len(), 2);
}

#[tokio::test]
async fn heartbeats_keep_an_idle_stream_alive() {
    let server = TestServer::start(|_, _| {
        let (tx, resp) = sse_channel();
        tokio::spawn(async move {
            let _ = tx.send(Ok(CONNECTED.into()));
            for _ in 0..12 {
                tokio::time::sleep(Duration::from_millis(100)).await;
                let _ = tx.send(Ok(": heartbeat\n\n".into()));
            }
            let _ = tx.send(Ok(sse_event(
                SID,
                1,
                "turn.completed",
                json!({"turn_id":"t","iterations":1}),
            )
            .into()));
            tx.closed().await;
        });
        resp
    })
    .await;
    let client = server.client();
    let opts = fast().liveness_timeout(Duration::from_millis(300));
    let mut stream = client.events().stream(SID, opts);
    let t = Instant::now();
    let events = collect(&mut stream, 1).await;
    assert!(
        t.elapsed() >= Duration::from_millis(1100),
        "idle for well past the liveness timeout"
    );
    assert_eq!(events[0].sequence, Some(1));
    assert_eq!(
        stream.reconnect_count(),
        0,
        "heartbeats reset the liveness timer"
    );
    assert_eq!(stream.retry_count(), 0);
    assert_eq!(sse_requests(&server).len(), 1);
}

#[tokio::test]
async fn stall_timer_is_reset_only_by_events() {
    let server = TestServer::start(|r, i| {
        if i == 0 {
            sse_script(
                vec![CONNECTED.to_string()],
                Duration::ZERO,
                Ending::Heartbeats(Duration::from_millis(50)),
            )
        } else {
            let next = since_seq(r).unwrap_or(0) + 1;
            sse_script(
                vec![
                    CONNECTED.to_string(),
                    sse_event(SID, next, "tool.progress", json!({})),
                ],
                Duration::ZERO,
                Ending::Heartbeats(Duration::from_millis(50)),
            )
        }
    })
    .await;
    let client = server.client();
    let opts = fast()
        .liveness_timeout(Duration::from_secs(10))
        .stall_timeout(Duration::from_millis(400));
    let mut stream = client.events().stream(SID, opts);
    let events = collect(&mut stream, 1).await;
    assert_eq!(events[0].sequence, Some(1));
    assert_eq!(
        stream.reconnect_count(),
        1,
        "heartbeats alone did not satisfy the stall timer"
    );
}

#[tokio::test]
async fn retry_field_is_a_floor_for_the_graceful_delay() {
    let server = TestServer::start(|r, _| {
        let next = since_seq(r).unwrap_or(0) + 1;
        sse_script(
            vec![
                CONNECTED.to_string(),
                format!(
                    "retry: 400\n{}",
                    sse_event(SID, next, "tool.progress", json!({}))
                ),
                disconnecting(5),
            ],
            Duration::ZERO,
            Ending::Close,
        )
    })
    .await;
    let client = server.client();
    let mut stream = client.events().stream(SID, fast());
    collect(&mut stream, 1).await;
    let t = Instant::now();
    collect(&mut stream, 1).await;
    assert!(
        t.elapsed() >= Duration::from_millis(390),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(stream.retry_count(), 0);
}

#[tokio::test]
async fn client_errors_are_fatal_server_errors_are_retried() {
    for (status, code) in [
        (400u16, "unknown_event_type"),
        (401, "unauthorized"),
        (403, "forbidden"),
        (404, "session_not_found"),
    ] {
        let server = TestServer::start(move |_, _| error_response(status, code, "no")).await;
        let mut stream = server.client().events().stream(SID, fast());
        let e = tokio::time::timeout(WAIT, stream.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap_err();
        assert_eq!(e.status(), Some(status));
        assert_eq!(e.code(), code);
        assert!(stream.next().await.is_none());
        assert_eq!(server.request_count(), 1, "{status} not retried");
    }
    for status in [408u16, 429, 500, 502, 503] {
        let server = TestServer::start(move |r, i| {
            if i < 2 {
                error_response(status, "x", "y")
            } else {
                let next = since_seq(r).unwrap_or(0) + 1;
                sse_script(
                    vec![
                        CONNECTED.to_string(),
                        sse_event(SID, next, "tool.progress", json!({})),
                    ],
                    Duration::ZERO,
                    Ending::Hang,
                )
            }
        })
        .await;
        let mut stream = server.client().events().stream(SID, fast());
        let events = collect(&mut stream, 1).await;
        assert_eq!(events[0].sequence, Some(1), "{status}");
        assert_eq!(server.request_count(), 3, "{status}");
    }
}

#[tokio::test]
async fn exhausted_retries_yield_the_last_error_then_end() {
    let server = TestServer::start(|_, i| {
        raw_response(
            503,
            "application/json",
            json!({"error":{"code":"down","message":format!("try {i}")}}).to_string(),
            &[("x-request-id", "req_sse")],
        )
    })
    .await;
    let mut stream = server.client().events().stream(SID, fast().max_retries(2));
    let e = tokio::time::timeout(WAIT, stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(matches!(e, Error::Api { status: 503, .. }), "{e:?}");
    assert_eq!(e.message(), "try 2");
    assert_eq!(e.request_id(), Some("req_sse"));
    assert!(stream.next().await.is_none());
    assert!(stream.next().await.is_none());
    assert_eq!(server.request_count(), 3);
    assert_eq!(
        stream.next_batch(10).await.unwrap(),
        vec![],
        "empty batch = ended"
    );

    // Unexpected EOFs also exhaust: the error says so.
    let server = TestServer::start(|_, _| {
        sse_script(vec![": hi\n\n".into()], Duration::ZERO, Ending::Close)
    })
    .await;
    let mut stream = server.client().events().stream(SID, fast().max_retries(1));
    let e = tokio::time::timeout(WAIT, stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(matches!(e, Error::Stream { .. }), "{e:?}");
    assert!(e.message().contains("disconnecting"), "{e}");
}

#[tokio::test]
async fn stop_ends_promptly_and_makes_no_further_connection() {
    // Stopped during a long backoff sleep.
    let server = TestServer::start(|_, _| error_response(503, "x", "y")).await;
    let client = server.client();
    let mut stream = client.events().stream(
        SID,
        StreamOptions::new()
            .from_beginning()
            .backoff(Duration::from_secs(60), Duration::from_secs(60)),
    );
    let handle = stream.stop_handle();
    let stopper = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        handle.stop();
    });
    let t = Instant::now();
    let item = tokio::time::timeout(WAIT, stream.next()).await.unwrap();
    assert!(item.is_none());
    assert!(
        t.elapsed() < Duration::from_secs(30),
        "did not wait for the 60 s backoff"
    );
    stopper.await.unwrap();
    let n = server.request_count();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(stream.next().await.is_none());
    assert_eq!(server.request_count(), n, "no connection after stop");
    assert!(stream.stop_handle().is_stopped());

    // Stopped while connected and waiting for data; buffered events are dropped.
    let server = TestServer::start(|r, _| {
        if since_seq(r).is_some() {
            return sse_script(vec![CONNECTED.to_string()], Duration::ZERO, Ending::Hang);
        }
        sse_script(
            vec![
                CONNECTED.to_string(),
                sse_event(SID, 1, "tool.progress", json!({}))
                    + &sse_event(SID, 2, "tool.progress", json!({})),
            ],
            Duration::ZERO,
            Ending::Hang,
        )
    })
    .await;
    let client = server.client();
    let mut stream = client.events().stream(SID, fast());
    collect(&mut stream, 1).await;
    stream.stop();
    assert!(
        stream.next().await.is_none(),
        "buffered event 2 dropped after stop"
    );
    let handle = stream.stop_handle();
    let mut stream2 = client.events().stream(SID, fast().since_id(event_id(2)));
    let h2 = stream2.stop_handle();
    let waiter = tokio::spawn(async move { tokio::time::timeout(WAIT, stream2.next()).await });
    tokio::time::sleep(Duration::from_millis(200)).await;
    h2.stop();
    assert!(waiter.await.unwrap().unwrap().is_none());
    assert!(handle.is_stopped());
    assert_eq!(sse_requests(&server).len(), 2);
}

#[tokio::test]
async fn unknown_types_pass_through_and_malformed_json_is_skipped() {
    let server = TestServer::start(|_, _| {
        sse_script(
            vec![
                CONNECTED.to_string(),
                sse_event(SID, 1, "budget.warning", json!({"balance": 1})),
                "event: tool.progress\nid: event_x\ndata: {not json\n\n".to_string(),
                "event: done\ndata: {}\n\n".to_string(),
                ": comment only\n\n".to_string(),
                "retry: 50\n\n".to_string(),
                sse_event(
                    SID,
                    2,
                    "turn.completed",
                    json!({"turn_id":"t","iterations":1}),
                ),
            ],
            Duration::ZERO,
            Ending::Hang,
        )
    })
    .await;
    let mut stream = server.client().events().stream(SID, fast());
    let events = collect(&mut stream, 2).await;
    assert_eq!(events[0].event_type, "budget.warning");
    assert_eq!(events[0].data["balance"], 1);
    assert_eq!(events[1].event_type, "turn.completed");
}

#[tokio::test]
async fn batches_return_what_is_buffered() {
    let server = TestServer::start(|_, _| {
        let body: String = (1..=5)
            .map(|s| sse_event(SID, s, "tool.progress", json!({})))
            .collect();
        sse_script(
            vec![format!("{CONNECTED}{body}")],
            Duration::ZERO,
            Ending::Close,
        )
    })
    .await;
    let client = server.client();
    let mut stream = client.events().stream(SID, fast().max_retries(0));
    let b = stream.next_batch(2).await.unwrap();
    assert_eq!(seqs(&b), vec![1, 2]);
    let b = stream.next_batch(10).await.unwrap();
    assert_eq!(seqs(&b), vec![3, 4, 5]);
    assert_eq!(stream.last_event_id(), Some(event_id(5)));
    let e = stream.next_batch(10).await.unwrap_err();
    assert!(
        matches!(e, Error::Stream { .. }),
        "EOF with max_retries 0: {e:?}"
    );
    assert_eq!(stream.next_batch(10).await.unwrap(), Vec::<Event>::new());
}

#[tokio::test]
async fn request_url_and_invalid_arguments() {
    let server = TestServer::start(|_, _| {
        sse_script(vec![CONNECTED.to_string()], Duration::ZERO, Ending::Hang)
    })
    .await;
    let client = server.client();
    let mut stream = client.events().stream(
        SID,
        StreamOptions::new()
            .since_id(event_id(7))
            .types(["turn.started", "turn.completed"])
            .exclude(["x y"])
            .exclude_deltas(),
    );
    let h = stream.stop_handle();
    let waiter = tokio::spawn(async move { stream.next().await.is_none() });
    let t = Instant::now();
    while sse_requests(&server).is_empty() && t.elapsed() < WAIT {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    h.stop();
    assert!(waiter.await.unwrap());
    let r = &sse_requests(&server)[0];
    assert_eq!(r.path, format!("/api/v1/sessions/{SID}/sse"));
    assert_eq!(r.query_values("since_id"), vec![event_id(7)]);
    assert_eq!(
        r.query_values("types"),
        vec!["turn.started", "turn.completed"]
    );
    assert_eq!(
        r.query_values("exclude"),
        vec![
            "x y",
            "output.message.delta",
            "reason.thinking.delta",
            "tool.output.delta"
        ]
    );
    assert!(r
        .query
        .as_deref()
        .unwrap()
        .contains("types=turn.started&types=turn.completed"));

    let before = server.request_count();
    for (sid, opts) in [
        ("session_bad", StreamOptions::new()),
        (SID, StreamOptions::new().since_id("event_123")),
        (
            SID,
            StreamOptions::new().types((0..26).map(|i| format!("t{i}"))),
        ),
    ] {
        let mut s = client.events().stream(sid, opts);
        let e = s.next().await.unwrap().unwrap_err();
        assert!(matches!(e, Error::Validation { status: None, .. }), "{e:?}");
        assert!(s.next().await.is_none());
    }
    assert_eq!(
        server.request_count(),
        before,
        "nothing sent for invalid arguments"
    );
}

#[tokio::test]
async fn oversized_events_end_the_stream_with_an_error() {
    let server = TestServer::start(|_, _| {
        let big = "x".repeat(4096);
        let body = format!(
            "{CONNECTED}{}{}",
            sse_event(SID, 1, "tool.progress", json!({})),
            sse_event(SID, 2, "tool.progress", json!({ "blob": big }))
        );
        sse_script(vec![body], Duration::ZERO, Ending::Hang)
    })
    .await;
    let mut stream = server
        .client()
        .events()
        .stream(SID, fast().max_event_bytes(1024));
    let first = tokio::time::timeout(WAIT, stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(
        first.sequence,
        Some(1),
        "events before the oversized one come first"
    );
    let e = tokio::time::timeout(WAIT, stream.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(matches!(e, Error::Stream { .. }), "{e:?}");
    assert!(e.message().contains("1024"), "{e}");
    assert!(stream.next().await.is_none());
    assert_eq!(server.request_count(), 1, "not retried");
}

#[tokio::test]
async fn stream_is_send_and_static() {
    fn assert_send<T: Send + Sync + 'static>(_: &T) {}
    let server = TestServer::start(|_, _| {
        sse_script(
            vec![
                CONNECTED.to_string(),
                sse_event(SID, 1, "tool.progress", json!({})),
            ],
            Duration::ZERO,
            Ending::Hang,
        )
    })
    .await;
    let stream = server.client().events().stream(SID, fast());
    assert_send(&stream);
    let count = Arc::new(AtomicUsize::new(0));
    let c2 = count.clone();
    // Moved into another task and polled there.
    let handle = tokio::spawn(async move {
        let mut stream = stream;
        if let Some(Ok(_)) = stream.next().await {
            c2.fetch_add(1, Ordering::SeqCst);
        }
    });
    tokio::time::timeout(WAIT, handle).await.unwrap().unwrap();
    assert_eq!(count.load(Ordering::SeqCst), 1);
}

/// Reads one HTTP/1.1 request head from `sock` (these test requests have no body).
async fn read_head(sock: &mut tokio::net::TcpStream) -> Option<String> {
    use tokio::io::AsyncReadExt;
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if sock.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

async fn write_sse(sock: &mut tokio::net::TcpStream, frames: &[String]) {
    use tokio::io::AsyncWriteExt;
    let body = frames.concat();
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    sock.write_all(head.as_bytes()).await.unwrap();
    sock.write_all(body.as_bytes()).await.unwrap();
}

#[tokio::test]
async fn silent_reused_connection_is_replaced_within_the_liveness_timeout() {
    // Connection 1 serves one graceful cycle, then receives the reconnect request on the same
    // keep-alive connection and never answers it (a dead pooled connection). Connection 2
    // serves the rest. The response-head wait must be bounded by the liveness timeout, not
    // by the (here 60 s) connect timeout.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let heads = Arc::new(std::sync::Mutex::new(Vec::<(usize, String)>::new()));
    let seen = heads.clone();
    let server = tokio::spawn(async move {
        let mut held = Vec::new();
        for conn in 0.. {
            let (mut sock, _) = listener.accept().await.unwrap();
            let Some(head) = read_head(&mut sock).await else {
                continue;
            };
            seen.lock().unwrap().push((conn, head));
            if conn == 0 {
                write_sse(
                    &mut sock,
                    &[
                        CONNECTED.to_string(),
                        sse_event(SID, 1, "tool.progress", json!({})),
                        disconnecting(5),
                    ],
                )
                .await;
                if let Some(head) = read_head(&mut sock).await {
                    seen.lock().unwrap().push((conn, head));
                }
                held.push(sock); // silent from now on
            } else {
                write_sse(
                    &mut sock,
                    &[
                        CONNECTED.to_string(),
                        sse_event(
                            SID,
                            2,
                            "turn.completed",
                            json!({"turn_id":"t","iterations":1}),
                        ),
                    ],
                )
                .await;
                held.push(sock);
            }
        }
    });
    let client = everruns_core::Everruns::builder()
        .api_key(TOKEN)
        .base_url(format!("http://{addr}/api"))
        .org_id(ORG)
        .build()
        .unwrap();
    let opts = fast()
        .liveness_timeout(Duration::from_millis(300))
        .connect_timeout(Duration::from_secs(60));
    let mut stream = client.events().stream(SID, opts);
    let events = collect(&mut stream, 2).await;
    assert_eq!(seqs(&events), vec![1, 2]);
    let heads = heads.lock().unwrap().clone();
    let conns: Vec<usize> = heads.iter().map(|(c, _)| *c).collect();
    assert_eq!(conns, vec![0, 0, 1], "reused once, then a fresh connection");
    assert!(heads[2].1.contains("since_id="), "{}", heads[2].1);
    assert_eq!(
        stream.retry_count(),
        0,
        "reset by `connected` on the new connection"
    );
    server.abort();
}
