//! The proxy against a local upstream on real sockets.

use std::time::Duration;

use everruns_chaos::{unix_ms, ChaosConfig, ChaosProxy, Fault, LogKind, Schedule};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

const SSE_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\n";
const JSON_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n";

/// An upstream that answers every connection with `head` then `body` in 100-byte writes.
async fn upstream(head: &'static [u8], body: Vec<u8>) -> std::net::SocketAddr {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut req = [0u8; 1024];
                let _ = s.read(&mut req).await;
                let _ = s.write_all(head).await;
                for c in body.chunks(100) {
                    if s.write_all(c).await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            });
        }
    });
    addr
}

/// Connects through the proxy and reads until EOF, error or `limit`.
async fn fetch(
    addr: std::net::SocketAddr,
    limit: Duration,
) -> (Vec<u8>, Option<std::io::ErrorKind>) {
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    s.write_all(b"GET /sse HTTP/1.1\r\n\r\n").await.unwrap();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let res = tokio::time::timeout(limit, async {
        loop {
            match s.read(&mut buf).await {
                Ok(0) => return None,
                Ok(n) => out.extend_from_slice(&buf[..n]),
                Err(e) => return Some(e.kind()),
            }
        }
    })
    .await;
    (out, res.unwrap_or(Some(std::io::ErrorKind::TimedOut)))
}

fn quiet() -> ChaosConfig {
    ChaosConfig {
        reset: 0.0,
        stall: 0.0,
        delay: 0.0,
        split: 0.0,
        ..ChaosConfig::default()
    }
}

fn body() -> Vec<u8> {
    (0..2000u32)
        .flat_map(|i| format!("data: {i}\n\n").into_bytes())
        .collect()
}

#[tokio::test]
async fn passes_bytes_through_unchanged_without_faults() {
    let up = upstream(SSE_HEAD, body()).await;
    let cfg = ChaosConfig {
        split: 1.0,
        delay: 0.2,
        max_delay: Duration::from_millis(2),
        ..quiet()
    };
    let proxy = ChaosProxy::start("127.0.0.1:0".parse().unwrap(), up, cfg)
        .await
        .unwrap();
    let (got, err) = fetch(proxy.addr(), Duration::from_secs(20)).await;
    assert_eq!(err, None);
    let mut want = SSE_HEAD.to_vec();
    want.extend(body());
    assert_eq!(
        got, want,
        "split and delayed writes must not change the bytes"
    );
    let s = proxy.stats().snapshot();
    assert!(s.splits > 0 && s.delays > 0, "{s:?}");
    assert_eq!((s.resets, s.stalls, s.streams), (0, 0, 1));
}

#[tokio::test]
async fn resets_streams_mid_way() {
    let up = upstream(SSE_HEAD, body()).await;
    let cfg = ChaosConfig {
        reset: 1.0,
        grace_bytes: 500,
        ..quiet()
    };
    let proxy = ChaosProxy::start("127.0.0.1:0".parse().unwrap(), up, cfg)
        .await
        .unwrap();
    let (got, _err) = fetch(proxy.addr(), Duration::from_secs(20)).await;
    assert!(
        got.len() < SSE_HEAD.len() + body().len(),
        "the stream was cut short"
    );
    assert!(got.starts_with(SSE_HEAD));
    assert_eq!(proxy.stats().snapshot().resets, 1);
}

#[tokio::test]
async fn stalls_leave_the_connection_open_and_silent() {
    let up = upstream(SSE_HEAD, body()).await;
    let cfg = ChaosConfig {
        stall: 1.0,
        grace_bytes: 500,
        stall_hold: Duration::from_secs(30),
        ..quiet()
    };
    let proxy = ChaosProxy::start("127.0.0.1:0".parse().unwrap(), up, cfg)
        .await
        .unwrap();
    let (got, err) = fetch(proxy.addr(), Duration::from_millis(800)).await;
    assert_eq!(
        err,
        Some(std::io::ErrorKind::TimedOut),
        "no EOF, no error: half-open"
    );
    assert!(got.len() < SSE_HEAD.len() + body().len());
    assert_eq!(proxy.stats().snapshot().stalls, 1);
}

#[tokio::test]
async fn leaves_non_stream_responses_alone() {
    let up = upstream(JSON_HEAD, body()).await;
    let cfg = ChaosConfig {
        reset: 1.0,
        stall: 1.0,
        ..quiet()
    };
    let proxy = ChaosProxy::start("127.0.0.1:0".parse().unwrap(), up, cfg)
        .await
        .unwrap();
    let (got, err) = fetch(proxy.addr(), Duration::from_secs(20)).await;
    assert_eq!(err, None);
    assert_eq!(got.len(), JSON_HEAD.len() + body().len());
    assert_eq!(proxy.stats().faults(), 0);
}

#[test]
fn same_seed_same_schedule() {
    let cfg = |seed| ChaosConfig {
        seed,
        reset: 0.05,
        stall: 0.05,
        delay: 0.3,
        split: 0.3,
        ..ChaosConfig::default()
    };
    let run = |seed| {
        let mut s = Schedule::new(cfg(seed));
        (0..500).map(|_| s.next()).collect::<Vec<_>>()
    };
    let a = run(7);
    assert_eq!(a, run(7), "same seed, same decisions");
    assert_ne!(a, run(8), "another seed, other decisions");
    let faults = a.iter().filter(|d| d.fault != Fault::None).count();
    assert!(
        faults > 10 && faults < 100,
        "about 10% of 500 chunks get a fault, got {faults}"
    );
}

#[tokio::test]
async fn logs_stream_requests_and_faults_with_wall_clock_times() {
    let up = upstream(SSE_HEAD, body()).await;
    let cfg = ChaosConfig {
        reset: 1.0,
        grace_bytes: 500,
        ..quiet()
    };
    let proxy = ChaosProxy::start("127.0.0.1:0".parse().unwrap(), up, cfg)
        .await
        .unwrap();
    let before = unix_ms();
    let _ = fetch(proxy.addr(), Duration::from_secs(20)).await;
    let log = proxy.log();
    let kinds: Vec<LogKind> = log.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![LogKind::SseRequest, LogKind::Reset]);
    assert!(log.iter().all(|e| e.conn == 1));
    assert!(log[0].at_ms >= before && log[0].at_ms <= log[1].at_ms);
    assert!(log[1].at_ms <= unix_ms());
    assert_eq!(proxy.stats().snapshot().sse_requests, 1);
}

#[tokio::test]
async fn fault_gap_keeps_faults_apart() {
    let up = upstream(SSE_HEAD, body()).await;
    let cfg = ChaosConfig {
        reset: 1.0,
        grace_bytes: 500,
        fault_gap: Duration::from_secs(600),
        ..quiet()
    };
    let proxy = ChaosProxy::start("127.0.0.1:0".parse().unwrap(), up, cfg)
        .await
        .unwrap();
    let (first, _) = fetch(proxy.addr(), Duration::from_secs(20)).await;
    assert!(
        first.len() < SSE_HEAD.len() + body().len(),
        "first stream reset"
    );
    let (second, err) = fetch(proxy.addr(), Duration::from_secs(20)).await;
    assert_eq!(err, None);
    assert_eq!(
        second.len(),
        SSE_HEAD.len() + body().len(),
        "no second fault within the gap"
    );
    let s = proxy.stats().snapshot();
    assert_eq!((s.resets, s.sse_requests, s.connections), (1, 2, 2));
}

#[tokio::test]
async fn a_refused_upstream_closes_the_client_and_is_logged() {
    // A port nothing listens on: bind, note the address, close.
    let dead = {
        let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
        l.local_addr().unwrap()
    };
    let proxy = ChaosProxy::start("127.0.0.1:0".parse().unwrap(), dead, quiet())
        .await
        .unwrap();
    let mut s = tokio::net::TcpStream::connect(proxy.addr()).await.unwrap();
    let _ = s.write_all(b"GET /sse HTTP/1.1\r\n\r\n").await; // may already be reset
    let mut buf = [0u8; 64];
    let got = tokio::time::timeout(Duration::from_secs(20), s.read(&mut buf))
        .await
        .expect("closed, not left hanging");
    assert!(
        matches!(got, Ok(0) | Err(_)),
        "nothing but a closed connection"
    );
    assert_eq!(proxy.stats().snapshot().upstream_failures, 1);
    assert_eq!(
        proxy.log().iter().map(|e| e.kind).collect::<Vec<_>>(),
        vec![LogKind::UpstreamDown]
    );
}
