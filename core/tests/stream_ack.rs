//! Acknowledged delivery (`EventStream::deliver_on_ack`): events pulled but not acknowledged do
//! not move `last_event_id` or the per-session default cursor (docs/decisions.md#4); acknowledged ones
//! do, in order, so a new default stream resumes right after the last acknowledged event.

mod support;

use std::time::Duration;

use everruns_core::client::StreamOptions;
use futures::StreamExt;
use serde_json::json;
use support::*;

const WAIT: Duration = Duration::from_secs(20);
const EVENTS: u64 = 10;

#[tokio::test]
async fn only_acknowledged_events_move_the_cursor() {
    let server = TestServer::start(|r, _| {
        if r.path.ends_with("/sse") {
            let after = since_seq(r).unwrap_or(0);
            let mut frames = vec![CONNECTED.to_string()];
            for seq in (after + 1)..=EVENTS {
                let e = event_json(SID, seq, "output.message.delta", json!({"delta": "x"}));
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
    let client = server.client();
    let mut stream = client.events().stream(SID, StreamOptions::new());
    let ack = stream.deliver_on_ack();
    let mut pulled = Vec::new();
    while pulled.len() < EVENTS as usize {
        let batch = tokio::time::timeout(WAIT, stream.next_batch(64))
            .await
            .expect("stream stalled")
            .expect("stream error");
        assert!(!batch.is_empty(), "stream ended");
        pulled.extend(batch);
    }
    // Pulled, none handed over.
    assert_eq!(stream.last_event_id(), None);
    assert_eq!(client.default_cursor(SID), None);

    ack.ack(3);
    assert_eq!(ack.last_event_id().as_deref(), Some(pulled[2].id.as_str()));
    assert_eq!(
        stream.last_event_id().as_deref(),
        Some(pulled[2].id.as_str())
    );
    assert_eq!(
        client.default_cursor(SID).as_deref(),
        Some(pulled[2].id.as_str())
    );
    assert_eq!((ack.retry_count(), ack.reconnect_count()), (0, 0));

    // A new default stream resumes after the third event although ten were pulled.
    let mut next = client.events().stream(SID, StreamOptions::new());
    let first = tokio::time::timeout(WAIT, next.next())
        .await
        .expect("stream stalled")
        .expect("stream ended")
        .expect("stream error");
    assert_eq!(first.id, pulled[3].id);
    assert_eq!(first.sequence, Some(4));

    // Acknowledging more than was pulled stops at what was pulled.
    ack.ack(100);
    assert_eq!(ack.last_event_id().as_deref(), Some(pulled[9].id.as_str()));
}
