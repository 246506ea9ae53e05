//! `conformance-server`: the scripted HTTP server the Rust, Python and Node conformance runners
//! play the shared vectors (`tests/conformance/vectors`) against.
//!
//! It binds a control port on a free loopback port and prints one line,
//! `conformance-server listening on http://127.0.0.1:PORT`, then serves until its standard
//! input closes (so it never outlives the runner that started it). The control plane, JSON over
//! HTTP/1.1:
//!
//! * `POST /scripts` with a script (see [`script`]) → `201 {"id": N, "base_url":
//!   "http://127.0.0.1:P/api"}`: a new listener on its own free port answers from that script.
//! * `GET /scripts/N/requests` → `200 [{"method", "path", "query": [[k, v], …], "headers": {…},
//!   "body": "…"}, …]`: what that listener received, in arrival order; the path is raw
//!   (percent-encoded), the query pairs decoded with repeated keys kept.
//! * `DELETE /scripts/N` → `204`: closes the listener and its open connections.
//!
//! Each case of a runner gets its own script, so cases run concurrently without sharing state.

mod script;
mod wire;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use script::Scripted;
use wire::{read_request, write_json};

#[derive(Default)]
struct Control {
    scripts: Mutex<HashMap<u64, Arc<Scripted>>>,
    next_id: AtomicU64,
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let mut out = tokio::io::stdout();
    out.write_all(format!("conformance-server listening on http://{addr}\n").as_bytes())
        .await?;
    out.flush().await?;
    let control = Arc::new(Control::default());
    let serve = async {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                continue;
            };
            let control = control.clone();
            tokio::spawn(async move {
                let _ = handle(sock, &control).await;
            });
        }
    };
    tokio::select! {
        _ = serve => Ok(()),
        _ = stdin_closed() => Ok(()),
    }
}

/// Resolves when standard input reaches end of file (the parent closed it or exited).
async fn stdin_closed() {
    let mut stdin = tokio::io::stdin();
    let mut buf = [0u8; 256];
    while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
}

async fn handle(mut sock: TcpStream, control: &Control) -> std::io::Result<()> {
    let Some(req) = read_request(&mut sock).await? else {
        return Ok(());
    };
    let segments: Vec<&str> = req.path.trim_matches('/').split('/').collect();
    let (status, body) = match (req.method.as_str(), segments.as_slice()) {
        ("POST", ["scripts"]) => create(control, &req.body).await,
        ("GET", ["scripts", id, "requests"]) => match find(control, id) {
            Some(s) => (200, s.captured()),
            None => not_found(id),
        },
        ("DELETE", ["scripts", id]) => {
            let removed = id
                .parse()
                .ok()
                .and_then(|id: u64| control.scripts.lock().unwrap().remove(&id));
            match removed {
                Some(s) => {
                    s.stop();
                    (204, Value::Null)
                }
                None => not_found(id),
            }
        }
        _ => (
            404,
            json!({"error": format!("no route {} {}", req.method, req.path)}),
        ),
    };
    write_json(&mut sock, status, &body).await
}

async fn create(control: &Control, body: &[u8]) -> (u16, Value) {
    let script: Value = match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => v,
        Ok(_) => return (400, json!({"error": "the script must be a JSON object"})),
        Err(e) => return (400, json!({"error": format!("invalid JSON: {e}")})),
    };
    match Scripted::start(&script).await {
        Ok(s) => {
            let id = control.next_id.fetch_add(1, Ordering::SeqCst) + 1;
            let base_url = s.base_url.clone();
            control.scripts.lock().unwrap().insert(id, Arc::new(s));
            (201, json!({"id": id, "base_url": base_url}))
        }
        Err(e) => (400, json!({"error": e})),
    }
}

fn find(control: &Control, id: &str) -> Option<Arc<Scripted>> {
    let id: u64 = id.parse().ok()?;
    control.scripts.lock().unwrap().get(&id).cloned()
}

fn not_found(id: &str) -> (u16, Value) {
    (404, json!({"error": format!("no script {id}")}))
}
