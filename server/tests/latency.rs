//! Latency of small SSE writes: the server must not hold a frame back until the client's
//! delayed ACK of the previous write arrives (Nagle's algorithm), so every accepted socket
//! needs `TCP_NODELAY`.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{Opts, Server};

/// Reads from `sock` into `buf` until it contains `needle`.
fn read_until(sock: &mut TcpStream, buf: &mut Vec<u8>, needle: &[u8]) {
    let mut chunk = [0u8; 16 * 1024];
    while !buf.windows(needle.len()).any(|w| w == needle) {
        let n = sock.read(&mut chunk).expect("read");
        assert!(
            n > 0,
            "connection closed before {:?}",
            String::from_utf8_lossy(needle)
        );
        buf.extend_from_slice(&chunk[..n]);
    }
}

/// One sample: on a fresh connection, a keep-alive request (`GET /health`), then at once the
/// SSE request on the same connection (as a pooled HTTP client reconnecting does); returns
/// the time from sending the SSE request to receiving its `connected` frame.
///
/// The client never asks for quick ACKs, so after a request/response exchange the kernel
/// delays its ACKs (about 40 ms). The server writes the response head and then the
/// `connected` chunk: without `TCP_NODELAY` the chunk waits for the ACK of the head.
fn time_to_connected(hostport: &str, sid: &str) -> Duration {
    let mut sock = TcpStream::connect(hostport).expect("connect");
    sock.set_read_timeout(Some(Duration::from_secs(30)))
        .expect("timeout");
    let mut buf = Vec::new();
    sock.write_all(format!("GET /health HTTP/1.1\r\nHost: {hostport}\r\n\r\n").as_bytes())
        .expect("health request");
    read_until(&mut sock, &mut buf, b"{\"status\":\"ok\"}");
    buf.clear();
    let sent = Instant::now();
    sock.write_all(
        format!(
            "GET /api/v1/sessions/{sid}/sse HTTP/1.1\r\nHost: {hostport}\r\n\
             Authorization: dev\r\nAccept: text/event-stream\r\n\r\n"
        )
        .as_bytes(),
    )
    .expect("sse request");
    read_until(&mut sock, &mut buf, b"event: connected\n");
    sent.elapsed()
}

#[tokio::test]
async fn first_frame_on_a_reused_connection_is_not_delayed() {
    let s = Server::start(Opts::dev());
    let sid = s.session().await;
    let hostport = s.origin.trim_start_matches("http://").to_string();
    const SAMPLES: usize = 30;
    let mut times = tokio::task::spawn_blocking(move || {
        (0..SAMPLES)
            .map(|_| time_to_connected(&hostport, &sid))
            .collect::<Vec<_>>()
    })
    .await
    .expect("samples");
    times.sort();
    let p50 = times[SAMPLES / 2];
    let p90 = times[SAMPLES * 9 / 10];
    eprintln!("time to the connected frame: p50 {p50:?}, p90 {p90:?}");
    // Without TCP_NODELAY every sample takes about 45 ms (the peer's delayed ACK); with it a
    // few ms. 20 ms leaves room for a busy machine.
    assert!(
        p90 < Duration::from_millis(20),
        "p90 {p90:?} (p50 {p50:?}): the connected frame waited for the peer's ACK"
    );
}
