//! Graceful shutdown (SIGTERM) of the real binary with a subscriber that never reads its SSE
//! stream: the process must still exit with status 0, and a reading subscriber of the same
//! server must still get its `disconnecting` frame (reason `server_shutdown`).

mod common;

use std::time::Duration;

use common::{Opts, Server};
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

/// `(tx_queue, rx_queue)` of the IPv4 TCP socket `local_port` → `remote_port` from
/// `/proc/net/tcp` (bytes not yet acknowledged by the peer / not yet read by the process).
fn tcp_queues(local_port: u16, remote_port: u16) -> Option<(u64, u64)> {
    let table = std::fs::read_to_string("/proc/net/tcp").ok()?;
    let port = |addr: &str| u16::from_str_radix(addr.rsplit(':').next()?, 16).ok();
    table.lines().skip(1).find_map(|line| {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 5 || port(f[1])? != local_port || port(f[2])? != remote_port {
            return None;
        }
        let (tx, rx) = f[4].split_once(':')?;
        Some((
            u64::from_str_radix(tx, 16).ok()?,
            u64::from_str_radix(rx, 16).ok()?,
        ))
    })
}

#[tokio::test]
async fn sigterm_exits_while_a_subscriber_does_not_read() {
    let mut s = Server::start(Opts::dev().env("EVERRUNS_SHUTDOWN_GRACE_SECS", "3"));
    let (st, agent) = s
        .post(
            "/agents",
            json!({"name": "unread-stream", "system_prompt": "x",
                   "capabilities": [{"ref": "test_math"}, {"ref": "session_file_system"}]}),
        )
        .await;
    assert_eq!(st, 201, "{agent}");
    let (st, sess) = s.post("/sessions", json!({"agent_id": agent["id"]})).await;
    assert_eq!(st, 201, "{sess}");
    let sid = sess["id"].as_str().unwrap().to_string();
    // ~10 MB of events: three 1 MB files show up in the agent message, act.started,
    // tool.started and the next llm.generation; plus a few hundred small tool events.
    let mut calls: Vec<Value> = (0..200)
        .map(|k| json!({"name": "add", "arguments": {"a": 1, "b": k}}))
        .collect();
    calls.extend((0..3).map(|k| {
        json!({"name": "write_file",
               "arguments": {"path": format!("/big{k}.txt"), "content": "x".repeat(1_000_000)}})
    }));
    s.script(
        &sid,
        json!({"steps": [{"text": "working", "tool_calls": calls}, {"text": "done"}]}),
    )
    .await;
    s.say(&sid, "go").await;
    let events = s.wait_terminals(&sid, 1).await;
    assert!(
        events.iter().any(|e| e["type"] == "turn.completed"),
        "the turn completed"
    );
    let last_id = events.last().unwrap()["id"].as_str().unwrap().to_string();

    // A reading subscriber at the live tail.
    let mut reader = s.sse(&sid, &format!("?since_id={last_id}")).await;
    assert_eq!(
        reader.next().await.unwrap().event.as_deref(),
        Some("connected")
    );

    // A subscriber that replays everything but never reads: tiny receive buffer.
    let addr: std::net::SocketAddr = s.origin.trim_start_matches("http://").parse().unwrap();
    let sock = tokio::net::TcpSocket::new_v4().unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let mut stuck = sock.connect(addr).await.unwrap();
    stuck
        .write_all(
            format!(
                "GET /api/v1/sessions/{sid}/sse HTTP/1.1\r\nHost: {addr}\r\n\
                 Authorization: dev\r\nAccept: text/event-stream\r\n\r\n"
            )
            .as_bytes(),
        )
        .await
        .unwrap();
    // Wait until the server's writes to it are blocked: bytes pending on the server side
    // (peer window closed) and our receive queue holding data, unchanged for a second.
    let local_port = stuck.local_addr().unwrap().port();
    let mut stable = 0;
    let mut last = None;
    for _ in 0..600 {
        let q = tcp_queues(addr.port(), local_port);
        let blocked = q.is_some_and(|(tx, _)| tx > 0)
            && tcp_queues(local_port, addr.port()).is_some_and(|(_, rx)| rx > 0);
        stable = if blocked && q == last { stable + 1 } else { 0 };
        last = q;
        if stable >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        stable >= 5,
        "the unread stream never backed up: server queues {last:?}"
    );

    // SIGTERM: the process exits (Server::terminate waits up to 30 s) with status 0.
    let status = tokio::task::spawn_blocking(move || s.terminate())
        .await
        .unwrap();
    assert!(status.success(), "{status:?}");
    let f = reader.next().await.unwrap();
    assert_eq!(f.event.as_deref(), Some("disconnecting"));
    let data: Value = serde_json::from_str(&f.data).unwrap();
    assert_eq!(data["reason"], "server_shutdown");
    assert!(reader.next().await.is_none(), "stream ends after it");
    drop(stuck);
}
