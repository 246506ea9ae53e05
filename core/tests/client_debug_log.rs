//! EVERRUNS_DEBUG request logs go through `tracing`, carry method, URL, status, timing and
//! request id, and never the token. Also: one pooled connection for sequential calls.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};

use everruns_core::client::Everruns;
use serde_json::json;
use support::*;

#[derive(Clone, Default)]
struct Buf(Arc<Mutex<Vec<u8>>>);

impl Write for Buf {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn debug_logs_redact_the_token_and_calls_share_one_connection() {
    let server = TestServer::start(|r, i| {
        if r.path.ends_with("/models") && i == 0 {
            return raw_response(
                503,
                "application/json",
                "{}",
                &[("x-request-id", "req_first")],
            );
        }
        raw_response(
            200,
            "application/json",
            json!({"data":[model_json(MID)]}).to_string(),
            &[("x-request-id", "req_log_1")],
        )
    })
    .await;
    let buf = Buf::default();
    let writer = buf.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::INFO)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let client = Everruns::builder()
        .api_key("evr_pat_supersecret")
        .base_url(&server.base_url)
        .retry_base_delay(std::time::Duration::from_millis(1))
        .with_env_from(|k| (k == "EVERRUNS_DEBUG").then(|| "1".to_string()))
        .build()
        .unwrap();
    for _ in 0..5 {
        client.models().list().await.unwrap();
    }
    let out = String::from_utf8(buf.0.lock().unwrap().clone()).unwrap();
    assert!(!out.contains("supersecret"), "{out}");
    assert!(out.contains("evr_****"), "{out}");
    assert!(out.contains("GET"), "{out}");
    assert!(
        out.contains(&format!("{}/v1/models", server.base_url)),
        "{out}"
    );
    assert!(out.contains("status=200"), "{out}");
    assert!(out.contains("status=503"), "{out}");
    assert!(out.contains("req_log_1"), "{out}");
    assert!(out.contains("elapsed_ms"), "{out}");
    assert!(out.contains("retrying"), "{out}");
    assert_eq!(server.request_count(), 6);
    assert_eq!(
        server.connections(),
        1,
        "one pooled connection for every call"
    );

    // Without the debug flag nothing is logged at INFO.
    buf.0.lock().unwrap().clear();
    let quiet = Everruns::builder()
        .api_key("evr_pat_supersecret")
        .base_url(&server.base_url)
        .build()
        .unwrap();
    quiet.models().list().await.unwrap();
    assert!(buf.0.lock().unwrap().is_empty());
}
