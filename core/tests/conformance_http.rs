//! Rust runner of the HTTP-level conformance vectors (`tests/conformance/vectors/http_*.json`,
//! `sse_streams.json`): each case drives the real SDK against a scripted local HTTP server on a
//! real socket. The Python and Node runners play the same vectors through their bindings.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use everruns_core::client::{Error, Everruns};
use everruns_core::{CreateSessionRequest, ListAgentsParams, ListEventsParams, StreamOptions};
use futures::StreamExt;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

fn vectors(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/conformance/vectors")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

/// One captured request.
#[derive(Debug, Clone)]
struct Captured {
    method: String,
    path: String,
    query: Vec<(String, String)>,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

/// What the scripted server answers.
#[derive(Clone)]
enum Script {
    /// Requests matching (method, path) get `responses` in order (the last repeats).
    Http {
        method: String,
        path: String,
        responses: Vec<Value>,
        default: Value,
    },
    /// `GET …/sse` connection k gets `connections[k]` (the last repeats).
    Sse { connections: Vec<Value> },
}

struct Server {
    base_url: String,
    captured: Arc<Mutex<Vec<Captured>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(script: Script) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let captured = Arc::new(Mutex::new(Vec::new()));
    let counter = Arc::new(Mutex::new(0usize));
    let cap = captured.clone();
    let task = tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let (script, cap, counter) = (script.clone(), cap.clone(), counter.clone());
            tokio::spawn(async move {
                let _ = handle(sock, script, cap, counter).await;
            });
        }
    });
    Server {
        base_url: format!("http://{addr}/api"),
        captured,
        task,
    }
}

async fn read_request(sock: &mut TcpStream) -> std::io::Result<Option<Captured>> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_string();
    let target = first.next().unwrap_or("").to_string();
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let len: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < len {
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&tmp[..n]);
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.clone(), String::new()),
    };
    let query = url::form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    Ok(Some(Captured {
        method,
        path,
        query,
        headers,
        body,
    }))
}

fn reason(status: u16) -> &'static str {
    everruns_core::status_title(status)
}

async fn write_response(sock: &mut TcpStream, r: &Value) -> std::io::Result<()> {
    let status = r["status"].as_u64().unwrap_or(200) as u16;
    let body = match &r["body"] {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let content_type = if body.trim_start().starts_with('<') {
        "text/html"
    } else {
        "application/json"
    };
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n",
        reason(status),
        body.len()
    );
    if let Some(h) = r["headers"].as_object() {
        for (k, v) in h {
            head.push_str(&format!("{k}: {}\r\n", v.as_str().unwrap()));
        }
    }
    head.push_str("\r\n");
    sock.write_all(head.as_bytes()).await?;
    sock.write_all(body.as_bytes()).await?;
    sock.shutdown().await
}

async fn handle(
    mut sock: TcpStream,
    script: Script,
    captured: Arc<Mutex<Vec<Captured>>>,
    counter: Arc<Mutex<usize>>,
) -> std::io::Result<()> {
    let Some(req) = read_request(&mut sock).await? else {
        return Ok(());
    };
    captured.lock().unwrap().push(req.clone());
    match script {
        Script::Http {
            method,
            path,
            responses,
            default,
        } => {
            if req.method == method && req.path == path {
                let k = {
                    let mut c = counter.lock().unwrap();
                    *c += 1;
                    *c - 1
                };
                let r = &responses[k.min(responses.len() - 1)];
                write_response(&mut sock, r).await
            } else {
                write_response(&mut sock, &default).await
            }
        }
        Script::Sse { connections } => {
            if !req.path.ends_with("/sse") {
                return write_response(&mut sock, &json!({"status": 200, "body": {"data": []}}))
                    .await;
            }
            let k = {
                let mut c = counter.lock().unwrap();
                *c += 1;
                *c - 1
            };
            let conn = &connections[k.min(connections.len() - 1)];
            if conn.get("status").is_some() {
                return write_response(&mut sock, conn).await;
            }
            sock.write_all(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n",
            )
            .await?;
            for chunk in conn["chunks"].as_array().unwrap() {
                sock.write_all(chunk.as_str().unwrap().as_bytes()).await?;
                sock.flush().await?;
                tokio::time::sleep(Duration::from_millis(2)).await;
            }
            if conn["then"] == "hold" {
                tokio::time::sleep(Duration::from_secs(60)).await;
            }
            sock.shutdown().await
        }
    }
}

fn client(v: &Value, base_url: &str) -> Everruns {
    let c = &v["client"];
    Everruns::builder()
        .api_key(c["api_key"].as_str().unwrap())
        .org_id(c["org_id"].as_str().unwrap())
        .base_url(base_url)
        .max_retries(c["max_retries"].as_u64().unwrap() as u32)
        .retry_base_delay(Duration::from_millis(
            c["retry_base_delay_ms"].as_u64().unwrap(),
        ))
        .retry_max_delay(Duration::from_millis(
            c["retry_max_delay_ms"].as_u64().unwrap(),
        ))
        .max_retry_after(Duration::from_millis(
            c["max_retry_after_ms"].as_u64().unwrap(),
        ))
        .build()
        .unwrap()
}

fn strs(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

/// Performs a vector's `call` with the Rust SDK.
async fn call(client: &Everruns, name: &str, a: &Value) -> Result<(), Error> {
    let s = |k: &str| a[k].as_str().unwrap_or_default().to_string();
    match name {
        "agents.get" => client.agents().get(&s("id")).await.map(drop),
        "agents.list" => client
            .agents()
            .list(ListAgentsParams {
                search: a["search"].as_str().map(str::to_string),
                offset: a["offset"].as_u64(),
                limit: a["limit"].as_u64(),
                ..Default::default()
            })
            .await
            .map(drop),
        "agents.create" => client
            .agents()
            .create(&s("name"), &s("system_prompt"))
            .await
            .map(drop),
        "agents.delete" => client.agents().delete(&s("id")).await,
        "sessions.create" => client
            .sessions()
            .create(CreateSessionRequest {
                agent_id: a["agent_id"].as_str().map(str::to_string),
                title: a["title"].as_str().map(str::to_string),
                ..Default::default()
            })
            .await
            .map(drop),
        "sessions.cancel" => client.sessions().cancel(&s("id")).await.map(drop),
        "messages.create" => client
            .messages()
            .create(&s("session_id"), &s("text"))
            .await
            .map(drop),
        "events.list" => client
            .events()
            .list(
                &s("session_id"),
                ListEventsParams {
                    since_id: a["since_id"].as_str().map(str::to_string),
                    types: strs(&a["types"]),
                    exclude: strs(&a["exclude"]),
                    ..Default::default()
                },
            )
            .await
            .map(drop),
        "filesystem.read" => client
            .filesystem()
            .read(&s("session_id"), &s("path"))
            .await
            .map(drop),
        "filesystem.list" => client
            .filesystem()
            .list(&s("session_id"), &s("path"))
            .await
            .map(drop),
        other => panic!("unknown call {other}"),
    }
}

/// The vectors' error-kind names for the Rust error variants.
fn kind_of(e: &Error) -> &'static str {
    match e.kind() {
        "Validation" => "validation",
        "Authentication" => "authentication",
        "Permission" => "permission",
        "NotFound" => "not_found",
        "Conflict" => "conflict",
        "RateLimited" => "rate_limited",
        "Api" | "Server" => "api",
        "Network" | "Timeout" => "network",
        other => panic!("unexpected error kind {other}: {e}"),
    }
}

fn subset(expected: &Value, actual: &Value) -> bool {
    match (expected, actual) {
        (Value::Object(e), Value::Object(a)) => e
            .iter()
            .all(|(k, v)| a.get(k).is_some_and(|av| subset(v, av))),
        _ => expected == actual,
    }
}

#[tokio::test]
async fn http_requests() {
    let v = vectors("http_requests.json");
    for c in v["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let e = &c["expect"];
        let server = serve(Script::Http {
            method: e["method"].as_str().unwrap().into(),
            path: e["path"].as_str().unwrap().into(),
            responses: vec![c["response"].clone()],
            default: v["default_response"].clone(),
        })
        .await;
        let sdk = client(&v, &server.base_url);
        call(&sdk, c["call"].as_str().unwrap(), &c["args"])
            .await
            .unwrap_or_else(|err| panic!("{name}: {err}"));
        let captured = server.captured.lock().unwrap().clone();
        let req = captured
            .iter()
            .find(|r| r.method == e["method"] && r.path == e["path"])
            .unwrap_or_else(|| panic!("{name}: no matching request in {captured:#?}"));
        let want_query: Vec<(String, String)> = e["query"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
            .collect();
        assert_eq!(req.query, want_query, "{name}: query");
        if let Some(h) = e["headers"].as_object() {
            for (k, want) in h {
                assert_eq!(
                    req.headers.get(k).map(String::as_str),
                    want.as_str(),
                    "{name}: header {k}"
                );
            }
        }
        if let Some(p) = e["user_agent_pattern"].as_str() {
            let ua = req.headers.get("user-agent").cloned().unwrap_or_default();
            assert!(
                ua.starts_with("everruns-rust-sdk/"),
                "{name}: user-agent {ua} ({p})"
            );
            assert_eq!(
                req.headers.get("x-sdk-version"),
                Some(&ua),
                "{name}: x-sdk-version"
            );
        }
        if let Some(b) = e.get("body_subset") {
            let body: Value = serde_json::from_slice(&req.body).unwrap();
            assert!(subset(b, &body), "{name}: body {body} lacks {b}");
        }
    }
    for c in v["rejected_before_sending"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let server = serve(Script::Http {
            method: "NONE".into(),
            path: "/".into(),
            responses: vec![],
            default: v["default_response"].clone(),
        })
        .await;
        let sdk = client(&v, &server.base_url);
        let err = call(&sdk, c["call"].as_str().unwrap(), &c["args"])
            .await
            .expect_err(name);
        assert_eq!(
            kind_of(&err),
            c["error_kind"].as_str().unwrap(),
            "{name}: {err}"
        );
        assert!(
            server.captured.lock().unwrap().is_empty(),
            "{name}: a request was sent"
        );
    }
}

#[tokio::test]
async fn http_retries() {
    let v = vectors("http_retries.json");
    for c in v["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let m = &c["match"];
        let server = serve(Script::Http {
            method: m["method"].as_str().unwrap().into(),
            path: m["path"].as_str().unwrap().into(),
            responses: c["responses"].as_array().unwrap().clone(),
            default: v["default_response"].clone(),
        })
        .await;
        let sdk = client(&v, &server.base_url);
        let result = call(&sdk, c["call"].as_str().unwrap(), &c["args"]).await;
        let attempts = server
            .captured
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.method == m["method"] && r.path == m["path"])
            .count();
        let e = &c["expect"];
        assert_eq!(
            attempts as u64,
            e["attempts"].as_u64().unwrap(),
            "{name}: attempts ({result:?})"
        );
        match e["outcome"].as_str().unwrap() {
            "ok" => assert!(result.is_ok(), "{name}: {result:?}"),
            _ => {
                let err = result.expect_err(name);
                assert_eq!(
                    kind_of(&err),
                    e["error_kind"].as_str().unwrap(),
                    "{name}: {err}"
                );
                if let Some(s) = e["error_status"].as_u64() {
                    assert_eq!(err.status(), Some(s as u16), "{name}");
                }
                if let Some(code) = e["error_code"].as_str() {
                    assert_eq!(err.code(), code, "{name}");
                }
                if let Some(msg) = e["error_message"].as_str() {
                    assert_eq!(err.message(), msg, "{name}");
                }
                if let Some(id) = e["error_request_id"].as_str() {
                    assert_eq!(err.request_id(), Some(id), "{name}");
                }
            }
        }
    }
}

#[tokio::test]
async fn sse_streams() {
    let v = vectors("sse_streams.json");
    let sid = v["session_id"].as_str().unwrap();
    let so = &v["stream_options"];
    for c in v["cases"].as_array().unwrap() {
        let name = c["name"].as_str().unwrap();
        let server = serve(Script::Sse {
            connections: c["connections"].as_array().unwrap().clone(),
        })
        .await;
        let sdk = client(&v, &server.base_url);
        let o = &c["options"];
        let mut opts = StreamOptions::new()
            .from_beginning()
            .backoff(
                Duration::from_millis(so["initial_backoff_ms"].as_u64().unwrap()),
                Duration::from_millis(so["max_backoff_ms"].as_u64().unwrap()),
            )
            .types(strs(&o["types"]))
            .exclude(strs(&o["exclude"]));
        if let Some(ms) = o["liveness_timeout_ms"].as_u64() {
            opts = opts.liveness_timeout(Duration::from_millis(ms));
        }
        let mut stream = sdk.events().stream(sid, opts);
        let (mut ids, mut types, mut error) = (Vec::new(), Vec::new(), None);
        let stop_after = c["stop_after_type"].as_str();
        let outcome = tokio::time::timeout(Duration::from_secs(20), async {
            while let Some(item) = stream.next().await {
                match item {
                    Ok(ev) => {
                        ids.push(ev.id.clone());
                        types.push(ev.event_type.clone());
                        if Some(ev.event_type.as_str()) == stop_after {
                            break;
                        }
                    }
                    Err(e) => {
                        error = Some(e);
                        break;
                    }
                }
            }
        })
        .await;
        assert!(outcome.is_ok(), "{name}: timed out with ids {ids:?}");
        let e = &c["expect"];
        assert_eq!(ids, strs(&e["ids"]), "{name}: ids");
        if e.get("types").is_some() {
            assert_eq!(types, strs(&e["types"]), "{name}: types");
        }
        let connections: Vec<Captured> = server
            .captured
            .lock()
            .unwrap()
            .iter()
            .filter(|r| r.path.ends_with("/sse"))
            .cloned()
            .collect();
        let since: Vec<Option<String>> = connections
            .iter()
            .map(|r| {
                r.query
                    .iter()
                    .find(|(k, _)| k == "since_id")
                    .map(|(_, v)| v.clone())
            })
            .collect();
        let want_since: Vec<Option<String>> = e["since_ids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().map(str::to_string))
            .collect();
        assert_eq!(since, want_since, "{name}: since_id per connection");
        if let Some(q) = e["query_first"].as_array() {
            let filters: Vec<(String, String)> = connections[0]
                .query
                .iter()
                .filter(|(k, _)| k == "types" || k == "exclude")
                .cloned()
                .collect();
            let want: Vec<(String, String)> = q
                .iter()
                .map(|p| (p[0].as_str().unwrap().into(), p[1].as_str().unwrap().into()))
                .collect();
            assert_eq!(filters, want, "{name}: filters");
        }
        if let Some(n) = e["retry_count"].as_u64() {
            assert_eq!(stream.retry_count() as u64, n, "{name}: retry_count");
        }
        match e["error_kind"].as_str() {
            Some(kind) => {
                let err = error.unwrap_or_else(|| panic!("{name}: expected an error"));
                assert_eq!(kind_of(&err), kind, "{name}: {err}");
                if let Some(code) = e["error_code"].as_str() {
                    assert_eq!(err.code(), code, "{name}");
                }
            }
            None => assert!(error.is_none(), "{name}: {error:?}"),
        }
    }
}
