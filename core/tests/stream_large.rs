//! An 8 MB event delivered through a real socket in tiny HTTP chunks.
//!
//! The server is a raw TCP listener writing an HTTP/1.1 chunked response. Every byte of the
//! first and last 16 KiB of the stream (the `connected` frame, the event's `event:`/`id:`
//! lines, the start of its `data:` line, the end of its JSON, the blank line that dispatches
//! it and the whole following event) is its own 1-byte HTTP chunk, so the client's HTTP stack
//! hands the stream 1-byte pieces at every boundary; the middle of the 8 MB payload travels in
//! 64 KiB chunks. (All 8 MiB as 1-byte HTTP chunks takes minutes in a debug build: hyper hands
//! each chunk from its connection task to the body through a channel, measured at ~37 µs per
//! chunk here. The parser's own test feeds all 8 MiB one byte at a time.)

use std::time::Duration;

use everruns_core::client::Everruns;
use everruns_core::StreamOptions;
use futures::StreamExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const SID: &str = "session_0190f3c2a7b87e1c9d2a5b6c7d8e9f01";

fn frame(seq: u64, ty: &str, data: serde_json::Value) -> String {
    let id = format!("event_{seq:032x}");
    let ev = json!({"id":id,"type":ty,"ts":"2026-01-01T00:00:00Z","session_id":SID,"sequence":seq,"data":data});
    format!("event: {ty}\nid: {id}\ndata: {ev}\n\n")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn eight_megabyte_event_in_one_byte_chunks_at_every_boundary() {
    const SIZE: usize = 8 * 1024 * 1024;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.unwrap();
        let mut req = Vec::new();
        let mut buf = [0u8; 4096];
        while !req.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = sock.read(&mut buf).await.unwrap();
            assert!(n > 0);
            req.extend_from_slice(&buf[..n]);
        }
        let head = String::from_utf8_lossy(&req).to_string();
        let mut body = String::from("event: connected\ndata: {\"status\":\"connected\"}\n\n");
        body.push_str(&frame(1, "tool.output.delta", json!({"tool_call_id":"c","tool_name":"bash","delta":"a".repeat(SIZE),"stream":"stdout"})));
        body.push_str(&frame(
            2,
            "turn.completed",
            json!({"turn_id":"t","iterations":1}),
        ));
        sock.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n")
            .await
            .unwrap();
        const EDGE: usize = 16 * 1024;
        let bytes = body.as_bytes();
        let mut out = Vec::with_capacity(1 << 20);
        let mut i = 0;
        while i < bytes.len() {
            let n = if i < EDGE || i >= bytes.len() - EDGE {
                1
            } else {
                (64 * 1024).min(bytes.len() - EDGE - i)
            };
            out.extend_from_slice(format!("{n:x}\r\n").as_bytes());
            out.extend_from_slice(&bytes[i..i + n]);
            out.extend_from_slice(b"\r\n");
            i += n;
            if out.len() >= 1 << 20 {
                sock.write_all(&out).await.unwrap();
                out.clear();
            }
        }
        sock.write_all(&out).await.unwrap();
        // Keep the connection open until the client leaves.
        let _ = sock.read(&mut buf).await;
        head
    });
    let client = Everruns::builder()
        .api_key("evr_test")
        .base_url(format!("http://{addr}/api"))
        .build()
        .unwrap();
    let mut stream = client.events().stream(
        SID,
        StreamOptions::new()
            .from_beginning()
            .max_retries(0)
            .liveness_timeout(Duration::from_secs(60)),
    );
    let t = std::time::Instant::now();
    let first = tokio::time::timeout(Duration::from_secs(240), stream.next())
        .await
        .expect("the event arrived")
        .unwrap()
        .unwrap();
    eprintln!("8 MB event: {:?}", t.elapsed());
    assert_eq!(first.sequence, Some(1));
    assert_eq!(first.data["delta"].as_str().unwrap().len(), SIZE);
    let second = stream.next().await.unwrap().unwrap();
    assert_eq!(second.event_type, "turn.completed");
    assert_eq!(stream.reconnect_count(), 0);
    drop(stream);
    let head = server.await.unwrap();
    assert!(
        head.starts_with(&format!("GET /api/v1/sessions/{SID}/sse ")),
        "{head}"
    );
}
