//! `everruns-bench frames`: a trivial SSE server that writes pre-built Everruns-shaped frames,
//! so the client-only row of `make bench` measures the SDKs' decoding without our server (or
//! any database) in the way.
//!
//! At start it builds `--events` events (copies of a synthetic tool-calling turn whose events
//! are serialised with the core's own [`everruns_sdk::Event`] type, so the bytes are exactly
//! what the reference server sends) and frames them once, as the server does: a `connected`
//! frame, then `event:`/`id:`/`retry:`/`data:` per event. Every `GET …/sse` request gets the
//! same bytes in one `write_all` (HTTP/1.1, body delimited by the connection's end) and then
//! the connection is held open until the client goes away, so no SDK reconnects mid-run. Query
//! strings (`since_id`, `from_beginning`) are ignored: every stream is a full replay.
//!
//! `GET /frames/info` answers `{"events", "bytes", "header_bytes", "mean_event_bytes",
//! "deltas"}` so the orchestrator's raw-socket floor knows how many bytes hold the N-th event.

use std::sync::Arc;

use everruns_sdk::{Event, EventContext};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Options of `everruns-bench frames`.
#[derive(Debug, clap::Args)]
pub struct FramesArgs {
    /// Events after the `connected` frame.
    #[arg(long, default_value_t = 100_000)]
    pub events: u64,
    /// Address to bind (port 0 picks one; printed as `listening on http://…`).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub addr: std::net::SocketAddr,
}

/// The response head every stream gets.
pub const HEAD: &[u8] = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n";

/// The pre-framed body: bytes, event count and how many of them are deltas.
pub struct Body {
    /// `connected` frame + one frame per event.
    pub bytes: Vec<u8>,
    /// Events (not counting `connected`).
    pub events: u64,
    /// `output.message.delta` events among them.
    pub deltas: u64,
    /// Mean JSON envelope size of an event.
    pub mean_event_bytes: f64,
}

/// One synthetic turn's events (types and payload shapes as the runtime writes them), `ts`
/// and ids filled by the caller. Text grows in `output.message.delta` events as a model
/// streams a reply (`delta` + `accumulated`).
fn turn_template(turn: u64) -> Vec<(&'static str, Value)> {
    let turn_id = format!("turn_{:032x}", 0x7000_0000_0000_u64 + turn);
    let msg_id = format!("message_{:032x}", 0x5000_0000_0000_u64 + turn);
    let mut out: Vec<(&'static str, Value)> = vec![
        (
            "input.message",
            json!({"message": {"id": msg_id, "role": "user", "content": [{"type": "text", "text": "Research durable execution engines and save notes."}]}}),
        ),
        (
            "turn.started",
            json!({"turn_id": turn_id, "input_message_id": msg_id}),
        ),
        (
            "reason.started",
            json!({"turn_id": turn_id, "model": "llmsim", "iteration": 1}),
        ),
        ("output.message.started", json!({"turn_id": turn_id})),
    ];
    const WORDS: [&str; 12] = [
        "Durable ",
        "execution ",
        "engines ",
        "record ",
        "every ",
        "step ",
        "of ",
        "a ",
        "workflow ",
        "in ",
        "an ",
        "append-only log. ",
    ];
    let mut acc = String::new();
    for i in 0..48usize {
        // A delta every 100 ms holds a few words; a reply starts over every 16 deltas.
        if i % 16 == 0 {
            acc.clear();
        }
        let delta: String = (0..3).map(|j| WORDS[(i * 3 + j) % WORDS.len()]).collect();
        acc.push_str(&delta);
        out.push((
            "output.message.delta",
            json!({"turn_id": turn_id, "delta": delta, "accumulated": acc}),
        ));
    }
    out.extend([
        (
            "output.message.completed",
            json!({"turn_id": turn_id, "message": {"id": msg_id, "role": "agent", "content": [{"type": "text", "text": acc}]}}),
        ),
        (
            "tool.started",
            json!({"turn_id": turn_id, "tool_call": {"id": "call_1", "name": "write_file", "arguments": {"path": "/workspace/notes.md"}}}),
        ),
        (
            "tool.completed",
            json!({"turn_id": turn_id, "tool_call_id": "call_1", "status": "success", "result": [{"type": "text", "text": "wrote 2.8 KB"}]}),
        ),
        (
            "reason.completed",
            json!({"turn_id": turn_id, "success": true, "usage": {"input_tokens": 812, "output_tokens": 164}}),
        ),
        ("turn.completed", json!({"turn_id": turn_id, "iterations": 2, "duration_ms": 5120})),
    ]);
    out
}

/// RFC 3339 UTC with milliseconds, as the server writes `ts`.
fn ts_of(ms: i64) -> String {
    let (secs, milli) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The session id every pre-built event carries (any valid id works in the stream URL).
pub fn session_id() -> String {
    format!("session_{:032x}", 0xbe_ec4_u64)
}

/// Builds the body: `events` events, copies of the template turn with fresh ids.
pub fn build(events: u64) -> Body {
    let session_id = session_id();
    let mut bytes = Vec::with_capacity(events as usize * 760 + 128);
    bytes.extend_from_slice(b"event: connected\nretry: 100\ndata: {\"status\":\"connected\"}\n\n");
    let (mut n, mut deltas, mut json_bytes, mut turn) = (0u64, 0u64, 0usize, 0u64);
    let base_ms: i64 = 1_796_000_000_000;
    while n < events {
        let turn_id = format!("turn_{:032x}", 0x7000_0000_0000_u64 + turn);
        for (ty, data) in turn_template(turn) {
            if n == events {
                break;
            }
            n += 1;
            let ev = Event {
                id: format!("event_{:032x}", 0x0193_0000_0000_0000_u64 + n),
                event_type: ty.to_string(),
                ts: serde_json::from_value(json!(ts_of(base_ms + n as i64 * 7)))
                    .expect("a timestamp"),
                session_id: session_id.clone(),
                sequence: Some(n as i64),
                context: EventContext {
                    turn_id: Some(turn_id.clone()),
                    exec_id: Some(format!("exec_{:032x}", 0x9000_0000_u64 + turn)),
                    trace_id: Some(turn_id.clone()),
                    ..Default::default()
                },
                data,
                metadata: None,
                tags: Vec::new(),
            };
            if ty == "output.message.delta" {
                deltas += 1;
            }
            let js = serde_json::to_string(&ev).expect("event serialises");
            json_bytes += js.len();
            bytes.extend_from_slice(b"event: ");
            bytes.extend_from_slice(ty.as_bytes());
            bytes.extend_from_slice(b"\nid: ");
            bytes.extend_from_slice(ev.id.as_bytes());
            bytes.extend_from_slice(b"\nretry: 100\ndata: ");
            bytes.extend_from_slice(js.as_bytes());
            bytes.extend_from_slice(b"\n\n");
        }
        turn += 1;
    }
    Body {
        bytes,
        events: n,
        deltas,
        mean_event_bytes: json_bytes as f64 / n.max(1) as f64,
    }
}

/// Reads one request head (up to `\r\n\r\n`); returns its path, or `None` at EOF/garbage.
async fn read_head(sock: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    loop {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]);
            let line = head.lines().next()?;
            return line.split_whitespace().nth(1).map(str::to_string);
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
    }
}

async fn serve_one(mut sock: TcpStream, body: Arc<Body>) {
    let _ = sock.set_nodelay(true);
    let Some(path) = read_head(&mut sock).await else {
        return;
    };
    if path.starts_with("/frames/info") {
        let info = json!({
            "events": body.events,
            "bytes": body.bytes.len(),
            "header_bytes": HEAD.len(),
            "mean_event_bytes": body.mean_event_bytes,
            "deltas": body.deltas,
        })
        .to_string();
        let resp = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{info}",
            info.len()
        );
        let _ = sock.write_all(resp.as_bytes()).await;
        return;
    }
    if !path.split('?').next().unwrap_or("").ends_with("/sse") {
        let _ = sock
            .write_all(b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
            .await;
        return;
    }
    if sock.write_all(HEAD).await.is_err() || sock.write_all(&body.bytes).await.is_err() {
        return;
    }
    // Hold the stream open (as a live server would) until the client leaves.
    let mut sink = [0u8; 4096];
    while let Ok(n) = sock.read(&mut sink).await {
        if n == 0 {
            break;
        }
    }
}

/// Runs the frames server until SIGTERM/SIGINT.
pub async fn run(args: FramesArgs) -> Result<(), Box<dyn std::error::Error>> {
    let body = Arc::new(build(args.events));
    eprintln!(
        "frames: {} events ({} deltas), {} bytes, mean envelope {:.0} B",
        body.events,
        body.deltas,
        body.bytes.len(),
        body.mean_event_bytes
    );
    let listener = TcpListener::bind(args.addr).await?;
    println!("listening on http://{}", listener.local_addr()?);
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    loop {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => break,
            _ = term.recv() => break,
            acc = listener.accept() => {
                if let Ok((sock, _)) = acc {
                    tokio::spawn(serve_one(sock, body.clone()));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{build, ts_of};

    #[test]
    fn timestamps() {
        assert_eq!(ts_of(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(ts_of(1_796_000_000_123), "2026-11-30T00:53:20.123Z");
    }

    #[test]
    fn body_decodes_with_the_core_parser_and_types() {
        let body = build(200);
        assert_eq!(body.events, 200);
        assert!(body.deltas > 100, "mostly deltas: {}", body.deltas);
        let mut p = everruns_core::sse::SseParser::new();
        p.push(&body.bytes).expect("parses");
        let frames: Vec<_> = std::iter::from_fn(|| p.next_frame()).collect();
        assert_eq!(frames.len(), 201, "connected + 200");
        assert_eq!(frames[0].event.as_deref(), Some("connected"));
        for (i, f) in frames[1..].iter().enumerate() {
            let ev: everruns_sdk::Event = serde_json::from_str(&f.data).expect("an Event");
            assert_eq!(ev.sequence, Some(i as i64 + 1));
            assert_eq!(f.id.as_deref(), Some(ev.id.as_str()));
            if ev.event_type == "output.message.delta" {
                assert!(ev.data["delta"].as_str().is_some_and(|d| !d.is_empty()));
            }
        }
        assert!(
            (400.0..1000.0).contains(&body.mean_event_bytes),
            "{}",
            body.mean_event_bytes
        );
    }
}
